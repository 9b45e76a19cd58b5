"""Recording what became of an expected entry: one update of it, audited in the same transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.expected import Outcome
from db import audit
from db.models import Entry, utcnow


async def settle_entry(
    session: AsyncSession, *, entry: Entry, later: Entry, outcome: Outcome, actor_id: int, interaction_id: int | None
) -> Entry:
    """Mark `entry` as happened or not, as `later` (just logged) says; the later entry's date is kept with
    it, so reader views say "happened on ..." without reading a second row."""
    before = audit.snapshot(entry)
    now = utcnow()
    entry.outcome = outcome.value
    entry.outcome_entry_id = later.id
    entry.outcome_precision = later.date_precision
    entry.outcome_earliest = later.date_earliest
    entry.outcome_latest = later.date_latest
    entry.outcome_by = actor_id
    entry.outcome_at = now
    entry.updated_at = now
    session.add(entry)
    await session.flush()
    await audit.record(
        session,
        newsroom_id=entry.newsroom_id,
        action="entry.outcome",
        actor_id=actor_id,
        interaction_id=interaction_id,
        entry=entry,
        before=before,
        after=audit.snapshot(entry),
        reason=f"#{later.id} says so",
        at=now,
    )
    return entry


async def settled_by_interaction(session: AsyncSession, *, entry: Entry, interaction_id: int | None) -> bool:
    """Whether the entry was settled by an entry this same interaction logged (a retried delivery)."""
    if interaction_id is None or entry.outcome_entry_id is None:
        return False
    later = await session.get(Entry, entry.outcome_entry_id)
    return later is not None and later.interaction_id == interaction_id
