"""Entries by id, and an entry's place in a timeline (the reader commands' pages are in
db.reader_statements)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import MAX_ROW_ID, ROW_LOCK
from db.models import Entry


async def get_entry(
    session: AsyncSession, *, newsroom_id: int, entry_id: int, for_update: bool = False
) -> Entry | None:
    if not 0 < entry_id <= MAX_ROW_ID:
        return None
    if for_update:
        entry = await session.get(Entry, entry_id, with_for_update=ROW_LOCK, populate_existing=True)
    else:
        entry = await session.get(Entry, entry_id)
    # An entry id from another guild behaves exactly like one that does not exist.
    if entry is None or entry.newsroom_id != newsroom_id:
        return None
    return entry


@dataclass(frozen=True, slots=True)
class Position:
    """An entry's place in a timeline: its sort day, then its id."""

    day: dt.date
    entry_id: int
