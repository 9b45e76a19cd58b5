"""The append-only audit log: every change writes one record in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col, select

from db.models import AuditRecord, EntryBase, Topic, TopicBase, utcnow

# An entry's columns that are not what it says: who and when, keys derived from its content, its
# retraction, which the digest reports apart from corrections, and the particulars of its outcome
# (the outcome itself is content; its record's reason names the entry that settled it).
_ENTRY_BOOKKEEPING = frozenset({
    "id", "newsroom_id", "topic_id", "kind", "date_sort", "speaker_key", "created_by", "created_at",
    "updated_at", "edited_at", "retracted_at", "retraction_reason", "interaction_id", "seed_key",
    "speaker_search", "fingerprint", "outcome_entry_id", "outcome_precision", "outcome_earliest",
    "outcome_latest", "outcome_by", "outcome_at",
})  # fmt: skip
# What an entry says, in column order: every other column of the one declaration (EntryBase).
CONTENT_FIELDS = tuple(name for name in EntryBase.model_fields if name not in _ENTRY_BOOKKEEPING)
ENTRY_FIELDS = ("kind", "topic_id", *CONTENT_FIELDS, "retracted_at", "retraction_reason")
_TOPIC_BOOKKEEPING = frozenset({
    "id", "newsroom_id", "search_text", "created_by", "created_at", "updated_at", "fact_seq", "summary_updated_at",
})  # fmt: skip
TOPIC_FIELDS = tuple(name for name in TopicBase.model_fields if name not in _TOPIC_BOOKKEEPING)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def snapshot(row: EntryBase | TopicBase) -> dict[str, Any]:
    fields = TOPIC_FIELDS if isinstance(row, TopicBase) else ENTRY_FIELDS
    return {name: _jsonable(getattr(row, name)) for name in fields}


# Built once: appending a record is a Core insert. No caller needs the record back, and the ORM's unit
# of work around it cost more than the statement (profiled).
# SQLModel leaves __table__ (set by SQLAlchemy's mapping) undeclared.
_TABLE: Table = AuditRecord.__table__  # pyright: ignore[reportAttributeAccessIssue]
_INSERT = insert(_TABLE).values({c.key: bindparam(c.key) for c in _TABLE.columns if c.key != "id"})


async def record(
    session: AsyncSession | AsyncConnection,
    *,
    newsroom_id: int,
    action: str,
    actor_id: int,
    interaction_id: int | None,
    entry: EntryBase | None = None,
    topic: Topic | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Append the audit record of a change, in the session's (or connection's) transaction. The entry
    or topic it names must already be stored (flushed): the insert runs now, not at the next flush."""
    await session.execute(
        _INSERT,
        {
            "newsroom_id": newsroom_id,
            "entry_id": entry.id if entry is not None else None,
            "topic_id": topic.id if topic is not None else (entry.topic_id if entry is not None else None),
            "action": action,
            "actor_id": actor_id,
            "interaction_id": interaction_id,
            "at": at or utcnow(),
            "before": before,
            "after": after,
            "reason": reason,
        },
    )


async def entry_history(session: AsyncSession, *, newsroom_id: int, entry_id: int) -> list[AuditRecord]:
    stmt = (
        select(AuditRecord)
        .where(AuditRecord.newsroom_id == newsroom_id, AuditRecord.entry_id == entry_id)
        .order_by(col(AuditRecord.id))
    )
    return list((await session.execute(stmt)).scalars())


async def topic_changes(session: AsyncSession, *, newsroom_id: int, topic_id: int) -> list[AuditRecord]:
    """The records of changes to the topic itself (not to its entries), oldest first."""
    stmt = (
        select(AuditRecord)
        .where(
            AuditRecord.newsroom_id == newsroom_id,
            AuditRecord.topic_id == topic_id,
            col(AuditRecord.entry_id).is_(None),
        )
        .order_by(col(AuditRecord.id))
    )
    return list((await session.execute(stmt)).scalars())


async def topic_changed_by(
    session: AsyncSession, *, topic_id: int, interaction_id: int, actions: Collection[str]
) -> bool:
    """Whether this interaction already made one of these changes to the topic (a retried delivery)."""
    stmt = select(AuditRecord.id).where(
        AuditRecord.topic_id == topic_id,
        AuditRecord.interaction_id == interaction_id,
        col(AuditRecord.action).in_(actions),
    )
    return (await session.execute(stmt.limit(1))).first() is not None


async def topic_history(
    session: AsyncSession, *, newsroom_id: int, topic_id: int, limit: int = 50
) -> list[AuditRecord]:
    stmt = (
        select(AuditRecord)
        .where(AuditRecord.newsroom_id == newsroom_id, AuditRecord.topic_id == topic_id)
        .order_by(col(AuditRecord.id).desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())
