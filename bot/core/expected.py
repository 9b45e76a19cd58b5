"""Expected is not happened: what an anticipated, scheduled or promised entry is, how its date is read,
and how a later entry settles it.

An expected entry may be dated in the future, or not dated at all ("date not announced"). An undated
one is stored with the precision UNDATED and the bounds of the day it was reported, so the chronology
places it by when it was reported while nothing renders or counts those bounds as its date.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from bot.core.dates import ahead, read_date, reading_note, refuse_future
from bot.core.errors import InvalidInput
from bot.core.fuzzydate import FuzzyDate
from bot.core.validation import parse_entry_ref

# The stored precision of an entry whose date has not been announced.
UNDATED = "undated"
UNDATED_TEXT = "date not announced"
# What an editor may type as `date` for an expected entry whose date is not known.
_UNDATED_WORDS = frozenset({"not announced", "date not announced", "unknown", "tba", "tbd"})


class Expectation(enum.StrEnum):
    ANTICIPATED = "anticipated"
    SCHEDULED = "scheduled"
    PROMISED = "promised"


class Outcome(enum.StrEnum):
    HAPPENED = "happened"
    DID_NOT_HAPPEN = "did_not_happen"


class Knock(enum.StrEnum):
    """What retracting or restoring an entry did to the expected entry it had settled."""

    REOPENED = "reopened"
    SETTLED_AGAIN = "settled_again"
    SETTLED_BY_ANOTHER = "settled_by_another"
    RETRACTED = "retracted"


OUTCOME_LABELS = {Outcome.HAPPENED: "Happened", Outcome.DID_NOT_HAPPEN: "Did not happen"}


def outcome_label(value: str) -> str:
    """A stored outcome as readers see it; an unknown value as stored rather than a crash."""
    try:
        return OUTCOME_LABELS[Outcome(value)]
    except ValueError:
        return value


def expectation_label(value: str | None) -> str:
    return value.capitalize() if value else ""


# What an editor may type to say a corrected entry was not an expectation after all.
_NOT_EXPECTED_WORDS = frozenset({"none", "-", "not expected"})


def read_expectation(text: str) -> str | None:
    """A corrected `expected` value: one of the kinds, or None for "not an expectation"."""
    words = " ".join(text.lower().split())
    if words in _NOT_EXPECTED_WORDS:
        return None
    try:
        return Expectation(words).value
    except ValueError:
        raise InvalidInput(
            "`expected` must be one of: anticipated, scheduled, promised, or none (it was not an expectation)."
        ) from None


@dataclass(frozen=True, slots=True)
class NotAnnounced:
    """A corrected `date` saying an expected entry's date is not announced; the edit places it by the
    day it was logged, the best record of when it was reported once a date has replaced that."""


def says_undated(text: str | None) -> bool:
    return text is not None and " ".join(text.lower().split()) in _UNDATED_WORDS


@dataclass(frozen=True, slots=True)
class EntryDate:
    """The date an entry is logged with: `date` is the date itself, or for an undated expected entry
    the day it was reported (what it sorts by)."""

    date: FuzzyDate
    announced: bool
    notes: tuple[str, ...] = ()


def read_logged_date(
    *, date: str | None, reported: str | None, expected: Expectation | None, today: dt.date
) -> EntryDate:
    """The date of an entry being logged. Without `expected`, nothing after today and no undated entry;
    with it, a future date, or none (`date` omitted or "not announced") placed by `reported`."""
    if expected is None:
        if says_undated(date):
            raise InvalidInput(
                "`date`: only an expected entry can be logged without a date; choose `expected` "
                "(anticipated, scheduled or promised) or give the date."
            )
        if reported is not None:
            raise InvalidInput("`reported` is for an expected entry whose date is not announced.")
        return _read("date", date or "today", today=today, future=False, typed=date is not None)
    if date is not None and not says_undated(date):
        if reported is not None:
            raise InvalidInput("`reported` is for an expected entry whose date is not announced; this one has a date.")
        return _read("date", date, today=today, future=True, typed=True)
    when = _read("reported", reported or "today", today=today, future=False, typed=reported is not None)
    return EntryDate(when.date, announced=False, notes=when.notes)


def _read(name: str, text: str, *, today: dt.date, future: bool, typed: bool) -> EntryDate:
    value = read_date(name, text, reference=today)
    if future:
        value = ahead(name, text, value, today=today)
    else:
        try:
            refuse_future(name, text, value, today=today)
        except InvalidInput as exc:
            hint = " If it has not happened yet, log it as `expected`." if name == "date" else ""
            raise InvalidInput(f"{exc}{hint}") from exc
    note = reading_note(name, text, value) if typed else None
    return EntryDate(value, announced=True, notes=(note,) if note else ())


def refuse_unsettleable(
    *,
    entry_id: int,
    expected: str | None,
    retracted: bool,
    outcome: str | None,
    same_topic: bool,
) -> None:
    """Why an entry cannot be marked as happened or not, if it cannot."""
    if retracted:
        raise InvalidInput(f"Entry #{entry_id} is retracted; restore it before recording its outcome.")
    if expected is None:
        raise InvalidInput(
            f"Entry #{entry_id} is not expected: only an expected entry can be marked as happened or not."
        )
    if not same_topic:
        raise InvalidInput(f"Entry #{entry_id} belongs to another story; log its outcome in that story.")
    if outcome is not None:
        label = outcome_label(outcome).lower()
        raise InvalidInput(f"Entry #{entry_id} already has its outcome ({label}); it is recorded once.")


@dataclass(frozen=True, slots=True)
class Settlement:
    """A new entry's claim that an expected one happened or did not."""

    entry_id: int
    outcome: Outcome


def read_settlement(*, outcome_of: str | None, outcome: str | None, expected: str | None) -> Settlement | None:
    if outcome_of is None:
        if outcome is not None:
            raise InvalidInput("`outcome` says what became of an expected entry: give its id in `outcome_of` too.")
        return None
    if expected is not None:
        raise InvalidInput(
            "An entry that settles an expected one reports what happened, so it cannot itself be expected; "
            "leave out `expected`."
        )
    return Settlement(parse_entry_ref(outcome_of), Outcome(outcome or Outcome.HAPPENED.value))
