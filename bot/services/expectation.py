"""Correcting whether an entry was expected, and whether its date is announced.

The checks run inside the edit's write, on the locked row: an entry settled, re-dated or made
(un)expected by another editor a moment earlier is judged as it now is, not as the command read it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bot.core.errors import InvalidInput
from bot.core.expected import UNDATED, NotAnnounced, outcome_label
from bot.core.fuzzydate import FuzzyDate
from db.models import Entry


async def checked_changes(
    session: AsyncSession, *, entry: Entry, changes: dict[str, Any], today: dt.date | None, timezone: str
) -> dict[str, Any]:
    """The edit's changes as columns, once what they say about expectation holds for the entry."""
    if "expected" in changes:
        await _refuse_expectation(session, entry=entry, expected=changes["expected"], today=today)
    if changes.get("end_date") is not None and entry.date_precision == UNDATED:
        raise InvalidInput("`end`: an entry whose date is not announced has no end date; give it a date first.")
    date = changes.get("date")
    if isinstance(date, NotAnnounced):
        return {**{k: v for k, v in changes.items() if k != "date"}, **_undated(entry, timezone)}
    if isinstance(date, FuzzyDate) and entry.expected is None and today is not None and date.earliest > today:
        # The command read the date as an expected entry's; it stopped being one meanwhile.
        raise InvalidInput(
            f"`date`: entry #{entry.id} is not expected, so it cannot be dated after today ({today.isoformat()})."
        )
    return changes


async def _refuse_expectation(
    session: AsyncSession, *, entry: Entry, expected: str | None, today: dt.date | None
) -> None:
    if expected is not None:
        stmt = select(Entry.id).where(Entry.newsroom_id == entry.newsroom_id, Entry.outcome_entry_id == entry.id)
        settled = (await session.execute(stmt.limit(1))).scalar()
        if settled is not None:
            raise InvalidInput(
                f"Entry #{entry.id} says what became of expected entry #{settled}, so it cannot itself be expected."
            )
        return
    if entry.expected is None:
        return  # nothing to change; the edit says so
    if entry.outcome is not None:
        raise InvalidInput(
            f"Entry #{entry.id} is settled ({outcome_label(entry.outcome).lower()}, #{entry.outcome_entry_id}), "
            f"so it was an expectation; retract #{entry.outcome_entry_id} first if that was wrong."
        )
    date = entry.date
    if date is None:
        raise InvalidInput(
            f"Entry #{entry.id} has no date announced; correct its `date` to when it happened first, "
            "then say it was not expected."
        )
    if today is not None and date.earliest > today:
        raise InvalidInput(
            f"Entry #{entry.id} is dated {date.render()}, after today: only something expected may be. "
            "Correct its `date` first if it has already happened."
        )


def _undated(entry: Entry, timezone: str) -> dict[str, Any]:
    if entry.expected is None:
        raise InvalidInput(
            f'`date`: entry #{entry.id} is not expected, so its date cannot be "not announced"; '
            "correct `expected` first."
        )
    if entry.end_precision is not None:
        raise InvalidInput(f"`date`: entry #{entry.id} has an end date; clear `end` (`-`) before its date.")
    day = _local_day(entry.created_at, timezone)
    return {"date_precision": UNDATED, "date_earliest": day, "date_latest": day, "date_sort": day}


def _local_day(at: dt.datetime, timezone: str) -> dt.date:
    at = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    try:
        return at.astimezone(ZoneInfo(timezone)).date()
    except (KeyError, ValueError):
        return at.astimezone(dt.UTC).date()
