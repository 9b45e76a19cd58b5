"""Topic lookups: by slug or alias, fuzzy suggestions, autocomplete and listing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import bindparam, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core import readings
from bot.core.errors import TopicNotFound
from bot.core.fuzzy import WordIndex
from bot.core.matching import DROP_CONTROLS
from db.models import Topic
from db.topic_labels import DEFAULT_BUDGET


def normalise_lookup(text: str) -> str:
    # Stored text never holds control characters (validation strips them), so a lookup drops them too;
    # PostgreSQL refuses NUL in any text parameter.
    return " ".join(text.translate(DROP_CONTROLS).casefold().split())


def build_search_text(slug: str, title: str, aliases: Sequence[str]) -> str:
    parts = [slug, title, *aliases]
    return "\n".join(normalise_lookup(p) for p in parts if p)[:2000]


def escape_like(text: str) -> str:
    """Text to match literally inside a LIKE pattern written with ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def find_topic(
    session: AsyncSession, *, newsroom_id: int, query: str, include_archived: bool = False
) -> Topic | None:
    """Exact match on slug first (the indexed path), then on title or an alias."""
    key = normalise_lookup(query)
    if not key:
        return None
    stmt = select(Topic).where(Topic.newsroom_id == newsroom_id, Topic.slug == key)
    if not include_archived:
        stmt = stmt.where(col(Topic.archived).is_(False))
    topic = (await session.execute(stmt)).scalars().first()
    if topic is not None:
        return topic
    # Titles and aliases are stored one per line in search_text; match a whole line.
    escaped = escape_like(key)
    stmt = select(Topic).where(
        Topic.newsroom_id == newsroom_id,
        or_(
            col(Topic.search_text) == key,
            col(Topic.search_text).like(f"{escaped}\n%", escape="\\"),
            col(Topic.search_text).like(f"%\n{escaped}", escape="\\"),
            col(Topic.search_text).like(f"%\n{escaped}\n%", escape="\\"),
        ),
    )
    if not include_archived:
        stmt = stmt.where(col(Topic.archived).is_(False))
    return (await session.execute(stmt.order_by(Topic.slug).limit(1))).scalars().first()


# A close spelling is taken as meant only when no other topic comes within this many points of it
# (of 100): "atcms" is ATACMS, but "tank" near both "abrams tanks" and "leopard tanks" is a question.
AMBIGUITY_MARGIN = 5.0
# The most active topics a lookup compares a misspelt name with: the label cache's own limit, above
# which autocomplete searches in SQL too.
CLOSE_SCAN_MAX = DEFAULT_BUDGET


async def resolve_topic(
    session: AsyncSession, *, newsroom_id: int, query: str, include_archived: bool = False, guess: bool = False
) -> Topic:
    """The topic named exactly, else (with `guess`) the one active topic whose name is an unambiguous
    close spelling of `query` (noted for the reply, bot.core.readings), else TopicNotFound with
    suggestions. Only reads guess: a write goes to the topic its editor named, never to a guess at it."""
    topic = await find_topic(session, newsroom_id=newsroom_id, query=query, include_archived=include_archived)
    if topic is not None:
        return topic
    key = normalise_lookup(query)[:100]
    close = await close_topics(session, newsroom_id=newsroom_id, key=key, limit=3) if key else []
    unambiguous = len(close) == 1 or (len(close) > 1 and close[0][1] - close[1][1] >= AMBIGUITY_MARGIN)
    if guess and unambiguous:
        slug = close[0][0]
        found = await find_topic(session, newsroom_id=newsroom_id, query=slug)
        if found is not None:
            readings.note_closest(slug, query)
            return found
    raise TopicNotFound(query, await suggest_topics(session, newsroom_id=newsroom_id, query=query, close=close))


async def close_topics(session: AsyncSession, *, newsroom_id: int, key: str, limit: int) -> list[tuple[str, float]]:
    """(slug, score) of the active topics whose names are close spellings of `key`, closest first.
    Read in the caller's session, so a lookup inside a write sees that transaction's topics."""
    rows = await session.execute(
        select(Topic.slug, Topic.search_text)
        .where(Topic.newsroom_id == newsroom_id, col(Topic.archived).is_(False))
        .order_by(func.length(Topic.slug), Topic.slug)
        .limit(CLOSE_SCAN_MAX)
    )
    slugs: list[str] = []
    texts: list[str] = []
    for slug, search_text in rows:
        slugs.append(slug)
        texts.append(search_text)
    # Indexing ten thousand labels is tens of ms of pure Python: in a worker thread the event loop
    # still gets its turns (autocomplete keeps its index in the label cache instead).
    index = await asyncio.to_thread(WordIndex.build, texts)
    return [(slugs[position], score) for position, score in index.close(key, limit)]


async def suggest_topics(
    session: AsyncSession, *, newsroom_id: int, query: str, limit: int = 3, close: Sequence[tuple[str, float]] = ()
) -> list[str]:
    """Closest slugs for a "did you mean": substring matches first, then close spellings."""
    key = normalise_lookup(query)[:100]
    if not key:
        return []
    matches = await search_topics(session, newsroom_id=newsroom_id, query=key, limit=limit)
    if matches:
        return [t.slug for t in matches]
    return [slug for slug, _score in close][:limit]


_RECENT_LABELS = (
    select(Topic.slug, Topic.title)
    .where(Topic.newsroom_id == bindparam("newsroom_id"), col(Topic.archived).is_(False))
    .order_by(col(Topic.updated_at).desc(), Topic.slug)
    .limit(bindparam("limit"))
)


async def recent_topic_labels(session: AsyncSession, *, newsroom_id: int, limit: int = 25) -> list[tuple[str, str]]:
    """(slug, title) of the most recently updated active topics: autocomplete before anything is typed."""
    rows = await session.execute(_RECENT_LABELS, {"newsroom_id": newsroom_id, "limit": limit})
    return [(slug, title) for slug, title in rows]


async def search_topics(session: AsyncSession, *, newsroom_id: int, query: str, limit: int = 25) -> list[Topic]:
    """Autocomplete: active topics whose slug, title or alias contains the text, prefix matches first."""
    key = normalise_lookup(query)[:100]
    base = select(Topic).where(Topic.newsroom_id == newsroom_id, col(Topic.archived).is_(False))
    if not key:
        stmt = base.order_by(col(Topic.updated_at).desc(), Topic.slug).limit(limit)
        return list((await session.execute(stmt)).scalars())
    escaped = escape_like(key)
    prefix = col(Topic.slug).like(f"{escaped}%", escape="\\")
    stmt = (
        base.where(col(Topic.search_text).like(f"%{escaped}%", escape="\\"))
        .order_by(prefix.desc(), func.length(Topic.slug), Topic.slug)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())
