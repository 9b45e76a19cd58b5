"""A seed's status changes: the two axes and quantities, or the single `status` of seeds written before
them, mapped as the migration to two axes mapped stored ones; what cannot be read is refused by name."""

from __future__ import annotations

from typing import Any

import pytest

from db.seeds import SeedError, parse_seed


def story(**status: Any) -> dict[str, Any]:
    entry = {"key": "s1", "kind": "status", "date": "Sep 2023", "note": "n", "source": "Desk", **status}
    return {"format": 1, "reference_date": "2023-09-30", "topic": {"slug": "x", "title": "X"}, "entries": [entry]}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": "under_review"}, ("under_review", "none_announced", None, None, None)),
        ({"status": "announced"}, ("approved", "announced", None, None, None)),
        ({"status": "partially_delivered"}, ("approved", "partly_delivered", None, None, None)),
        ({"decision": "declined"}, ("declined", None, None, None, None)),
        (
            {"delivery": "partly_delivered", "committed": 300, "delivered": 100.5, "unit": "missiles"},
            (None, "partly_delivered", 300.0, 100.5, "missiles"),
        ),
    ],
)
def test_old_and_new_status_keys_are_read(fields: dict[str, Any], expected: tuple[Any, ...]) -> None:
    [entry] = parse_seed("x", story(**fields)).entries
    d = entry.draft
    assert (d.decision, d.delivery, d.committed, d.delivered, d.unit) == expected


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "needs a `decision`, a `delivery`, or both"),
        ({"status": "maybe"}, "`status` must be one of under_review"),
        ({"status": "approved", "decision": "approved"}, "without decision/delivery"),
        ({"decision": "maybe"}, "`decision` must be one of"),
        ({"decision": "approved", "committed": "300", "unit": "missiles"}, "'committed' must be a number"),
        ({"decision": "approved", "committed": 1, "delivered": 2, "unit": "m"}, "`delivered` (2) is more"),
    ],
)
def test_a_status_the_seed_cannot_say_is_refused_by_name(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(SeedError) as refused:
        parse_seed("x", story(**fields))
    assert message in str(refused.value) and "s1" in str(refused.value)
