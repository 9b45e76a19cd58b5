"""The live desk for property tests: one bot, harness and database on one event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from db.models import Newsroom, Topic
from tests.harness import GUILD_A_ID, Reply
from tests.hostile.checker import Actor, Checker, ErrorLog, actors_of
from tests.hostile.database_state import pools_of, rows_of
from tests.hostile.strategies import CommandSpec, OptionType, Pools, slash_commands
from tests.newsroom import EDITORS_ROLE_A, Desk


# --------------------------------------------------------------------------------------------------
# The live desk for property tests
# --------------------------------------------------------------------------------------------------
class LiveDesk:
    """One bot, harness and database on one event loop, shared by every example of a test."""

    def __init__(self, runner: asyncio.Runner, desk: Desk, log: ErrorLog) -> None:
        self.runner = runner
        self.desk = desk
        self.harness = desk.harness
        self.database = desk.database
        self.checker = Checker(desk.harness, desk.database, log)
        self.actors = actors_of(desk.harness)
        self.commands: dict[str, CommandSpec] = {s.qualified_name: s for s in slash_commands(desk.harness.tree)}
        self.pools = Pools()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.runner.run(coro)

    def actor(self, label: str) -> Actor:
        return next(a for a in self.actors if a.label == label)

    def entities(self, guild_id: int) -> dict[OptionType, list[Any]]:
        """Objects of the guild an option of an entity type can name (resolved by the harness)."""
        guild = self.harness.guild(guild_id)
        return {
            OptionType.role: [r.id for r in guild.roles],
            OptionType.user: list(guild.members),
            OptionType.channel: [c.id for c in guild.channels],
            OptionType.mentionable: [r.id for r in guild.roles] + list(guild.members),
        }

    async def slash(self, actor: Actor, command: str, options: dict[str, Any]) -> Reply:
        h = self.harness
        return await self.checker.interact(
            actor,
            h.slash(command, options, user=actor.user, guild=actor.guild_id),
            what=f"/{command} {options!r}",
        )

    async def setup(self) -> None:
        """Give guild B a story of its own, so each guild has ids the other must not reach."""
        b = self.actor("outsider")
        await self.slash(b, "topic create", {"slug": "b-story", "title": "Guild B's own story", "aliases": "bee"})
        await self.slash(
            b, "log event", {"topic": "b-story", "headline": "Something happened in B", "source": "Reuters"}
        )
        self.pools = pools_of(self.checker.state)

    async def heal(self) -> None:
        """Undo what would starve later examples: a changed editor role, the seeded stories archived."""
        state = self.checker.state
        newsroom = rows_of(state, Newsroom)[GUILD_A_ID]
        if newsroom.editor_role_id != EDITORS_ROLE_A:
            await self.slash(self.actor("admin"), "settings editor-role", {"role": EDITORS_ROLE_A})
        for topic in rows_of(state, Topic).values():
            if topic.archived and topic.slug in ("atacms", "b-story"):
                actor = self.actor("editor" if topic.newsroom_id == GUILD_A_ID else "outsider")
                await self.slash(actor, "topic unarchive", {"topic": topic.slug})
        self.pools = pools_of(self.checker.state)
