"""The alert rules, table-tested: kinds, the window a tick may claim, what alerts and what an edit says."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core import alert_rules as rules
from bot.core.errors import InvalidInput

T = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        (None, ["status"]),
        ("  ", ["status"]),
        ("statements, status", ["status", "statement"]),
        ("EVENTS;corrections", ["event", "correction"]),
        ("all", ["status", "statement", "event", "correction"]),
    ],
)
def test_kinds_are_read_in_the_vocabularys_order(text: str | None, kinds: list[str]) -> None:
    assert rules.parse_kinds(text) == kinds


@pytest.mark.parametrize("text", ["gossip", "status,`@everyone`"])
def test_unknown_kinds_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a kind of change"):
        rules.parse_kinds(text)


@pytest.mark.parametrize(
    ("now", "grace", "covered", "end", "claimable"),
    [
        (T + dt.timedelta(seconds=30), 60, T, T, False),  # within the grace: nothing yet
        (T + dt.timedelta(seconds=61), 60, T, T + dt.timedelta(seconds=1), True),
        (T + dt.timedelta(seconds=60, milliseconds=500), 60, T, T + dt.timedelta(milliseconds=500), False),
        (T, 0, T - dt.timedelta(seconds=5), T, True),
        (T - dt.timedelta(hours=1), 60, T, T, False),  # a clock behind the window never moves it back
    ],
)
def test_the_window_ends_a_grace_ago_and_never_moves_back(
    now: dt.datetime, grace: int, covered: dt.datetime, end: dt.datetime, claimable: bool
) -> None:
    assert rules.window_end(now, grace, covered) == end
    assert rules.may_claim(covered, end) is claimable


def test_period_keys_are_the_windows_end_in_seconds() -> None:
    assert rules.period_key(T) == str(int(T.timestamp())) and len(rules.period_key(T)) <= 10


@pytest.mark.parametrize(
    ("kind", "entry", "retracted", "alerted", "expected"),
    [
        ("status", 1, set(), set(), True),
        ("status", 1, {1}, set(), False),  # undone within the grace
        ("retraction", 1, {1}, set(), True),  # a retraction of an entry never alerted (when chosen)
        ("status", 1, set(), {1}, False),  # alerted before: its alert is edited instead
        ("correction", 1, set(), {1}, False),
    ],
)
def test_what_alerts(kind: str, entry: int, retracted: set[int], alerted: set[int], expected: bool) -> None:
    assert rules.alertable(kind, entry, retracted=retracted, alerted=alerted) is expected


def test_kinds_choose_items() -> None:
    assert rules.wanted("status", None) and not rules.wanted("statement", None)
    assert rules.wanted("retraction", ["correction"]) and rules.wanted("restore", ["correction"])
    assert rules.follow_wants({"7": ["event"]}, 7, "event") and not rules.follow_wants({"7": ["event"]}, 8, "event")


def test_edit_notes_quote_the_reason_safely() -> None:
    assert rules.edit_note("entry.undo", 4, None) == "Update: `#4` was undone by an editor."
    assert rules.edit_note("entry.retract", 4, "wrong `x`") == "Update: `#4` was retracted (wrong 'x')."


def test_follows_are_capped() -> None:
    full = {str(i): ["status"] for i in range(rules.MAX_FOLLOWS)}
    assert rules.with_follow(full, 0, ["event"])["0"] == ["event"]  # changing one is not a new one
    with pytest.raises(InvalidInput, match="at most"):
        rules.with_follow(full, 999, ["status"])


@pytest.mark.parametrize(("seconds", "ok"), [(-1, False), (0, True), (3600, True), (3601, False)])
def test_the_grace_is_bounded(seconds: int, ok: bool) -> None:
    if ok:
        assert rules.check_grace(seconds) == seconds
    else:
        with pytest.raises(InvalidInput):
            rules.check_grace(seconds)
