"""A digest tick leaves no reference cycles behind: what it allocates is freed as it goes, not left for
the collector's full passes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tests.digest.support import ChannelStore, Writer, run_at, service, utc
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
