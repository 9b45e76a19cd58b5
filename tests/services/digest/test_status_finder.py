"""StatusFinder: a topic's current status on each axis at given moments, from its status entries' audit
records (those written before the two axes carry the single `status`, read as the migration mapped it)."""

from __future__ import annotations

import datetime as dt

from bot.services.digest_content import StatusFinder

T0 = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
START, END = T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=2)


def state(status: str, day: str, *, retracted: bool = False, kind: str = "status") -> dict[str, object]:
    return {
        "kind": kind,
        "status": status,
        "date_earliest": day,
        "date_latest": day,
        "retracted_at": "2026-03-02T00:00:00" if retracted else None,
    }


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def test_each_moment_sees_each_entry_as_it_stood_then() -> None:
    finder = StatusFinder({7: {START, END}})
    # Entry 1: current at the start; retracted between start and end.
    finder.add_entry(
        1, 7, [(10, at(1), state("under_review", "2024-05-01")), (15, at(30), state("x", "2024-05-01", retracted=True))]
    )
    # Entry 2: dated earlier, so it only becomes current once entry 1 is withdrawn.
    finder.add_entry(2, 7, [(11, at(2), state("denied", "2024-01-01"))])
    # Entry 3: logged after the end; it must not count at either moment.
    finder.add_entry(3, 7, [(20, at(60), state("approved", "2025-01-01"))])
    standings = finder.standings()[7]
    assert standings[START]["decision"][0] == 1 and standings[START]["decision"][1]["status"] == "under_review"
    assert standings[START]["delivery"][0] == 1
    # An unknown old value stays the decision; no delivery is guessed for it.
    assert standings[END]["decision"][0] == 2 and standings[END]["decision"][1]["status"] == "denied"
    assert "delivery" not in standings[END]


def test_same_day_goes_to_the_later_entry_and_other_kinds_or_topics_never_count() -> None:
    finder = StatusFinder({7: {END}, 8: {END}})
    finder.add_entry(4, 7, [(30, at(1), state("under_review", "2024-05-01"))])
    finder.add_entry(5, 7, [(31, at(2), state("approved", "2024-05-01"))])
    finder.add_entry(6, 7, [(32, at(3), state("approved", "2030-01-01", kind="event"))])
    finder.add_entry(9, 99, [(33, at(3), state("approved", "2030-01-01"))])  # a topic nobody asked about
    standings = finder.standings()
    assert standings[7][END]["decision"][0] == 5
    assert 8 not in standings and 99 not in standings


def test_within_an_entry_the_latest_record_by_time_then_id_wins() -> None:
    finder = StatusFinder({7: {END}})
    # Two records at the same instant: the higher record id is the later one.
    finder.add_entry(1, 7, [(41, at(5), state("denied", "2024-05-01")), (40, at(5), state("approved", "2024-05-01"))])
    assert finder.standings()[7][END]["decision"][1]["status"] == "denied"


def axes(day: str, **values: object) -> dict[str, object]:
    return {"kind": "status", "date_earliest": day, "date_latest": day, "retracted_at": None, **values}


def test_each_axis_goes_to_the_latest_entry_setting_it() -> None:
    finder = StatusFinder({7: {END}})
    finder.add_entry(1, 7, [(50, at(1), axes("2024-05-01", decision="approved", delivery=None))])
    finder.add_entry(2, 7, [(51, at(2), axes("2024-06-01", decision=None, delivery="partly_delivered"))])
    finder.add_entry(3, 7, [(52, at(3), axes("2024-04-01", decision="on_hold", delivery="announced"))])
    # An older record of the single status, dated before all of them.
    finder.add_entry(4, 7, [(53, at(4), state("delivered", "2024-03-01"))])
    standings = finder.standings()[7][END]
    assert (standings["decision"][0], standings["delivery"][0]) == (1, 2)
