"""What typed dates mean for the record: no entry dated after the day it is logged, and saying how a
yearless or relative date ("Sept 11", "yesterday") was read so an editor can see a wrong year."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.core.errors import InvalidInput
from bot.core.fuzzydate import MAX_YEAR, FuzzyDate, FuzzyDateError, Precision, parse_fuzzy_date

# Two "todays" far apart: a date that reads the same against both does not depend on today.
_PROBE_REFERENCES = (dt.date(2001, 3, 1), dt.date(2013, 10, 20))
# The reference for text that does not depend on it: any day gives the same reading.
ANY_DAY = _PROBE_REFERENCES[0]


def today_in(timezone: str, now: dt.datetime) -> dt.date:
    """Today in a newsroom's time zone: what "today" or "Sept 11" in a typed date is read against (in
    UTC for a zone name the zone database does not know)."""
    try:
        return now.astimezone(ZoneInfo(timezone)).date()
    except (KeyError, ValueError):
        return now.astimezone(dt.UTC).date()


def depends_on_today(text: str) -> bool:
    """Whether a typed date means something different depending on today ("yesterday", "Sept 11").
    Invalid text counts as absolute: parsing it fails the same way whatever today is."""
    readings = []
    for reference in _PROBE_REFERENCES:
        try:
            readings.append(parse_fuzzy_date(text, reference=reference))
        except FuzzyDateError:
            readings.append(None)
    return readings[0] != readings[1]


def read_date(name: str, text: str, *, reference: dt.date) -> FuzzyDate:
    """A date option as typed, or a refusal naming the option."""
    try:
        return parse_fuzzy_date(text, reference=reference)
    except FuzzyDateError as exc:
        raise InvalidInput(f"`{name}`: {exc}") from exc


def read_entry_date(name: str, text: str, *, today: dt.date, expected: bool = False) -> tuple[FuzzyDate, str | None]:
    """The date of something being logged or corrected, read against the newsroom's real today (not a
    fixed reference: the future check needs the real one), and how it was read if that depended on
    today. Only `date` is refused when after today, and not for an expected entry: an event logged
    while it runs may end later, and what is expected may lie ahead (so its yearless dates do too)."""
    value = read_date(name, text, reference=today)
    if expected:
        value = ahead(name, text, value, today=today)
    elif name == "date":
        refuse_future(name, text, value, today=today)
    return value, reading_note(name, text, value)


def _yearless(text: str, value: FuzzyDate) -> bool:
    """Whether the text names a day of the year without its year ("Jun 1"); "today" and "yesterday"
    are the only other readings that depend on today, and they mean one day whatever is logged."""
    words = " ".join(text.lower().split())
    return value.precision is Precision.DAY and words not in ("today", "yesterday") and depends_on_today(text)


def ahead(name: str, text: str, value: FuzzyDate, *, today: dt.date) -> FuzzyDate:
    """A yearless day as the next such day on or after today rather than the last one before it: what
    is scheduled or promised for "Jun 1" in December is next June's. `value` is the text as the parser
    read it (backwards); anything but a yearless day is returned as it is."""
    if value.earliest >= today or not _yearless(text, value):
        return value
    past = value.earliest
    # A yearless 29 Feb goes forward to the next leap year, at most eight years on.
    for year in range(today.year, today.year + 9):
        try:
            day = past.replace(year=year)
        except ValueError:
            continue
        if day >= today:
            if day.year > MAX_YEAR:
                break
            return FuzzyDate.exact(day)
    raise InvalidInput(f"`{name}`: `{_typed(text)}` has no such day in a year near {today.year}; add the year.")


def day_text(day: dt.date) -> str:
    return FuzzyDate.exact(day).render()


def _typed(text: str) -> str:
    # Only text that parsed reaches here: plain ASCII date words, so quoting it cannot inject markup.
    return " ".join(text.split())


def refuse_future(name: str, text: str, value: FuzzyDate, *, today: dt.date) -> None:
    """Statements, status changes and events record what already happened. A fuzzy date counts as
    future only when all of it is: "Dec 2026" or "2026" on 7 Dec 2026 includes today."""
    if value.earliest <= today:
        return
    raise InvalidInput(
        f"`{name}`: `{_typed(text)}` reads as {value.render()}, which is after today ({day_text(today)}). "
        "Only what has already happened can be logged; check the year."
    )


def _another_year(day: dt.date) -> dt.date:
    for year in range(day.year - 1, day.year - 9, -1):
        try:
            return day.replace(year=year)
        except ValueError:
            continue  # 29 Feb in a common year
    return day  # pragma: no cover - a leap year is never more than eight years back


def reading_note(name: str, text: str, value: FuzzyDate) -> str | None:
    """How a date that depends on today was read, and how to say another year; None for a date that
    says what it means ("11 Sep 2023", "autumn 2023")."""
    if not depends_on_today(text):
        return None
    other = FuzzyDate.exact(_another_year(value.earliest)).render()
    label = "" if name == "date" else f"`{name}`: "
    return f'{label}Read "{_typed(text)}" as {value.render()}; for another year type `{other}`.'
