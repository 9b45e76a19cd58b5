"""/entry edit of a status change's axes and quantities: each field alone, a quantity with its unit, and
the status change checked whole after the edit (it must still set an axis and add up)."""

from __future__ import annotations

from typing import Any

from tests.cogs.test_entry import audit_of, load_entry, seeded
from tests.newsroom import Desk, db_rows, text_of

# In order, on the seeded status change (under review, none announced): each edit builds on the last.
GOOD_EDITS: list[tuple[str, str, str, Any]] = [
    ("delivery", "announced", "delivery", "announced"),
    ("delivery", "Partly delivered", "delivery", "partly_delivered"),
    ("committed", "1,500 shells", "committed", 1500),
    ("unit", "artillery shells", "unit", "artillery shells"),
    ("delivered", "250.5", "delivered", 250.5),
    ("decision", "-", "decision", None),
]


async def test_each_status_field_is_corrected_and_recorded(desk: Desk) -> None:
    entry = await seeded(desk.database, "atacms-status-review")
    assert entry.id is not None
    for field, value, column, stored in GOOD_EDITS:
        records = len(await audit_of(desk.database, entry.id))
        reply = await desk.harness.slash("entry edit", {"id": f"#{entry.id}", "field": field, "value": value})
        assert not reply.ephemeral, reply.content
        assert getattr(await load_entry(desk.database, entry.id), column) == stored
        after = await audit_of(desk.database, entry.id)
        assert len(after) == records + 1 and after[-1].action == "entry.edit"
    card = (await desk.harness.slash("status", {"topic": "atacms"}, user=desk.harness.reader)).embeds[0]
    assert "**Delivery: Partly delivered**, 250.5 of 1,500 artillery shells" in card["description"]
    assert "Decision:" not in card["description"]


BAD_EDITS: list[tuple[str, str, str]] = [
    ("delivery", "soon", "`delivery` must be one of: None announced, Announced, Partly delivered, Delivered"),
    ("committed", "300", "A quantity needs its `unit`"),
    ("unit", "missiles", "A `unit` needs a quantity"),
    ("committed", "lots", "`committed` must be a number"),
    ("committed", "-3", "`committed` must be a number from 0"),
]


async def test_a_bad_status_edit_is_refused_and_changes_nothing(desk: Desk) -> None:
    h = desk.harness
    entry = await seeded(desk.database, "atacms-status-review")
    rows = await db_rows(desk.database)
    for field, value, message in BAD_EDITS:
        reply = await h.slash("entry edit", {"id": f"#{entry.id}", "field": field, "value": value}, user=h.editor)
        assert reply.ephemeral and message in text_of(reply), (field, value, reply.content)
        assert await db_rows(desk.database) == rows


async def test_an_edit_is_checked_against_the_whole_status_change(desk: Desk) -> None:
    h = desk.harness
    options = {
        "topic": "atacms",
        "decision": "approved",
        "committed": 300,
        "unit": "missiles",
        "note": "n",
        "source": "AP",
    }
    logged = await h.slash("log status", options, user=h.editor)
    entry_id = logged.content.split("`#")[1].split("`")[0] if logged.content else ""
    rows = await db_rows(desk.database)
    for field, value, message in (
        ("decision", "-", "needs a `decision`, a `delivery`, or both"),
        ("delivered", "301", "`delivered` (301) is more than `committed` (300)"),
        ("unit", "-", "A quantity needs its `unit`"),
    ):
        reply = await h.slash("entry edit", {"id": f"#{entry_id}", "field": field, "value": value}, user=h.editor)
        assert reply.ephemeral and message in text_of(reply), field
        assert await db_rows(desk.database) == rows
    reply = await h.slash("entry edit", {"id": f"#{entry_id}", "field": "delivered", "value": "100"}, user=h.editor)
    assert not reply.ephemeral and "100 of 300 missiles" in reply.embeds[0]["description"]
    card = await h.slash("status", {"topic": "atacms"}, user=h.reader)
    assert "**Delivery: None announced**, 100 of 300 missiles" in card.embeds[0]["description"]
