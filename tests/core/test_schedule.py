"""Scheduling math: local times across daylight-saving changes, weekdays, parsing."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.schedule import (
    Schedule,
    ScheduleError,
    describe_days,
    latest_occurrence,
    next_occurrence,
    occurrence_on,
    parse_days,
    parse_local_time,
)
from tests.digest.support import utc

LONDON = "Europe/London"


def _run(schedule: Schedule, start: dt.datetime, count: int) -> list[dt.datetime]:
    moments, at = [], start
    for _ in range(count):
        at = next_occurrence(schedule, at).at
        moments.append(at)
    return moments


def test_nine_am_london_across_the_spring_change() -> None:
    # Clocks go forward at 01:00 UTC on Sunday 29 March 2026: 09:00 moves from 09:00 UTC to 08:00 UTC.
    schedule = Schedule.of("09:00", LONDON)
    assert _run(schedule, utc(2026, 3, 27, 12), 4) == [
        utc(2026, 3, 28, 9),
        utc(2026, 3, 29, 8),
        utc(2026, 3, 30, 8),
        utc(2026, 3, 31, 8),
    ]


def test_nine_am_london_across_the_autumn_change() -> None:
    # Clocks go back at 01:00 UTC on Sunday 25 October 2026: 09:00 moves from 08:00 UTC to 09:00 UTC.
    schedule = Schedule.of("09:00", LONDON)
    assert _run(schedule, utc(2026, 10, 23, 12), 4) == [
        utc(2026, 10, 24, 8),
        utc(2026, 10, 25, 9),
        utc(2026, 10, 26, 9),
        utc(2026, 10, 27, 9),
    ]


def test_a_time_in_the_spring_gap_posts_at_the_first_instant_after_it() -> None:
    # 01:30 does not exist on 29 March 2026 in London (01:00 GMT jumps to 02:00 BST).
    schedule = Schedule.of("01:30", LONDON)
    gap_day = occurrence_on(schedule, dt.date(2026, 3, 29))
    assert gap_day.at == utc(2026, 3, 29, 1, 0)  # = 02:00 BST, the first valid instant
    assert gap_day.key == "2026-03-29"
    assert _run(schedule, utc(2026, 3, 28, 0), 3) == [utc(2026, 3, 28, 1, 30), gap_day.at, utc(2026, 3, 30, 0, 30)]


def test_a_time_that_happens_twice_in_autumn_posts_at_its_first_occurrence() -> None:
    # 01:30 happens at 00:30 UTC (BST) and again at 01:30 UTC (GMT) on 25 October 2026.
    schedule = Schedule.of("01:30", LONDON)
    assert occurrence_on(schedule, dt.date(2026, 10, 25)).at == utc(2026, 10, 25, 0, 30)
    # ... and only once: the next one after the first is the following day's.
    assert next_occurrence(schedule, utc(2026, 10, 25, 0, 30)).at == utc(2026, 10, 26, 1, 30)


def test_gaps_in_other_zones_and_at_midnight() -> None:
    # New York springs forward at 02:00 local on 8 March 2026; 02:30 is posted at 03:00 EDT.
    assert occurrence_on(Schedule.of("02:30", "America/New_York"), dt.date(2026, 3, 8)).at == utc(2026, 3, 8, 7)
    # A zone whose day starts with the gap: Asia/Beirut jumps from 00:00 to 01:00 on 29 March 2026.
    assert occurrence_on(Schedule.of("00:15", "Asia/Beirut"), dt.date(2026, 3, 29)).at == utc(2026, 3, 28, 22)


def test_weekdays_only() -> None:
    schedule = Schedule.of("07:30", "UTC", [0, 1, 2, 3, 4])
    friday_evening = utc(2026, 3, 20, 18)
    assert next_occurrence(schedule, friday_evening).at == utc(2026, 3, 23, 7, 30)  # Monday
    assert latest_occurrence(schedule, utc(2026, 3, 22, 12)).at == utc(2026, 3, 20, 7, 30)  # Friday


def test_latest_occurrence_is_inclusive_and_next_is_strict() -> None:
    schedule = Schedule.of("09:00", LONDON)
    at = utc(2026, 3, 29, 8)
    assert latest_occurrence(schedule, at).at == at
    assert next_occurrence(schedule, at).at == utc(2026, 3, 30, 8)
    assert latest_occurrence(schedule, at - dt.timedelta(seconds=1)).at == utc(2026, 3, 28, 9)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("daily", None),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("Mon-Fri", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("Monday, Thurs", {0, 3}),
        ("sat-mon", {5, 6, 0}),
        ("weekends", {5, 6}),
        ("mon-sun", None),
    ],
)
def test_parse_days(text: str, days: set[int] | None) -> None:
    assert parse_days(text) == (frozenset(days) if days is not None else None)


@pytest.mark.parametrize("text", ["funday", "m", "mon-xyz", ",,"])
def test_bad_days_are_refused_with_help(text: str) -> None:
    with pytest.raises(ScheduleError, match=r"weekday|names no weekdays"):
        parse_days(text)


def test_times_and_zones() -> None:
    assert parse_local_time("9:05") == dt.time(9, 5)
    for bad in ("24:00", "9am", "09:60", ""):
        with pytest.raises(ScheduleError, match="HH:MM"):
            parse_local_time(bad)
    with pytest.raises(ScheduleError, match="time zone"):
        Schedule.of("09:00", "Mars/Olympus")
    assert describe_days([0, 1, 2, 3, 4]) == "Mon–Fri"
    assert describe_days(None) == "every day"
