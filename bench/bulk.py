"""Loading the data set the way a newsroom moves in: `newsdesk import` of each newsroom's export.

Every row reaches the database through ``db.portability.import_newsroom``, the function behind
``newsdesk import``: the same validation, the same refusals, the same batched inserts a large
newsroom's real move gets. What the bench measures afterwards is therefore data the product itself
stored; there is no second write path to keep equal to the first.

Big data sets are generated in a child process while this one imports them, so building the next
newsroom's document overlaps with storing the last.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import queue as queue_module
import time
import traceback
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bench.dataset import Dataset, plan
from bench.documents import Documents
from bench.profiles import Profile
from bench.synth import Content
from db.engine import Database
from db.portability import import_newsroom

# Below this many entries, starting a second interpreter costs more than generating in this one.
IN_PROCESS_ENTRIES = 100_000
# Documents waiting for the importer: the biggest is a few hundred thousand rows, so keep few.
QUEUED_DOCUMENTS = 2


def sqlite_path(url: str) -> str:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("the benchmark needs a SQLite file, not an in-memory database")
    return database


def asyncpg_dsn(url: str) -> str:
    """The plain libpq-style URL asyncpg takes, from a SQLAlchemy ``postgresql+asyncpg://`` URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(slots=True)
class LoadStats:
    seconds: float
    rows: dict[str, int]


def _produce(profile: Profile, seed: int, now: dt.datetime, queue: Any) -> None:
    """Child process: rebuild the (deterministic) plan and send its documents to the parent."""
    try:
        content = Content(seed, today=now.date())
        dataset = plan(profile, seed=seed, now=now, content=content)
        for document in Documents(dataset, content):
            queue.put(document)
        queue.put(None)
    except BaseException:
        queue.put(("error", traceback.format_exc()))
        raise


def _next_document(queue: Any, producer: Any) -> Any:
    # Poll, so a child that died without a word (killed, failed to start) cannot hang the parent.
    while True:
        try:
            return queue.get(timeout=1.0)
        except queue_module.Empty:
            if not producer.is_alive():
                raise RuntimeError(f"the data generator exited early (exit code {producer.exitcode})") from None


async def documents(dataset: Dataset) -> AsyncIterator[dict[str, Any]]:
    """The data set's export documents, generated here or, for big ones, in a child process.

    The child rebuilds the plan from the same profile, seed and clock, so its documents describe
    exactly the newsrooms and topics in `dataset`.
    """
    if dataset.profile.entries <= IN_PROCESS_ENTRIES:
        for document in Documents(dataset, Content(dataset.seed, today=dataset.now.date())):
            yield document
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process with a running event loop
    queue = context.Queue(maxsize=QUEUED_DOCUMENTS)
    producer = context.Process(target=_produce, args=(dataset.profile, dataset.seed, dataset.now, queue), daemon=True)
    producer.start()
    try:
        while True:
            item = await asyncio.to_thread(_next_document, queue, producer)
            if item is None:
                break
            if isinstance(item, tuple):
                raise RuntimeError(f"data generation failed:\n{item[1]}")
            yield item
    finally:
        producer.join(timeout=10)
        if producer.is_alive():
            producer.terminate()


async def load(dataset: Dataset, url: str, schema: str | None) -> LoadStats:
    """Import every newsroom of the data set into the (migrated, empty) database at `url`."""
    started = time.perf_counter()
    counts: dict[str, int] = {"newsroom": 0, "topics": 0, "entries": 0, "audit": 0}
    database = Database(url, schema=schema)
    try:
        async for document in documents(dataset):
            imported = await import_newsroom(database, document)
            counts["newsroom"] += 1
            for key, n in imported.items():
                counts[key] = counts.get(key, 0) + n
            del document, imported
    finally:
        await database.dispose()
    if schema is not None:
        await _analyse_postgres(url, schema)
    dataset.entry_count = counts["entries"]
    dataset.audit_count = counts["audit"]
    return LoadStats(time.perf_counter() - started, counts)


async def _analyse_postgres(url: str, schema: str) -> None:
    # What autovacuum would have done to tables this size long before anyone benchmarked them:
    # planner statistics and the visibility map (for index-only scans).
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        tables = ", ".join(f'"{schema}"."{name}"' for name in ("newsroom", "topic", "entry", "audit_record"))
        await conn.execute(f"VACUUM (ANALYZE) {tables}")
    finally:
        await conn.close()
