"""Migration 0006 maps every value of the single status ladder to a decision and a delivery on both
databases, says each status change's fingerprint again, and its downgrade maps back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, MetaData, Table, insert, select, update
from sqlmodel import col

from bot.core.matching import entry_fingerprint
from db import migrate
from db.engine import Database
from db.models import Entry
from db.writes import derived_keys
from tests.db.test_migrations import head_revision, schema_differences
from tests.newsroom import prepare_newsrooms

# Old status, then the decision and delivery it becomes (as the product issue lays the mapping out).
MAPPED = """
under_review         under_review  none_announced
approved             approved      none_announced
announced            approved      announced
partially_delivered  approved      partly_delivered
delivered            approved      delivered
on_hold              on_hold       none_announced
declined             declined      none_announced
"""
OLD_TO_NEW: dict[str, tuple[str, str | None]] = {
    old: (decision, delivery) for old, decision, delivery in (line.split() for line in MAPPED.strip().splitlines())
}
# Not a value the bot wrote; kept as an unrecognised decision rather than guessed at.
OLD_TO_NEW["maybe"] = ("maybe", None)


async def _entry_rows(database: Database) -> list[dict[str, Any]]:
    def read(connection: Connection) -> list[dict[str, Any]]:
        table = Table("entry", MetaData(), autoload_with=connection)
        return [dict(row) for row in connection.execute(select(table).order_by(table.c.id)).mappings()]

    async with database.engine.connect() as connection:
        return await connection.run_sync(read)


async def _add_old_status_rows(database: Database) -> dict[int, str]:
    """One status change per old value, on days of its own, as the bot stored them at 0005."""

    def write(connection: Connection) -> dict[int, str]:
        table = Table("entry", MetaData(), autoload_with=connection)
        model = next(r for r in connection.execute(select(table)).mappings() if r["kind"] == "status")
        top = max(r[0] for r in connection.execute(select(table.c.id)))
        added: dict[int, str] = {}
        for number, old in enumerate(OLD_TO_NEW, start=1):
            day = dt.date(2024, 1, number)
            row = {**model, "id": top + number, "status": old, "date_precision": "day", "date_earliest": day}
            row |= {"date_latest": day, "date_sort": day, "interaction_id": None, "seed_key": None}
            row["fingerprint"] = entry_fingerprint(
                kind="status", date_precision="day", date_earliest=day, date_latest=day, status=old
            )
            connection.execute(insert(table).values(row))
            added[top + number] = old
        return added

    async with database.engine.begin() as connection:
        return await connection.run_sync(write)


async def test_0006_maps_every_old_status_to_both_axes_and_back(database: Database) -> None:
    await prepare_newsrooms(database)
    await migrate.downgrade(database, "0005")
    added = await _add_old_status_rows(database)

    await migrate.upgrade(database)
    assert await migrate.current_revision(database) == head_revision()
    rows = {row["id"]: row for row in await _entry_rows(database)}
    for entry_id, old in added.items():
        row = rows[entry_id]
        assert "status" not in row
        assert (row["decision"], row["delivery"]) == OLD_TO_NEW[old], old
        assert (row["committed"], row["delivered"], row["unit"]) == (None, None, None)
        # The duplicate check finds what a status change logged now with the same axes would say.
        assert row["fingerprint"] == derived_keys(row)["fingerprint"], old
    # The seeded story's status change (under review) moved too, and statements kept no axes.
    assert {(r["kind"], r["decision"], r["delivery"]) for r in rows.values() if r["id"] not in added} == {
        ("status", "under_review", "none_announced"),
        ("statement", None, None),
        ("event", None, None),
    }
    assert await schema_differences(database) == []

    # Shapes only the two axes can say, logged after the upgrade: each goes back to its nearest old value.
    ids = list(added)
    only = {ids[0]: (None, "partly_delivered"), ids[1]: ("on_hold", None), ids[2]: ("declined", "delivered")}
    only |= {ids[3]: (None, "none_announced")}
    async with database.write() as session:
        for entry_id, (decision, delivery) in only.items():
            await session.execute(
                update(Entry).where(col(Entry.id) == entry_id).values(decision=decision, delivery=delivery)
            )
    expected = added | {ids[0]: "partially_delivered", ids[1]: "on_hold", ids[2]: "delivered", ids[3]: "under_review"}
    await migrate.downgrade(database, "0005")
    back = {row["id"]: row for row in await _entry_rows(database)}
    assert {entry_id: back[entry_id]["status"] for entry_id in added} == expected
    for entry_id, old in expected.items():
        day = back[entry_id]["date_earliest"]
        assert back[entry_id]["fingerprint"] == entry_fingerprint(
            kind="status", date_precision="day", date_earliest=day, date_latest=day, status=old
        )
    assert "decision" not in back[ids[0]]
    await migrate.upgrade(database)
    assert await schema_differences(database) == []
