"""Sharing the event loop with long runs of CPU work (the digest run's claims, feed and payloads).

A command waiting behind such a loop waits as long as the loop runs without a pause. Pausing every
N rows bounds the pause by a guess at the rows' cost; pausing by the clock bounds it by time,
whatever the machine or the rows (a newsroom with many topics, a large payload).

The garbage collector's full passes stop the loop too, for as long as they take to visit every
object not frozen at start-up: 5-19 ms in a busy digest run (measured), whichever step they land in.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Long enough that a pause costs little (a loop turn is a few microseconds), short enough that a
# garbage collection landing in the same turn still leaves it well under 20 ms.
TURN_SECONDS = 0.002


class TurnTimer:
    """`await timer.share()` between rows: gives the loop a turn once this one has run TURN_SECONDS."""

    __slots__ = ("_budget", "_since")

    def __init__(self, budget: float = TURN_SECONDS) -> None:
        self._budget = budget
        self._since = time.perf_counter()

    async def share(self) -> None:
        if time.perf_counter() - self._since >= self._budget:
            await asyncio.sleep(0)
            self._since = time.perf_counter()


# High enough that no full pass starts on its own while deferred (at the default thresholds one is
# due after ten passes over the middle generation).
_NEVER = 1 << 30
_deferrals = 0
_saved_threshold = 0


@contextmanager
def full_collections_deferred() -> Iterator[None]:
    """No automatic full garbage collection inside the block; the next one after it finds what the
    block left. For work that allocates much but leaves no reference cycles behind (a digest tick:
    tests check it leaves none), where a full pass would find nothing and only stop the loop.
    Young collections go on as usual. Blocks may nest or overlap; the last one out restores."""
    global _deferrals, _saved_threshold
    if _deferrals == 0:
        young, middle, _saved_threshold = gc.get_threshold()
        gc.set_threshold(young, middle, _NEVER)
    _deferrals += 1
    try:
        yield
    finally:
        _deferrals -= 1
        if _deferrals == 0:
            young, middle, _old = gc.get_threshold()
            gc.set_threshold(young, middle, _saved_threshold)
