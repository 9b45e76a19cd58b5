"""Scheduling math for digests: pure functions over zoneinfo, no clock and no I/O.

A subscription posts at a wall-clock time in its own IANA zone on chosen weekdays. Each posting
moment is an `Occurrence`: the aware UTC instant plus the local date it belongs to, which is the
period key the exactly-once bookkeeping is built on.

Daylight-saving rules:
- A wall time that does not exist on a spring-forward day (inside the gap) is posted at the first
  valid instant after the gap, i.e. at the transition itself (01:30 in London on the last Sunday of
  March posts at 02:00 BST).
- A wall time that exists twice on a fall-back day is posted at its first occurrence (fold=0).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.errors import echoed

UTC = dt.UTC
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DAY_ALIASES = {
    "daily": None,
    "every day": None,
    "everyday": None,
    "all": None,
    "weekdays": frozenset(range(5)),
    "workdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
}
# Scanning this many local days around an instant always finds an occurrence: at least one weekday
# is allowed, so one lies within any 7 consecutive days, and one day of slack covers zone offsets.
_SCAN_DAYS = 9


class ScheduleError(ValueError):
    """An unparseable time, zone or day list; the message is written for the editor."""


@dataclass(frozen=True, slots=True)
class Schedule:
    local_time: dt.time
    zone: ZoneInfo
    weekdays: frozenset[int] | None = None  # 0 = Monday; None = every day

    @classmethod
    def of(cls, local_time: str, timezone: str, weekdays: Iterable[int] | None = None) -> Schedule:
        return cls(parse_local_time(local_time), load_zone(timezone), _normalise_weekdays(weekdays))

    def allows(self, day: dt.date) -> bool:
        return self.weekdays is None or day.weekday() in self.weekdays


@dataclass(frozen=True, slots=True, order=True)
class Occurrence:
    at: dt.datetime  # aware, UTC
    day: dt.date  # the local date this posting belongs to

    @property
    def key(self) -> str:
        """The period key stored with each delivery: one digest per subscription per key."""
        return self.day.isoformat()


def load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(
            f"`{echoed(name, 64)}` is not a time zone name. Use an IANA name such as Europe/London."
        ) from exc


def parse_local_time(text: str) -> dt.time:
    match = _TIME_RE.match(text.strip())
    if match is None:
        raise ScheduleError(f"`{echoed(text, 20)}` is not a time. Use 24-hour HH:MM, e.g. 09:00 or 17:30.")
    return dt.time(int(match[1]), int(match[2]))


def format_local_time(value: dt.time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def parse_days(text: str | None) -> frozenset[int] | None:
    """ "daily", "weekdays", "weekends", "mon-fri", "mon,wed,fri", "sat-mon" (ranges may wrap)."""
    if text is None:
        return None
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        return None
    if cleaned in _DAY_ALIASES:
        return _DAY_ALIASES[cleaned]
    days: set[int] = set()
    for part in cleaned.replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _weekday(first, text), _weekday(last, text)
            span = (end - start) % 7
            days.update((start + i) % 7 for i in range(span + 1))
        else:
            days.add(_weekday(part, text))
    if not days:
        raise ScheduleError(f"`{echoed(text)}` names no weekdays. Try `daily`, `weekdays`, `mon-fri` or `mon,wed,fri`.")
    return _normalise_weekdays(days)


def _weekday(token: str, original: str) -> int:
    for index, (name, full) in enumerate(zip(WEEKDAY_NAMES, _WEEKDAY_FULL, strict=True)):
        # "mon", "monday", "tues", "thurs": any prefix of the full name that starts with the abbreviation.
        if token.startswith(name) and full.startswith(token):
            return index
    raise ScheduleError(
        f"`{echoed(original)}`: `{echoed(token, 12)}` is not a weekday. Use mon, tue, wed, thu, fri, sat, sun, "
        "ranges like `mon-fri`, or `daily` / `weekdays` / `weekends`."
    )


def _normalise_weekdays(days: Iterable[int] | None) -> frozenset[int] | None:
    if days is None:
        return None
    chosen = frozenset(int(d) for d in days)
    if not chosen or not chosen <= frozenset(range(7)):
        raise ScheduleError("Weekdays must be between Monday (0) and Sunday (6), at least one.")
    return None if len(chosen) == 7 else chosen


def describe_days(weekdays: Iterable[int] | None) -> str:
    days = _normalise_weekdays(weekdays)
    if days is None:
        return "every day"
    if days == frozenset(range(5)):
        return "Mon–Fri"
    if days == frozenset({5, 6}):
        return "Sat–Sun"
    return ", ".join(_WEEKDAY_LABELS[d] for d in sorted(days))


def resolve_wall_time(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant at which the wall clock in `zone` shows `at` on `day` (DST rules above)."""
    naive = dt.datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    candidate = first.astimezone(UTC)
    if candidate.astimezone(zone).replace(tzinfo=None) == naive:
        return candidate  # exists twice: fold=0 is the first occurrence
    # In a gap: neither fold round-trips. The two readings bracket the transition; find it exactly
    # by bisection on whole seconds (zone transitions are on whole seconds).
    lo, hi = sorted((first.astimezone(UTC), second.astimezone(UTC)))
    after_offset = hi.astimezone(zone).utcoffset()
    while hi - lo > dt.timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(zone).utcoffset() == after_offset:
            hi = mid
        else:
            lo = mid
    return hi


def occurrence_on(schedule: Schedule, day: dt.date) -> Occurrence:
    return Occurrence(resolve_wall_time(day, schedule.local_time, schedule.zone), day)


def next_occurrence(schedule: Schedule, after: dt.datetime) -> Occurrence:
    """The first posting moment strictly after `after`."""
    local_day = after.astimezone(schedule.zone).date()
    for delta in range(-1, _SCAN_DAYS):
        day = local_day + dt.timedelta(days=delta)
        if schedule.allows(day):
            occurrence = occurrence_on(schedule, day)
            if occurrence.at > after:
                return occurrence
    raise AssertionError("a schedule with at least one weekday always has a next occurrence")


def latest_occurrence(schedule: Schedule, at_or_before: dt.datetime) -> Occurrence:
    """The last posting moment at or before `at_or_before`."""
    local_day = at_or_before.astimezone(schedule.zone).date()
    for delta in range(1, -_SCAN_DAYS, -1):
        day = local_day + dt.timedelta(days=delta)
        if schedule.allows(day):
            occurrence = occurrence_on(schedule, day)
            if occurrence.at <= at_or_before:
                return occurrence
    raise AssertionError("a schedule with at least one weekday always has a previous occurrence")


def local_label(moment: dt.datetime, zone: ZoneInfo) -> str:
    """E.g. "Sun 29 Mar 09:00 BST": short, unambiguous for readers in the newsroom's zone."""
    local = moment.astimezone(zone)
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b %H:%M')} {local.tzname() or ''}".rstrip()
