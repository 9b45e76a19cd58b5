"""Latency runs through the real dispatch, the raw lower bound for the same targets, and the loop monitor."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import logging
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bench import documents, gateway, raw
from bench.dataset import Dataset, NewsroomSpec, TopicSpec, snowflake
from bench.synth import WORDS, Content
from bot.client import NewsBot
from bot.core.vocabulary import EntryKind
from bot.render import custom_ids
from db import writes

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
    kind: str  # "read", "autocomplete", "write" or "floor" (a refusal before any query)
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


def _problem(command: Command, handed: gateway.Handed) -> str | None:
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
        problem = _problem(command, handed)
        if problem is not None:
            outcome.failures += 1
            outcome.first_failure = outcome.first_failure or problem
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


# -- the commands ----------------------------------------------------------------------------------


class Targets:
    """Builds each command's targets from the data set; one seeded generator, so runs repeat."""

    def __init__(self, dataset: Dataset, content: Content, *, long_timeline: list[tuple[Any, int]]) -> None:
        self.dataset = dataset
        self.content = content
        self.ordinary = dataset.ordinary_newsrooms
        self.topics = [t for n in self.ordinary for t in n.topics]
        self.long_timeline = long_timeline
        self.long_topic_live = len(long_timeline)
        self.autocomplete_slugs = [t.slug for t in dataset.autocomplete_newsroom.topics]
        self.logged = 0

    def _topic(self, rng: random.Random) -> tuple[NewsroomSpec, TopicSpec]:
        topic = self.topics[int(rng.random() * len(self.topics))]
        return self.dataset.newsroom(topic.newsroom_id), topic

    def status(self, rng: random.Random) -> Target:
        newsroom, topic = self._topic(rng)
        payload = gateway.slash("status", {"topic": topic.slug}, newsroom, gateway.reader_of(newsroom))
        return Target(payload, raw.STATUS, (newsroom.id, topic.slug))

    def latest(self, rng: random.Random) -> Target:
        newsroom, topic = self._topic(rng)
        payload = gateway.slash("latest", {"topic": topic.slug}, newsroom, gateway.reader_of(newsroom))
        return Target(payload, raw.LATEST, (newsroom.id, topic.slug))

    def chronology(self, rng: random.Random) -> Target:
        newsroom, topic = self._topic(rng)
        payload = gateway.slash("chronology", {"topic": topic.slug}, newsroom, gateway.reader_of(newsroom))
        return Target(payload, raw.CHRONOLOGY_BY_SLUG, (newsroom.id, topic.slug, 0))

    def deep_page(self) -> int:
        pages = max(math.ceil(self.long_topic_live / CHRONOLOGY_PER_PAGE), 1)
        return pages // 2

    def chronology_deep(self, rng: random.Random) -> Target:
        """The Next button of a page in the middle of the long timeline, clicked directly: its id
        carries the position after the previous page's last entry, as the bot draws it."""
        topic = self.dataset.long_topic
        newsroom = self.dataset.newsroom(topic.newsroom_id)
        middle = self.deep_page()
        page = max(middle + rng.randint(-25, 25), 1)
        day, entry_id = self.long_timeline[page * CHRONOLOGY_PER_PAGE - 1]
        position = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
        custom_id = custom_ids.chronology_id(topic.id, page, seek=custom_ids.Seek(True, position, entry_id))
        payload = gateway.click(custom_id, newsroom, gateway.reader_of(newsroom))
        return Target(payload, raw.CHRONOLOGY_AFTER, (newsroom.id, topic.id, day, entry_id))

    def topics_list(self, rng: random.Random) -> Target:
        newsroom = self.ordinary[int(rng.random() * len(self.ordinary))]
        payload = gateway.slash("topics", {}, newsroom, gateway.reader_of(newsroom))
        return Target(payload, raw.TOPICS, (newsroom.id, 0))

    def topics_big(self, rng: random.Random) -> Target:
        newsroom = self.dataset.autocomplete_newsroom
        payload = gateway.slash("topics", {}, newsroom, gateway.reader_of(newsroom))
        return Target(payload, raw.TOPICS, (newsroom.id, 0))

    def typed_text(self, rng: random.Random) -> str:
        """What a reader has typed so far: nothing yet, the start of a slug, or a word from a title."""
        roll = rng.random()
        if roll < 0.1:
            return ""
        if roll < 0.7:
            slug = self.autocomplete_slugs[int(rng.random() * len(self.autocomplete_slugs))]
            return slug[: rng.randint(1, min(len(slug), 8))]
        word = WORDS[int(rng.random() * len(WORDS))]
        return word[: rng.randint(3, len(word))] if len(word) > 3 else word

    def autocomplete(self, rng: random.Random) -> Target:
        newsroom = self.dataset.autocomplete_newsroom
        typed = self.typed_text(rng)
        payload = gateway.slash("status", {"topic": typed}, newsroom, gateway.reader_of(newsroom), focused="topic")
        sql, args = raw.autocomplete_query(newsroom.id, typed)
        return Target(payload, sql, args)

    def floor(self, rng: random.Random) -> Target:
        """/chronology with a date no calendar has: refused by validation before any query, so its
        time is discord.py's dispatch, our option parsing and the reply, the floor under every command."""
        newsroom, topic = self._topic(rng)
        options = {"topic": topic.slug, "since": f"{rng.randint(32, 99)} Sep 2023"}
        return Target(gateway.slash("chronology", options, newsroom, gateway.reader_of(newsroom)), None, ())

    def log_status(self, rng: random.Random) -> Target:
        """/log status with a note, a fuzzy date, a source and a link, as an editor types it."""
        newsroom, topic = self._topic(rng)
        draft = self.content.entry_draft(rng, kind=EntryKind.STATUS, years=topic.years)
        options: dict[str, Any] = {
            "topic": topic.slug,
            "status": draft.status,
            "note": draft.note,
            "date": draft.date.render(),
            "source": draft.source_name,
        }
        if draft.source_url:
            options["url"] = draft.source_url
        member = gateway.editor_of(newsroom, int(rng.random() * 8))
        payload = gateway.slash("log status", options, newsroom, member)
        # The raw lower bound stores the same draft: entry, audit record, topic's updated_at.
        at = self.dataset.now
        self.logged += 1
        interaction_id = snowflake(at, 0x300000 + self.logged)
        values = writes.entry_values(
            newsroom_id=newsroom.id, topic_id=topic.id, draft=draft, actor_id=member.user_id,
            interaction_id=interaction_id, now=at,
        )  # fmt: skip
        entry = {"id": None, **values}  # the database assigns it
        audit = documents.entry_created(entry, actor_id=member.user_id, interaction_id=interaction_id, at=at)
        return Target(payload, None, (), write=(entry, audit, topic.id))


def commands(targets: Targets, *, iterations: int, write_iterations: int) -> list[Command]:
    read, auto, write = "read", "autocomplete", "write"
    message, update = gateway.CHANNEL_MESSAGE, gateway.UPDATE_MESSAGE
    return [
        Command("status", "/status", read, message, targets.status, iterations),
        Command("latest", "/latest", read, message, targets.latest, iterations),
        Command("chronology", "/chronology (first page)", read, message, targets.chronology, iterations),
        Command(
            "chronology_deep",
            f"/chronology page ~{targets.deep_page() + 1} (Next button)",
            read,
            update,
            targets.chronology_deep,
            iterations,
        ),
        Command("topics", "/topics", read, message, targets.topics_list, iterations),
        Command("topics_big", "/topics (10k-topic newsroom)", read, message, targets.topics_big, iterations),
        Command(
            "autocomplete",
            "topic autocomplete (10k topics)",
            auto,
            gateway.AUTOCOMPLETE_RESULT,
            targets.autocomplete,
            iterations,
        ),
        Command("log_status", "/log status (one writer)", write, message, targets.log_status, write_iterations),
        Command("floor", "floor: a command refused before any query", "floor", message, targets.floor, iterations),
    ]


# -- concurrent writers ----------------------------------------------------------------------------


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
            problem = _problem(command, handed)
            if problem is None:
                run.completed += 1
                run.latencies.append(elapsed)
            else:
                run.failures += 1
                if len(run.failure_texts) < 5:
                    run.failure_texts.append(problem)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    run.seconds = time.perf_counter() - started
    await _settle(before)
    logged = errors.texts()[errors_before:]
    run.locked = sum("database is locked" in text for text in logged)
    return run
