"""Newsrooms (one per guild) and their settings."""

from __future__ import annotations

from types import EllipsisType

from sqlalchemy import Insert, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Newsroom, utcnow


def _insert_ignore(session: AsyncSession) -> Insert:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    if dialect == "postgresql":
        return postgresql.insert(Newsroom).on_conflict_do_nothing(index_elements=["id"])
    if dialect == "sqlite":
        return sqlite.insert(Newsroom).on_conflict_do_nothing(index_elements=["id"])
    return insert(Newsroom)


async def get_newsroom(session: AsyncSession, *, guild_id: int) -> Newsroom | None:
    return await session.get(Newsroom, guild_id)


async def ensure_newsroom(session: AsyncSession, *, guild_id: int, name: str = "") -> Newsroom:
    """The guild's newsroom, created on first use. Safe under concurrent first uses."""
    newsroom = await session.get(Newsroom, guild_id)
    if newsroom is not None:
        return newsroom
    now = utcnow()
    await session.execute(
        _insert_ignore(session).values(id=guild_id, name=name[:100], timezone="UTC", created_at=now, updated_at=now)
    )
    newsroom = await session.get(Newsroom, guild_id, populate_existing=True)
    assert newsroom is not None
    return newsroom


async def update_settings(
    session: AsyncSession,
    *,
    newsroom: Newsroom,
    editor_role_id: int | EllipsisType | None = ...,
    timezone: str | None = None,
) -> Newsroom:
    if editor_role_id is not ...:
        newsroom.editor_role_id = editor_role_id
    if timezone is not None:
        newsroom.timezone = timezone
    newsroom.updated_at = utcnow()
    session.add(newsroom)
    await session.flush()
    return newsroom
