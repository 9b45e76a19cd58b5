"""Shared fixtures: a migrated database per test on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from db import migrate
from db.engine import Database
from tests.newsroom import Desk, prepare_newsrooms, running_desk

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PG_URL:
        return
    skip = pytest.mark.skip(reason="TEST_DATABASE_URL is not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


async def make_database(backend: str, tmp_path: Path) -> tuple[Database, str | None]:
    if backend == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'newsdesk.db'}")
        await migrate.upgrade(database)
        return database, None
    assert PG_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    await admin.dispose()
    database = Database(PG_URL, schema=schema)
    await migrate.upgrade(database)
    return database, schema


async def drop_database(database: Database, schema: str | None) -> None:
    await database.dispose()
    if schema and PG_URL:
        admin = create_async_engine(PG_URL)
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    db, schema = await make_database(request.param, tmp_path)
    try:
        yield db
    finally:
        await drop_database(db, schema)


@pytest.fixture
async def desk(database: Database) -> AsyncIterator[Desk]:
    """Guild A seeded with ATACMS, guild B empty, a bot driven through discord.py's real dispatch."""
    await prepare_newsrooms(database)
    async with running_desk(database) as running:
        yield running
