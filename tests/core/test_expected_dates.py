"""The date rule for what is logged: no stored date is ever after the day it was logged unless the entry
is expected, an undated expected entry is placed by when it was reported, and a yearless date lands in
the future only for an expected entry, which reads it as the next such day."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.dates import depends_on_today
from bot.core.drafts import EntryDraft
from bot.core.errors import InvalidInput
from bot.core.expected import UNDATED, Expectation, read_logged_date, says_undated
from bot.core.fuzzydate import FuzzyDate
from bot.core.vocabulary import EntryKind
from db.writes import entry_values

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TODAYS = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2150, 12, 31))


def _fuzzy(kind: int, day: dt.date) -> FuzzyDate:
    """A fuzzy date of each precision around `day`."""
    season = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring"}.get(day.month)
    return (
        FuzzyDate.exact(day),
        FuzzyDate.part_of_month(day.year, day.month, ("early", "mid", "late")[min((day.day - 1) // 10, 2)]),
        FuzzyDate.month(day.year, day.month),
        FuzzyDate.season(day.year, season or ("summer" if day.month < 9 else "autumn")),
        FuzzyDate.quarter(day.year, (day.month - 1) // 3 + 1),
        FuzzyDate.part_of_year(day.year, ("early", "mid", "late")[(day.month - 1) // 4]),
        FuzzyDate.year(day.year),
    )[kind]


@st.composite
def typed_dates(draw: st.DrawFn, today: dt.date) -> str:
    """What an editor may type as a date: any accepted form, yearless days and relative words included,
    near enough to today to fall on either side of it, or no date at all."""
    choice = draw(st.integers(0, 4))
    day = today + dt.timedelta(days=draw(st.integers(-800, 800)))
    if choice == 0:
        value = _fuzzy(draw(st.integers(0, 6)), day)
        # "winter 2023/24" for the December-to-February season: the form the parser reads back.
        return value.render()
    if choice == 1:
        return day.isoformat()
    if choice == 2:
        return f"{draw(st.sampled_from(_MONTHS))} {draw(st.integers(1, 31))}"
    if choice == 3:
        return draw(st.sampled_from(["today", "yesterday", "not announced", "unknown", "Date Not  Announced"]))
    return ""


@st.composite
def options(draw: st.DrawFn) -> tuple[dt.date, str, str | None, Expectation | None]:
    """Today, and the `date`, `reported` and `expected` options of an entry logged today."""
    today = draw(TODAYS)
    reported = draw(st.one_of(st.none(), typed_dates(today)))
    return today, draw(typed_dates(today)), reported or None, draw(st.one_of(st.none(), st.sampled_from(Expectation)))


def stored(draft: EntryDraft) -> dict[str, object]:
    return entry_values(newsroom_id=1, topic_id=1, draft=draft, actor_id=0, interaction_id=None)


def logged(date: str, reported: str | None, expected: Expectation | None, today: dt.date) -> dict[str, object] | None:
    """The row an entry logged today with these options becomes, or None when it is refused."""
    try:
        when = read_logged_date(date=date or None, reported=reported, expected=expected, today=today)
    except InvalidInput:
        return None
    draft = EntryDraft(
        kind=EntryKind.EVENT,
        date=when.date,
        headline="Talks",
        expected=expected.value if expected else None,
        date_announced=when.announced,
    )
    return stored(draft)


@given(options())
def test_no_stored_date_is_after_the_day_it_was_logged_unless_the_entry_is_expected(
    case: tuple[dt.date, str, str | None, Expectation | None],
) -> None:
    today, date, reported, expected = case
    row = logged(date, reported, expected, today)
    if row is None:
        return
    assert row["expected"] == (expected.value if expected else None)
    if expected is None:
        assert isinstance(row["date_earliest"], dt.date) and row["date_earliest"] <= today
        assert row["date_precision"] != UNDATED
    if row["date_precision"] == UNDATED:
        # Placed by when it was reported, which is never after today either.
        assert expected is not None and (not date or says_undated(date))
        assert isinstance(row["date_earliest"], dt.date) and row["date_earliest"] <= today


@given(options())
def test_a_future_date_is_refused_without_expected_and_kept_with_it(
    case: tuple[dt.date, str, str | None, Expectation | None],
) -> None:
    today, date, _, _ = case
    try:
        value = read_logged_date(date=date or None, reported=None, expected=Expectation.SCHEDULED, today=today)
    except InvalidInput:
        return
    if value.announced and value.date.earliest > today:
        if depends_on_today(date):
            # A yearless day: without `expected` it is the last such day, not a future one.
            past = read_logged_date(date=date, reported=None, expected=None, today=today)
            assert past.date.latest <= today
            return
        with pytest.raises(InvalidInput, match="after today"):
            read_logged_date(date=date, reported=None, expected=None, today=today)


@given(st.sampled_from(_MONTHS), st.integers(1, 31), TODAYS)
def test_a_yearless_date_never_lands_in_the_future_unless_expected(month: str, day: int, today: dt.date) -> None:
    for text in (f"{month} {day}", f"{day} {month}"):
        try:
            value = read_logged_date(date=text, reported=None, expected=None, today=today)
        except InvalidInput:
            continue
        assert value.date.latest <= today
        # The most recent such day: within a year, or for 29 February the last leap year's.
        back = 8 * 366 if (month, day) == ("Feb", 29) else 366
        assert value.date.earliest > today - dt.timedelta(days=back)


@given(st.sampled_from(_MONTHS), st.integers(1, 31), st.sampled_from(Expectation), TODAYS)
def test_a_yearless_expected_date_is_the_next_such_day_on_or_after_today(
    month: str, day: int, expected: Expectation, today: dt.date
) -> None:
    for text in (f"{month} {day}", f"{day} {month}"):
        try:
            value = read_logged_date(date=text, reported=None, expected=expected, today=today)
        except InvalidInput:
            continue
        assert value.date.earliest >= today
        ahead = 8 * 366 if (month, day) == ("Feb", 29) else 366
        assert value.date.earliest < today + dt.timedelta(days=ahead)
        # The same day of the year as the backward reading, and said so with the year it was given.
        past = read_logged_date(date=text, reported=None, expected=None, today=today).date.earliest
        assert (value.date.earliest.month, value.date.earliest.day) == (past.month, past.day)
        assert value.notes and f"as {value.date.render()};" in value.notes[0]


def test_a_yearless_expected_date_in_december_is_next_year() -> None:
    today = dt.date(2026, 12, 7)
    scheduled = read_logged_date(date="Jun 1", reported=None, expected=Expectation.SCHEDULED, today=today)
    assert scheduled.date == FuzzyDate.exact(dt.date(2027, 6, 1))
    assert scheduled.notes == ('Read "Jun 1" as 1 Jun 2027; for another year type `1 Jun 2026`.',)
    happened = read_logged_date(date="Jun 1", reported=None, expected=None, today=today)
    assert happened.date == FuzzyDate.exact(dt.date(2026, 6, 1))
    # Today, yesterday and dates with a year mean what they say, expected or not.
    for text, day in (("Dec 7", today), ("yesterday", dt.date(2026, 12, 6)), ("1 Jun 2026", dt.date(2026, 6, 1))):
        read = read_logged_date(date=text, reported=None, expected=Expectation.PROMISED, today=today)
        assert read.date == FuzzyDate.exact(day)
    leap = read_logged_date(date="29 Feb", reported=None, expected=Expectation.PROMISED, today=today)
    assert leap.date == FuzzyDate.exact(dt.date(2028, 2, 29))


def test_an_undated_expected_entry_sorts_by_when_it_was_reported_and_reads_as_undated() -> None:
    today = dt.date(2023, 9, 20)
    row = logged("not announced", "Sep 2023", Expectation.ANTICIPATED, today)
    assert row is not None
    assert (row["date_precision"], row["date_earliest"], row["date_latest"]) == (
        UNDATED,
        dt.date(2023, 9, 1),
        dt.date(2023, 9, 30),
    )
    assert row["date_sort"] == dt.date(2023, 9, 15)
    omitted = logged("", None, Expectation.SCHEDULED, today)
    assert omitted is not None and omitted["date_sort"] == today and omitted["date_precision"] == UNDATED


@pytest.mark.parametrize(
    ("date", "reported", "expected", "message"),
    [
        ("not announced", None, None, "only an expected entry can be logged without a date"),
        ("2030", None, None, "If it has not happened yet, log it as `expected`"),
        ("2023-09-01", "Sep 2023", None, "`reported` is for an expected entry"),
        ("2030", "Sep 2023", Expectation.PROMISED, "this one has a date"),
        ("unknown", "2030", Expectation.PROMISED, "`reported`: `2030` reads as 2030, which is after today"),
    ],
)
def test_what_is_refused_says_why(date: str, reported: str | None, expected: Expectation | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_logged_date(date=date, reported=reported, expected=expected, today=dt.date(2023, 9, 20))
