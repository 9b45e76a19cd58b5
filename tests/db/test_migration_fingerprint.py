"""The migration that adds entries' speaker search text and fingerprints fills them in for existing
entries, leaving live duplicates logged before the check unguarded rather than failing."""

from __future__ import annotations

from sqlalchemy import String, Table, column, insert, select, table

from db import migrate, writes
from db.engine import Database
from db.models import Entry
from tests.newsroom import prepare_newsrooms

ENTRY: Table = Entry.__table__  # pyright: ignore[reportAttributeAccessIssue]
# Added by 0005, by 0006 (a status change's two axes and quantities in place of its single status), by
# 0007 (expected entries and their outcome) and by 0008 (the unsourced mark).
LATER = (
    "speaker_search", "fingerprint", "decision", "delivery", "committed", "delivered", "unit", "expected",
    "unsourced_reason",
)  # fmt: skip
# The table as it was before the migration.
OLD_ENTRY = table(
    "entry",
    *(column(c.name, c.type) for c in ENTRY.columns if c.name not in LATER and not c.name.startswith("outcome")),
    column("status", String()),
)
OLD_COLUMNS = list(OLD_ENTRY.c)


async def test_existing_entries_get_their_keys_and_a_live_duplicate_stays(database: Database) -> None:
    await prepare_newsrooms(database)
    await migrate.downgrade(database, "0003")
    async with database.write() as session:
        rows = (await session.execute(select(*OLD_COLUMNS).order_by(OLD_ENTRY.c.id))).mappings().all()
        statement = next(dict(r) for r in rows if r["kind"] == "statement" and r["retracted_at"] is None)
        copy = {**statement, "id": max(r["id"] for r in rows) + 1, "interaction_id": None, "seed_key": None}
        await session.execute(insert(OLD_ENTRY), [copy])
    await migrate.upgrade(database)
    async with database.read() as session:
        entries = (await session.execute(select(Entry).order_by(ENTRY.c.id))).scalars().all()
    assert len(entries) == len(rows) + 1
    for entry in entries[:-1]:
        assert {"speaker_search": entry.speaker_search, "fingerprint": entry.fingerprint} == writes.derived_keys(entry)
    first = next(e for e in entries if e.id == statement["id"])
    assert first.speaker_search and "\n" in first.speaker_search
    assert entries[-1].fingerprint is None and entries[-1].speaker_search == first.speaker_search
