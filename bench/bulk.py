"""Bulk loading: rows from ``bench.rows`` stored at executemany/COPY speed in big transactions.

Equivalence with the write path has two halves. ``bench.rows`` builds the same Python values the
ORM objects would hold; ``Codec`` turns them into what the driver receives using SQLAlchemy's own
bind processors for each column's type on the target dialect (the very functions the ORM's INSERT
runs: ``UTCDateTime`` to UTC and, on SQLite, to its text format; ``JSON`` to its serialised text,
``None`` included; booleans to 0/1 on SQLite). ``bench.equivalence`` checks the stored result field
by field against ``db.writes``; ``tests/test_bench.py`` runs that check on every backend.

Speed: on SQLite the loader writes through the stdlib ``sqlite3`` module in a worker thread with
journaling off for the load (the file is new and disposable until the load finishes; WAL is
switched back on afterwards), so generating the next batch overlaps with SQLite storing the last.
On PostgreSQL rows go through asyncpg's binary ``COPY`` (``copy_records_to_table``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import multiprocessing
import queue as queue_module
import sqlite3
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
from sqlalchemy import Date, Table
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect
from sqlalchemy.engine import Dialect, make_url
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers the tables in SQLModel.metadata)
from bench.dataset import Dataset, RowStream, plan
from bench.profiles import Profile
from bench.rows import Values
from bench.synth import Content

Processor = Callable[[Any], Any]


class Codec:
    """Python values of one table's row -> the tuple its driver receives, in column order."""

    def __init__(self, table: Table, dialect: Dialect) -> None:
        self.table = table.name
        self.columns = [c.name for c in table.columns]
        self._processors: list[tuple[int, Processor]] = []
        for index, column in enumerate(table.columns):
            processor = column.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is None:
                continue
            if isinstance(column.type, Date):
                # Dates come from a pool of a few thousand fuzzy dates: convert each one once.
                processor = functools.cache(processor)
            self._processors.append((index, processor))

    def encode(self, values: Values) -> tuple[Any, ...]:
        row = [values[name] for name in self.columns]
        for index, processor in self._processors:
            row[index] = processor(row[index])
        return tuple(row)


def codecs_for(dialect: Dialect) -> dict[str, Codec]:
    return {name: Codec(table, dialect) for name, table in SQLModel.metadata.tables.items()}


class Sink(Protocol):
    codecs: dict[str, Codec]
    dialect_name: str

    async def drop_indexes(self) -> list[str]: ...

    async def create_indexes(self, definitions: list[str]) -> None: ...

    async def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None: ...

    async def execute(self, sql: str) -> None: ...

    async def finish(self) -> None: ...

    async def close(self) -> None: ...


# db.writes moves a topic's updated_at forward with every change to one of its entries (creation,
# correction, retraction), so after a load it is the latest of its own and its entries' updated_at.
TOPIC_UPDATED_AT = (
    "UPDATE topic SET updated_at = latest.at "
    "FROM (SELECT topic_id, max(updated_at) AS at FROM entry GROUP BY topic_id) AS latest "
    "WHERE latest.topic_id = topic.id AND latest.at > topic.updated_at"
)
# Every create_topic bumps its newsroom's label revision once (the bench edits no topic labels).
NEWSROOM_LABELS_REV = (
    "UPDATE newsroom SET topic_labels_rev = topics.n "
    "FROM (SELECT newsroom_id, count(*) AS n FROM topic GROUP BY newsroom_id) AS topics "
    "WHERE topics.newsroom_id = newsroom.id"
)


async def derive_columns(sink: Sink) -> None:
    """Columns the write path keeps from other rows, computed once the rows are in."""
    await sink.execute(TOPIC_UPDATED_AT)
    await sink.execute(NEWSROOM_LABELS_REV)


class SqliteSink:
    dialect_name = "sqlite"

    def __init__(self, path: str) -> None:
        self.codecs = codecs_for(aiosqlite_dialect())
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # A fresh file that nobody reads until the load is done: no journal, no fsync. A crash
        # mid-load loses only the bench's own temporary database.
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-1000000")
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.conn.execute("BEGIN")
        self._rows_in_txn = 0
        self._sql: dict[str, str] = {}

    def _write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        sql = self._sql.get(table)
        if sql is None:
            columns = self.codecs[table].columns
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            self._sql[table] = sql
        self.conn.executemany(sql, rows)
        self._rows_in_txn += len(rows)
        if self._rows_in_txn >= 400_000:
            self.conn.execute("COMMIT")
            self.conn.execute("BEGIN")
            self._rows_in_txn = 0

    async def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        await asyncio.to_thread(self._write, table, rows)

    async def execute(self, sql: str) -> None:
        await asyncio.to_thread(self.conn.execute, sql)

    async def drop_indexes(self) -> list[str]:
        # Explicit indexes only (sql is NULL for the ones behind PRIMARY KEY/UNIQUE constraints).
        found = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in found:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in found]

    async def create_indexes(self, definitions: list[str]) -> None:
        def create() -> None:
            for sql in definitions:
                self.conn.execute(sql)

        await asyncio.to_thread(create)

    def _finish(self) -> None:
        self.conn.execute("COMMIT")
        # Back to the mode the bot runs in (Database sets WAL on connect, but only a connection
        # with no other users can switch, so do it while the loader is still alone).
        self.conn.execute("PRAGMA journal_mode=WAL")

    async def finish(self) -> None:
        await asyncio.to_thread(self._finish)

    async def close(self) -> None:
        self.conn.close()


class PostgresSink:
    dialect_name = "postgresql"

    def __init__(self, conn: asyncpg.Connection, schema: str) -> None:
        self.codecs = codecs_for(asyncpg_dialect())
        self.conn = conn
        self.schema = schema
        self._txn: Any = None
        self._rows_in_txn = 0

    @classmethod
    async def open(cls, dsn: str, schema: str) -> PostgresSink:
        conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
        sink = cls(conn, schema)
        sink._txn = conn.transaction()
        await sink._txn.start()
        return sink

    async def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        await self.conn.copy_records_to_table(
            table, records=rows, columns=self.codecs[table].columns, schema_name=self.schema
        )
        self._rows_in_txn += len(rows)
        if self._rows_in_txn >= 400_000:
            await self._txn.commit()
            self._txn = self.conn.transaction()
            await self._txn.start()
            self._rows_in_txn = 0

    async def execute(self, sql: str) -> None:
        await self.conn.execute(sql)

    async def drop_indexes(self) -> list[str]:
        # Indexes that no constraint owns (primary keys and UNIQUE constraints stay in place).
        found = await self.conn.fetch(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = $1
              AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c
                JOIN pg_class ic ON ic.oid = c.conindid
                JOIN pg_namespace n ON n.oid = ic.relnamespace
                WHERE ic.relname = i.indexname AND n.nspname = i.schemaname
              )
            """,
            self.schema,
        )
        for row in found:
            await self.conn.execute(f'DROP INDEX "{self.schema}"."{row["indexname"]}"')
        return [row["indexdef"] for row in found]

    async def create_indexes(self, definitions: list[str]) -> None:
        for sql in definitions:
            await self.conn.execute(sql)

    async def finish(self) -> None:
        await self._txn.commit()
        # Explicit ids bypassed the sequences; move them past the loaded rows so the bot's own
        # inserts (the /log benchmark) get fresh ids.
        for table in ("topic", "entry", "audit_record"):
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{self.schema}.{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {self.schema}.{table}))"
            )
        # What autovacuum would have done to tables this size long before anyone benchmarked
        # them: planner statistics and the visibility map (for index-only scans).
        tables = ", ".join(f'"{self.schema}"."{name}"' for name in self.codecs)
        await self.conn.execute(f"VACUUM (ANALYZE) {tables}")

    async def close(self) -> None:
        await self.conn.close()


def sqlite_path(url: str) -> str:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("the benchmark needs a SQLite file, not an in-memory database")
    return database


def asyncpg_dsn(url: str) -> str:
    """The plain libpq-style URL asyncpg takes, from a SQLAlchemy ``postgresql+asyncpg://`` URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def open_sink(url: str, schema: str | None) -> Sink:
    if make_url(url).get_backend_name() == "sqlite":
        return SqliteSink(sqlite_path(url))
    assert schema is not None
    return await PostgresSink.open(asyncpg_dsn(url), schema)


@dataclass(slots=True)
class LoadStats:
    seconds: float
    rows: dict[str, int]


def dialect_named(name: str) -> Dialect:
    return aiosqlite_dialect() if name == "sqlite" else asyncpg_dialect()


def _produce(profile: Profile, seed: int, now: dt.datetime, dialect_name: str, batch_size: int, queue: Any) -> None:
    """Child process: rebuild the (deterministic) plan and stream encoded batches to the parent."""
    try:
        dataset = plan(profile, seed=seed, now=now, content=Content(seed, today=now.date()))
        for item in _encoded(dataset, codecs_for(dialect_named(dialect_name)), batch_size):
            queue.put(item)
        queue.put(None)
    except BaseException:
        queue.put(("error", traceback.format_exc()))
        raise


def _next_batch(queue: Any, producer: Any) -> Any:
    # Poll, so a child that died without a word (killed, failed to start) cannot hang the parent.
    while True:
        try:
            return queue.get(timeout=1.0)
        except queue_module.Empty:
            if not producer.is_alive():
                raise RuntimeError(f"the data generator exited early (exit code {producer.exitcode})") from None


def _encoded(
    dataset: Dataset, codecs: dict[str, Codec], batch_size: int
) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    content = Content(dataset.seed, today=dataset.now.date())
    for batch in RowStream(dataset, content, batch_size=batch_size):
        if batch.rows:
            codec = codecs[batch.table]
            yield batch.table, [codec.encode(values) for values in batch.rows]


# Below this many entries, starting a second interpreter costs more than generating in this one.
IN_PROCESS_ENTRIES = 100_000


async def load(dataset: Dataset, sink: Sink, *, batch_size: int = 20_000) -> LoadStats:
    """Store the data set; big ones are generated in a child process while this one stores them.

    The child rebuilds the plan from the same profile, seed and clock, so its rows describe exactly
    the newsrooms and topics in `dataset`. Secondary indexes are dropped for the load and rebuilt
    from their own saved definitions afterwards: sorting once is much cheaper than a million
    random B-tree inserts, and the schema ends up exactly as the migrations left it.
    """
    started = time.perf_counter()
    counts: dict[str, int] = {}
    saved = await sink.drop_indexes()
    if dataset.profile.entries <= IN_PROCESS_ENTRIES:
        for table, rows in _encoded(dataset, sink.codecs, batch_size):
            counts[table] = counts.get(table, 0) + len(rows)
            await sink.write(table, rows)
    else:
        context = multiprocessing.get_context("spawn")  # no fork of a process with a running event loop
        queue = context.Queue(maxsize=4)
        producer = context.Process(
            target=_produce,
            args=(dataset.profile, dataset.seed, dataset.now, sink.dialect_name, batch_size, queue),
            daemon=True,
        )
        producer.start()
        try:
            while True:
                item = await asyncio.to_thread(_next_batch, queue, producer)
                if item is None:
                    break
                table, rows = item
                if table == "error":
                    raise RuntimeError(f"data generation failed:\n{rows}")
                counts[table] = counts.get(table, 0) + len(rows)
                await sink.write(table, rows)
        finally:
            producer.join(timeout=10)
            if producer.is_alive():
                producer.terminate()
    await sink.create_indexes(saved)
    await derive_columns(sink)
    await sink.finish()
    dataset.entry_count = counts.get("entry", 0)
    dataset.audit_count = counts.get("audit_record", 0)
    return LoadStats(time.perf_counter() - started, counts)
