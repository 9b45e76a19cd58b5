"""The lower bound: the rows each command shows, fetched with one hand-written query, raw driver.

No ORM, no SQLAlchemy Core, no discord.py, no rendering: stdlib ``sqlite3`` (on one worker thread,
as aiosqlite uses one) or ``asyncpg``. Each query returns everything the command displays,
counts included, in a single round trip. Queries are written once with ``$n`` placeholders;
SQLite gets them as ``?n`` (SQLite's numbered parameters), so both backends run the same text.
"""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import asyncpg
from sqlalchemy import Date, Table
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers the tables in SQLModel.metadata)
from bench import bulk
from db.engine import SQLITE_BUSY_TIMEOUT_MS

Values = dict[str, Any]
Processor = Callable[[Any], Any]

STATUS = """
WITH t AS (SELECT * FROM topic WHERE newsroom_id = $1 AND slug = $2),
sd AS (SELECT * FROM entry WHERE topic_id = (SELECT id FROM t) AND kind = 'status' AND retracted_at IS NULL
       AND decision IS NOT NULL ORDER BY date_sort DESC, id DESC LIMIT 1),
sv AS (SELECT * FROM entry WHERE topic_id = (SELECT id FROM t) AND kind = 'status' AND retracted_at IS NULL
       AND delivery IS NOT NULL ORDER BY date_sort DESC, id DESC LIMIT 1),
qc AS (SELECT committed AS qc_amount, unit AS qc_unit FROM entry WHERE topic_id = (SELECT id FROM t)
       AND kind = 'status' AND retracted_at IS NULL AND committed IS NOT NULL ORDER BY date_sort DESC, id DESC LIMIT 1),
qd AS (SELECT delivered AS qd_amount, unit AS qd_unit FROM entry WHERE topic_id = (SELECT id FROM t)
       AND kind = 'status' AND retracted_at IS NULL AND delivered IS NOT NULL ORDER BY date_sort DESC, id DESC LIMIT 1),
st AS (SELECT * FROM entry WHERE topic_id = (SELECT id FROM t) AND kind = 'statement' AND retracted_at IS NULL
       ORDER BY date_sort DESC, id DESC LIMIT 1),
agg AS (SELECT count(*) AS n, max(updated_at) AS last_change FROM entry WHERE topic_id = (SELECT id FROM t))
SELECT t.*, n.timezone AS newsroom_timezone, agg.n, agg.last_change, sd.*, sv.*, qc.*, qd.*, st.*
FROM t LEFT JOIN newsroom n ON n.id = t.newsroom_id CROSS JOIN agg
LEFT JOIN sd ON TRUE LEFT JOIN sv ON TRUE LEFT JOIN qc ON TRUE LEFT JOIN qd ON TRUE LEFT JOIN st ON TRUE
"""

LATEST = """
WITH t AS (SELECT * FROM topic WHERE newsroom_id = $1 AND slug = $2)
SELECT t.*, n.timezone AS newsroom_timezone,
       (SELECT count(*) FROM entry WHERE topic_id = (SELECT id FROM t) AND kind = 'statement'
        AND retracted_at IS NULL) AS total, e.*
FROM t LEFT JOIN newsroom n ON n.id = t.newsroom_id
LEFT JOIN (SELECT * FROM entry WHERE topic_id = (SELECT id FROM t) AND kind = 'statement' AND retracted_at IS NULL
           ORDER BY date_sort DESC, id DESC LIMIT 5) e ON TRUE
"""

CHRONOLOGY_BY_SLUG = """
WITH t AS (SELECT * FROM topic WHERE newsroom_id = $1 AND slug = $2)
SELECT t.*, n.timezone AS newsroom_timezone,
       (SELECT count(*) FROM entry WHERE topic_id = (SELECT id FROM t) AND retracted_at IS NULL) AS total, e.*
FROM t LEFT JOIN newsroom n ON n.id = t.newsroom_id
LEFT JOIN (SELECT * FROM entry WHERE topic_id = (SELECT id FROM t) AND retracted_at IS NULL
           ORDER BY date_sort, id LIMIT 10 OFFSET $3) e ON TRUE
"""

# Per axis and per quantity, the topic's newest live status change setting it (bot.core.status_axes).
_STATUS_PICKS = "".join(
    f"""LEFT JOIN entry {alias} ON {alias}.id = (
    SELECT id FROM entry WHERE topic_id = t.id AND kind = 'status' AND retracted_at IS NULL AND {column} IS NOT NULL
    ORDER BY date_sort DESC, id DESC LIMIT 1)
"""
    for alias, column in (("sd", "decision"), ("sv", "delivery"), ("qc", "committed"), ("qd", "delivered"))
)
TOPICS = f"""
SELECT t.*, sd.*, sv.*, qc.committed, qc.unit, qd.delivered, qd.unit,
       (SELECT count(*) FROM topic WHERE newsroom_id = $1 AND archived = FALSE) AS total
FROM (SELECT * FROM topic WHERE newsroom_id = $1 AND archived = FALSE ORDER BY slug LIMIT 15 OFFSET $2) t
{_STATUS_PICKS}ORDER BY t.slug
"""

AUTOCOMPLETE = """
SELECT slug, title FROM topic
WHERE newsroom_id = $1 AND archived = FALSE AND search_text LIKE $2 ESCAPE '\\'
ORDER BY slug LIKE $3 ESCAPE '\\' DESC, length(slug), slug LIMIT 25
"""

AUTOCOMPLETE_EMPTY = """
SELECT slug, title FROM topic WHERE newsroom_id = $1 AND archived = FALSE ORDER BY updated_at DESC, slug LIMIT 25
"""

# A Previous/Next button carries the topic id and where its page starts (see bot.render.custom_ids):
# the page just after that position, its ids found from the index before its rows are read.
CHRONOLOGY_AFTER = """
SELECT t.*, n.timezone AS newsroom_timezone,
       (SELECT count(*) FROM entry WHERE topic_id = $2 AND retracted_at IS NULL) AS total, e.*
FROM topic t JOIN newsroom n ON n.id = t.newsroom_id
LEFT JOIN (
    SELECT entry.* FROM entry
    JOIN (SELECT id FROM entry WHERE topic_id = $2 AND retracted_at IS NULL
          AND date_sort >= $3 AND (date_sort > $3 OR id > $4)
          ORDER BY date_sort, id LIMIT 10) page ON page.id = entry.id
) e ON TRUE
WHERE t.newsroom_id = $1 AND t.id = $2
ORDER BY e.date_sort, e.id
"""

# Every live entry's place in a timeline, in order: where each page of it starts.
TIMELINE_POSITIONS = (
    "SELECT date_sort, id FROM entry WHERE topic_id = $1 AND retracted_at IS NULL ORDER BY date_sort, id"
)

_PLACEHOLDER = re.compile(r"\$(\d+)")


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def autocomplete_query(newsroom_id: int, typed: str) -> tuple[str, tuple[Any, ...]]:
    key = " ".join(typed.casefold().split())[:100]
    if not key:
        return AUTOCOMPLETE_EMPTY, (newsroom_id,)
    escaped = escape_like(key)
    return AUTOCOMPLETE, (newsroom_id, f"%{escaped}%", f"{escaped}%")


class Codec:
    """Python values of one table's row -> the tuple its driver receives, in column order.

    Each column goes through SQLAlchemy's own bind processor for its type on the target dialect (the
    function the ORM's INSERT runs), so the raw write stores values in the format the bot does.
    """

    def __init__(self, table: Table, dialect: Dialect) -> None:
        self.table = table.name
        self.columns = [c.name for c in table.columns]
        self._processors: list[tuple[int, Processor]] = []
        for index, column in enumerate(table.columns):
            processor = column.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is None:
                continue
            if isinstance(column.type, Date):
                processor = functools.cache(processor)
            self._processors.append((index, processor))

    def encode(self, values: Values) -> tuple[Any, ...]:
        row = [values[name] for name in self.columns]
        for index, processor in self._processors:
            row[index] = processor(row[index])
        return tuple(row)


def codecs_for(dialect: Dialect) -> dict[str, Codec]:
    return {name: Codec(table, dialect) for name, table in SQLModel.metadata.tables.items()}


class RawDriver(Protocol):
    async def fetch(self, sql: str, args: tuple[Any, ...]) -> list[Any]: ...

    async def log_entry(self, entry: Values, audit: Values, topic_id: int) -> int: ...

    async def close(self) -> None: ...


def _insert_sql(codec: Codec, *, numbered: bool) -> tuple[str, list[int]]:
    """INSERT of every column but the id (the database assigns it), RETURNING the id."""
    indexes = [i for i, name in enumerate(codec.columns) if name != "id"]
    names = ", ".join(codec.columns[i] for i in indexes)
    marks = ", ".join(f"${n}" if numbered else "?" for n in range(1, len(indexes) + 1))
    return f"INSERT INTO {codec.table} ({names}) VALUES ({marks}) RETURNING id", indexes


class RawSqlite:
    """stdlib sqlite3 on one dedicated thread, with the settings the bot's connections use."""

    def __init__(self, path: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="raw-sqlite")
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._statements: dict[str, str] = {}
        self.codecs = codecs_for(aiosqlite_dialect())

    async def open(self) -> RawSqlite:
        await self._run(self._connect)
        return self

    def _connect(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
            "synchronous=NORMAL",
        ):
            conn.execute(f"PRAGMA {pragma}")
        self._conn = conn

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _sql(self, sql: str) -> str:
        converted = self._statements.get(sql)
        if converted is None:
            converted = self._statements[sql] = _PLACEHOLDER.sub(r"?\1", sql)
        return converted

    def _fetch(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        assert self._conn is not None
        return self._conn.execute(self._sql(sql), args).fetchall()

    async def fetch(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        return await self._run(self._fetch, sql, args)

    def _log_entry(self, entry: Values, audit: Values, topic_id: int) -> int:
        conn = self._conn
        assert conn is not None
        entry_sql, entry_cols = _insert_sql(self.codecs["entry"], numbered=False)
        audit_sql, audit_cols = _insert_sql(self.codecs["audit_record"], numbered=False)
        conn.execute("BEGIN IMMEDIATE")
        try:
            encoded = self.codecs["entry"].encode(entry)
            entry_id = conn.execute(entry_sql, [encoded[i] for i in entry_cols]).fetchone()[0]
            encoded = self.codecs["audit_record"].encode({**audit, "id": None, "entry_id": entry_id})
            conn.execute(audit_sql, [encoded[i] for i in audit_cols])
            stored_at = encoded[self.codecs["audit_record"].columns.index("at")]
            conn.execute("UPDATE topic SET updated_at = ? WHERE id = ?", (stored_at, topic_id))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return int(entry_id)

    async def log_entry(self, entry: Values, audit: Values, topic_id: int) -> int:
        return await self._run(self._log_entry, entry, audit, topic_id)

    async def close(self) -> None:
        if self._conn is not None:
            await self._run(self._conn.close)
        self._executor.shutdown(wait=True)


class RawPostgres:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.codecs = codecs_for(asyncpg_dialect())

    @classmethod
    async def open(cls, url: str, schema: str) -> RawPostgres:
        return cls(await asyncpg.connect(bulk.asyncpg_dsn(url), server_settings={"search_path": schema}))

    async def fetch(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        return await self._conn.fetch(sql, *args)

    async def log_entry(self, entry: Values, audit: Values, topic_id: int) -> int:
        entry_sql, entry_cols = _insert_sql(self.codecs["entry"], numbered=True)
        audit_sql, audit_cols = _insert_sql(self.codecs["audit_record"], numbered=True)
        async with self._conn.transaction():
            encoded = self.codecs["entry"].encode(entry)
            entry_id = await self._conn.fetchval(entry_sql, *[encoded[i] for i in entry_cols])
            assert entry_id is not None  # the insert returns the new row's id
            encoded = self.codecs["audit_record"].encode({**audit, "id": None, "entry_id": entry_id})
            await self._conn.execute(audit_sql, *[encoded[i] for i in audit_cols])
            await self._conn.execute("UPDATE topic SET updated_at = $1 WHERE id = $2", audit["at"], topic_id)
        return int(entry_id)

    async def close(self) -> None:
        await self._conn.close()


async def open_raw(url: str, schema: str | None) -> RawDriver:
    if schema is None:
        return await RawSqlite(bulk.sqlite_path(url)).open()
    return await RawPostgres.open(url, schema)
