"""Resident memory of a bot process after N GUILD_CREATE events.

Run in its own process (``python -m bench.memory GUILDS``) so nothing the benchmark itself holds
(a data set plan, recorded samples, a second database driver) inflates the figure. Prints one
JSON object. Events go straight into ``ConnectionState.parse_guild_create`` (the function the
gateway reader calls), after a READY that lists every guild as unavailable, as on a real connect.
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import sys
import time
from pathlib import Path

from bench import gateway
from bench.dataset import GUILD_BASE, USER_BASE, NewsroomSpec
from db.engine import Database


def rss_mb() -> float:
    """Current resident set size, from /proc (no third-party dependency)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    # Elsewhere: the peak, which after a monotonic build-up is close to the current size.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _timed_collect() -> float:
    started = time.perf_counter()
    gc.collect()
    return time.perf_counter() - started


async def measure(guilds: int) -> dict[str, float | int | str]:
    # The bot needs a Database object; nothing is queried while guilds arrive.
    database = Database("sqlite+aiosqlite://")
    bot = gateway.make_bot(database)
    newsrooms = [
        NewsroomSpec(GUILD_BASE + i * 1000, f"Newsroom {i:05d}", "UTC", [USER_BASE + i]) for i in range(guilds)
    ]
    with gateway.Recorder().installed():
        await gateway.prepare(bot)
        gc.collect()
        baseline = rss_mb()
        await gateway.connect(bot, newsrooms)
        del newsrooms
        gc.collect()
        after = rss_mb()
        cached = len(bot.guilds)
        # A full collection walks every tracked object and blocks the event loop while it runs;
        # with the guild cache this big it is the longest pause the bot can have. The bot froze its
        # start-up heap when READY completed: measure without that, then with it.
        gc.unfreeze()
        full_gc = min(_timed_collect() for _ in range(3))
        tracked = len(gc.get_objects())
        gc.freeze()  # what a process does to exempt its long-lived start-up objects
        frozen_gc = min(_timed_collect() for _ in range(3))
        gc.unfreeze()
        await bot.close()
    await database.dispose()
    return {
        "guilds": guilds,
        "guilds_cached": cached,
        "baseline_rss_mb": round(baseline, 1),
        "rss_mb": round(after, 1),
        "per_guild_kb": round((after - baseline) * 1024 / max(guilds, 1), 2),
        "gc_tracked_objects": tracked,
        "full_gc_ms": round(full_gc * 1000, 1),
        "full_gc_after_freeze_ms": round(frozen_gc * 1000, 2),
        "method": "direct ConnectionState.parse_guild_create after READY",
    }


def main(argv: list[str]) -> int:
    guilds = int(argv[0]) if argv else 10_000
    print(json.dumps(asyncio.run(measure(guilds))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
