"""Newsroom settings: the editor role and the time zone, changed by members with Manage Server."""

from __future__ import annotations

from bot.core.requester import Requester, require_manager
from bot.services.common import locked, newsroom_of
from db import audit
from db.engine import Database
from db.models import Newsroom
from db.newsrooms import update_settings


async def set_editor_role(db: Database, requester: Requester, *, role_id: int | None) -> Newsroom:
    require_manager(requester)
    async with db.write() as session:
        newsroom = await locked(session, Newsroom, requester.guild_id)
        before = {"editor_role_id": str(newsroom.editor_role_id) if newsroom.editor_role_id else None}
        await update_settings(session, newsroom=newsroom, editor_role_id=role_id)
        await audit.record(
            session,
            newsroom_id=requester.guild_id,
            action="settings.editor_role",
            actor_id=requester.user_id,
            interaction_id=requester.interaction_id,
            before=before,
            after={"editor_role_id": str(role_id) if role_id else None},
        )
        return newsroom


async def set_timezone(db: Database, requester: Requester, *, timezone: str) -> Newsroom:
    require_manager(requester)
    async with db.write() as session:
        newsroom = await locked(session, Newsroom, requester.guild_id)
        before = {"timezone": newsroom.timezone}
        await update_settings(session, newsroom=newsroom, timezone=timezone)
        await audit.record(
            session,
            newsroom_id=requester.guild_id,
            action="settings.timezone",
            actor_id=requester.user_id,
            interaction_id=requester.interaction_id,
            before=before,
            after={"timezone": timezone},
        )
        return newsroom


async def newsroom_settings(db: Database, requester: Requester) -> Newsroom:
    async with db.read() as session:
        return await newsroom_of(session, requester)
