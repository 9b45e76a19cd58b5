"""The bench's measured phases: the command runs (ours beside the raw query), the long timeline's page
positions, and the memory probe in a fresh interpreter."""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import sys
from pathlib import Path
from typing import Any

from bench import gateway, measure, raw
from bench.dataset import Dataset

# The directory holding bench/ (and bot/, db/): the memory probe's interpreter must import them too.
CODE_ROOT = Path(__file__).resolve().parent.parent


async def long_timeline(url: str, schema: str | None, dataset: Dataset) -> list[tuple[Any, int]]:
    """The long timeline's live entries in order, (date_sort as the driver returns it, id): where
    each of its pages starts, for the deep-page Next button."""
    driver = await raw.open_raw(url, schema)
    try:
        return [(row[0], int(row[1])) for row in await driver.fetch(raw.TIMELINE_POSITIONS, (dataset.long_topic.id,))]
    finally:
        await driver.close()


async def run_commands(
    bot: Any,
    recorder: gateway.Recorder,
    driver: raw.RawDriver,
    commands: list[measure.Command],
    *,
    warmup: int,
    monitor: measure.LoopMonitor,
    seed: int,
    profile_dir: Path | None = None,
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for command in commands:
        rng = random.Random(f"{seed}:{command.key}")
        outcome = measure.Outcome()
        profiler = cProfile.Profile() if profile_dir is not None else None
        print(f"  {command.label}: {command.iterations} + {warmup} warm-up …", file=sys.stderr, flush=True)
        with monitor.during(command.key):
            # Ours and raw alternate target by target, so both meet the same machine conditions;
            # which of the two goes first alternates too, since the second to read a target's rows
            # finds them in the caches (the operating system's, PostgreSQL's) the first one warmed.
            for n in range(command.iterations + warmup):
                target = command.make(rng)
                raw_first = measure.Outcome()
                if n % 2:
                    await measure.run_raw(driver, [target], 0, raw_first)
                if profiler is not None and n >= warmup:
                    profiler.enable()
                single = await measure.run_ours(bot, recorder, command, [target], warmup=0)
                if profiler is not None:
                    profiler.disable()
                outcome.failures += single.failures
                outcome.first_failure = outcome.first_failure or single.first_failure
                outcome.empty_answers += single.empty_answers
                if n % 2:
                    single.raw += raw_first.raw
                else:
                    await measure.run_raw(driver, [target], 0, single)
                if n >= warmup:
                    outcome.ours += single.ours
                    outcome.raw += single.raw
                    outcome.cpu += single.cpu
        if profiler is not None and profile_dir is not None:
            _write_profile(profiler, profile_dir, command.key)
        ours, raw_summary = measure.summary(outcome.ours), measure.summary(outcome.raw)
        results[command.key] = {
            "label": command.label,
            "kind": command.kind,
            "n": len(outcome.ours),
            "ours": ours,
            "raw": raw_summary,
            "ratio_p50": ours["p50"] / raw_summary["p50"] if outcome.raw and raw_summary["p50"] else None,
            # Less sensitive than wall time to other processes competing for the cores.
            "cpu_ms_mean": sum(outcome.cpu) / len(outcome.cpu) * 1000 if outcome.cpu else None,
            "failures": outcome.failures,
            "first_failure": outcome.first_failure,
            "empty_answers": outcome.empty_answers,
        }
    return results


def _write_profile(profiler: cProfile.Profile, directory: Path, key: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"profile-{key}.pstats"
    profiler.dump_stats(path)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    print(f"--- {key}: top functions by own time ({path.name}) ---", file=sys.stderr)
    print(out.getvalue().split("\n\n", 1)[-1].strip(), file=sys.stderr)


async def run_memory(guilds: int) -> dict[str, Any]:
    """The GUILD_CREATE probe in a fresh interpreter, so its RSS holds nothing of this process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CODE_ROOT), env.get("PYTHONPATH", "")) if p)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.memory",
        str(guilds),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        return {"guilds": guilds, "error": err.decode(errors="replace").strip().splitlines()[-1:]}
    return json.loads(out.decode().strip().splitlines()[-1])
