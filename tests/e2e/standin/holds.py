"""Holding a request: part of :class:`tests.e2e.standin.DiscordStandIn`.

A held request waits in the stand-in until released, before Discord would apply it (the request
"never got through") or after (Discord has it and the answer never came back): a test kills the bot
while it waits, to crash it at a chosen step. Released after the bot died, a request held before
being applied is dropped, never applied.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

from tests.e2e.standin.base import _StandInBase


@dataclass
class _Hold:
    method: str
    path_re: re.Pattern[str]
    commit: bool
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self) -> None:
        self.reached.set()
        await self.released.wait()


class _Holds(_StandInBase):
    """Part of ``DiscordStandIn``: holding requests."""

    _holds: list[_Hold]

    def hold_next(self, method: str, path_regex: str, *, commit: bool) -> _Hold:
        """Hold the next matching request (applied first with ``commit``) until :meth:`release_holds`."""
        hold = _Hold(method.upper(), re.compile(path_regex), commit)
        self._holds.append(hold)
        return hold

    def _take_hold(self, method: str, path: str) -> _Hold | None:
        for hold in self._holds:
            if not hold.reached.is_set() and hold.method == method and hold.path_re.fullmatch(path):
                hold.reached.set()
                return hold
        return None

    def release_holds(self) -> None:
        for hold in self._holds:
            hold.released.set()
        self._holds.clear()
