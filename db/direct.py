"""Hot statements run directly on the driver: compiled once, then one driver call per execution.

The reader commands and /log (its read, then its write) each run one to three small statements.
Through SQLAlchemy's Connection every execution builds an execution context, a cursor result and its
metadata and hops through a greenlet: about 0.1 ms per statement, more than SQLite
itself spends on one, plus 0.03 ms more to check a Connection out and back in (profiled). Here
SQLAlchemy still compiles the statement, once per dialect, and each execution is the values through
the same bind processors, one call to the driver (one trip to SQLite's thread, one round trip to
PostgreSQL) and the rows through the same result processors: callers get the values Core would give
them, as plain tuples (tests compare the two statement by statement on both databases). Driver
errors are raised as SQLAlchemy's exceptions (IntegrityError and the rest), as Core raises them.

Only statements whose SQL is fixed at compile time can be prepared: no expanding IN lists, no
values rendered into the SQL per execution (checked when a statement is prepared).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.elements import BindParameter

from db import sqlite_driver

log = logging.getLogger(__name__)

Processor = Callable[[Any], Any]
Row = tuple[Any, ...]
# Called with each statement's SQL and driver parameters before it runs (tests count statements with
# it; SQLAlchemy's cursor events do not see these executions).
Observer = Callable[[str, list[Any]], None]


@dataclass(frozen=True, slots=True)
class Prepared:
    """One statement compiled for one dialect: its SQL, how values become the driver's parameters,
    and how result columns become Python values."""

    sql: str
    #: bound value names in the order the SQL's placeholders take them
    names: tuple[str, ...]
    #: values fixed when the statement was built (literals turned into bound parameters)
    fixed: Mapping[str, Any]
    binders: tuple[Processor | None, ...]
    #: (column index, processor) for the result columns that have one
    processors: tuple[tuple[int, Processor], ...]

    def parameters(self, values: Mapping[str, Any]) -> list[Any]:
        out: list[Any] = []
        for name, binder in zip(self.names, self.binders, strict=True):
            value = values[name] if name in values else self.fixed[name]
            out.append(value if binder is None else binder(value))
        return out

    def convert(self, rows: Sequence[Sequence[Any]], *, shared: int = 0) -> list[Row]:
        """Driver rows as Core would return them. The first `shared` columns are the same in every
        row (the one side of a one-to-many join, such as a topic beside a page of its entries):
        they are converted once, from the first row, and the later rows reuse them."""
        if not self.processors:
            return [tuple(row) for row in rows]
        out: list[Row] = []
        head: list[Any] | None = None
        for row in rows:
            values = list(row)
            for index, processor in self.processors:
                if head is not None and index < shared:
                    values[index] = head[index]
                elif values[index] is not None:
                    # NULL is None for every type here, as Core makes it (tests compare the two).
                    values[index] = processor(values[index])
            if head is None:
                head = values
            out.append(tuple(values))
        return out


def prepare(statement: ClauseElement, dialect: Dialect) -> Prepared:
    compiled = statement.compile(dialect=dialect)
    binds: dict[str, BindParameter[Any]] = compiled.binds  # type: ignore[attr-defined]
    names = tuple(compiled.positiontup or ())  # type: ignore[attr-defined]
    for name in names:
        bind = binds[name]
        if bind.expanding or bind.callable is not None or bind.literal_execute:
            raise ValueError(f"{name!r} is rendered per execution; such a statement cannot be prepared")
    fixed = {name: binds[name].value for name in names if not binds[name].required}
    binders = tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
    columns = getattr(statement, "exported_columns", None) or ()
    found = (column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    processors = tuple((index, processor) for index, processor in enumerate(found) if processor is not None)
    return Prepared(str(compiled), names, fixed, binders, processors)


class DirectConnection:
    """A pooled connection used through its driver for prepared statements. Database.direct() and
    Database.direct_write() hand these out; see there for transactions."""

    def __init__(
        self,
        fairy: PoolProxiedConnection,
        prepared: Callable[[ClauseElement], Prepared],
        dialect: Dialect,
        observers: Sequence[Observer] = (),
    ) -> None:
        self._fairy = fairy
        self._prepared = prepared
        self._dialect = dialect
        self._observers = observers

    def _bound(self, statement: ClauseElement, values: Mapping[str, Any]) -> tuple[Prepared, list[Any]]:
        prepared = self._prepared(statement)
        params = prepared.parameters(values)
        for observer in self._observers:
            observer(prepared.sql, params)
        return prepared, params

    async def rows(self, statement: ClauseElement, values: Mapping[str, Any], *, shared: int = 0) -> list[Row]:
        """The statement's rows; see Prepared.convert for `shared`."""
        prepared, params = self._bound(statement, values)
        try:
            raw, _count = await self._run(prepared.sql, params, want_rows=True)
        except Exception as error:
            raise self._translated(error, prepared.sql, params) from error
        return prepared.convert(raw, shared=shared)

    async def first(self, statement: ClauseElement, values: Mapping[str, Any]) -> Row | None:
        found = await self.rows(statement, values)
        return found[0] if found else None

    async def execute(self, statement: ClauseElement, values: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; its row count."""
        prepared, params = self._bound(statement, values)
        try:
            _raw, count = await self._run(prepared.sql, params, want_rows=False)
        except Exception as error:
            raise self._translated(error, prepared.sql, params) from error
        return count

    # -- per driver --------------------------------------------------------------------------------

    async def _run(self, sql: str, params: list[Any], *, want_rows: bool) -> tuple[Sequence[Sequence[Any]], int]:
        raise NotImplementedError

    async def begin(self) -> None:
        raise NotImplementedError

    async def commit(self) -> None:
        raise NotImplementedError

    async def rollback(self) -> None:
        """Never raises: a connection whose rollback failed is closed instead of going back to the
        pool, where it could still hold a transaction open."""
        try:
            await self._rollback()
        except Exception as error:
            log.warning("rollback failed; discarding the connection: %r", error)
            self._fairy.invalidate(error)

    async def _rollback(self) -> None:
        raise NotImplementedError

    def _translated(self, error: Exception, sql: str, params: list[Any]) -> Exception:
        raise NotImplementedError


class SqliteDirect(DirectConnection):
    """One trip to the connection's thread per statement (db.sqlite_driver); the transaction's BEGIN
    travels with its first statement."""

    @property
    def _adapted(self) -> sqlite_driver.OneTripConnection:
        return self._fairy.dbapi_connection  # type: ignore[return-value]

    async def _run(self, sql: str, params: list[Any], *, want_rows: bool) -> tuple[Sequence[Sequence[Any]], int]:
        _description, rowcount, _lastrowid, rows = await self._adapted.run_direct(sql, params)
        return rows or [], rowcount

    async def begin(self) -> None:
        self._adapted.begin_with_next_statement("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        try:
            await self._adapted.commit_direct()
        except Exception as error:
            raise self._translated(error, "COMMIT", []) from error

    async def _rollback(self) -> None:
        await self._adapted.rollback_direct()

    def _translated(self, error: Exception, sql: str, params: list[Any]) -> Exception:
        if isinstance(error, sqlite3.Error):
            return exc.DBAPIError.instance(sql, params, error, sqlite3.Error)
        return error


class AsyncpgDirect(DirectConnection):
    """asyncpg's own calls on the pooled connection (its statement cache prepares each SQL once)."""

    _transaction: Any = None  # asyncpg's Transaction, while one is open

    @property
    def _driver(self) -> Any:
        return self._fairy.driver_connection  # asyncpg.Connection

    async def _run(self, sql: str, params: list[Any], *, want_rows: bool) -> tuple[Sequence[Sequence[Any]], int]:
        if want_rows:
            records = await self._driver.fetch(sql, *params)
            return records, len(records)
        status: str = await self._driver.execute(sql, *params)
        # The command tag ends in the row count ("UPDATE 1", "INSERT 0 1").
        last = status.rsplit(" ", 1)[-1]
        return [], int(last) if last.isdigit() else -1

    async def begin(self) -> None:
        self._transaction = self._driver.transaction()
        try:
            await self._transaction.start()
        except Exception as error:
            self._transaction = None
            raise self._translated(error, "BEGIN", []) from error

    async def commit(self) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            try:
                await transaction.commit()
            except Exception as error:
                raise self._translated(error, "COMMIT", []) from error

    async def _rollback(self) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            await transaction.rollback()

    def _translated(self, error: Exception, sql: str, params: list[Any]) -> Exception:
        dbapi = self._dialect.loaded_dbapi
        try:
            # The same translation SQLAlchemy's own asyncpg adapter applies.
            AsyncAdapt_asyncpg_connection._handle_exception_no_connection(dbapi, error)
        except Exception as translated:
            error = translated
        if not isinstance(error, dbapi.Error):
            return error
        disconnected = self._dialect.is_disconnect(error, self._fairy.dbapi_connection, None)
        if disconnected:
            # A broken connection must not go back to the pool for the next command.
            self._fairy.invalidate(error)
        return exc.DBAPIError.instance(sql, params, error, dbapi.Error, connection_invalidated=disconnected)


async def rows_of(target: Any, statement: ClauseElement, values: Mapping[str, Any]) -> list[Row]:
    """A statement's rows on whatever the caller holds: prepared on a direct connection, through Core
    on an SQLAlchemy session or connection (the same rows either way)."""
    if isinstance(target, DirectConnection):
        return await target.rows(statement, values)
    return [tuple(row) for row in (await target.execute(statement, values)).all()]


def connection_for(
    fairy: PoolProxiedConnection,
    prepared: Callable[[ClauseElement], Prepared],
    dialect: Dialect,
    observers: Sequence[Observer] = (),
) -> DirectConnection:
    if dialect.name == "sqlite" and dialect.driver == sqlite_driver.DRIVER:
        return SqliteDirect(fairy, prepared, dialect, observers)
    if dialect.name == "postgresql" and dialect.driver == "asyncpg":
        return AsyncpgDirect(fairy, prepared, dialect, observers)
    raise NotImplementedError(f"no direct path for the {dialect.name}+{dialect.driver} driver")
