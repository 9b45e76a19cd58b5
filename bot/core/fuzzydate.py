"""Fuzzy dates for news chronologies: "11 Sep 2023", "mid-Sep 2023", "autumn 2023", "early 2024"."""

import calendar
import datetime
import enum
import functools
import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Final

from dateutil import parser as dateutil_parser

__all__ = [
    "ACCEPTED_FORMS",
    "MAX_INPUT_LENGTH",
    "MAX_YEAR",
    "MIN_YEAR",
    "FuzzyDate",
    "FuzzyDateError",
    "Precision",
    "parse_fuzzy_date",
]

ACCEPTED_FORMS: Final = (
    "2023-09-11, 11 Sep 2023, Sep 11 (this year), Sep 2023, mid-Sep 2023, autumn 2023, "
    "Q3 2023, early 2024, 2023, today, yesterday"
)

# Years outside this window are far more likely to be typos ("203", "20233") than real events.
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2200
MAX_INPUT_LENGTH: Final = 64


class Precision(enum.StrEnum):
    """How much of the calendar a FuzzyDate covers."""

    DAY = "day"
    PART_OF_MONTH = "part_of_month"
    MONTH = "month"
    SEASON = "season"
    QUARTER = "quarter"
    PART_OF_YEAR = "part_of_year"
    YEAR = "year"


_MONTH_ABBR: Final = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES: Final = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_WORDS: Final[dict[str, int]] = {
    **{name.lower(): m for m, name in enumerate(_MONTH_NAMES) if m},
    **{abbr.lower(): m for m, abbr in enumerate(_MONTH_ABBR) if m},
    "sept": 9,
}

# Day ranges within a month; None means "to the end of the month".
_PARTS_OF_MONTH: Final[dict[str, tuple[int, int | None]]] = {
    "early": (1, 10),
    "mid": (11, 20),
    "late": (21, None),
}
_PART_OF_MONTH_BY_START: Final = {start: part for part, (start, _) in _PARTS_OF_MONTH.items()}

# Northern-hemisphere meteorological seasons, by first month; each lasts three months.
_SEASON_START: Final[dict[str, int]] = {"spring": 3, "summer": 6, "autumn": 9, "winter": 12}
_SEASON_BY_START: Final = {month: season for season, month in _SEASON_START.items()}

_PARTS_OF_YEAR: Final[dict[str, tuple[int, int]]] = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}
_PART_OF_YEAR_BY_START: Final = {start: part for part, (start, _) in _PARTS_OF_YEAR.items()}

_QUARTER_STARTS: Final = (1, 4, 7, 10)


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _months_span(year: int, first_month: int, n_months: int) -> tuple[datetime.date, datetime.date]:
    """Bounds of `n_months` whole months starting at `first_month` of `year` (may cross into next year)."""
    end_index = year * 12 + (first_month - 1) + (n_months - 1)
    end_year, end_month = divmod(end_index, 12)
    end_month += 1
    return datetime.date(year, first_month, 1), datetime.date(end_year, end_month, _last_day(end_year, end_month))


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1-12, not {month}")


def _choice(value: str, options: Collection[str], what: str) -> str:
    if value not in options:
        raise ValueError(f"{what} must be one of {', '.join(options)}, not {value!r}")
    return value


def _canonical_bounds(precision: Precision, earliest: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The only valid (earliest, latest) for `precision` whose span begins at `earliest`.

    Raises ValueError if no span of that precision begins on `earliest`.
    """
    year, month, day = earliest.year, earliest.month, earliest.day
    if precision is Precision.DAY:
        return earliest, earliest
    if precision is Precision.PART_OF_MONTH:
        if day not in _PART_OF_MONTH_BY_START:
            raise ValueError(f"a part of a month starts on day 1, 11 or 21, not {day}")
        end = _PARTS_OF_MONTH[_PART_OF_MONTH_BY_START[day]][1]
        return earliest, datetime.date(year, month, end or _last_day(year, month))
    # Every coarser precision starts on the first of a month.
    if day != 1:
        raise ValueError(f"a {precision} starts on the 1st of a month, not day {day}")
    if precision is Precision.MONTH:
        return _months_span(year, month, 1)
    if precision is Precision.SEASON:
        if month not in _SEASON_BY_START:
            raise ValueError(f"a season starts in Mar, Jun, Sep or Dec, not {_MONTH_ABBR[month]}")
        return _months_span(year, month, 3)
    if precision is Precision.QUARTER:
        if month not in _QUARTER_STARTS:
            raise ValueError(f"a quarter starts in Jan, Apr, Jul or Oct, not {_MONTH_ABBR[month]}")
        return _months_span(year, month, 3)
    if precision is Precision.PART_OF_YEAR:
        if month not in _PART_OF_YEAR_BY_START:
            raise ValueError(f"a part of a year starts in Jan, May or Sep, not {_MONTH_ABBR[month]}")
        return _months_span(year, month, 4)
    if precision is Precision.YEAR:
        if month != 1:
            raise ValueError(f"a year starts in Jan, not {_MONTH_ABBR[month]}")
        return _months_span(year, 1, 12)
    raise ValueError(f"unknown precision {precision!r}")  # pragma: no cover - enum is exhaustive


_PRECISIONS: Final = {precision.value: precision for precision in Precision}


@functools.total_ordering
@dataclass(frozen=True, slots=True)
class FuzzyDate:
    """A calendar span of known precision, with inclusive bounds.

    Instances are always consistent: direct construction validates that the bounds are exactly
    the span the precision implies, so a stored row can never describe e.g. a "month" of 17 days.
    """

    precision: Precision
    earliest: datetime.date
    latest: datetime.date

    def __post_init__(self) -> None:
        for name in ("earliest", "latest"):
            value = getattr(self, name)
            # datetime is a date subclass but compares unequal to dates; letting one in would break eq/hash.
            if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
                raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")
        # Accept the plain string value too (e.g. straight from a DB column) but store the enum.
        if type(self.precision) is not Precision:
            object.__setattr__(self, "precision", Precision(self.precision))
        expected = _canonical_bounds(self.precision, self.earliest)
        if expected != (self.earliest, self.latest):
            raise ValueError(
                f"bounds {self.earliest.isoformat()}..{self.latest.isoformat()} do not match precision "
                f"{self.precision.value!r} (expected {expected[0].isoformat()}..{expected[1].isoformat()})"
            )

    # -- constructors -------------------------------------------------------------------------------

    @classmethod
    def exact(cls, date: datetime.date) -> "FuzzyDate":
        """A single known day."""
        return cls(Precision.DAY, date, date)

    @classmethod
    def month(cls, year: int, month: int) -> "FuzzyDate":
        """A whole calendar month."""
        _check_month(month)
        return cls(Precision.MONTH, *_months_span(year, month, 1))

    @classmethod
    def part_of_month(cls, year: int, month: int, part: str) -> "FuzzyDate":
        """Part of a month: "early" (days 1-10), "mid" (11-20) or "late" (21-end)."""
        _check_month(month)
        start, end = _PARTS_OF_MONTH[_choice(part, _PARTS_OF_MONTH, "part")]
        return cls(
            Precision.PART_OF_MONTH,
            datetime.date(year, month, start),
            datetime.date(year, month, end or _last_day(year, month)),
        )

    @classmethod
    def season(cls, year: int, season: str) -> "FuzzyDate":
        """A meteorological season; winter `year` runs from Dec `year` to the end of Feb `year + 1`."""
        return cls(Precision.SEASON, *_months_span(year, _SEASON_START[_choice(season, _SEASON_START, "season")], 3))

    @classmethod
    def quarter(cls, year: int, q: int) -> "FuzzyDate":
        """Calendar quarter 1-4."""
        if q not in (1, 2, 3, 4):
            raise ValueError(f"quarter must be 1-4, not {q}")
        return cls(Precision.QUARTER, *_months_span(year, _QUARTER_STARTS[q - 1], 3))

    @classmethod
    def part_of_year(cls, year: int, part: str) -> "FuzzyDate":
        """Part of a year: "early" (Jan-Apr), "mid" (May-Aug) or "late" (Sep-Dec)."""
        first, last = _PARTS_OF_YEAR[_choice(part, _PARTS_OF_YEAR, "part")]
        return cls(Precision.PART_OF_YEAR, *_months_span(year, first, last - first + 1))

    @classmethod
    def year(cls, year: int) -> "FuzzyDate":
        """A whole calendar year."""
        return cls(Precision.YEAR, *_months_span(year, 1, 12))

    @classmethod
    def from_storage(cls, precision: str, earliest: datetime.date, latest: datetime.date) -> "FuzzyDate":
        """Rebuild from stored columns; raises ValueError if they are not a consistent FuzzyDate."""
        try:
            # Every entry on a page is rebuilt this way: a dict lookup before the enum's own call.
            return cls(_PRECISIONS.get(precision) or Precision(precision), earliest, latest)
        except TypeError as exc:
            raise ValueError(str(exc)) from exc

    # -- behaviour ----------------------------------------------------------------------------------

    @property
    def sort_key(self) -> tuple[datetime.date, datetime.date]:
        """Chronological order: by first day, then by last day (so a day sorts before its month)."""
        return self.earliest, self.latest

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, FuzzyDate):
            return NotImplemented
        return self.sort_key < other.sort_key

    def overlaps(self, since: datetime.date | None, until: datetime.date | None) -> bool:
        """True if this span shares at least one day with [since, until]; None leaves that side open."""
        if since is not None and until is not None and since > until:
            return False
        if since is not None and self.latest < since:
            return False
        return until is None or self.earliest <= until

    def render(self) -> str:
        """Human form, which parse_fuzzy_date reads back to an equal FuzzyDate."""
        e = self.earliest
        month = _MONTH_ABBR[e.month]
        match self.precision:
            case Precision.DAY:
                return f"{e.day} {month} {e.year}"
            case Precision.PART_OF_MONTH:
                return f"{_part_prefix(_PART_OF_MONTH_BY_START[e.day])}{month} {e.year}"
            case Precision.MONTH:
                return f"{month} {e.year}"
            case Precision.SEASON:
                season = _SEASON_BY_START[e.month]
                if season == "winter":
                    return f"winter {e.year}/{(e.year + 1) % 100:02d}"
                return f"{season} {e.year}"
            case Precision.QUARTER:
                return f"Q{_QUARTER_STARTS.index(e.month) + 1} {e.year}"
            case Precision.PART_OF_YEAR:
                return f"{_part_prefix(_PART_OF_YEAR_BY_START[e.month])}{e.year}"
            case Precision.YEAR:
                return str(e.year)
        raise AssertionError(self.precision)  # pragma: no cover - enum is exhaustive

    def __str__(self) -> str:
        return self.render()


def _part_prefix(part: str) -> str:
    # House style hyphenates "mid" ("mid-Sep", "mid-2024") but not "early"/"late".
    return "mid-" if part == "mid" else f"{part} "


# -- parsing ------------------------------------------------------------------------------------------


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
    shown = "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in " ".join(text.split()))
    if len(shown) > 40:
        shown = shown[:39] + "…"
    detail = f": {reason}" if reason else ""
    return f'Could not read "{shown}" as a date{detail}. Use one of: {ACCEPTED_FORMS}.'


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
        return FuzzyDate.exact(_nearest_occurrence(month, day, reference))
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


def _nearest_occurrence(month: int, day: int, reference: datetime.date) -> datetime.date:
    """The month/day in the year before, of, or after `reference`, whichever is closest to it.

    A yearless 29 Feb therefore resolves only when a leap year is adjacent to the reference year.
    Ties go to the past: chronologies mostly record what already happened.
    """
    candidates: list[datetime.date] = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidates.append(datetime.date(year, month, day))
        except ValueError:
            continue  # 29 Feb in a common year, or beyond date.min/date.max
    if not candidates:
        raise _Rejected(f"{day} {_MONTH_ABBR[month]} is not in a year near {reference.year}; add the year")
    best = min(candidates, key=lambda d: (abs((d - reference).days), d > reference))
    _check_year(best.year)
    return best


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
