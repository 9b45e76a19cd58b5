"""Newsroom settings: the editor role and the time zone, changed by members with Manage Server."""

from __future__ import annotations

from typing import Any

from bot.core.requester import Requester, require_manager
from bot.services.common import locked, newsroom_of
from db import audit
from db.engine import Database
from db.models import Newsroom
from db.newsrooms import update_settings


def _shown(value: Any) -> str | None:
    # Audited as text: a role id is a 64-bit snowflake, past what JSON readers keep exactly.
    return str(value) if value else None


async def _change(db: Database, requester: Requester, *, name: str, value: Any) -> Newsroom:
    """One setting changed under the newsroom's row lock, with its audit record."""
    require_manager(requester)
    async with db.write() as session:
        newsroom = await locked(session, Newsroom, requester.guild_id)
        before = {name: _shown(getattr(newsroom, name))}
        await update_settings(session, newsroom=newsroom, **{name: value})
        await audit.record(
            session,
            newsroom_id=requester.guild_id,
            action=f"settings.{name.removesuffix('_id')}",
            actor_id=requester.user_id,
            interaction_id=requester.interaction_id,
            before=before,
            after={name: _shown(value)},
        )
        return newsroom


async def set_editor_role(db: Database, requester: Requester, *, role_id: int | None) -> Newsroom:
    return await _change(db, requester, name="editor_role_id", value=role_id)


async def set_timezone(db: Database, requester: Requester, *, timezone: str) -> Newsroom:
    return await _change(db, requester, name="timezone", value=timezone)


async def newsroom_settings(db: Database, requester: Requester) -> Newsroom:
    async with db.read() as session:
        return await newsroom_of(session, requester)
