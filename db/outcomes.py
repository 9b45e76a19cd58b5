"""Recording what became of an expected entry: one update of it, audited in the same transaction; and
undoing that when the entry that said so is retracted, and redoing it when that entry is restored."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.expected import Outcome
from db import audit
from db.engine import ROW_LOCK
from db.models import AuditRecord, Entry, utcnow
from db.writes import OUTCOME_COLUMNS, store_change

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
    now = utcnow()
    values = {
        "outcome": outcome.value,
        "outcome_entry_id": later.id,
        "outcome_precision": later.date_precision,
        "outcome_earliest": later.date_earliest,
        "outcome_latest": later.date_latest,
        "outcome_by": actor_id,
        "outcome_at": now,
    }
    return await _store(
        session,
        entry=entry,
        values=values,
        action="entry.outcome",
        actor_id=actor_id,
        interaction_id=interaction_id,
        reason=reason or f"#{later.id} says so",
        at=now,
    )


async def _store(
    session: AsyncSession,
    *,
    entry: Entry,
    values: dict[str, Any],
    action: str,
    actor_id: int,
    interaction_id: int | None,
    reason: str,
    at: dt.datetime,
    kept: dict[str, Any] | None = None,
) -> Entry:
    """Set the entry's outcome columns and append the audit record; `kept` adds to the record's before
    what the snapshot leaves out."""
    before = {**audit.snapshot(entry), **(kept or {})}
    for name, value in values.items():
        setattr(entry, name, value)
    await store_change(
        session, entry=entry, before=before, action=action, actor_id=actor_id,
        interaction_id=interaction_id, reason=reason, at=at,
    )  # fmt: skip
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
    return await _store(
        session,
        entry=entry,
        values=dict.fromkeys(OUTCOME_COLUMNS),
        action=CLEARED,
        actor_id=actor_id,
        interaction_id=interaction_id,
        reason=reason,
        at=utcnow(),
        kept={"outcome_entry_id": later.id},
    )


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
