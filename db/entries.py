"""Reading entries: current status, latest statements, the chronology and the status card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Date, Select, bindparam, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.engine import MAX_ROW_ID, ROW_LOCK
from db.models import Entry, EntryKind, Topic
from db.topics import escape_like, normalise_lookup

# By best-estimate date, then by log order (id grows with log time).
_NEWEST_FIRST = (col(Entry.date_sort).desc(), col(Entry.id).desc())
_OLDEST_FIRST = (col(Entry.date_sort).asc(), col(Entry.id).asc())


# One topic's live entries; the topic travels as a bound parameter (statements here are built once).
_LIVE = (col(Entry.topic_id) == bindparam("topic_id"), col(Entry.retracted_at).is_(None))


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
    params: dict[str, Any] = {"topic_id": topic_id}
    if speaker:
        params["speaker"] = f"%{escape_like(normalise_lookup(speaker))}%"
    return await _page(session, _pages(EntryKind.STATEMENT, frozenset(params)), params, offset=offset, limit=limit)


@dataclass(frozen=True, slots=True)
class Position:
    """An entry's place in a timeline: its sort day, then its id."""

    day: dt.date
    entry_id: int


async def chronology(
    session: AsyncSession,
    *,
    topic_id: int,
    since: dt.date | None = None,
    until: dt.date | None = None,
    offset: int = 0,
    limit: int = 10,
    after: Position | None = None,
    before: Position | None = None,
) -> tuple[list[Entry], int]:
    """Live entries oldest first; a fuzzy date is in range when its bounds overlap the range.

    With `after` (or `before`) the page is the `limit` entries just after (before) that position,
    read from the index from there on (a keyset page); `offset` is then not used."""
    params: dict[str, Any] = {"topic_id": topic_id}
    if since is not None:
        params["since"] = since
    if until is not None:
        params["until"] = until
    seek = after or before
    if seek is not None:
        # An id past any that can exist compares the same as the largest (and PostgreSQL refuses it).
        params.update(seek_day=seek.day, seek_id=min(seek.entry_id, MAX_ROW_ID))
        backwards = after is None
        queries = _pages(None, frozenset(params), backwards=backwards)
        rows, total = await _page(session, queries, params, offset=0, limit=limit)
        if backwards:
            rows.reverse()  # read newest first from the position back; shown oldest first
        return rows, total
    return await _page(session, _pages(None, frozenset(params)), params, offset=offset, limit=limit)


@dataclass(frozen=True, slots=True)
class _PageQueries:
    page: Select[Any]
    count: Select[Any]


@cache
def _pages(kind: EntryKind | None, filters: frozenset[str], *, backwards: bool = False) -> _PageQueries:
    """The statements for one shape of list, built once: building a statement costs more than
    running it, and a built one also keeps its compiled form cached. Values travel as parameters.

    The page's ids are found first, from the index alone, and only those rows are read, so a page
    deep in a long timeline skips index entries, not rows. The total rides along."""
    where: list[Any] = list(_LIVE)
    if kind is not None:
        where.append(Entry.kind == kind.value)
    if "speaker" in filters:
        where.append(col(Entry.speaker_key).like(bindparam("speaker"), escape="\\"))
    if "since" in filters:
        where.append(col(Entry.date_latest) >= bindparam("since", type_=Date))
    if "until" in filters:
        where.append(col(Entry.date_earliest) <= bindparam("until", type_=Date))
    order = _OLDEST_FIRST if kind is None else _NEWEST_FIRST
    count = select(func.count()).select_from(Entry).where(*where)
    seek: list[Any] = []
    if "seek_day" in filters:
        # The first condition is the index range; the second drops the entries on the boundary day
        # up to the position itself. (Row-value comparison would say it in one, but not every
        # SQLite version uses an index for it.)
        day, entry_id = bindparam("seek_day", type_=Date), bindparam("seek_id")
        if backwards:
            seek = [col(Entry.date_sort) <= day, or_(col(Entry.date_sort) < day, col(Entry.id) < entry_id)]
            order = _NEWEST_FIRST
        else:
            seek = [col(Entry.date_sort) >= day, or_(col(Entry.date_sort) > day, col(Entry.id) > entry_id)]
    ids = (
        select(col(Entry.id).label("page_id"))
        .where(*where, *seek)
        .order_by(*order)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery()
    )
    page = select(Entry, count.scalar_subquery()).join(ids, col(Entry.id) == ids.c.page_id).order_by(*order)
    return _PageQueries(page, count)


async def _page(
    session: AsyncSession, queries: _PageQueries, params: dict[str, Any], *, offset: int, limit: int
) -> tuple[list[Entry], int]:
    rows = (await session.execute(queries.page, {**params, "offset": offset, "limit": limit})).all()
    if rows:
        return [row[0] for row in rows], int(rows[0][1])
    # Past the end (or nothing at all): the total still tells the caller which page exists.
    return [], int((await session.execute(queries.count, params)).scalar_one())


@dataclass(slots=True)
class TopicCard:
    """Everything `/status` shows about one topic, loaded explicitly."""

    topic: Topic
    status: Entry | None
    latest_statement: Entry | None
    last_updated: dt.datetime
    entry_count: int
    sources: list[tuple[str, str | None]] = field(default_factory=list)


def _newest_id(kind: EntryKind) -> Any:
    return select(Entry.id).where(*_LIVE, Entry.kind == kind.value).order_by(*_NEWEST_FIRST).limit(1).scalar_subquery()


_LIVE_COUNT = select(func.count()).select_from(Entry).where(*_LIVE)
# The current status and the latest statement in one statement, with the live count riding along.
_CARD = select(Entry, _LIVE_COUNT.scalar_subquery()).where(
    or_(col(Entry.id) == _newest_id(EntryKind.STATUS), col(Entry.id) == _newest_id(EntryKind.STATEMENT))
)


async def topic_card(session: AsyncSession, *, topic: Topic) -> TopicCard:
    assert topic.id is not None
    params = {"topic_id": topic.id}
    rows = (await session.execute(_CARD, params)).all()
    entry_count = int(rows[0][1]) if rows else (await session.execute(_LIVE_COUNT, params)).scalar_one()
    by_kind = {row[0].kind: row[0] for row in rows}
    status = by_kind.get(EntryKind.STATUS.value)
    latest = by_kind.get(EntryKind.STATEMENT.value)
    sources: list[tuple[str, str | None]] = []
    for entry in (status, latest):
        if entry is not None and entry.source_name and (entry.source_name, entry.source_url) not in sources:
            sources.append((entry.source_name, entry.source_url))
    for fact in topic.background:
        pair = (str(fact.get("source", "")), fact.get("url"))
        if pair[0] and pair not in sources:
            sources.append(pair)
    # Every write to the topic or one of its entries moves topic.updated_at forward.
    return TopicCard(topic, status, latest, topic.updated_at, entry_count, sources)
