"""Reading the dates editors type into fuzzy dates: the forms in ACCEPTED_FORMS, with helpful refusals."""

import datetime
import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Final

from dateutil import parser as dateutil_parser

from bot.core.errors import echoed
from bot.core.fuzzydate.value import (
    _MONTH_ABBR,
    _MONTH_NAMES,
    _MONTH_WORDS,
    ACCEPTED_FORMS,
    MAX_INPUT_LENGTH,
    MAX_YEAR,
    MIN_YEAR,
    FuzzyDate,
    _last_day,
)

# ------------------------------------------------------------------------------------------


class FuzzyDateError(ValueError):
    """Text could not be read as a date; str() is a message fit to show the user."""

    def __init__(self, text: str, reason: str | None = None) -> None:
        self.text = text
        self.reason = reason
        super().__init__(_error_message(text, reason))

    def __reduce__(self) -> tuple[type["FuzzyDateError"], tuple[str, str | None]]:
        # The default reduce would call __init__ with the formatted message only.
        return type(self), (self.text, self.reason)


def _error_message(text: str, reason: str | None) -> str:
    if not text.strip():
        return f"No date given. Use one of: {ACCEPTED_FORMS}."
    shown = "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in echoed(text))
    detail = f": {reason}" if reason else ""
    # In a code span, so markdown or mention syntax in what was typed reads as text.
    return f"Could not read `{shown}` as a date{detail}. Use one of: {ACCEPTED_FORMS}."


class _Rejected(Exception):
    """Internal: a handler recognised the shape but the content is wrong (reason says why)."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason


_DASHES: Final = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))

_MONTH = "(?P<month>" + "|".join(sorted(_MONTH_WORDS, key=len, reverse=True)) + r")\.?"
_YEAR = "(?P<year>[0-9]{4})"
_DAY = "(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?"
_PART = "(?P<part>early|mid|late)"

# Shapes handed to dateutil; the gate keeps its lenient fuzzy matching away from free text.
_CALENDAR_SHAPES: Final = tuple(
    re.compile(p, re.ASCII)
    for p in (
        r"(?P<year>[0-9]{4})-(?P<month_num>[0-9]{1,2})-(?P<day>[0-9]{1,2})",
        r"(?P<year>[0-9]{4})-(?P<month_num>[0-9]{1,2})",
        rf"{_DAY} (?:of )?{_MONTH},? {_YEAR}",
        rf"{_MONTH} {_DAY},? {_YEAR}",
        rf"{_MONTH},? (?:of )?{_YEAR}",
        rf"{_DAY} (?:of )?{_MONTH}",
        rf"{_MONTH} {_DAY}",
    )
)
_PART_OF_MONTH_RE: Final = re.compile(rf"{_PART}(?:-| )?{_MONTH},? (?:of )?{_YEAR}", re.ASCII)
_PART_OF_YEAR_RE: Final = re.compile(rf"{_PART}(?:-| )?{_YEAR}", re.ASCII)
_SEASON_RE: Final = re.compile(
    rf"(?P<season>spring|summer|autumn|fall|winter),? (?:of )?{_YEAR}"
    r"(?: ?[/-] ?(?P<year2>[0-9]{2}|[0-9]{4}))?",
    re.ASCII,
)
_QUARTER_RES: Final = tuple(
    re.compile(p, re.ASCII)
    for p in (
        rf"q(?P<q>[0-9])(?: ?[/,-] ?| | of ){_YEAR}",
        rf"{_YEAR}(?: ?[/,-] ?| )q(?P<q>[0-9])",
        rf"(?P<ordinal>first|second|third|fourth|1st|2nd|3rd|4th) quarter,?(?: of)? {_YEAR}",
    )
)
_ORDINALS: Final = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_YEAR_ONLY_RE: Final = re.compile(r"[0-9]+", re.ASCII)

# Only consulted once nothing matched, to choose a more helpful message.
_NUMERIC_DATE_RE: Final = re.compile(r"[0-9]{1,4}(?P<sep>[./-])[0-9]{1,4}(?:(?P=sep)[0-9]{1,4})?", re.ASCII)
_TIME_HINT_RE: Final = re.compile(
    r"[0-9]:[0-9]|[0-9] ?[ap]\.?m\b|\b(?:utc|gmt|noon|midnight)\b|[0-9]t[0-9]{2}", re.ASCII
)
_BARE_MONTH_RE: Final = re.compile(_MONTH, re.ASCII)
_BARE_SEASON_RE: Final = re.compile(r"(?:(?:early|late|mid)[- ]?)?(?:spring|summer|autumn|fall|winter)")

# Two defaults that differ in every field: whatever dateutil returns identically under both came from the
# text. Both years are leap years so a yearless "29 Feb" parses; both months have 31 days.
_DEFAULT_A: Final = datetime.datetime(2000, 1, 1, 0, 0, 0, 0)  # noqa: DTZ001 - naive on purpose, only a filler
_DEFAULT_B: Final = datetime.datetime(2004, 12, 2, 12, 30, 30, 500)  # noqa: DTZ001


def parse_fuzzy_date(text: str, *, reference: datetime.date) -> FuzzyDate:
    """Read a user-typed date. `reference` is "today" for relative and yearless forms.

    Raises FuzzyDateError (and nothing else) for any text it cannot read.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    if isinstance(reference, datetime.datetime):
        reference = reference.date()
    s = _normalise(text)
    try:
        if s in ("today", "yesterday"):
            day = reference if s == "today" else reference - datetime.timedelta(days=1)
            # Same year window as typed dates, so every accepted value renders to re-parseable text.
            _check_year(day.year)
            return FuzzyDate.exact(day)
        for handler in _HANDLERS:
            result = handler(s, reference)
            if result is not None:
                return result
    except _Rejected as exc:
        # Handlers only see the normalised text; the user-facing error quotes what was actually typed.
        raise FuzzyDateError(text, exc.reason) from exc.__cause__
    except (ValueError, OverflowError) as exc:
        # Last line of defence, e.g. an extreme reference date pushing a bound past date.max.
        raise FuzzyDateError(text, "that date is out of range") from exc
    raise FuzzyDateError(text, _hint(s))


def _normalise(text: str) -> str:
    s = " ".join(text.split()).translate(_DASHES)
    if not s:
        raise FuzzyDateError(text)
    if len(s) > MAX_INPUT_LENGTH:
        raise FuzzyDateError(text, f"it is longer than {MAX_INPUT_LENGTH} characters")
    if any(unicodedata.category(c).startswith("C") for c in s):
        raise FuzzyDateError(text, "it contains control or invisible characters")
    if not s.isascii():
        # Every accepted form is plain ASCII; refusing the rest also stops int() reading non-ASCII digits.
        raise FuzzyDateError(text, "it contains characters that are not part of any date form")
    return s.lower()


def _hint(s: str) -> str | None:
    if _TIME_HINT_RE.search(s):
        return "it looks like it includes a time or time zone; give only the date"
    if _NUMERIC_DATE_RE.fullmatch(s):
        return (
            "all-numeric dates other than ISO 2023-09-11 are ambiguous (3rd of April or 4th of March?); "
            "write the ISO form or use a month name, e.g. 3 Apr 2023"
        )
    if _BARE_MONTH_RE.fullmatch(s):
        return "a month needs a year, e.g. Sep 2023"
    if _BARE_SEASON_RE.fullmatch(s):
        return "a season needs a year, e.g. autumn 2023"
    return None


def _check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _Rejected(f"the year must be between {MIN_YEAR} and {MAX_YEAR}")
    return year


def _month_of(match: re.Match[str]) -> int:
    groups = match.groupdict()
    if groups.get("month_num") is not None:
        month = int(groups["month_num"])
        if not 1 <= month <= 12:
            raise _Rejected(f"there is no month {month}")
        return month
    return _MONTH_WORDS[match["month"]]


def _parse_calendar(s: str, reference: datetime.date) -> FuzzyDate | None:
    for shape in _CALENDAR_SHAPES:
        match = shape.fullmatch(s)
        if match is not None:
            break
    else:
        return None
    groups = match.groupdict()
    year = _check_year(int(groups["year"])) if groups.get("year") else None
    month = _month_of(match)
    day = int(groups["day"]) if groups.get("day") else None
    if day is not None:
        # 2000 is a leap year, so a yearless 29 Feb passes here and is resolved below.
        days_in_month = _last_day(2000 if year is None else year, month)
        if not 1 <= day <= days_in_month:
            when = _MONTH_NAMES[month] + ("" if year is None else f" {year}")
            raise _Rejected(f"{when} has no day {day} (it has {days_in_month} days)")

    if _dateutil_fields(s) != (year, month, day):
        # The gate and dateutil disagree about what the text says; refuse rather than guess.
        return None
    if day is None:
        if year is None:  # pragma: no cover - every day-less shape carries a year
            return None
        return FuzzyDate.month(year, month)
    if year is None:
        return FuzzyDate.exact(_latest_occurrence(month, day, reference))
    return FuzzyDate.exact(datetime.date(year, month, day))


@functools.lru_cache(maxsize=1024)
def _dateutil_fields(s: str) -> tuple[int | None, int | None, int | None]:
    """(year, month, day) as given by the text itself, None where dateutil fell back to the default.

    Remembered per text (it depends on nothing else): one command reads a date up to three times
    (see bot.options.depends_on_today), and dateutil's two parses cost more than everything else."""
    try:
        a = dateutil_parser.parse(s, default=_DEFAULT_A)
        b = dateutil_parser.parse(s, default=_DEFAULT_B)
    except (ValueError, OverflowError) as exc:  # ParserError is a ValueError
        raise _Rejected() from exc
    if a.tzinfo is not None or b.tzinfo is not None:
        raise _Rejected("it looks like it includes a time zone; give only the date")
    if any(getattr(a, f) == getattr(b, f) for f in ("hour", "minute", "second", "microsecond")):
        raise _Rejected("it looks like it includes a time; give only the date")
    year, month, day = (
        getattr(a, field) if getattr(a, field) == getattr(b, field) else None for field in ("year", "month", "day")
    )
    return year, month, day


def _latest_occurrence(month: int, day: int, reference: datetime.date) -> datetime.date:
    """The most recent month/day not after `reference`: a yearless date in a chronology is about what
    already happened, so "Jun 1" typed in December is this June, never next June.

    A yearless 29 Feb goes back to the latest leap year (at most eight years: 1900 and 2100 are not).
    """
    for year in range(reference.year, reference.year - 9, -1):
        try:
            candidate = datetime.date(year, month, day)
        except ValueError:
            continue  # 29 Feb in a common year, or before date.min
        if candidate <= reference:
            _check_year(candidate.year)
            return candidate
    raise _Rejected(f"{day} {_MONTH_ABBR[month]} is not in a year near {reference.year}; add the year")


def _parse_part_of_month(s: str, reference: datetime.date) -> FuzzyDate | None:
    match = _PART_OF_MONTH_RE.fullmatch(s)
    if match is None:
        return None
    return FuzzyDate.part_of_month(_check_year(int(match["year"])), _month_of(match), match["part"])


def _parse_part_of_year(s: str, reference: datetime.date) -> FuzzyDate | None:
    match = _PART_OF_YEAR_RE.fullmatch(s)
    if match is None:
        return None
    return FuzzyDate.part_of_year(_check_year(int(match["year"])), match["part"])


def _parse_season(s: str, reference: datetime.date) -> FuzzyDate | None:
    match = _SEASON_RE.fullmatch(s)
    if match is None:
        return None
    season = "autumn" if match["season"] == "fall" else match["season"]
    year = _check_year(int(match["year"]))
    if match["year2"] is not None:
        if season != "winter":
            raise _Rejected("only winter spans two years, e.g. winter 2023/24")
        second = int(match["year2"])
        expected = year + 1 if len(match["year2"]) == 4 else (year + 1) % 100
        if second != expected:
            suggestion = f"winter {year}/{(year + 1) % 100:02d}"
            raise _Rejected(f"winter {year} runs into {year + 1}, so write {suggestion}")
    return FuzzyDate.season(year, season)


def _parse_quarter(s: str, reference: datetime.date) -> FuzzyDate | None:
    for pattern in _QUARTER_RES:
        match = pattern.fullmatch(s)
        if match is not None:
            break
    else:
        return None
    q = _ORDINALS[match["ordinal"]] if match.groupdict().get("ordinal") else int(match["q"])
    if not 1 <= q <= 4:
        raise _Rejected(f"there is no quarter {q}; use Q1 to Q4")
    return FuzzyDate.quarter(_check_year(int(match["year"])), q)


def _parse_year(s: str, reference: datetime.date) -> FuzzyDate | None:
    if _YEAR_ONLY_RE.fullmatch(s) is None:
        return None
    if len(s) != 4:
        raise _Rejected(f"a year has four digits, between {MIN_YEAR} and {MAX_YEAR}")
    return FuzzyDate.year(_check_year(int(s)))


_HANDLERS: Final[tuple[Callable[[str, datetime.date], FuzzyDate | None], ...]] = (
    _parse_year,
    _parse_calendar,
    _parse_part_of_month,
    _parse_part_of_year,
    _parse_season,
    _parse_quarter,
)
