"""bot.core.dates: no entry dated after the day it is logged, and how today-dependent dates were read."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.dates import day_text, read_entry_date, reading_note, refuse_future
from bot.core.errors import InvalidInput
from bot.core.fuzzydate import FuzzyDate, FuzzyDateError, parse_fuzzy_date
from bot.core.fuzzydate.value import _MONTH_ABBR

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Jun 1", FuzzyDate.exact(date(2026, 6, 1))),
        ("Sept 11", FuzzyDate.exact(date(2026, 9, 11))),
        ("Dec 7", FuzzyDate.exact(TODAY)),
        ("Dec 8", FuzzyDate.exact(date(2025, 12, 8))),
        ("today", FuzzyDate.exact(TODAY)),
        ("2026-12-07", FuzzyDate.exact(TODAY)),
        ("Dec 2026", FuzzyDate.month(2026, 12)),  # includes today: not in the future
        ("2026", FuzzyDate.year(2026)),
        ("late 2026", FuzzyDate.part_of_year(2026, "late")),
        ("winter 2026/27", FuzzyDate.season(2026, "winter")),
    ],
)
def test_dates_up_to_today_are_accepted(text: str, stored: FuzzyDate) -> None:
    assert read_entry_date("date", text, today=TODAY)[0] == stored


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2032-10-17",
            "`date`: `2032-10-17` reads as 17 Oct 2032, which is after today (7 Dec 2026). "
            "Only what has already happened can be logged; check the year.",
        ),
        ("2026-12-08", "`2026-12-08` reads as 8 Dec 2026, which is after today (7 Dec 2026)"),
        ("Jan 2027", "`Jan 2027` reads as Jan 2027, which is after today"),
        ("2027", "`2027` reads as 2027, which is after today"),
        ("Q1 2027", "`Q1 2027` reads as Q1 2027"),
    ],
)
def test_a_date_that_starts_after_today_is_refused_saying_how_it_was_read(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        read_entry_date("date", text, today=TODAY)
    assert message in excinfo.value.message


def test_an_event_may_end_after_today() -> None:
    value, _ = read_entry_date("end", "2026-12-09", today=TODAY)
    assert value == FuzzyDate.exact(date(2026, 12, 9))


def test_the_future_check_is_the_newsrooms_today_not_the_parse_reference() -> None:
    # A date that does not depend on today reads the same against any reference; the check still
    # compares with the day given as today.
    value = parse_fuzzy_date("2026-12-08", reference=date(2001, 3, 1))
    refuse_future("date", "2026-12-08", value, today=date(2026, 12, 8))
    with pytest.raises(InvalidInput):
        refuse_future("date", "2026-12-08", value, today=TODAY)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("Sept 11", 'Read "Sept 11" as 11 Sep 2026; for another year type `11 Sep 2025`.'),
        ("yesterday", 'Read "yesterday" as 6 Dec 2026; for another year type `6 Dec 2025`.'),
        ("  jun   1 ", 'Read "jun 1" as 1 Jun 2026; for another year type `1 Jun 2025`.'),
        ("11 Sep 2023", None),
        ("autumn 2023", None),
        ("2023", None),
    ],
)
def test_reading_note_says_how_a_today_dependent_date_was_read(text: str, note: str | None) -> None:
    assert read_entry_date("date", text, today=TODAY)[1] == note


def test_reading_note_names_options_other_than_date() -> None:
    value = FuzzyDate.exact(date(2026, 9, 11))
    assert reading_note("since", "Sept 11", value) == (
        '`since`: Read "Sept 11" as 11 Sep 2026; for another year type `11 Sep 2025`.'
    )


def test_reading_note_for_a_leap_day_suggests_a_year_that_has_one() -> None:
    value, note = read_entry_date("date", "Feb 29", today=date(2024, 3, 1))
    assert value == FuzzyDate.exact(date(2024, 2, 29))
    assert note is not None and note.endswith("type `29 Feb 2020`.")


def test_day_text() -> None:
    assert day_text(TODAY) == "7 Dec 2026"


_TYPED = st.one_of(
    st.sampled_from(["today", "yesterday"]),
    st.builds(lambda d, m: f"{d} {_MONTH_ABBR[m]}", st.integers(1, 31), st.integers(1, 12)),
    st.builds(lambda d, m: f"{_MONTH_ABBR[m]} {d}", st.integers(1, 31), st.integers(1, 12)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)).map(date.isoformat),
    st.builds(lambda y, m: f"{_MONTH_ABBR[m]} {y}", st.integers(1900, 2200), st.integers(1, 12)),
    st.builds(
        lambda y, s: f"{s} {y}", st.integers(1900, 2199), st.sampled_from(["spring", "summer", "autumn", "early"])
    ),
    st.integers(1900, 2200).map(str),
)


@given(_TYPED, st.dates(min_value=date(1902, 1, 1), max_value=date(2200, 12, 31)))
def test_no_stored_date_is_ever_after_the_day_it_was_logged(text: str, today: date) -> None:
    try:
        value, note = read_entry_date("date", text, today=today)
    except InvalidInput as exc:
        # Refused either as unreadable or as after today, never for a date that has begun.
        if isinstance(exc.__cause__, FuzzyDateError):
            return
        assert parse_fuzzy_date(text, reference=today).earliest > today
        return
    assert value.earliest <= today
    if note is not None:
        assert value.precision == "day" and today - value.earliest < timedelta(days=366 * 8)
