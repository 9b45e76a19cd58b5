"""The closest hits /ask shows when it finds no grounded answer, behind a small port: the ask service
takes any HitFinder, so a full-text search can stand in for the plain match here.

The plain match: the question's content words, each a case-insensitive substring of a live entry's
headline, text, note, details or speaker, in the asking newsroom only; entries holding more of the
words first, then the newest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.question_names import STOP_WORDS, tokens
from bot.core.requester import Requester
from bot.services.reader import entry_at
from db import speaker_statements as statements
from db.engine import Database
from db.models import EntryRead
from db.topics import escape_like

# Words matched at most, and rows read per hit wanted: enough to rank by words in common.
WORDS_MAX = 6
ROWS_PER_HIT = 4


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry near the question: its id, its topic and what it says, for a line with a citation."""

    entry: EntryRead
    topic_slug: str


class HitFinder(Protocol):
    async def __call__(self, db: Database, requester: Requester, text: str, limit: int) -> list[Hit]: ...


def content_words(text: str) -> list[str]:
    """The words of a question worth matching: no stop words, nothing shorter than three letters."""
    return list(dict.fromkeys(w for w in tokens(text) if w not in STOP_WORDS and len(w) > 2))[:WORDS_MAX]


def said_text(entry: EntryRead) -> str:
    return " ".join(p for p in (entry.headline, entry.text, entry.note, entry.details, entry.speaker) if p).lower()


async def like_hits(db: Database, requester: Requester, text: str, limit: int) -> list[Hit]:
    """Live entries of the asking newsroom sharing the most content words with `text`."""
    words = content_words(text)
    if not words or limit <= 0:
        return []
    params: dict[str, object] = {f"word_{n}": f"%{escape_like(word)}%" for n, word in enumerate(words)}
    params.update(newsroom_id=requester.guild_id, limit=limit * ROWS_PER_HIT)
    async with db.connect() as connection:
        rows = (await connection.execute(statements.words_match(len(words), False), params)).all()
    hits = [Hit(entry, str(row[0])) for row in rows if (entry := entry_at(row, 1)) is not None]
    # Stable: among entries with as many words in common, the newest (the statement's order) first.
    hits.sort(key=lambda hit: -sum(word in said_text(hit.entry) for word in words))
    return hits[:limit]
