"""The editors' channel and the stale-topic threshold: newsroom settings the reminders read
(bot.services.reminders), changed by members with Manage Server like the other settings."""

from __future__ import annotations

from typing import Any

from bot.core.errors import InvalidInput
from bot.core.reminders import STALE_DAYS_MAX, STALE_DAYS_MIN
from bot.core.requester import Requester, require_manager
from bot.services.common import locked
from bot.services.digests import CannotPost
from db import audit
from db.engine import Database
from db.models import Newsroom, utcnow


def _shown(value: Any) -> str | None:
    # Audited as text: a channel id is a 64-bit snowflake, past what JSON readers keep exactly.
    return None if value is None else str(value)


async def _change(db: Database, requester: Requester, *, name: str, value: Any) -> Newsroom:
    require_manager(requester)
    async with db.write() as session:
        newsroom: Newsroom = await locked(session, Newsroom, requester.guild_id)
        before = {name: _shown(getattr(newsroom, name))}
        setattr(newsroom, name, value)
        newsroom.updated_at = utcnow()
        session.add(newsroom)
        await session.flush()
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


async def set_editors_channel(
    db: Database, requester: Requester, *, channel_id: int | None, missing_permissions: list[str]
) -> Newsroom:
    """Where reminders go; None turns them off. A channel the bot cannot post in is refused."""
    if channel_id is not None and missing_permissions:
        raise CannotPost(missing_permissions)
    return await _change(db, requester, name="editors_channel_id", value=channel_id)


async def set_stale_after(db: Database, requester: Requester, *, days: int) -> Newsroom:
    if not STALE_DAYS_MIN <= days <= STALE_DAYS_MAX:
        raise InvalidInput(f"`days` must be between {STALE_DAYS_MIN} and {STALE_DAYS_MAX}.")
    return await _change(db, requester, name="stale_after_days", value=days)
