"""The scheduler loops behind digests, alerts and reminders: one `discord.ext.tasks` loop each, on
the digest tick, started once the bot is ready, surviving a failing tick, and let finish (bounded)
on shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from discord.ext import tasks

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_SECONDS = 5.0


class TickLoop:
    """Runs `work` every `digest_tick_seconds` when the bot runs its schedulers (`start_scheduler`)."""

    def __init__(self, bot: NewsBot, *, name: str, work: Callable[[], Awaitable[Any]]) -> None:
        self.bot, self.name, self.work = bot, name, work
        self.loop: tasks.Loop | None = None  # type: ignore[type-arg]
        self._idle = asyncio.Event()  # set while no tick is running
        self._idle.set()

    def start(self) -> None:
        if self.bot.start_scheduler:
            self.loop = tasks.loop(seconds=self.bot.settings.digest_tick_seconds)(self.tick)
            self.loop.before_loop(self.bot.wait_until_ready)
            self.loop.start()

    async def stop(self) -> None:
        if self.loop is None:
            return
        # On shutdown a tick in progress finishes its current work first (bounded): cut off inside a
        # transaction it would leave its claims to expire and the driver to log the interruption.
        if not self._idle.is_set():
            try:
                await asyncio.wait_for(self._idle.wait(), timeout=SHUTDOWN_GRACE_SECONDS)
            except TimeoutError:
                log.warning("%s tick still running after %.0f s; stopping it", self.name, SHUTDOWN_GRACE_SECONDS)
        self.loop.cancel()

    async def tick(self) -> None:
        # Never let an exception out: discord.ext.tasks would stop the loop for every newsroom.
        self._idle.clear()
        try:
            await self.work()
        except Exception:
            log.exception("%s tick failed; trying again next tick", self.name)
        finally:
            self._idle.set()
