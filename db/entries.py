"""Reading entries: current status, latest statements, the chronology and the status card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.engine import MAX_ROW_ID, ROW_LOCK
from db.models import Entry, EntryKind, Topic
from db.topics import normalise_lookup

# By best-estimate date, then by log order (id grows with log time).
_NEWEST_FIRST = (col(Entry.date_sort).desc(), col(Entry.id).desc())
_OLDEST_FIRST = (col(Entry.date_sort).asc(), col(Entry.id).asc())


def _live(topic_id: int):  # type: ignore[no-untyped-def]
    return (Entry.topic_id == topic_id, col(Entry.retracted_at).is_(None))


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


async def current_status(session: AsyncSession, *, topic_id: int) -> Entry | None:
    stmt = select(Entry).where(*_live(topic_id), Entry.kind == EntryKind.STATUS.value).order_by(*_NEWEST_FIRST).limit(1)
    return (await session.execute(stmt)).scalars().first()


async def status_history(session: AsyncSession, *, topic_id: int, limit: int = 50) -> list[Entry]:
    """Every status change, newest first, retracted ones included (they are part of the record)."""
    stmt = (
        select(Entry)
        .where(Entry.topic_id == topic_id, Entry.kind == EntryKind.STATUS.value)
        .order_by(*_NEWEST_FIRST)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def latest_statements(
    session: AsyncSession, *, topic_id: int, speaker: str | None = None, offset: int = 0, limit: int = 5
) -> tuple[list[Entry], int]:
    where = [*_live(topic_id), Entry.kind == EntryKind.STATEMENT.value]
    if speaker:
        where.append(col(Entry.speaker_key).contains(normalise_lookup(speaker), autoescape=True))
    total = (await session.execute(select(func.count()).select_from(Entry).where(*where))).scalar_one()
    stmt = select(Entry).where(*where).order_by(*_NEWEST_FIRST).offset(offset).limit(limit)
    return list((await session.execute(stmt)).scalars()), total


async def chronology(
    session: AsyncSession,
    *,
    topic_id: int,
    since: dt.date | None = None,
    until: dt.date | None = None,
    offset: int = 0,
    limit: int = 10,
) -> tuple[list[Entry], int]:
    """Live entries oldest first; a fuzzy date is in range when its bounds overlap the range."""
    where = list(_live(topic_id))
    if since is not None:
        where.append(col(Entry.date_latest) >= since)
    if until is not None:
        where.append(col(Entry.date_earliest) <= until)
    total = (await session.execute(select(func.count()).select_from(Entry).where(*where))).scalar_one()
    stmt = select(Entry).where(*where).order_by(*_OLDEST_FIRST).offset(offset).limit(limit)
    return list((await session.execute(stmt)).scalars()), total


@dataclass(slots=True)
class TopicCard:
    """Everything `/status` shows about one topic, loaded explicitly."""

    topic: Topic
    status: Entry | None
    latest_statement: Entry | None
    last_updated: dt.datetime
    entry_count: int
    sources: list[tuple[str, str | None]] = field(default_factory=list)


async def topic_card(session: AsyncSession, *, topic: Topic) -> TopicCard:
    assert topic.id is not None
    status = await current_status(session, topic_id=topic.id)
    statements, _ = await latest_statements(session, topic_id=topic.id, limit=1)
    latest = statements[0] if statements else None
    count, last_change = (
        await session.execute(select(func.count(), func.max(Entry.updated_at)).where(Entry.topic_id == topic.id))
    ).one()
    last_updated = max(d for d in (topic.updated_at, _aware(last_change)) if d is not None)
    sources: list[tuple[str, str | None]] = []
    for entry in (status, latest):
        if entry is not None and entry.source_name and (entry.source_name, entry.source_url) not in sources:
            sources.append((entry.source_name, entry.source_url))
    for fact in topic.background:
        pair = (str(fact.get("source", "")), fact.get("url"))
        if pair[0] and pair not in sources:
            sources.append(pair)
    return TopicCard(topic, status, latest, last_updated, int(count), sources)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # Aggregates bypass the column type, so SQLite hands back a naive (UTC) value or a string.
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
