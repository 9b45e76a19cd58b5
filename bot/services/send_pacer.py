"""The send pacer: every request the bot makes on its own (digest posts and the reads that check
what a digest already posted) waits here for its slot, so the bot stays under Discord's limits
instead of learning them from 429s. Interaction replies never come here.

One pacer per process and bot token; the processes of one bot share its timeline through the
database (`db.send_pacer`), reserving a few slots per short transaction, so together they keep the
global rate. A channel's own limit (5 messages per 5 seconds) is kept here per process; a channel's
messages from two processes at once are rare (one digest is posted by one process) and the
`X-RateLimit-*` headers Discord sends back pause that channel for this process too.

The rules (slot arithmetic, channel windows, reading headers) are `bot.core.send_pacing`.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

from bot.core import send_pacing as rules
from bot.core.send_pacing import MICROSECONDS, PacerConfig
from db import send_pacer as timeline
from db.engine import Database

log = logging.getLogger(__name__)

# How often (in slots granted) the pacer forgets channels it no longer needs to remember.
FORGET_EVERY = 1024


class SlotSource(Protocol):
    key: str  # the bot token's timeline (its bot user's id)

    async def reserve(self, count: int, not_before: float) -> float:
        """Reserve `count` consecutive slots, none before now or `not_before`; the first one (epoch seconds)."""
        ...

    async def hold_off(self, until: float) -> None:
        """Give no slot before `until` to anyone sharing the timeline."""
        ...


class SharedTimeline:
    """The bot's timeline in the database, shared by all its processes."""

    def __init__(
        self, db: Database, config: PacerConfig, key: str = "bot", *, clock: Callable[[], float] = time.time
    ) -> None:
        self.db, self.config, self.key, self.clock = db, config, key, clock
        self._known: str | None = None  # the key whose row this process has made sure of

    async def reserve(self, count: int, not_before: float) -> float:
        async with self.db.write() as session:
            # Read the clock once the transaction holds its turn: slots begin no earlier than that.
            now_us = int(max(self.clock(), not_before) * MICROSECONDS)
            if self._known != self.key:
                await timeline.ensure(session, key=self.key, now_us=now_us)
            first = await timeline.reserve(
                session, key=self.key, now_us=now_us, count=count, interval_us=self.config.interval_us
            )
        self._known = self.key
        assert first is not None, "the pacer's row was made in the same transaction"
        return first / MICROSECONDS

    async def hold_off(self, until: float) -> None:
        async with self.db.write() as session:
            await timeline.hold_off(session, key=self.key, until_us=int(until * MICROSECONDS))


class LocalTimeline:
    """A timeline for one process alone (tests, the console)."""

    def __init__(self, config: PacerConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.config, self.clock = config, clock
        self.key = "local"
        self.next_us = 0

    async def reserve(self, count: int, not_before: float) -> float:
        now_us = int(max(self.clock(), not_before) * MICROSECONDS)
        first, self.next_us = rules.reserve(self.next_us, now_us, count, self.config.interval_us)
        return first / MICROSECONDS

    async def hold_off(self, until: float) -> None:
        self.next_us = max(self.next_us, int(until * MICROSECONDS))


class Pacer:
    def __init__(
        self,
        source: SlotSource,
        config: PacerConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.source = source
        self.config = config or PacerConfig()
        self.clock, self.sleep = clock, sleep
        self._slots: collections.deque[float] = collections.deque()
        self._taking = asyncio.Lock()
        self._waiting = 0  # callers wanting a slot: how many to reserve at once
        self._sent: dict[int, collections.deque[float]] = {}  # channel -> its recent sends
        self._channel_turn: dict[int, asyncio.Lock] = {}
        self._paused: dict[int, float] = {}  # channel -> until (from Discord's headers)
        self._paused_all = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self.granted = 0
        self.given_up = 0  # slots that went stale before use

    async def acquire(self, channel_id: int | None = None) -> None:
        """Wait for this process's next slot, and for room in `channel_id` if the request posts there."""
        if channel_id is None:
            await self._slot()
            return
        turn = self._channel_turn.setdefault(channel_id, asyncio.Lock())
        sent = self._sent.setdefault(channel_id, collections.deque(maxlen=self.config.channel.messages))
        async with turn:  # one caller per channel at a time decides when it may post
            while True:
                now = self.clock()
                wait = max(rules.channel_wait(sent, now, self.config), self._paused.get(channel_id, 0.0) - now)
                if wait <= 0:
                    break
                await self.sleep(wait)
            await self._slot()
            sent.append(self.clock())
        if self.granted % FORGET_EVERY == 0:
            self._forget_quiet_channels()

    def _forget_quiet_channels(self) -> None:
        """Drop what is kept about channels nothing was posted in for a whole window: a bot posts in
        thousands of channels a day, and only the last few seconds of each matter."""
        now = self.clock()
        window = self.config.channel.window_s + self.config.channel_margin_s
        for channel_id in [c for c, sent in self._sent.items() if not sent or sent[-1] < now - window]:
            if self._channel_turn[channel_id].locked() or self._paused.get(channel_id, 0.0) > now:
                continue
            del self._sent[channel_id], self._channel_turn[channel_id]
            self._paused.pop(channel_id, None)

    async def _slot(self) -> None:
        while True:
            self._waiting += 1
            try:
                async with self._taking:
                    slot = await self._next()
            finally:
                self._waiting -= 1
            now = self.clock()
            if slot > now:
                await self.sleep(slot - now)
                now = self.clock()
            if rules.usable(slot, now, self.config.late_tolerance_s) and now >= self._paused_all:
                self.granted += 1
                return
            self.given_up += 1

    async def _next(self) -> float:
        while True:
            now = self.clock()
            while self._slots and not (
                rules.usable(self._slots[0], now, self.config.late_tolerance_s) and self._slots[0] >= self._paused_all
            ):
                self._slots.popleft()
                self.given_up += 1
            if self._slots:
                return self._slots.popleft()
            count = min(max(self._waiting, 1), self.config.batch)
            first = await self.source.reserve(count, self._paused_all)
            interval = self.config.interval_us
            self._slots.extend(rules.slots(int(first * MICROSECONDS), count, interval))

    def observe(self, status: int, headers: Mapping[str, str], channel_id: int | None) -> None:
        """What a response said about the limits: pause a channel, or everything and every process."""
        now = self.clock()
        pause = rules.pause_from(status, headers, now)
        if pause is None:
            return
        if pause.is_global:
            log.warning(
                "Discord says the bot is globally rate limited: holding every send for %.2f s", pause.until - now
            )
            self._paused_all = max(self._paused_all, pause.until)
            task = asyncio.get_running_loop().create_task(self._share_pause(pause.until))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif channel_id is not None:
            self._paused[channel_id] = max(self._paused.get(channel_id, 0.0), pause.until)

    async def _share_pause(self, until: float) -> None:
        try:
            await self.source.hold_off(until)
        except Exception:
            log.exception("could not share a global rate limit with the other processes")
