"""Export/import carry expected entries: the expectation, an undated date, the outcome and who recorded
it, losslessly; a document written before they existed still imports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from db.portability import ImportRefused, dumps, export_newsroom, import_newsroom
from tests.conftest import drop_database, make_database
from tests.db.test_portability import as_json, backend_of, newsroom_rows
from tests.harness import GUILD_A_ID
from tests.newsroom import Desk

EXPECTED_COLUMNS = ("expected", "outcome", "outcome_entry_id", "outcome_precision", "outcome_earliest")


async def expected_and_settled(desk: Desk) -> None:
    """An undated promise, a dated schedule, and the seeded anticipated call settled by a later event."""
    h = desk.harness
    await h.slash(
        "log event", {"topic": "atacms", "headline": "Delivery", "expected": "promised", "source": "AP"}, user=h.editor
    )
    await h.slash(
        "log status",
        {
            "topic": "atacms",
            "decision": "approved",
            "note": "Vote",
            "expected": "scheduled",
            "date": "2031",
            "source": "AP",
        },
        user=h.editor,
    )
    await h.slash(
        "log event", {"topic": "atacms", "headline": "They spoke", "outcome_of": "#3", "source": "AP"}, user=h.editor
    )


async def test_expected_entries_and_their_outcome_survive_export_and_import_byte_for_byte(
    desk: Desk, tmp_path: Path
) -> None:
    await expected_and_settled(desk)
    document = as_json(await export_newsroom(desk.database, guild_id=GUILD_A_ID))
    entries = {e["id"]: e for e in document["entries"]}
    assert entries[3]["outcome"] == "happened" and entries[3]["date_precision"] == "undated"
    assert entries[3]["outcome_by"] == desk.harness.editor.id and entries[3]["outcome_at"]
    assert {e["expected"] for e in document["entries"]} >= {"promised", "scheduled", "anticipated"}
    original = await newsroom_rows(desk.database)
    copy_db, schema = await make_database(backend_of(desk.database), tmp_path / "copy")
    try:
        await import_newsroom(copy_db, document)
        assert await newsroom_rows(copy_db) == original
        again = as_json(await export_newsroom(copy_db, guild_id=GUILD_A_ID))
        assert dumps(again) == dumps(document)
    finally:
        await drop_database(copy_db, schema)


async def test_a_document_from_before_expected_entries_imports_with_none_expected(desk: Desk, tmp_path: Path) -> None:
    document = as_json(await export_newsroom(desk.database, guild_id=GUILD_A_ID))
    for entry in document["entries"]:
        for name in [k for k in entry if k in EXPECTED_COLUMNS or k.startswith("outcome")]:
            del entry[name]
        if entry["date_precision"] == "undated":
            entry["date_precision"] = "month"
    copy_db, schema = await make_database(backend_of(desk.database), tmp_path / "copy")
    try:
        counts = await import_newsroom(copy_db, document)
        assert counts["entries"] == len(document["entries"])
        rows = (await newsroom_rows(copy_db))["entry"]
        assert all(row["expected"] is None and row["outcome"] is None for row in rows)
    finally:
        await drop_database(copy_db, schema)


async def test_an_outcome_naming_an_entry_outside_the_export_is_refused(desk: Desk, tmp_path: Path) -> None:
    await expected_and_settled(desk)
    document = as_json(await export_newsroom(desk.database, guild_id=GUILD_A_ID))
    settled = next(e for e in document["entries"] if e["outcome"])
    settled["outcome_entry_id"] = 999_999
    copy_db, schema = await make_database(backend_of(desk.database), tmp_path / "copy")
    try:
        with pytest.raises(ImportRefused, match=re.escape(f"Entry {settled['id']} refers to entry 999999")):
            await import_newsroom(copy_db, document)
        assert (await newsroom_rows(copy_db))["entry"] == []
    finally:
        await drop_database(copy_db, schema)
