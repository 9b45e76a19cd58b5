"""Topic lookups: by slug or alias, fuzzy suggestions, autocomplete and listing."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from sqlalchemy import bindparam, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.errors import TopicNotFound
from bot.core.matching import DROP_CONTROLS
from db.models import Topic


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


async def resolve_topic(
    session: AsyncSession, *, newsroom_id: int, query: str, include_archived: bool = False
) -> Topic:
    topic = await find_topic(session, newsroom_id=newsroom_id, query=query, include_archived=include_archived)
    if topic is not None:
        return topic
    raise TopicNotFound(query, await suggest_topics(session, newsroom_id=newsroom_id, query=query))


async def suggest_topics(session: AsyncSession, *, newsroom_id: int, query: str, limit: int = 3) -> list[str]:
    """Closest slugs for a "did you mean", from substring matches first, then spelling distance."""
    key = normalise_lookup(query)[:100]
    if not key:
        return []
    matches = await search_topics(session, newsroom_id=newsroom_id, query=key, limit=limit)
    if matches:
        return [t.slug for t in matches]
    rows = await session.execute(
        select(Topic.slug, Topic.search_text)
        .where(Topic.newsroom_id == newsroom_id, col(Topic.archived).is_(False))
        .limit(5000)
    )
    candidates: dict[str, str] = {}
    for slug, search_text in rows:
        for line in search_text.split("\n"):
            candidates.setdefault(line, slug)
    close = difflib.get_close_matches(key, list(candidates), n=limit * 2, cutoff=0.6)
    seen: list[str] = []
    for name in close:
        slug = candidates[name]
        if slug not in seen:
            seen.append(slug)
    return seen[:limit]


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
