"""SQLAlchemy's aiosqlite dialect, with one trip to the connection's thread per statement.

aiosqlite runs every call on the connection's own thread and wakes the event loop with its result.
Through SQLAlchemy's adapter one statement is three or four such trips (make a cursor, execute,
fetch, close), and returning a connection to the pool is one more (a ROLLBACK even when no
transaction is open). Each trip wakes the loop; on the /log path they cost more than SQLite's own
work (profiled). Here a statement is one trip: the worker makes the cursor, executes, fetches every
row and closes it in one call. Commit and rollback skip the trip when no transaction is open,
which is what sqlite3 itself does with them, and a transaction's BEGIN travels with its first
statement.

Server-side cursors (streamed results) keep SQLAlchemy's own adapter, since they fetch in batches by
design; they only open a pending transaction first. The adapter relies on aiosqlite's `_execute`
and `_conn`, as SQLAlchemy's own does on its internals; the versions are pinned in pyproject.toml
and the tests cover both paths.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    AsyncAdapt_aiosqlite_ss_cursor,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

DRIVER = "aiosqlite_onetrip"

_Outcome = tuple[Any, int, int | None, list[Any] | None]


def _run(connection: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool) -> _Outcome:
    """On the connection's thread: the whole statement, result rows included (after the BEGIN of
    its transaction, when it is the first statement in one)."""
    cursor = connection.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor that holds no sqlite3 cursor between calls, only the last statement's result."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # Deliberately not the parent's __init__: that opens a cursor on the worker thread (a trip).
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows: collections.deque[Any] = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        return  # nothing is held on the worker thread

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        adapt: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        outcome = await adapt.run_direct(operation, parameters, many=many)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows) if rows is not None else collections.deque()


class StreamingCursor(AsyncAdapt_aiosqlite_ss_cursor):
    """SQLAlchemy's server-side cursor, which also opens a pending transaction first (a snapshot read
    may begin with a streamed statement)."""

    __slots__ = ()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        begin = self._adapt_connection.take_pending_begin()  # type: ignore[attr-defined]
        if begin is not None:
            await self._connection.execute(begin)
        return await super()._execute_async(operation, parameters)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_pending_begin",)

    _cursor_cls = OneTripCursor
    _ss_cursor_cls = StreamingCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._pending_begin: str | None = None

    def begin_with_next_statement(self, begin: str) -> None:
        """Open the transaction in the same trip as its first statement instead of a trip of its own.
        SQLite takes no lock at a deferred BEGIN; at BEGIN IMMEDIATE it takes the write lock, which
        the caller is about to need anyway."""
        self._pending_begin = begin

    def take_pending_begin(self) -> str | None:
        """The BEGIN the next statement must run first, if any (it runs once)."""
        begin, self._pending_begin = self._pending_begin, None
        return begin

    async def run_direct(self, operation: str, parameters: Any, *, many: bool = False) -> _Outcome:
        """One statement, result rows included, in one trip to the connection's thread: the cursors'
        path, and db.direct's (prepared statements run with no SQLAlchemy cursor around them)."""
        async with self._execute_mutex:
            begin = self.take_pending_begin()
            connection = self._connection
            outcome: _Outcome = await connection._execute(_run, connection._conn, begin, operation, parameters, many)
        return outcome

    async def commit_direct(self) -> None:
        """commit() for callers outside SQLAlchemy's greenlet (db.direct)."""
        self._pending_begin = None
        if self._in_transaction():
            await self._connection.commit()

    async def rollback_direct(self) -> None:
        self._pending_begin = None
        if self._in_transaction():
            await self._connection.rollback()

    def _in_transaction(self) -> bool:
        # Reading sqlite3's autocommit flag is safe from any thread (the connection is opened with
        # check_same_thread=False); no statement runs on it while its one user awaits this call.
        connection = self._connection._connection
        return connection is not None and connection.in_transaction

    def rollback(self) -> None:
        self._pending_begin = None
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        self._pending_begin = None
        if self._in_transaction():
            super().commit()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        kw["check_same_thread"] = False
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's own adapter: never keep the process alive
        return OneTripConnection(self, await_(connection))


class OneTripDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneTripDBAPI:  # type: ignore[override]
        return OneTripDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(f"sqlite.{DRIVER}", __name__, "OneTripDialect")
