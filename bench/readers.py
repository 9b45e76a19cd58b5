"""Reader commands while the bot sends: a loop dispatching `/status`, `/chronology` … through the
real command tree in the same process (and event loop) as the sender, reporting each answer's own
time. It shows whether a send phase (ticks, claims, the pacer's waits) holds readers up."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench import gateway, measure
from bot.client import NewsBot


@dataclass(slots=True)
class ReaderRun:
    samples: list[float] = field(default_factory=list)
    failures: int = 0
    first_failure: str | None = None

    def result(self) -> dict[str, Any]:
        return {
            "n": len(self.samples),
            "own_time": measure.summary(self.samples),
            "failures": self.failures,
            "first_failure": self.first_failure,
        }


async def _loop(
    bot: NewsBot,
    recorder: gateway.Recorder,
    commands: Sequence[measure.Command],
    run: ReaderRun,
    *,
    pause: float,
    seed: int,
) -> None:
    rng = random.Random(seed)
    n = 0
    while True:
        command = commands[n % len(commands)]
        n += 1
        elapsed, handed = await measure.dispatch_once(bot, recorder, command.make(rng).payload)
        problem = measure.problem(command, handed)
        if problem is None:
            run.samples.append(elapsed)
        else:
            run.failures += 1
            run.first_failure = run.first_failure or problem
        # Readers arrive now and then, not back to back: the loop must not become the load itself.
        await asyncio.sleep(pause)


@contextlib.asynccontextmanager
async def reading(
    bot: NewsBot,
    recorder: gateway.Recorder,
    commands: Sequence[measure.Command],
    *,
    pause: float = 0.05,
    seed: int = 0,
) -> AsyncIterator[ReaderRun]:
    """Readers run for the body's duration; with no commands, nothing runs and the run stays empty."""
    run = ReaderRun()
    task = asyncio.create_task(_loop(bot, recorder, commands, run, pause=pause, seed=seed)) if commands else None
    try:
        yield run
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def reader_commands(commands: Sequence[measure.Command]) -> list[measure.Command]:
    """The read commands a member types while digests and alerts go out."""
    wanted = ("status", "chronology", "latest", "topics")
    return [c for key in wanted for c in commands if c.key == key]
