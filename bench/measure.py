"""Latency runs through the real dispatch, the raw lower bound for the same targets, and the loop monitor."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bench import gateway, raw
from bot.client import NewsBot

JSON = dict[str, Any]
CHRONOLOGY_PER_PAGE = 10  # cogs.reader.CHRONOLOGY_PER_PAGE


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 1000 samples is the 10th slowest)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def summary(samples: list[float]) -> dict[str, float]:
    """Milliseconds."""
    return {
        "p50": percentile(samples, 0.50) * 1000,
        "p90": percentile(samples, 0.90) * 1000,
        "p99": percentile(samples, 0.99) * 1000,
        "max": max(samples) * 1000 if samples else math.nan,
        "mean": sum(samples) / len(samples) * 1000 if samples else math.nan,
    }


class LoopMonitor:
    """Sleeps `interval` over and over and records how late it wakes: the longest time the event loop
    was blocked, per phase of the run. Every interaction waiting meanwhile waited at least that long."""

    def __init__(self, interval: float = 0.005, stall: float = 0.020) -> None:
        self.interval = interval
        self.stall = stall
        self.phase = "start-up"
        self.worst: dict[str, float] = {}
        self.stalls: dict[str, int] = {}
        # Garbage-collector pauses block the loop too; timing them tells a GC stall from a slow callback.
        self.gc_worst: dict[int, float] = {}
        self.gc_count: dict[int, int] = {}
        self.gc_worst_by_phase: dict[str, float] = {}
        self._gc_started = 0.0
        self._task: asyncio.Task[None] | None = None

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        generation = info.get("generation", 0)
        pause = time.perf_counter() - self._gc_started
        self.gc_count[generation] = self.gc_count.get(generation, 0) + 1
        if pause > self.gc_worst.get(generation, 0.0):
            self.gc_worst[generation] = pause
        if pause > self.gc_worst_by_phase.get(self.phase, 0.0):
            self.gc_worst_by_phase[self.phase] = pause

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.interval)
            late = time.perf_counter() - before - self.interval
            phase = self.phase
            if late > self.worst.get(phase, 0.0):
                self.worst[phase] = late
            if late > self.stall:
                self.stalls[phase] = self.stalls.get(phase, 0) + 1

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="bench-loop-monitor")
        gc.callbacks.append(self._on_gc)

    async def stop(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @contextlib.contextmanager
    def during(self, phase: str) -> Iterator[None]:
        previous, self.phase = self.phase, phase
        try:
            yield
        finally:
            self.phase = previous


class ErrorLog(logging.Handler):
    """Counts ERROR records (the bot logs every failure it turns into a user message)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> list[str]:
        out = []
        for record in self.records:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
            out.append(text)
        return out


@dataclass(slots=True)
class Target:
    """One measured dispatch: the payload for the bot and the same rows' raw query."""

    payload: JSON
    raw_sql: str | None
    raw_args: tuple[Any, ...]
    write: tuple[raw.Values, raw.Values, int] | None = None


@dataclass(slots=True)
class Command:
    key: str
    label: str
    kind: str  # "read", "search", "ask", "autocomplete", "write" or "floor" (a refusal before any query)
    expect: int  # the interaction callback type a correct answer uses
    make: Callable[[random.Random], Target]
    iterations: int


@dataclass(slots=True)
class Outcome:
    ours: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    #: process CPU time (all threads) from dispatch until everything it started has finished
    cpu: list[float] = field(default_factory=list)
    failures: int = 0
    first_failure: str | None = None
    empty_answers: int = 0


def problem(command: Command, handed: gateway.Handed) -> str | None:
    """Why a response is not a correct answer, or None."""
    body = handed.body or {}
    ctype = body.get("type")
    if ctype != command.expect:
        return f"callback type {ctype}, expected {command.expect}: {str(body)[:300]}"
    data = body.get("data") or {}
    if command.kind == "autocomplete":
        return None
    if command.kind == "floor":
        refused = (data.get("flags") or 0) & gateway.EPHEMERAL
        return None if refused else f"expected a refusal, got {str(data)[:300]}"
    if (data.get("flags") or 0) & gateway.EPHEMERAL:
        return f"error reply: {data.get('content')!r}"
    if command.kind == "write":
        return (
            None if str(data.get("content", "")).startswith("Logged") else f"unexpected reply {data.get('content')!r}"
        )
    return None if data.get("embeds") else f"no embeds: {str(data)[:300]}"


async def _settle(before: set[asyncio.Task[Any]]) -> None:
    """Wait for whatever the dispatch started (discord.py's bookkeeping, listeners) to finish."""
    current = asyncio.current_task()
    pending = {t for t in asyncio.all_tasks() if t not in before and t is not current}
    if pending:
        await asyncio.wait(pending, timeout=30)


async def dispatch_once(bot: NewsBot, recorder: gateway.Recorder, payload: JSON) -> tuple[float, gateway.Handed]:
    future = recorder.expect(payload["token"])
    started = time.perf_counter()
    gateway.dispatch(bot, payload)
    handed = await asyncio.wait_for(future, timeout=30)
    return handed.at - started, handed


async def run_ours(
    bot: NewsBot, recorder: gateway.Recorder, command: Command, targets: list[Target], warmup: int
) -> Outcome:
    outcome = Outcome()
    for n, target in enumerate(targets):
        before = asyncio.all_tasks()
        cpu_started = time.process_time()
        elapsed, handed = await dispatch_once(bot, recorder, target.payload)
        issue = problem(command, handed)
        if issue is not None:
            outcome.failures += 1
            outcome.first_failure = outcome.first_failure or issue
        elif command.kind == "autocomplete" and not (handed.body.get("data") or {}).get("choices"):
            outcome.empty_answers += 1
        await _settle(before)
        if n >= warmup:
            outcome.ours.append(elapsed)
            outcome.cpu.append(time.process_time() - cpu_started)
    return outcome


async def run_raw(driver: raw.RawDriver, targets: list[Target], warmup: int, outcome: Outcome) -> None:
    for n, target in enumerate(targets):
        started = time.perf_counter()
        if target.write is not None:
            entry, audit, topic_id = target.write
            await driver.log_entry(entry, audit, topic_id)
        elif target.raw_sql is not None:
            await driver.fetch(target.raw_sql, target.raw_args)
        else:
            continue  # nothing to compare with: the command never reaches the database
        if n >= warmup:
            outcome.raw.append(time.perf_counter() - started)


@dataclass(slots=True)
class WriteRun:
    writers: int
    seconds: float
    completed: int = 0
    failures: int = 0
    locked: int = 0
    latencies: list[float] = field(default_factory=list)
    failure_texts: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0


async def sustained_writes(
    bot: NewsBot,
    recorder: gateway.Recorder,
    command: Command,
    *,
    writers: int,
    seconds: float,
    errors: ErrorLog,
) -> WriteRun:
    """`writers` editors logging back to back for `seconds`: throughput, and every failure a user would see."""
    rng = random.Random(7)
    run = WriteRun(writers, seconds)
    before = asyncio.all_tasks()
    errors_before = len(errors.records)
    deadline = time.perf_counter() + seconds

    async def writer() -> None:
        while time.perf_counter() < deadline:
            target = command.make(rng)
            elapsed, handed = await dispatch_once(bot, recorder, target.payload)
            issue = problem(command, handed)
            if issue is None:
                run.completed += 1
                run.latencies.append(elapsed)
            else:
                run.failures += 1
                if len(run.failure_texts) < 5:
                    run.failure_texts.append(issue)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    run.seconds = time.perf_counter() - started
    await _settle(before)
    logged = errors.texts()[errors_before:]
    run.locked = sum("database is locked" in text for text in logged)
    return run
