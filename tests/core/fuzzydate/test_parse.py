"""bot.core.fuzzydate.parse: reading the dates editors type, and refusing what cannot be read."""

import functools
import pickle
import types
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.fuzzydate import (
    ACCEPTED_FORMS,
    FuzzyDate,
    FuzzyDateError,
    Precision,
    parse_fuzzy_date,
)
from bot.core.fuzzydate import parse as fuzzy_parse
from bot.options import depends_on_today
from tests.core.fuzzydate.shorthand import PM, PY, REF, D, M, Q, S, Y

ACCEPTED = [
    # exact days
    ("2023-09-11", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    ("2023-9-1", D, date(2023, 9, 1), date(2023, 9, 1), "1 Sep 2023"),
    ("11 Sep 2023", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    ("11 September 2023", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    ("Sep 11 2023", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    ("September 11, 2023", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    ("Sept 11, 2023", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    ("Sept. 11, 2023", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    ("11th September 2023", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    ("11th of September 2023", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    ("1st May 2024", D, date(2024, 5, 1), date(2024, 5, 1), "1 May 2024"),
    ("29 Feb 2024", D, date(2024, 2, 29), date(2024, 2, 29), "29 Feb 2024"),
    ("  11   SEP\t2023 \n", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    # day without year, resolved against REF (2023-09-20)
    ("Sept 11", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    ("11 Sep", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    ("September 11th", D, date(2023, 9, 11), date(2023, 9, 11), "11 Sep 2023"),
    ("Sep 23", D, date(2022, 9, 23), date(2022, 9, 23), "23 Sep 2022"),  # never after REF
    # relative
    ("today", D, REF, REF, "20 Sep 2023"),
    ("Yesterday", D, date(2023, 9, 19), date(2023, 9, 19), "19 Sep 2023"),
    # months
    ("Sep 2023", M, date(2023, 9, 1), date(2023, 9, 30), "Sep 2023"),
    ("September 2023", M, date(2023, 9, 1), date(2023, 9, 30), "Sep 2023"),
    ("Sept 2023", M, date(2023, 9, 1), date(2023, 9, 30), "Sep 2023"),
    ("2023-09", M, date(2023, 9, 1), date(2023, 9, 30), "Sep 2023"),
    ("Feb 2024", M, date(2024, 2, 1), date(2024, 2, 29), "Feb 2024"),
    ("Feb 2023", M, date(2023, 2, 1), date(2023, 2, 28), "Feb 2023"),
    ("Feb 1900", M, date(1900, 2, 1), date(1900, 2, 28), "Feb 1900"),  # century rule: not a leap year
    # parts of months
    ("early September 2023", PM, date(2023, 9, 1), date(2023, 9, 10), "early Sep 2023"),
    ("mid-September 2023", PM, date(2023, 9, 11), date(2023, 9, 20), "mid-Sep 2023"),
    ("mid September 2023", PM, date(2023, 9, 11), date(2023, 9, 20), "mid-Sep 2023"),
    ("late Sep 2023", PM, date(2023, 9, 21), date(2023, 9, 30), "late Sep 2023"),
    ("late Feb 2024", PM, date(2024, 2, 21), date(2024, 2, 29), "late Feb 2024"),
    ("late Jan 2024", PM, date(2024, 1, 21), date(2024, 1, 31), "late Jan 2024"),
    ("mid\u2013Sep 2023", PM, date(2023, 9, 11), date(2023, 9, 20), "mid-Sep 2023"),  # en dash
    # seasons
    ("autumn 2023", S, date(2023, 9, 1), date(2023, 11, 30), "autumn 2023"),
    ("fall 2023", S, date(2023, 9, 1), date(2023, 11, 30), "autumn 2023"),
    ("autumn of 2023", S, date(2023, 9, 1), date(2023, 11, 30), "autumn 2023"),
    ("spring 2024", S, date(2024, 3, 1), date(2024, 5, 31), "spring 2024"),
    ("summer 2023", S, date(2023, 6, 1), date(2023, 8, 31), "summer 2023"),
    ("winter 2023", S, date(2023, 12, 1), date(2024, 2, 29), "winter 2023/24"),
    ("winter 2023/24", S, date(2023, 12, 1), date(2024, 2, 29), "winter 2023/24"),
    ("winter 2023-24", S, date(2023, 12, 1), date(2024, 2, 29), "winter 2023/24"),
    ("winter 2023/2024", S, date(2023, 12, 1), date(2024, 2, 29), "winter 2023/24"),
    ("winter 2024", S, date(2024, 12, 1), date(2025, 2, 28), "winter 2024/25"),
    ("winter 2099/00", S, date(2099, 12, 1), date(2100, 2, 28), "winter 2099/00"),
    # quarters
    ("Q3 2023", Q, date(2023, 7, 1), date(2023, 9, 30), "Q3 2023"),
    ("2023 Q3", Q, date(2023, 7, 1), date(2023, 9, 30), "Q3 2023"),
    ("Q3/2023", Q, date(2023, 7, 1), date(2023, 9, 30), "Q3 2023"),
    ("q3 2023", Q, date(2023, 7, 1), date(2023, 9, 30), "Q3 2023"),
    ("third quarter of 2023", Q, date(2023, 7, 1), date(2023, 9, 30), "Q3 2023"),
    ("3rd quarter 2023", Q, date(2023, 7, 1), date(2023, 9, 30), "Q3 2023"),
    ("Q1 2024", Q, date(2024, 1, 1), date(2024, 3, 31), "Q1 2024"),
    ("Q4 2023", Q, date(2023, 10, 1), date(2023, 12, 31), "Q4 2023"),
    # parts of years
    ("early 2024", PY, date(2024, 1, 1), date(2024, 4, 30), "early 2024"),
    ("mid-2024", PY, date(2024, 5, 1), date(2024, 8, 31), "mid-2024"),
    ("mid 2024", PY, date(2024, 5, 1), date(2024, 8, 31), "mid-2024"),
    ("late 2024", PY, date(2024, 9, 1), date(2024, 12, 31), "late 2024"),
    # years
    ("2023", Y, date(2023, 1, 1), date(2023, 12, 31), "2023"),
    ("1900", Y, date(1900, 1, 1), date(1900, 12, 31), "1900"),
    ("2200", Y, date(2200, 1, 1), date(2200, 12, 31), "2200"),
]


@pytest.mark.parametrize(("text", "precision", "earliest", "latest", "rendered"), ACCEPTED)
def test_accepted_forms(text: str, precision: Precision, earliest: date, latest: date, rendered: str) -> None:
    fd = parse_fuzzy_date(text, reference=REF)
    assert (fd.precision, fd.earliest, fd.latest) == (precision, earliest, latest)
    assert fd.render() == rendered
    assert str(fd) == rendered


REJECTED = [
    ("", "No date given"),
    ("   \t ", "No date given"),
    ("soon", None),
    ("Septober 5", None),
    ("Septober 2023", None),
    ("Q5 2023", "no quarter 5"),
    ("Q0 2023", "no quarter 0"),
    ("2023-13", "no month 13"),
    ("2023-00", "no month 0"),
    ("spring", "season needs a year"),
    ("September", "month needs a year"),
    ("mid-Sep", None),
    ("31 Feb 2023", "February 2023 has no day 31"),
    ("29 Feb 2023", "February 2023 has no day 29"),
    ("31 Apr", "April has no day 31"),
    ("0 Sep 2023", "has no day 0"),
    ("2023-02-30", "February 2023 has no day 30"),
    ("03/04/2023", "ambiguous"),
    ("3.4.2023", "ambiguous"),
    ("3-4-2023", "ambiguous"),
    ("03/04", "ambiguous"),
    ("2023-09-11 14:00", "time"),
    ("2023-09-11T14:00:00Z", "time"),
    ("11 Sep 2023 2pm", "time"),
    ("11 Sep 2023 UTC", "time zone"),
    ("1899", "between 1900 and 2200"),
    ("2201", "between 1900 and 2200"),
    ("Sep 1850", "between 1900 and 2200"),
    ("20233", "four digits"),
    ("23", "four digits"),
    ("11 Sep 23", None),
    ("autumn 2023/24", "only winter"),
    ("winter 2023/25", "winter 2023/24"),
    ("Q3 2023 Q4", None),
    ("tomorrow", None),
    ("Monday", None),
    ("11 Sep 2023\x00", "control"),
    ("Sep\u200b2023", "control"),
    ("\u0662\u0660\u0662\u0663", "not part of any date form"),  # Arabic-Indic digits that int() would accept
    ("x" * 65, "longer than 64"),
    ("early " + " " * 100 + "2024 x" + "y" * 60, "longer than 64"),
]


@pytest.mark.parametrize(("text", "fragment"), REJECTED)
def test_rejected_forms(text: str, fragment: str | None) -> None:
    with pytest.raises(FuzzyDateError) as excinfo:
        parse_fuzzy_date(text, reference=REF)
    message = str(excinfo.value)
    assert message.endswith(f"Use one of: {ACCEPTED_FORMS}.")
    if fragment is not None:
        assert fragment in message
    if text.strip():
        assert message.startswith("Could not read ")


def test_error_message_matches_house_format() -> None:
    with pytest.raises(FuzzyDateError) as excinfo:
        parse_fuzzy_date("Septober 5", reference=REF)
    assert str(excinfo.value) == (
        "Could not read `Septober 5` as a date. Use one of: 2023-09-11, 11 Sep 2023, Sep 11 (the most recent), "
        "Sep 2023, mid-Sep 2023, autumn 2023, Q3 2023, early 2024, 2023, today, yesterday."
    )
    assert excinfo.value.text == "Septober 5"
    assert excinfo.value.reason is None
    assert isinstance(excinfo.value, ValueError)


def test_error_quotes_long_input_truncated_and_control_chars_replaced() -> None:
    with pytest.raises(FuzzyDateError) as excinfo:
        parse_fuzzy_date("a\x07" + "b" * 100, reference=REF)
    message = str(excinfo.value)
    assert "\x07" not in message
    assert "`a\ufffd" + "b" * 37 + "…`" in message


def test_error_survives_pickling() -> None:
    with pytest.raises(FuzzyDateError) as excinfo:
        parse_fuzzy_date("Q5 2023", reference=REF)
    clone = pickle.loads(pickle.dumps(excinfo.value))
    assert str(clone) == str(excinfo.value)
    assert clone.reason == excinfo.value.reason


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        ("Dec 30", date(2024, 1, 3), date(2023, 12, 30)),
        ("Jan 5", date(2023, 12, 28), date(2023, 1, 5)),  # not next week: a year back
        ("Sept 11", date(2023, 9, 20), date(2023, 9, 11)),
        ("Sept 11", date(2023, 9, 1), date(2022, 9, 11)),
        ("Sep 20", date(2023, 9, 20), date(2023, 9, 20)),  # today itself is not in the future
        ("Sep 21", date(2023, 9, 20), date(2022, 9, 21)),
        ("Jun 1", date(2026, 12, 7), date(2026, 6, 1)),
        ("Jun 30", date(2024, 1, 1), date(2023, 6, 30)),
        ("Dec 31", date(2024, 1, 1), date(2023, 12, 31)),
        ("Jan 1", date(2024, 1, 1), date(2024, 1, 1)),
        # leap day: the latest one not after the reference
        ("Feb 29", date(2024, 3, 10), date(2024, 2, 29)),
        ("29 Feb", date(2023, 6, 1), date(2020, 2, 29)),
        ("29th February", date(2025, 1, 10), date(2024, 2, 29)),
        ("Feb 29", date(2024, 2, 28), date(2020, 2, 29)),
        ("Feb 29", date(2104, 1, 1), date(2096, 2, 29)),  # 2100 is not a leap year
    ],
)
def test_yearless_day_is_the_latest_occurrence_not_after_the_reference(
    text: str, reference: date, expected: date
) -> None:
    assert parse_fuzzy_date(text, reference=reference) == FuzzyDate.exact(expected)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2200, 12, 31)), st.integers(1, 12), st.integers(1, 31))
def test_yearless_day_is_never_after_the_reference_nor_a_year_before_it(reference: date, month: int, day: int) -> None:
    try:
        result = parse_fuzzy_date(f"{day} {fuzzy_parse._MONTH_ABBR[month]}", reference=reference)
    except FuzzyDateError:
        return  # no such day in that month
    assert result.precision is Precision.DAY
    assert result.earliest <= reference
    assert (result.earliest.month, result.earliest.day) == (month, day)
    if (month, day) != (2, 29):
        assert (reference - result.earliest).days < 366


def test_yearless_day_outside_year_range_is_an_error() -> None:
    with pytest.raises(FuzzyDateError, match="between 1900 and 2200"):
        parse_fuzzy_date("Dec 30", reference=date(1900, 1, 2))  # 30 Dec 1899


def test_relative_forms_follow_the_reference_not_the_clock() -> None:
    assert parse_fuzzy_date("today", reference=date(2001, 3, 1)) == FuzzyDate.exact(date(2001, 3, 1))
    assert parse_fuzzy_date("yesterday", reference=date(2024, 3, 1)) == FuzzyDate.exact(date(2024, 2, 29))
    assert parse_fuzzy_date("today", reference=datetime(2020, 5, 5, 23, 59, tzinfo=UTC)) == (
        FuzzyDate.exact(date(2020, 5, 5))
    )


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("yesterday", date.min),
        ("Dec 30", date.max),
        ("today", date(1899, 12, 31)),
        ("yesterday", date(1900, 1, 1)),
    ],
)
def test_extreme_reference_dates_only_raise_fuzzydateerror(text: str, reference: date) -> None:
    with pytest.raises(FuzzyDateError):
        parse_fuzzy_date(text, reference=reference)


def test_non_string_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_fuzzy_date(None, reference=REF)  # pyright: ignore[reportArgumentType]  # the wrong type on purpose


# -- dateutil failure modes are mapped, even ones the input gate normally keeps away -----------------


def _fake_dateutil(monkeypatch: pytest.MonkeyPatch, parse: object) -> None:
    monkeypatch.setattr(fuzzy_parse, "dateutil_parser", types.SimpleNamespace(parse=parse))
    # The cross-check is remembered per text: the fake gets an empty memory of its own, and the real
    # one (restored after the test) never holds a fake answer.
    fresh = functools.lru_cache(maxsize=None)(fuzzy_parse._dateutil_fields.__wrapped__)
    monkeypatch.setattr(fuzzy_parse, "_dateutil_fields", fresh)


@pytest.mark.parametrize("exc", [OverflowError("too big"), ValueError("nope")])
def test_dateutil_exceptions_become_fuzzydateerror(monkeypatch: pytest.MonkeyPatch, exc: Exception) -> None:
    def boom(text: str, default: datetime) -> datetime:
        raise exc

    _fake_dateutil(monkeypatch, boom)
    with pytest.raises(FuzzyDateError):
        parse_fuzzy_date("11 Sep 2023", reference=REF)


def test_dateutil_disagreeing_with_the_gate_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dateutil(monkeypatch, lambda text, default: default.replace(year=2023, month=9, day=12))
    with pytest.raises(FuzzyDateError):
        parse_fuzzy_date("11 Sep 2023", reference=REF)


def test_dateutil_reporting_a_time_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dateutil(monkeypatch, lambda text, default: datetime(2023, 9, 11, 14, 0))  # noqa: DTZ001
    with pytest.raises(FuzzyDateError, match="time"):
        parse_fuzzy_date("11 Sep 2023", reference=REF)


def test_dateutil_reporting_a_timezone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dateutil(monkeypatch, lambda text, default: default.replace(day=11, tzinfo=UTC))
    with pytest.raises(FuzzyDateError, match="time zone"):
        parse_fuzzy_date("11 Sep 2023", reference=REF)


# -- hostile input ------------------------------------------------------------------------------------

_TOKENS = [
    "early", "mid", "mid-", "late", "of", "q", "Q3", "Q9", "quarter", "third", "winter", "fall", "spring",
    "Sep", "Sept.", "September", "Feb", "may", "1st", "11", "29", "31", "0", "2023", "2024", "1899", "99999",
    "/", "-", ".", ",", ":", "14:00", "pm", "utc", "T", "Z", "+05:00", "today", "yesterday", "\x00", "\u2013",
    "\u0663", "\u00a0", " ",
]  # fmt: skip


def _parse_or_error(text: str, reference: date) -> None:
    try:
        fd = parse_fuzzy_date(text, reference=reference)
    except FuzzyDateError as exc:
        assert ACCEPTED_FORMS in str(exc)
    else:
        # Anything accepted must be a well-formed value whose rendering reads back identically.
        assert fd.earliest <= fd.latest
        assert parse_fuzzy_date(fd.render(), reference=reference) == fd


@given(st.text(max_size=80), st.dates())
def test_random_text_only_raises_fuzzydateerror(text: str, reference: date) -> None:
    _parse_or_error(text, reference)


@given(st.lists(st.sampled_from(_TOKENS), max_size=6), st.sampled_from(["", " "]), st.dates())
def test_date_like_token_soup_only_raises_fuzzydateerror(tokens: list[str], sep: str, reference: date) -> None:
    _parse_or_error(sep.join(tokens), reference)


@pytest.mark.parametrize(
    ("text", "relative"),
    [
        ("today", True),
        ("yesterday", True),
        ("Sept 11", True),
        ("11 September", True),
        ("2023-09-11", False),
        ("11 Sep 2023", False),
        ("autumn 2023", False),
        ("2023", False),
        ("Q3 2023", False),
        ("03/04/2023", False),  # refused whatever today is
        ("not a date", False),
    ],
)
def test_depends_on_today_tells_which_dates_need_the_newsrooms_today(text: str, relative: bool) -> None:
    assert depends_on_today(text) is relative
