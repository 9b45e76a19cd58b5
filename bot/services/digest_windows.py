"""What digest windows contain: the change feed (`db.digest_feed`) read once for many digests, and
turned into what `digest_content.build_content` takes."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.services.digest_content import ChangeRecord, DigestContent, Standing, StatusFinder, TopicRef, build_content
from db import digest_feed
from db.engine import Database


@dataclass(frozen=True, slots=True)
class Window:
    """What one digest covers: a newsroom's topics (None = every live topic) over (start, end]."""

    newsroom_id: int
    topic_ids: tuple[int, ...] | None
    start: dt.datetime
    end: dt.datetime


@dataclass(slots=True)
class WindowData:
    topics: list[TopicRef]
    records: list[ChangeRecord]
    # By topic (those with records in the window), its status at the window's start and end.
    statuses: dict[int, dict[dt.datetime, Standing]] = field(default_factory=dict)


def content_of(window: Window, data: WindowData) -> DigestContent:
    return build_content(
        topics=data.topics,
        records=data.records,
        statuses=data.statuses,
        window_start=window.start,
        window_end=window.end,
    )


async def window_content(
    db: Database, *, newsroom_id: int, topic_ids: Sequence[int] | None, start: dt.datetime, end: dt.datetime
) -> DigestContent:
    window = Window(newsroom_id, tuple(topic_ids) if topic_ids is not None else None, start, end)
    return content_of(window, (await windows_data(db, [window]))[window])


# How much earlier than its own window a newsroom's records may be read so that it shares a query.
SPAN_SLACK = dt.timedelta(hours=1)


def shared_spans(
    spans: Mapping[int, tuple[dt.datetime, dt.datetime]], slack: dt.timedelta = SPAN_SLACK
) -> dict[tuple[dt.datetime, dt.datetime], list[int]]:
    """Newsrooms grouped under one audit range each. Alerts and follows keep their own window start
    (the moment each was created or last sent), so a batch of them across many newsrooms has as many
    distinct ranges as newsrooms: a query per newsroom per batch, thousands per tick with thousands of
    follows. Ranges starting within `slack` of a group's earliest start share its query instead; the
    records read before a window's own start are dropped per window below, so only the query count
    changes (and each newsroom reads at most `slack` more of its feed)."""
    groups: dict[tuple[dt.datetime, dt.datetime], list[int]] = {}
    ordered = sorted(spans.items(), key=lambda item: item[1][0])
    n = 0
    while n < len(ordered):
        start = ordered[n][1][0]
        members: list[int] = []
        end = start
        while n < len(ordered) and ordered[n][1][0] - start <= slack:
            members.append(ordered[n][0])
            end = max(end, ordered[n][1][1])
            n += 1
        groups[(start, end)] = members
    return groups


async def windows_data(db: Database, windows: Collection[Window]) -> dict[Window, WindowData]:
    """The change feed for many digests at once, in a handful of queries however many there are:
    the scheduler builds every digest due in a minute, and most share newsrooms and windows."""
    wanted = set(windows)
    if not wanted:
        return {}
    # One audit range per newsroom covering all its windows, then newsrooms whose ranges start close
    # together share a query (`shared_spans`).
    spans: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for w in wanted:
        low, high = spans.get(w.newsroom_id, (w.start, w.end))
        spans[w.newsroom_id] = (min(low, w.start), max(high, w.end))
    by_span = shared_spans(spans)

    # One snapshot gives every query of the feed the same state.
    async with db.read(snapshot=True) as session:
        topic_rows = await digest_feed.topics_of(session, spans.keys())
        records: dict[int, list[ChangeRecord]] = {}
        for (start, end), members in by_span.items():
            for row in await digest_feed.entry_records(session, members, start=start, end=end):
                records.setdefault(row.newsroom_id, []).append(_change(row))
        # A topic with no record in a window has the same status at both ends of it (an entry never
        # changes topic, so every status change of the topic is such a record): only topics with
        # records need their status at the windows' ends, which is the costly read.
        active = sorted({r.topic_id for rows in records.values() for r in rows})
        finder = StatusFinder(_moments_of(active, topic_rows, wanted))
        if active:
            await _feed_statuses(finder, digest_feed.status_history(session, active, end=max(w.end for w in wanted)))
    statuses = finder.standings()

    topics_of: dict[int, list[tuple[TopicRef, bool]]] = {}
    for topic_id, newsroom_id, slug, title, archived in topic_rows:
        topics_of.setdefault(newsroom_id, []).append((TopicRef(topic_id, slug, title), bool(archived)))
    result: dict[Window, WindowData] = {}
    for w in wanted:
        chosen = set(w.topic_ids) if w.topic_ids is not None else None
        topics = [
            ref
            for ref, archived in topics_of.get(w.newsroom_id, [])
            if (ref.id in chosen if chosen is not None else not archived)
        ]
        ids = {t.id for t in topics}
        in_window = (
            [r for r in records.get(w.newsroom_id, []) if w.start < r.at <= w.end and r.topic_id in ids] if ids else []
        )
        result[w] = WindowData(topics, in_window, {t: statuses[t] for t in ids if t in statuses})
    return result


async def _feed_statuses(finder: StatusFinder, slices: AsyncIterator[Sequence[Any]]) -> None:
    """Ordered by entry: each entry's records arrive together (across slices too) and go to the
    finder as a group."""
    entry: tuple[int, int] | None = None
    entry_records: list[tuple[int, dt.datetime, Mapping[str, Any]]] = []
    async for rows in slices:
        for row in rows:
            if row.after is None or row.entry_id is None or row.id is None:
                continue
            if entry is None or row.entry_id != entry[0]:
                if entry is not None:
                    finder.add_entry(*entry, entry_records)
                entry = (row.entry_id, int(row.after.get("topic_id") or row.topic_id or 0))
                entry_records = []
            entry_records.append((row.id, row.at, row.after))
    if entry is not None:
        finder.add_entry(*entry, entry_records)


def _moments_of(
    topic_ids: Collection[int], topic_rows: Sequence[digest_feed.TopicRow], windows: Collection[Window]
) -> dict[int, set[dt.datetime]]:
    """The moments each topic's status is compared at: the starts and ends of its newsroom's windows."""
    by_newsroom: dict[int, set[dt.datetime]] = {}
    for w in windows:
        by_newsroom.setdefault(w.newsroom_id, set()).update((w.start, w.end))
    wanted = set(topic_ids)
    return {row[0]: by_newsroom.get(row[1], set()) for row in topic_rows if row[0] in wanted}


def _change(row: Any) -> ChangeRecord:
    assert row.id is not None and row.entry_id is not None
    return ChangeRecord(
        id=row.id,
        entry_id=row.entry_id,
        topic_id=row.topic_id or 0,
        action=row.action,
        at=row.at,
        before=row.before,
        after=row.after,
        reason=row.reason,
    )
