"""What counts as the same speaker text and the same entry (bot.core.matching)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.core.matching import entry_fingerprint, fold, speaker_search_text

DAY = {"date_precision": "day", "date_earliest": dt.date(2023, 9, 11), "date_latest": dt.date(2023, 9, 11)}
MONTH = {"date_precision": "month", "date_earliest": dt.date(2023, 9, 1), "date_latest": dt.date(2023, 9, 30)}


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Matthew Miller", "matthew miller"),
        ("  José \t Ávila ", "jose avila"),
        ("Jose\u0301", "jose"),  # a combining accent
        ("STRASSE", "strasse"),
        ("Stra\u00dfe", "strasse"),  # casefold, not lower
        ("a\x00b", "ab"),  # PostgreSQL refuses NUL in a parameter
    ],
)
def test_fold(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_speaker_search_text_holds_the_three_parts_one_per_line() -> None:
    assert speaker_search_text("Matthew Miller", "Spokesman", "U.S. State Department") == (
        "matthew miller\nspokesman\nu.s. state department"
    )
    assert speaker_search_text("Kirby", None, "") == "kirby"
    assert speaker_search_text(None, "Role", "Org") is None


def statement(**change: Any) -> str:
    values: dict[str, Any] = {"kind": "statement", **DAY, "speaker": "John Kirby", "text": "No decision, yet."}
    return entry_fingerprint(**{**values, **change})


@pytest.mark.parametrize(
    "change",
    [
        {"speaker": "john  KIRBY"},
        {"text": "no decision yet"},
        {"text": "  No decision... yet!  "},
        {"text": "No\ndecision,\tyet."},
        {"text": "No decision ,yet"},
        {"status": "approved", "headline": "ignored for a statement"},
    ],
)
def test_the_same_statement_however_typed(change: dict[str, Any]) -> None:
    assert statement(**change) == statement()


@pytest.mark.parametrize(
    "change",
    [
        {"speaker": "Jake Sullivan"},
        {"text": "No decision yet, said Kirby."},
        {"text": "No decisions yet."},
        MONTH,
        {"date_earliest": dt.date(2023, 9, 12), "date_latest": dt.date(2023, 9, 12)},
        {"kind": "event", "headline": "No decision, yet."},
    ],
)
def test_another_statement(change: dict[str, Any]) -> None:
    assert statement(**change) != statement()


def test_events_and_status_changes_by_headline_or_status_and_date() -> None:
    event = entry_fingerprint(kind="event", **DAY, headline="Biden and Zelensky meet")
    assert entry_fingerprint(kind="event", **DAY, headline="biden and zelensky meet.") == event
    assert entry_fingerprint(kind="event", **MONTH, headline="Biden and Zelensky meet") != event
    status = entry_fingerprint(kind="status", **DAY, status="approved")
    assert entry_fingerprint(kind="status", **DAY, status="approved", text="a note is not the status") == status
    assert entry_fingerprint(kind="status", **DAY, status="declined") != status
