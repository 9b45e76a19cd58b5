"""The fuzzy date value: "11 Sep 2023", "mid-Sep 2023", "autumn 2023", "early 2024", with its bounds."""

import calendar
import datetime
import enum
import functools
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

__all__ = [
    "ACCEPTED_FORMS",
    "MAX_INPUT_LENGTH",
    "MAX_YEAR",
    "MIN_YEAR",
    "FuzzyDate",
    "Precision",
]

ACCEPTED_FORMS: Final = (
    "2023-09-11, 11 Sep 2023, Sep 11 (the most recent), Sep 2023, mid-Sep 2023, autumn 2023, "
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
