"""What every editor use case starts with: the newsroom, checked against the requester, under lock."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.requester import Requester, require_editor
from db.engine import ROW_LOCK
from db.models import Newsroom, Topic


async def locked(session: AsyncSession, model: type[Topic] | type[Newsroom], row_id: int | None) -> Any:
    """Re-read a row under the write lock: concurrent changes to it take turns, each seeing the last."""
    row = await session.get(model, row_id, with_for_update=ROW_LOCK, populate_existing=True)
    assert row is not None
    return row


async def newsroom_of(session: AsyncSession, requester: Requester) -> Newsroom:
    """The requester's newsroom. Its row exists from the guild's first command on (services.newsrooms);
    until then it has only the default settings, which is what a missing row stands for here."""
    newsroom = await session.get(Newsroom, requester.guild_id)
    return newsroom or Newsroom(id=requester.guild_id, name=requester.guild_name)


async def editor_newsroom(session: AsyncSession, requester: Requester) -> Newsroom:
    newsroom = await newsroom_of(session, requester)
    require_editor(newsroom.editor_role_id, requester)
    return newsroom
