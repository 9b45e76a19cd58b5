"""The closest hits /ask shows when it finds no grounded answer, behind a small port (the ask
service takes any HitFinder, so tests can give it another).

The default finder is the full-text index (db.search.closest_entries) over the question's content
words, any of which may match: ranked by relevance, newer first among equals, among the newsroom's
most recently indexed matches, from the asking newsroom's live entries only (summaries and background
facts carry no entry to cite, so they are left out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from bot.core.errors import InvalidInput
from bot.core.question_names import STOP_WORDS, tokens
from bot.core.requester import Requester
from bot.core.search_query import SearchQuery
from bot.services.reader import entry_at
from db import search as index
from db import speaker_statements as statements
from db.engine import Database
from db.models import EntryRead

# Words searched for at most: a question's content words, not its every word.
WORDS_MAX = 6
_APOSTROPHES = re.compile("['\u2019]")


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry near the question: its id, its topic and what it says, for a line with a citation."""

    entry: EntryRead
    topic_slug: str


class HitFinder(Protocol):
    async def __call__(self, db: Database, requester: Requester, text: str, limit: int) -> list[Hit]: ...


def content_words(text: str) -> list[str]:
    """The words of a question worth matching: no stop words, nothing shorter than three letters. An
    apostrophe splits a word, as the index splits it: "what's" is the stop word "what" (and "s", which
    would match nearly every document), "Biden's" is "biden"."""
    parts = (part for word in tokens(text) for part in _APOSTROPHES.split(word))
    return list(dict.fromkeys(w for w in parts if w not in STOP_WORDS and len(w) > 2))[:WORDS_MAX]


def said_text(entry: EntryRead) -> str:
    return " ".join(p for p in (entry.headline, entry.text, entry.note, entry.details, entry.speaker) if p).lower()


async def search_hits(db: Database, requester: Requester, text: str, limit: int) -> list[Hit]:
    """The live entries of the asking newsroom that the search ranks closest to `text`."""
    words = content_words(text)
    if not words or limit <= 0:
        return []
    try:
        query = SearchQuery.any_of(" ".join(words))
    except InvalidInput:  # words the question reader keeps but the index has no token for
        return []
    async with db.connect() as connection:
        ids = await index.closest_entries(
            connection, sqlite=db.is_sqlite, newsroom_id=requester.guild_id, query=query, limit=limit
        )
        if not ids:
            return []
        params = {"ids": ids, "newsroom_id": requester.guild_id}
        rows = (await connection.execute(statements.ENTRIES_BY_ID, params)).all()
    found = {entry.id: Hit(entry, str(row[0])) for row in rows if (entry := entry_at(row, 1)) is not None}
    return [found[entry_id] for entry_id in ids if entry_id in found]
