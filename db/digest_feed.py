"""The digest's change feed: the audit records of entries, read for many digest windows at once.

Queries only; `bot.services.digest_windows` turns the rows into what a digest says. The statements
are built once: one built per call costs its construction and cache-key work every time. They take
their values at run time, lists through expanding parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.vocabulary import EntryKind
from db.models import AuditRecord, Entry, Topic

ENTRY_ACTIONS = ("entry.create", "entry.edit", "entry.retract", "entry.undo", "entry.restore")
# (id, newsroom_id, slug, title, archived)
TopicRow = tuple[int, int, str, str, bool]


def _ids(name: str) -> Any:
    return bindparam(name, expanding=True)


_FEED_TOPICS = (
    select(col(Topic.id), col(Topic.newsroom_id), col(Topic.slug), col(Topic.title), col(Topic.archived))
    .where(col(Topic.newsroom_id).in_(_ids("newsrooms")))
    .order_by(col(Topic.slug))
)
_FEED_RECORDS = (
    select(
        col(AuditRecord.id),
        col(AuditRecord.entry_id),
        col(AuditRecord.topic_id),
        col(AuditRecord.action),
        col(AuditRecord.at),
        col(AuditRecord.before),
        col(AuditRecord.after),
        col(AuditRecord.reason),
        col(AuditRecord.newsroom_id),
    )
    .where(
        col(AuditRecord.newsroom_id).in_(_ids("newsrooms")),
        col(AuditRecord.at) > bindparam("start"),
        col(AuditRecord.at) <= bindparam("end"),
        col(AuditRecord.action).in_(ENTRY_ACTIONS),
        col(AuditRecord.entry_id).is_not(None),
    )
    .order_by(col(AuditRecord.at), col(AuditRecord.id))
)
_STATUS_HISTORY = (
    select(
        col(AuditRecord.id),
        col(AuditRecord.entry_id),
        col(AuditRecord.topic_id),
        col(AuditRecord.at),
        col(AuditRecord.after),
    )
    .where(
        col(AuditRecord.entry_id).in_(
            select(col(Entry.id)).where(
                col(Entry.topic_id).in_(_ids("topics")), col(Entry.kind) == EntryKind.STATUS.value
            )
        ),
        col(AuditRecord.action).in_(ENTRY_ACTIONS),
        col(AuditRecord.at) <= bindparam("end"),
    )
    .order_by(col(AuditRecord.entry_id), col(AuditRecord.id))
)


async def topics_of(session: AsyncSession, newsrooms: Collection[int]) -> list[TopicRow]:
    """Every topic of these newsrooms, archived ones too, by slug; kept as plain tuples."""
    result = await session.execute(_FEED_TOPICS, {"newsrooms": sorted(newsrooms)})
    return [tuple(row) for row in result]  # type: ignore[misc]


async def entry_records(
    session: AsyncSession, newsrooms: Collection[int], *, start: dt.datetime, end: dt.datetime
) -> Sequence[Any]:
    """Audit records about entries in (start, end], oldest first; ix_audit_newsroom_at serves each
    newsroom's range, and a window is at most a few days of changes."""
    params = {"newsrooms": sorted(newsrooms), "start": start, "end": end}
    return (await session.execute(_FEED_RECORDS, params)).all()


# Rows per slice of a streamed read: each slice is one fetch from the driver, and the event loop serves
# other commands between slices while the next one is read and its JSON decoded.
STREAM_SLICE = 500


async def status_history(
    session: AsyncSession, topic_ids: Collection[int], *, end: dt.datetime
) -> AsyncIterator[Sequence[Any]]:
    """Every audit record of the topics' status entries up to `end`, grouped by entry, oldest first,
    in slices: a busy minute's digests read tens of thousands of them."""
    result = await session.stream(_STATUS_HISTORY, {"topics": sorted(topic_ids), "end": end})
    async for rows in result.partitions(STREAM_SLICE):
        yield rows
