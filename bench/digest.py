"""Digest throughput: many subscriptions due in the same minute, built and handed to the HTTP layer.

Subscriptions are created through the editor service (``bot.services.digests.add_subscription``), all posting
at the same UTC minute, then the scheduler's own tick (``DigestRunner.run_due``) runs back to back
until every digest is out. The scheduler runs a tick every ``DIGEST_TICK_SECONDS``; rather than
sleep between ticks the bench moves the bot's clock forward and reports both the time spent
working and the projected wall time with the real tick spacing. Posts count when the simulated HTTP
layer accepts ``POST /channels/{id}/messages`` (the recorder in ``bench.gateway``), which enforces
Discord's request limits: the run reports the 429s it drew and its time against the floor Discord's
global limit sets (messages / 50 s).

The digest feature is newer than the rest of the bot; if its modules are missing or their API has
moved, the phase reports "not measured" with the reason instead of failing the whole run.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench import gateway, readers
from bench.dataset import Dataset, NewsroomSpec
from bench.measure import Command, LoopMonitor
from bench.second import SecondProcess, collect
from bot.client import NewsBot
from bot.core.requester import Requester

try:  # The feature may not exist yet on the branch under test.
    from bot.services import digests
    from cogs.digest import runner_for
except ImportError as exc:  # pragma: no cover - depends on the code under test
    runner_for = None  # type: ignore[assignment]
    digests = None  # type: ignore[assignment]
    MISSING = f"digest modules not importable ({exc})"
else:
    MISSING = ""


@dataclass
class ShiftedClock:
    """Real time plus an offset the bench can move, so leases and timestamps stay consistent."""

    offset: dt.timedelta = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


async def _subscribe(bot: NewsBot, newsroom: NewsroomSpec, local_time: str, now: dt.datetime, settle: Any) -> None:
    assert digests is not None
    member = gateway.editor_of(newsroom)
    await digests.add_subscription(
        bot.database,
        Requester(
            guild_id=newsroom.id,
            user_id=member.user_id,
            guild_name=newsroom.name,
            role_ids=frozenset(member.role_ids),
        ),
        channel_id=newsroom.channel_ids[-1],
        local_time=local_time,
        timezone="UTC",
        topic_slugs=None,
        weekdays=None,
        mention_role_id=None,
        post_when_empty=True,
        missing_permissions=[],
        now=now,
        settle=settle,
    )


async def measure(
    bot: NewsBot,
    recorder: gateway.Recorder,
    dataset: Dataset,
    *,
    subscriptions: int,
    tick_seconds: float,
    monitor: LoopMonitor | None = None,
    reader_commands: Sequence[Command] = (),
    second: SecondProcess | None = None,
) -> dict[str, Any]:
    if runner_for is None or digests is None:
        return {"measured": False, "reason": MISSING}
    newsrooms = dataset.ordinary_newsrooms
    per_newsroom = -(-subscriptions // len(newsrooms))
    if per_newsroom > digests.MAX_SUBSCRIPTIONS:
        return {
            "measured": False,
            "reason": f"{subscriptions} subscriptions exceed {digests.MAX_SUBSCRIPTIONS} per newsroom",
        }
    clock = ShiftedClock()
    saved_clock = bot.clock
    bot.clock = clock
    service = runner_for(bot)
    try:
        now = clock()
        # Every digest posts at the same minute, a few minutes from now.
        due = (now + dt.timedelta(minutes=3)).replace(second=0, microsecond=0)
        local_time = due.strftime("%H:%M")
        started = time.perf_counter()
        # A few at a time, as editors would create them (SQLite serialises them anyway). Eight
        # workers rather than a task per subscription: creating 10,000 tasks at once blocks the
        # event loop for longer than anything the digest phase is meant to measure. They share one
        # generator rather than a list: a list of the work would stay alive through the run, and
        # its 10,000 entries would lengthen every full garbage collection the run is measured by.
        queue = (newsrooms[n % len(newsrooms)] for n in range(subscriptions))

        async def worker() -> None:
            for newsroom in queue:
                await _subscribe(bot, newsroom, local_time, now, service.config.settle)

        # Creating the subscriptions is editors' work, not the digest run: the loop is watched apart.
        with monitor.during("digest setup") if monitor is not None else contextlib.nullcontext():
            await asyncio.gather(*(worker() for _ in range(8)))
        setup_seconds = time.perf_counter() - started

        # Jump to the first tick after the digests' moment plus the settle delay.
        clock.offset = due + service.config.settle + dt.timedelta(seconds=1) - dt.datetime.now(dt.UTC)
        posts_before = sum(recorder.channel_posts.values())
        per_channel_before = dict(recorder.channel_posts)
        limited_before = recorder.limits.rate_limited
        ticks: list[float] = []
        outcomes: dict[str, int] = {}
        first_post = last_post = None
        work_started, wall_started = time.perf_counter(), time.time()
        child = await second.start("digest", clock.offset, tick_seconds) if second is not None else None
        async with readers.reading(bot, recorder, reader_commands) as reading:
            while len(ticks) < 1000:
                tick_started = time.perf_counter()
                report = await service.run_due(clock())
                ticks.append(time.perf_counter() - tick_started)
                for result in report.results.values():
                    outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
                if not report.results:
                    ticks.pop()  # the tick that found nothing left is not part of the work
                    break
                # The next tick comes tick_seconds after this one started (tasks.loop keeps its cadence).
                idle = max(tick_seconds - ticks[-1], 0.0)
                clock.offset += dt.timedelta(seconds=idle)
            ended = time.time()
            other = await collect(child) if child is not None else {}
        work_seconds = time.perf_counter() - work_started
        posts = sum(recorder.channel_posts.values()) - posts_before + other.get("messages", 0)
        for key, n in other.get("outcomes", {}).items():
            outcomes[key] = outcomes.get(key, 0) + n
        times = recorder.channel_post_times[posts_before:]
        if times:
            first_post, last_post = times[0] - work_started, times[-1] - work_started
        projected = sum(max(t, tick_seconds) for t in ticks[:-1]) + (ticks[-1] if ticks else 0.0)
        if child is not None:
            # Two senders at once: from the first tick to the last busy tick of either.
            projected = max(ended, other["ended_at"]) - wall_started
        # Discord's global limit sets a floor no sender can beat: every message takes a 50th of a
        # second. A channel's own limit sets another: its 6th message comes 5 s after its 1st.
        limits = recorder.limits.config
        pacer = getattr(bot, "pacer", None)
        floor = posts / limits.global_per_second
        busiest = max((n - per_channel_before.get(c, 0) for c, n in recorder.channel_posts.items()), default=0)
        channel_floor = max(math.ceil(busiest / limits.channel.messages) - 1, 0) * limits.channel.window_s
        return {
            "measured": True,
            "processes": 2 if child is not None else 1,
            "second_process": {k: other[k] for k in ("messages", "dm_channels_opened", "ticks")} if other else None,
            "subscriptions": subscriptions,
            "posted": outcomes.get("sent", 0),
            "messages": posts,
            "outcomes": outcomes,
            "ticks": len(ticks),
            "work_seconds": work_seconds,
            "seconds": projected,
            "rate_limited": recorder.limits.rate_limited - limited_before,
            "floor_seconds": floor,
            "floor_ratio": projected / floor if floor else None,
            "busiest_channel_messages": busiest,
            "channel_floor_seconds": channel_floor,
            # Code without the send pacer is measured too (before/after): the fields say so.
            "pacer_per_second": pacer.config.global_per_second if pacer is not None else None,
            "pacer_slots_given_up": pacer.given_up if pacer is not None else None,  # went stale before use
            "first_post_s": first_post,
            "last_post_s": last_post,
            "setup_seconds": setup_seconds,
            "tick_seconds": tick_seconds,
            "batch": service.config.batch,
            "max_rounds": service.config.max_rounds,
            "concurrency": service.config.concurrency,
            "readers": reading.result(),
            "method": f"DigestRunner.run_due ticks; seconds = projected with {tick_seconds:g} s tick spacing",
        }
    finally:
        bot.clock = saved_clock
