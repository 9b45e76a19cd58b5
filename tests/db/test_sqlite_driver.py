"""The SQLite driver: one trip to the connection's thread per statement, and nothing else changed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from db import migrate, sqlite_driver
from db.engine import Database
from db.models import Topic
from tests.harness import GUILD_A_ID
from tests.newsroom import prepare_newsrooms


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    await migrate.upgrade(database)
    await prepare_newsrooms(database)
    try:
        yield database
    finally:
        await database.dispose()


class Trips:
    """Counts the calls queued to aiosqlite's worker threads."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = aiosqlite.Connection._execute

        async def counted(connection: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await real(connection, fn, *args, **kwargs)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)


def test_an_aiosqlite_url_runs_on_the_one_trip_driver(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert database.engine.dialect.driver == sqlite_driver.DRIVER
    # What the rest of the code (and the user) sees is still the URL that was given.
    assert database.url.get_driver_name() == "aiosqlite"


async def test_a_plain_read_is_one_trip_and_returning_the_connection_none(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sqlite_db.read() as session:  # warm the pool: connecting is not what is counted
        await session.execute(select(1))
    trips = Trips(monkeypatch)
    async with sqlite_db.read() as session:
        rows = (await session.execute(select(Topic.slug).where(Topic.newsroom_id == GUILD_A_ID))).all()
    assert [r.slug for r in rows] == ["atacms"]
    assert trips.count == 1


async def test_a_write_transaction_is_one_trip_per_statement_plus_the_commit(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sqlite_db.read() as session:
        await session.execute(select(1))
    trips = Trips(monkeypatch)
    async with sqlite_db.write() as session:
        await session.execute(text("UPDATE topic SET title = title WHERE newsroom_id = :g"), {"g": GUILD_A_ID})
        await session.execute(text("SELECT count(*) FROM topic"))
    assert trips.count == 3  # BEGIN IMMEDIATE with the first statement, the second, COMMIT


async def test_rows_rowcount_lastrowid_and_many_are_what_sqlite_says(sqlite_db: Database) -> None:
    async with sqlite_db.write() as session:
        result = await session.execute(
            text("UPDATE topic SET title = title || '' WHERE newsroom_id = :g"), {"g": GUILD_A_ID}
        )
        assert result.rowcount == 1  # type: ignore[attr-defined]
        inserted = await session.execute(
            text("INSERT INTO app_state (key, value, updated_at) VALUES (:k, :v, :t)"),
            [{"k": f"k{n}", "v": "v", "t": "2026-01-01 00:00:00"} for n in range(3)],
        )
        assert inserted.rowcount == 3  # type: ignore[attr-defined]
        values = (await session.execute(text("SELECT key FROM app_state WHERE key LIKE 'k%' ORDER BY key"))).all()
        assert [v[0] for v in values] == ["k0", "k1", "k2"]
        empty = await session.execute(text("SELECT key FROM app_state WHERE key = 'none'"))
        assert empty.first() is None


async def test_an_error_is_sqlites_own_and_the_transaction_is_rolled_back(sqlite_db: Database) -> None:
    async with sqlite_db.read() as session:
        before = (await session.execute(select(func.count()).select_from(Topic))).scalar_one()
    with pytest.raises(IntegrityError):
        async with sqlite_db.write() as session:
            session.add(Topic(newsroom_id=GUILD_A_ID, slug="fresh", title="Fresh", search_text="fresh"))
            await session.flush()
            session.add(Topic(newsroom_id=GUILD_A_ID, slug="fresh", title="Again", search_text="fresh"))
            await session.flush()
    async with sqlite_db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Topic))).scalar_one() == before
    # The connection went back to the pool usable, with no transaction left open.
    async with sqlite_db.write() as session:
        session.add(Topic(newsroom_id=GUILD_A_ID, slug="fresh", title="Fresh", search_text="fresh"))
    async with sqlite_db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Topic))).scalar_one() == before + 1


async def test_streamed_results_still_arrive_in_batches(sqlite_db: Database) -> None:
    async with sqlite_db.write() as session:
        for n in range(250):
            session.add(Topic(newsroom_id=GUILD_A_ID, slug=f"s-{n:03}", title=f"S {n}", search_text=f"s-{n:03}"))
    async with sqlite_db.read(snapshot=True) as session:
        result = await session.stream(select(Topic.slug).where(Topic.newsroom_id == GUILD_A_ID).order_by(Topic.slug))
        seen = [slug async for slug in result.scalars()]
    assert len(seen) == 251 and seen == sorted(seen)


async def test_concurrent_sessions_each_see_their_own_results(sqlite_db: Database) -> None:
    async def count(slug_prefix: str) -> int:
        async with sqlite_db.read() as session:
            stmt = select(func.count()).select_from(Topic).where(Topic.slug.startswith(slug_prefix))  # type: ignore[union-attr]
            return int((await session.execute(stmt)).scalar_one())

    async with sqlite_db.write() as session:
        for n in range(5):
            session.add(Topic(newsroom_id=GUILD_A_ID, slug=f"a-{n}", title="a", search_text="a"))
        for n in range(3):
            session.add(Topic(newsroom_id=GUILD_A_ID, slug=f"b-{n}", title="b", search_text="b"))
    results = await asyncio.gather(*(count(p) for p in ["a-", "b-"] * 10))
    assert results == [5, 3] * 10


async def test_a_write_holds_sqlites_write_lock_from_its_first_statement(sqlite_db: Database) -> None:
    path = sqlite_db.url.database
    assert path is not None

    def other_writer() -> str:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return "got the lock"
        except sqlite3.OperationalError as exc:
            return str(exc)
        finally:
            other.close()

    async with sqlite_db.write() as session:
        # A read only: with a deferred BEGIN another writer could still get in here.
        await session.execute(select(func.count()).select_from(Topic))
        assert await asyncio.to_thread(other_writer) == "database is locked"
    assert await asyncio.to_thread(other_writer) == "got the lock"


async def test_a_transaction_without_statements_leaves_nothing_pending(sqlite_db: Database) -> None:
    async with sqlite_db.write() as session:
        connection = await session.connection()
        adapter = (await connection.get_raw_connection()).dbapi_connection
        assert isinstance(adapter, sqlite_driver.OneTripConnection)
        assert adapter._pending_begin == "BEGIN IMMEDIATE"
    # Committed without a statement: the BEGIN never ran, and does not ride along with the next
    # user's first statement (a plain read must not open a transaction).
    assert adapter._pending_begin is None
    assert not adapter._connection._conn.in_transaction


async def test_a_snapshot_that_starts_with_a_streamed_statement_is_still_one_state(sqlite_db: Database) -> None:
    async with sqlite_db.write() as session:
        for n in range(30):
            session.add(Topic(newsroom_id=GUILD_A_ID, slug=f"s-{n:02}", title="s", search_text="s"))
    async with sqlite_db.read(snapshot=True) as session:
        result = await session.stream(select(Topic.slug).where(Topic.newsroom_id == GUILD_A_ID))
        first = [slug async for slug in result.scalars()]
        async with sqlite_db.write() as other:
            other.add(Topic(newsroom_id=GUILD_A_ID, slug="late", title="late", search_text="late"))
        again = (await session.execute(select(func.count()).select_from(Topic))).scalar_one()
    assert len(first) == 31
    assert again == 31  # the topic committed meanwhile is not in this snapshot
