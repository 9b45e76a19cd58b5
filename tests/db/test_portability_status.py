"""Export/import of status changes on two axes: every new field survives the round trip byte for byte,
and a document written before the two axes (entries and audit snapshots with the single `status`)
still imports, mapped as the migration to them mapped stored rows."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from bot.core.matching import entry_fingerprint
from db.portability import dumps, export_newsroom, import_newsroom
from db.writes import derived_keys
from tests.conftest import drop_database, make_database
from tests.db.test_portability import as_json, backend_of, newsroom_rows
from tests.harness import GUILD_A_ID
from tests.newsroom import Desk, running_desk

AXES_AND_QUANTITIES = {
    "decision": "approved",
    "delivery": "partly_delivered",
    "committed": 300,
    "delivered": 100.5,
    "unit": "missiles",
}
NEW_FIELDS = ("decision", "delivery", "committed", "delivered", "unit")
# The single status each (decision, delivery) the tests use was stored as before the two axes.
OLD = {("approved", "partly_delivered"): "partially_delivered", ("under_review", "none_announced"): "under_review"}


async def log_both_axes(desk: Desk) -> str:
    h = desk.harness
    logged = await h.slash(
        "log status", {"topic": "atacms", "note": "A first batch.", "source": "AP", **AXES_AND_QUANTITIES}
    )
    entry_id = re.search(r"`#(\d+)`", logged.content or "")[1]  # type: ignore[index]
    await h.slash("entry edit", {"id": entry_id, "field": "committed", "value": "310", "reason": "Corrected total"})
    return entry_id


async def test_export_import_export_is_byte_identical_with_both_axes_and_quantities(desk: Desk, tmp_path: Path) -> None:
    await log_both_axes(desk)
    document = as_json(await export_newsroom(desk.database, guild_id=GUILD_A_ID))
    [entry] = [e for e in document["entries"] if e["delivery"] == "partly_delivered"]
    assert {name: entry[name] for name in NEW_FIELDS} == {**AXES_AND_QUANTITIES, "committed": 310}
    copy_db, schema = await make_database(backend_of(desk.database), tmp_path / "copy")
    try:
        await import_newsroom(copy_db, document)
        assert await newsroom_rows(copy_db) == await newsroom_rows(desk.database)
        again = await export_newsroom(copy_db, guild_id=GUILD_A_ID)
        assert dumps(again) == dumps(document)
    finally:
        await drop_database(copy_db, schema)


def written_before_the_axes(document: dict[str, Any]) -> dict[str, Any]:
    """The document as an export made before the two axes had it: `status` in entries and snapshots,
    and status changes' fingerprints from that status."""
    for entry in document["entries"]:
        axes = (entry.pop("decision"), entry.pop("delivery"))
        for name in ("committed", "delivered", "unit"):
            entry.pop(name)
        entry["status"] = OLD.get(axes) if entry["kind"] == "status" else None
        if entry["kind"] == "status":
            entry["fingerprint"] = entry_fingerprint(
                kind="status",
                date_precision=entry["date_precision"],
                date_earliest=_day(entry["date_earliest"]),
                date_latest=_day(entry["date_latest"]),
                status=entry["status"],
            )
    for record in document["audit"]:
        for side in ("before", "after"):
            snapshot = record[side]
            if snapshot and "decision" in snapshot:
                axes = (snapshot.pop("decision"), snapshot.pop("delivery"))
                for name in ("committed", "delivered", "unit"):
                    snapshot.pop(name)
                snapshot["status"] = OLD.get(axes) if snapshot["kind"] == "status" else None
    return document


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


async def test_a_document_written_before_the_two_axes_imports_mapped(desk: Desk, tmp_path: Path) -> None:
    h = desk.harness
    await h.slash("log status", {"topic": "atacms", "note": "A first batch.", "source": "AP", **AXES_AND_QUANTITIES})
    document = as_json(await export_newsroom(desk.database, guild_id=GUILD_A_ID))
    old = written_before_the_axes(as_json(document))
    copy_db, schema = await make_database(backend_of(desk.database), tmp_path / "copy")
    try:
        await import_newsroom(copy_db, old)
        rows = await newsroom_rows(copy_db)
        statuses = [e for e in rows["entry"] if e["kind"] == "status"]
        assert [(e["decision"], e["delivery"]) for e in statuses] == [
            ("under_review", "none_announced"),
            ("approved", "partly_delivered"),
        ]
        # Said again from the axes, so the duplicate check finds them as if logged today.
        assert all(e["fingerprint"] == derived_keys(e)["fingerprint"] for e in statuses)
        async with running_desk(copy_db, desk.clock) as restored:
            r = restored.harness
            card = (await r.slash("status", {"topic": "atacms"}, user=r.reader)).embeds[0]["description"]
            assert "**Decision: Approved**" in card and "**Delivery: Partly delivered**" in card
            again = await r.slash(
                "log status", {"topic": "atacms", "note": "Again.", "source": "AP", **AXES_AND_QUANTITIES}
            )
            assert again.ephemeral is False  # quantities were not in the old document: this one says more
            duplicate = await r.slash(
                "log status",
                {
                    "topic": "atacms",
                    "note": "x",
                    "source": "AP",
                    "decision": "approved",
                    "delivery": "partly_delivered",
                },
            )
            assert duplicate.ephemeral and "already logged as" in (duplicate.content or "")
            history = await r.slash("entry history", {"id": f"#{statuses[1]['id']}"}, user=r.editor)
            assert "Delivery: **Partly delivered**" in history.embeds[0]["description"]
    finally:
        await drop_database(copy_db, schema)
