"""The async engine and session factories, with the SQLite settings that make it a real store."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.topic_labels import TopicLabelCache

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Integer primary keys (topic, entry, audit) are 32-bit on PostgreSQL; a larger id cannot exist, and
# PostgreSQL refuses it as a query parameter instead of finding nothing.
MAX_ROW_ID = 2**31 - 1
# How a write transaction locks the row it is about to change (PostgreSQL: FOR NO KEY UPDATE), so two
# changes to one row take turns and the second sees the first's result. It does not block inserts
# that merely reference the row. SQLite serialises writers anyway and omits the clause.
ROW_LOCK = {"key_share": True}


class Database:
    """One engine plus two session factories: plain reads, and serialised writes.

    SQLite has one writer at a time. A deferred transaction that reads and then writes can fail
    with "database is locked" instead of waiting, so writes begin IMMEDIATE (take the write lock
    up front and wait on the busy timeout) and, inside one process, queue on an asyncio lock so
    concurrent commands wait their turn instead of spinning on the file lock.
    """

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, schema: str | None = None) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        read_kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        else:
            # The two engines (below) share the `pool_size` budget, so a process holds no more
            # PostgreSQL connections than one pool of that size would.
            writes = max(pool_size // 2, 1)
            kwargs.update(pool_size=writes, max_overflow=writes, pool_pre_ping=True)
            reads = max(pool_size - writes, 1)
            read_kwargs.update(pool_size=reads, max_overflow=reads)
            if schema:
                # Lets tests (and side-by-side deployments) keep separate schemas in one database.
                kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        # Plain reads run each statement on its own (SQLite: no BEGIN; PostgreSQL: autocommit), which
        # spares two round trips per command; a read that must see one state across statements asks
        # for a snapshot (SQLite: a deferred transaction; PostgreSQL: REPEATABLE READ). Plain reads
        # have a pool of their own: their connections never hold a transaction, so handing one back
        # needs no rollback, a trip to the database saved on every command.
        self._read_engine = create_async_engine(self.url, pool_reset_on_return=None, **{**kwargs, **read_kwargs})
        if self.is_sqlite:
            _configure_sqlite(self._read_engine)
            self._plain = self._read_engine.execution_options(newsdesk_autocommit=True)
            snapshot = self.engine
        else:
            self._plain = self._read_engine.execution_options(isolation_level="AUTOCOMMIT")
            snapshot = self.engine.execution_options(isolation_level="REPEATABLE READ")
        self._reader = async_sessionmaker(self._plain, expire_on_commit=False, autoflush=False)
        self._snapshot_reader = async_sessionmaker(snapshot, expire_on_commit=False, autoflush=False)
        writer_engine = self.engine.execution_options(newsdesk_immediate=True) if self.is_sqlite else self.engine
        self._writer = async_sessionmaker(writer_engine, expire_on_commit=False, autoflush=False)
        # SQLite: writers in this process queue here; PostgreSQL lets them run side by side.
        self._write_turn: AbstractAsyncContextManager[Any] = asyncio.Lock() if self.is_sqlite else nullcontext()
        # Per-process read cache for autocomplete; its freshness check is a query, so sharing one
        # database between processes stays correct.
        self.topic_labels = TopicLabelCache()

    @asynccontextmanager
    async def read(self, *, snapshot: bool = False) -> AsyncIterator[AsyncSession]:
        """A session for reading. Each statement sees the latest committed data; with `snapshot`, all
        of them see the same state (an export, a newsroom's autocomplete labels with their revision)."""
        async with (self._snapshot_reader if snapshot else self._reader)() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        async with self._write_turn, self._writer() as session, session.begin():
            yield session

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection for plain reads (the reader commands' one-statement reads): each statement
        sees the latest committed data, with no ORM session around it."""
        async with self._plain.connect() as connection:
            yield connection

    @property
    def engines(self) -> tuple[AsyncEngine, AsyncEngine]:
        """Both engines (writes and snapshots; plain reads), for whoever watches every statement."""
        return self.engine, self._read_engine

    async def dispose(self) -> None:
        await self._read_engine.dispose()
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so writers can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("newsdesk_autocommit", False):
            return  # pysqlite's autocommit mode: each statement is its own transaction
        begin = "BEGIN IMMEDIATE" if options.get("newsdesk_immediate", False) else "BEGIN"
        connection.exec_driver_sql(begin)
