"""A digest tick leaves no reference cycles behind, so deferring the collector's full passes during it
loses nothing; and the collector's settings always come back, whatever happens in the tick."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from db.turns import full_collections_deferred
from tests.digest.support import ChannelStore, Writer, crash_at, run_at, service, utc
from tests.harness import DiscordHarness

DUE = utc(2026, 3, 21, 9, 0, 10)


@pytest.fixture
def saved_garbage() -> Iterator[list[object]]:
    """Every object the collector finds unreachable while the test runs (instead of freeing it)."""
    gc.collect()
    gc.garbage.clear()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def test_a_tick_leaves_no_reference_cycles(
    h: DiscordHarness, room: Writer, store: ChannelStore, saved_garbage: list[object]
) -> None:
    await room.topic("atacms")
    await room.topic("patriot")
    for n in range(12):
        await room.statement("atacms", f"Speaker {n}", "A long quote. " * 20, utc(2026, 3, 20, 13, n))
        await room.event("patriot", f"Event {n}", utc(2026, 3, 20, 14, n))
    channel = h.guild_a.channel.id
    for _ in range(3):
        await room.subscribe(channel_id=channel, now=utc(2026, 3, 20, 12))
    gc.collect()
    saved_garbage.clear()  # what setting up left

    report = await run_at(service(h), DUE)
    gc.collect()

    assert len(report.results) == 3 and len(store.messages(channel)) >= 3
    kinds = sorted({f"{type(o).__module__}.{type(o).__qualname__}" for o in saved_garbage})
    assert saved_garbage == [], kinds


async def test_full_collections_wait_during_a_tick_and_resume_after_it(
    h: DiscordHarness, room: Writer, store: ChannelStore
) -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []

    async def look(step: str, _claim: object) -> None:
        seen.append(gc.get_threshold())

    await room.topic("atacms")
    await room.subscribe(channel_id=h.guild_a.channel.id, now=utc(2026, 3, 20, 12))
    await run_at(service(h, look), DUE)

    assert seen and all(t[:2] == before[:2] and t[2] > 1_000_000 for t in seen)
    assert gc.get_threshold() == before


async def test_a_tick_that_dies_still_restores_the_collector(h: DiscordHarness, room: Writer) -> None:
    before = gc.get_threshold()
    await room.topic("atacms")
    await room.subscribe(channel_id=h.guild_a.channel.id, now=utc(2026, 3, 20, 12))
    with pytest.raises(BaseExceptionGroup):
        await run_at(service(h, crash_at("prepared")), DUE)
    assert gc.get_threshold() == before


def test_overlapping_deferrals_restore_once_the_last_ends() -> None:
    before = gc.get_threshold()
    first = full_collections_deferred()
    second = full_collections_deferred()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first one out is not the last one
    assert gc.get_threshold()[2] > 1_000_000
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
