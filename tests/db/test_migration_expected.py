"""Migration 0007 (expected entries): the seeded anticipated conversation, stored dated before it, becomes
expected and undated, and the hoped-for window anticipated, unless an editor corrected them; going back
gives undated entries the span they were reported in, so every row again has a date."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Table, update
from sqlmodel import col, select

from db import migrate, writes
from db.engine import Database
from db.models import Entry
from tests.db.test_migrations import schema_differences
from tests.newsroom import prepare_newsrooms

ENTRY: Table = Entry.__table__  # pyright: ignore[reportAttributeAccessIssue]


async def _rows(database: Database) -> dict[str, dict[str, object]]:
    """The seeded rows by seed key, in the columns every revision has."""
    columns = [ENTRY.c[name] for name in ("seed_key", "date_precision", "date_earliest", "date_latest", "fingerprint")]
    async with database.read() as session:
        rows = (await session.execute(select(*columns))).mappings().all()
    return {str(row["seed_key"]): dict(row) for row in rows}


async def test_the_anticipated_call_goes_back_to_its_reported_month_and_comes_back_undated(database: Database) -> None:
    await prepare_newsrooms(database)
    await migrate.downgrade(database, "0005")
    old = await _rows(database)
    call = old["atacms-expected-call"]
    assert (call["date_precision"], call["date_earliest"], call["date_latest"]) == (
        "month",
        dt.date(2023, 9, 1),
        dt.date(2023, 9, 30),
    )
    await migrate.upgrade(database)
    assert await schema_differences(database) == []
    async with database.read() as session:
        entries = {e.seed_key: e for e in (await session.execute(select(Entry))).scalars()}
    moved = entries["atacms-expected-call"]
    assert (moved.expected, moved.date_precision, moved.date_sort) == ("anticipated", "undated", dt.date(2023, 9, 15))
    assert moved.fingerprint == writes.derived_keys(moved)["fingerprint"] != call["fingerprint"]
    # The window Kyiv hoped for keeps its date and is anticipated again; nothing else is expected.
    window = entries["atacms-hoped-window"]
    assert (window.expected, window.date_precision) == ("anticipated", "season")
    assert window.fingerprint == old["atacms-hoped-window"]["fingerprint"]
    assert sorted(str(e.seed_key) for e in entries.values() if e.expected) == [
        "atacms-expected-call",
        "atacms-hoped-window",
    ]


async def test_a_corrected_call_is_left_as_the_editor_left_it(database: Database) -> None:
    await prepare_newsrooms(database)
    await migrate.downgrade(database, "0005")
    async with database.write() as session:
        edited = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
        stmt = update(Entry).where(col(Entry.seed_key) == "atacms-expected-call").values(edited_at=edited)
        await session.execute(stmt)
    await migrate.upgrade(database)
    async with database.read() as session:
        call = (await session.execute(select(Entry).where(Entry.seed_key == "atacms-expected-call"))).scalars().one()
    assert (call.expected, call.date_precision) == (None, "month")
