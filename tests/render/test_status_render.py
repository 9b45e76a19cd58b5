"""The two axes as readers read them: quantities, unknown values, and audit records written before the
two axes (with the single status) in entry history and the digest."""

from __future__ import annotations

from bot.core.status_axes import Quantity
from bot.digest.render import item_line
from bot.render.history import changes
from bot.render.status import quantities_text, snapshot_status_text, status_emoji
from bot.services.digest_content import Item, ItemKind


def test_quantities_read_as_a_reader_writes_them() -> None:
    missiles = "missiles"
    assert quantities_text(Quantity(300, missiles), Quantity(100, "Missiles")) == "100 of 300 missiles"
    assert quantities_text(Quantity(1500, "shells"), None) == "1,500 shells committed"
    assert quantities_text(None, Quantity(2.5, "bn USD")) == "2.5 bn USD delivered"
    assert quantities_text(Quantity(3, "jets"), Quantity(1, "pilots")) == "1 pilots delivered of 3 jets committed"
    assert quantities_text(None, None) == ""


def test_unknown_values_render_honestly() -> None:
    assert snapshot_status_text({"decision": "maybe", "delivery": None}) == "Decision: maybe"
    assert status_emoji("maybe", None) == "\N{BLACK QUESTION MARK ORNAMENT}"


def test_history_reads_records_written_before_the_two_axes() -> None:
    assert changes({"status": "approved"}, {"status": "partially_delivered"}) == [
        "**Status**: Approved → Partially delivered"
    ]
    assert changes({"committed": 300.0, "unit": "missiles"}, {"committed": 310.0, "unit": "missiles"}) == [
        "**Committed**: 300 → 310"
    ]


def test_the_digest_reads_an_old_snapshot_as_both_axes() -> None:
    state = {"kind": "status", "status": "announced", "date_precision": "day", "date_earliest": "2023-09-11"}
    state |= {"date_latest": "2023-09-11", "note": "Announced.", "source_name": "AP"}
    line = item_line(Item(ItemKind.STATUS, 5, None, state, old_axes={"decision": "under_review"}))  # type: ignore[arg-type]
    assert "Decision: **Under review → Approved** · Delivery: **Announced** (11 Sep 2023). Announced." in line
    retracted = item_line(Item(ItemKind.RETRACTION, 5, None, state, reason="wrong"))  # type: ignore[arg-type]
    assert "(status change “Decision: Approved · Delivery: Announced”)" in retracted
