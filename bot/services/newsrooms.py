"""A guild's newsroom row: created here, once, before the guild's first command is handled."""

from __future__ import annotations

from bot.core.requester import Requester
from db import newsrooms
from db.engine import Database


class NewsroomRegistry:
    """Creates each guild's newsroom row the first time this process sees the guild act.

    Remembering the guilds already seen makes every later command free of the check; the row is never
    deleted, so the memory cannot go stale (another process creating it first is harmless: the insert
    is idempotent)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._known: set[int] = set()

    async def ensure(self, requester: Requester) -> None:
        if requester.guild_id in self._known:
            return
        async with self._db.write() as session:
            await newsrooms.ensure_newsroom(session, guild_id=requester.guild_id, name=requester.guild_name)
        self._known.add(requester.guild_id)
