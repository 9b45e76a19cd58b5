"""The send pacer: slots at the configured rate, a channel's own window, Discord's pauses, and two
processes sharing one bot's timeline through the database without together exceeding the rate."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from bot.core.send_pacing import ChannelLimit, PacerConfig
from bot.services import send_pacer
from bot.services.send_pacer import LocalTimeline, Pacer, SharedTimeline
from db.engine import Database
from tests.conftest import BACKENDS, PG_URL, drop_database, make_database

# Discord's limit; the pacer's default aims below it.
DISCORD_GLOBAL = 50


def most_in_any_window(times: Sequence[float], span: float) -> int:
    ordered = sorted(times)
    best = start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - span:
            start += 1
        best = max(best, end - start + 1)
    return best


async def granted_times(pacer: Pacer, count: int, channel_of: int | None = None) -> list[float]:
    times: list[float] = []

    async def one(n: int) -> None:
        await pacer.acquire(None if channel_of is None else n % channel_of)
        times.append(time.time())

    await asyncio.gather(*(one(n) for n in range(count)))
    return times


async def test_one_process_keeps_under_the_global_rate() -> None:
    config = PacerConfig()
    pacer = Pacer(LocalTimeline(config), config)
    times = await granted_times(pacer, 70)
    assert len(times) == 70 and most_in_any_window(times, 1.0) <= DISCORD_GLOBAL
    assert pacer.granted == 70


async def test_a_channel_gets_five_messages_in_five_seconds() -> None:
    config = PacerConfig(global_per_second=1000.0, channel=ChannelLimit(5, 0.5), channel_margin_s=0.02)
    pacer = Pacer(LocalTimeline(config), config)
    times: list[float] = []

    async def post() -> None:
        await pacer.acquire(7)
        times.append(time.time())

    await asyncio.gather(*(post() for _ in range(12)))
    # The window scaled down tenfold to keep the test short; the rule is the same.
    assert most_in_any_window(times, 0.5) <= 5
    assert len(times) == 12


async def test_a_global_429_holds_every_send_and_an_empty_bucket_holds_its_channel() -> None:
    config = PacerConfig(global_per_second=1000.0)
    source = LocalTimeline(config)
    pacer = Pacer(source, config)
    await pacer.acquire()
    pacer.observe(429, {"Retry-After": "1", "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}, None)
    told = time.time()
    await pacer.acquire(3)
    assert time.time() - told >= 0.95
    await asyncio.sleep(0)  # the pause was also written to the shared timeline
    assert source.next_us >= int((told + 0.95) * 1_000_000)

    pacer.observe(200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "0.3"}, 9)
    told = time.time()
    await pacer.acquire(8)  # another channel is not held
    assert time.time() - told < 0.3
    await pacer.acquire(9)
    assert time.time() - told >= 0.28


@pytest.fixture(params=BACKENDS)
async def two_processes(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two processes' connections (two engines each) to one database."""
    first, schema = await make_database(request.param, tmp_path)
    second = Database(PG_URL, schema=schema) if schema is not None and PG_URL else Database(str(first.url))
    try:
        yield first, second
    finally:
        await second.dispose()
        await drop_database(first, schema)


async def test_two_processes_share_one_timeline_and_together_stay_under_the_limit(
    two_processes: tuple[Database, Database],
) -> None:
    config = PacerConfig()
    pacers = [Pacer(SharedTimeline(db, config, "bot:42"), config) for db in two_processes]
    both = await asyncio.gather(*(granted_times(p, 60, channel_of=30) for p in pacers))
    times = [t for one in both for t in one]
    assert len(times) == 120
    assert most_in_any_window(times, 1.0) <= DISCORD_GLOBAL
    assert all(p.granted == 60 for p in pacers)


async def test_processes_of_another_bot_have_their_own_timeline(two_processes: tuple[Database, Database]) -> None:
    config = PacerConfig()
    one = SharedTimeline(two_processes[0], config, "bot:1")
    other = SharedTimeline(two_processes[1], config, "bot:2")
    now = time.time()
    first = await one.reserve(10, now + 5)
    assert first == pytest.approx(now + 5, abs=1e-5)  # stored in whole microseconds
    assert await other.reserve(1, 0) < first  # bot 2 is not behind bot 1's slots
    await one.hold_off(now + 60)
    assert await one.reserve(1, 0) == pytest.approx(now + 60, abs=1e-5)


async def test_channels_quiet_for_a_whole_window_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    config = PacerConfig()
    pacer = Pacer(LocalTimeline(config, clock=lambda: now[0]), config, clock=lambda: now[0], sleep=sleep)
    monkeypatch.setattr(send_pacer, "FORGET_EVERY", 1)
    await pacer.acquire(1)
    await pacer.acquire(2)
    now[0] += 10
    await pacer.acquire(3)
    assert sorted(pacer._sent) == [3]
