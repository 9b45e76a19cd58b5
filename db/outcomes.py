"""Recording what became of an expected entry: one update of it, audited in the same transaction; and
undoing that when the entry that said so is retracted, and redoing it when that entry is restored."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.expected import Outcome
from db import audit
from db.engine import ROW_LOCK
from db.models import AuditRecord, Entry, utcnow
from db.writes import OUTCOME_COLUMNS

CLEARED = "entry.outcome.cleared"


async def settle_entry(
    session: AsyncSession,
    *,
    entry: Entry,
    later: Entry,
    outcome: Outcome,
    actor_id: int,
    interaction_id: int | None,
    reason: str | None = None,
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
        reason=reason or f"#{later.id} says so",
        at=now,
    )
    return entry


async def settled_by_interaction(session: AsyncSession, *, entry: Entry, interaction_id: int | None) -> bool:
    """Whether the entry was settled by an entry this same interaction logged (a retried delivery)."""
    if interaction_id is None or entry.outcome_entry_id is None:
        return False
    later = await session.get(Entry, entry.outcome_entry_id)
    return later is not None and later.interaction_id == interaction_id


async def settled_by(session: AsyncSession, *, later: Entry) -> Entry | None:
    """The expected entry that `later` settled and that still stands as it said, locked for the write."""
    stmt = (
        select(Entry)
        .where(Entry.newsroom_id == later.newsroom_id, Entry.outcome_entry_id == later.id)
        .with_for_update(key_share=ROW_LOCK["key_share"])
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalars().first()


async def reopen_entry(
    session: AsyncSession, *, entry: Entry, later: Entry, actor_id: int, interaction_id: int | None, reason: str
) -> Entry:
    """Clear the outcome `later` recorded on `entry`, which is expected again. The record keeps which
    entry had settled it (the snapshot leaves that out as bookkeeping), so restoring that entry can
    settle it again."""
    before = {**audit.snapshot(entry), "outcome_entry_id": later.id}
    now = utcnow()
    for name in OUTCOME_COLUMNS:
        setattr(entry, name, None)
    entry.updated_at = now
    session.add(entry)
    await session.flush()
    await audit.record(
        session,
        newsroom_id=entry.newsroom_id,
        action=CLEARED,
        actor_id=actor_id,
        interaction_id=interaction_id,
        entry=entry,
        before=before,
        after=audit.snapshot(entry),
        reason=reason,
        at=now,
    )
    return entry


async def reopened_by(session: AsyncSession, *, later: Entry) -> tuple[Entry, Outcome] | None:
    """The expected entry whose outcome was last cleared because `later` was retracted, locked, with
    the outcome `later` had recorded; None if `later` never settled one."""
    stmt = (
        select(AuditRecord)
        .where(
            AuditRecord.newsroom_id == later.newsroom_id,
            AuditRecord.topic_id == later.topic_id,
            AuditRecord.action == CLEARED,
        )
        .order_by(col(AuditRecord.id).desc())
    )
    for record in (await session.execute(stmt)).scalars():
        before = record.before or {}
        if before.get("outcome_entry_id") == later.id and record.entry_id is not None:
            entry = await session.get(Entry, record.entry_id, with_for_update=ROW_LOCK, populate_existing=True)
            if entry is None:  # pragma: no cover - entries are never deleted
                return None
            return entry, Outcome(str(before.get("outcome")))
    return None
