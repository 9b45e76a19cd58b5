"""/speaker: a person's or an organisation's statements across every topic of the newsroom.

The common case is one statement (db.speaker_statements.speaker_page): the name matched word by word
in the folded name, role and organisation, as /latest's filter does. A name nothing matches is tried
once more with its words spelt as the newsroom's speakers spell them (rapidfuzz, bot.core.questions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.matching import fold
from bot.core.question_names import correct_words, tokens
from bot.core.requester import Requester
from bot.services.reader import Page, entry_at
from db import speaker_statements as statements
from db import topics as topic_queries
from db.engine import MAX_ROW_ID, Database
from db.models import EntryRead
from db.topics import escape_like

_FIRST_ENTRY = len(statements.SPEAKER_EXTRAS)


@dataclass(frozen=True, slots=True)
class Cited:
    """A statement with the topic it belongs to, for its citation."""

    entry: EntryRead
    topic_slug: str
    topic_title: str


@dataclass(slots=True)
class SpeakerResult:
    timezone: str
    # The name as matched: what was typed, or its close spelling (`typed` then says what was typed).
    name: str
    typed: str | None
    topic_id: int | None
    topic_slug: str | None
    statements: list[Cited]
    page: Page


def _patterns(words: list[str]) -> dict[str, str]:
    return {f"speaker_{n}": f"%{escape_like(word)}%" for n, word in enumerate(words)}


async def _page(
    db: Database, guild_id: int, words: list[str], topic_id: int | None, page: int, per_page: int
) -> tuple[str, int, list[Cited]]:
    params: dict[str, Any] = {"newsroom_id": guild_id, **_patterns(words), "offset": page * per_page}
    params["limit"] = per_page
    if topic_id is not None:
        params["topic_id"] = topic_id
    async with db.connect() as connection:
        rows = (await connection.execute(statements.speaker_page(frozenset(params)), params)).all()
    if not rows:
        return "UTC", 0, []
    cited = [
        Cited(entry, str(row[2]), str(row[3])) for row in rows if (entry := entry_at(row, _FIRST_ENTRY)) is not None
    ]
    return str(rows[0][0]), int(rows[0][1]), cited


async def _corrected(db: Database, guild_id: int, words: list[str]) -> list[str] | None:
    async with db.read() as session:
        texts = (await session.execute(statements.SPEAKER_TEXTS, {"newsroom_id": guild_id})).scalars().all()
    vocabulary = sorted({word for text in texts if text for word in tokens(text)})
    return correct_words(words, vocabulary)


async def speaker_statements(
    db: Database,
    requester: Requester,
    *,
    name: str,
    topic: str | None = None,
    topic_id: int | None = None,
    page: int = 0,
    per_page: int = 5,
) -> SpeakerResult:
    """Live statements whose speaker, role or organisation holds every word of `name`, newest first,
    across the newsroom's topics or in one (`topic` as typed, or a button's `topic_id`)."""
    guild_id = requester.guild_id
    words = fold(name).split()
    slug: str | None = None
    if topic is not None:
        async with db.read() as session:
            found = await topic_queries.resolve_topic(
                session, newsroom_id=guild_id, query=topic, include_archived=True, guess=True
            )
        topic_id, slug = found.id, found.slug
    if topic_id is not None and not 0 < topic_id <= MAX_ROW_ID:
        topic_id = 0  # a forged id: matches nothing
    page = max(page, 0)
    timezone, total, cited = await _page(db, guild_id, words, topic_id, page, per_page)
    typed: str | None = None
    if total == 0 and words:
        corrected = await _corrected(db, guild_id, words)
        if corrected is not None:
            typed, words = name, corrected
            timezone, total, cited = await _page(db, guild_id, words, topic_id, page, per_page)
    if not cited and total and page > 0:
        page = (total - 1) // per_page
        timezone, total, cited = await _page(db, guild_id, words, topic_id, page, per_page)
    if slug is None and cited and topic_id is not None:
        slug = cited[0].topic_slug
    shown = " ".join(words) if typed is not None else name
    return SpeakerResult(timezone, shown, typed, topic_id, slug, cited, Page(page, per_page, total))


async def speaker_choices(db: Database, requester: Requester, *, current: str, limit: int = 25) -> list[str]:
    """Names and organisations of the newsroom's live statements holding every typed word (case and
    accents aside), the most recently logged first, each once."""
    words = fold(current).split()[:8]
    params = {"newsroom_id": requester.guild_id, **{f"word_{n}": f"%{escape_like(w)}%" for n, w in enumerate(words)}}
    async with db.read() as session:
        # Statements holding any typed word, from the index; each name or organisation must hold all.
        rows = (await session.execute(statements.speaker_names(len(words)), params)).all()
    found: list[str] = []
    seen: set[str] = set()
    for speaker, _role, organisation, _search, _latest in rows:
        for value in (speaker, organisation):
            folded = fold(value or "")
            if folded and folded not in seen and all(word in folded for word in words):
                seen.add(folded)
                found.append(value)
    return found[:limit]
