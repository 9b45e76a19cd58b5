"""A guild's newsroom row: created here, before the guild's first command or when it is seeded."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.requester import Requester
from db import newsrooms
from db.engine import Database
from db.seeds import SeedResult, SeedStory, apply_seed


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
        # Nearly always the row exists (a newsroom is created once, on its first command ever): a plain
        # read answers that without taking SQLite's write lock from the writers.
        async with self._db.read() as session:
            found = await newsrooms.get_newsroom(session, guild_id=requester.guild_id)
        if found is None:
            async with self._db.write() as session:
                await newsrooms.ensure_newsroom(session, guild_id=requester.guild_id, name=requester.guild_name)
        self._known.add(requester.guild_id)


async def seed_newsroom(
    db: Database, *, guild_id: int, name: str, stories: Sequence[SeedStory], editor_role_id: int | None = None
) -> list[SeedResult]:
    """Create the newsroom if need be and apply seed stories to it, in one transaction (the command
    line's `seed` and the offline console's demo newsroom). Seeding is idempotent: a re-run adds
    nothing. `editor_role_id` is set only where the newsroom has none yet."""
    async with db.write() as session:
        newsroom = await newsrooms.ensure_newsroom(session, guild_id=guild_id, name=name)
        if editor_role_id is not None and newsroom.editor_role_id is None:
            await newsrooms.update_settings(session, newsroom=newsroom, editor_role_id=editor_role_id)
        return [await apply_seed(session, newsroom_id=guild_id, story=story) for story in stories]
