"""What a digest says: the net change of each followed topic within a window of the audit log.

Pure functions over plain data read by `bot.services.digest_windows`. The audit log is the change feed: every change
to an entry appended a record with before/after snapshots, so the state of any entry at any moment
can be read back without trusting the entry's current row. Building from snapshots (not from the
entries' current state) makes a digest a function of its window alone, so a retry after a crash
renders the same digest, and a change made after the window never leaks into it.

Per entry, only the net change over the window is reported:
- logged in the window and still live at its end -> a new status change, statement or event;
- logged and withdrawn within the same window -> nothing (it never stood);
- live before and after, with different content -> a correction;
- live before, withdrawn by the end -> a retraction; withdrawn before, live at the end -> a restore.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.status_axes import AXES, current_shape, snapshot_axes
from db.audit import CONTENT_FIELDS
from db.digest_feed import ENTRY_ACTIONS

Snapshot = Mapping[str, Any]


class ItemKind(enum.StrEnum):
    STATUS = "status"
    EVENT = "event"
    STATEMENT = "statement"
    CORRECTION = "correction"
    RETRACTION = "retraction"
    RESTORE = "restore"


# Order of items within a topic: what moved first, then the record keeping.
_KIND_ORDER = {kind: index for index, kind in enumerate(ItemKind)}


@dataclass(frozen=True, slots=True)
class TopicRef:
    id: int
    slug: str
    title: str


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One audit record about an entry, as the digest needs it."""

    id: int
    entry_id: int
    topic_id: int
    action: str
    at: dt.datetime
    before: Snapshot | None
    after: Snapshot | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    kind: ItemKind
    entry_id: int
    at: dt.datetime  # when the change was recorded (last record in the window)
    state: Snapshot  # the entry as of the end of the window (for a retraction: as it stood before)
    previous: Snapshot | None = None  # as of the start of the window (corrections)
    reason: str | None = None
    # Status items: by axis this change is the topic's current one on, the topic's value before it.
    old_axes: Mapping[str, str | None] | None = None
    current: bool = True  # status items: False when current on neither axis (backdated)
    changed_fields: tuple[str, ...] = ()


@dataclass(slots=True)
class TopicChanges:
    topic: TopicRef
    items: list[Item] = field(default_factory=list)


@dataclass(slots=True)
class DigestContent:
    window_start: dt.datetime  # exclusive
    window_end: dt.datetime  # inclusive
    changed: list[TopicChanges]
    unchanged: list[TopicRef]

    @property
    def item_count(self) -> int:
        return sum(len(t.items) for t in self.changed)

    @property
    def is_empty(self) -> bool:
        return not self.changed


def _is_live(state: Snapshot | None) -> bool:
    return state is not None and state.get("retracted_at") is None


def _axis(state: Snapshot, axis: str) -> str | None:
    return snapshot_axes(state)[AXES.index(axis)]


def _content(state: Snapshot | None) -> dict[str, Any]:
    return {name: (state or {}).get(name) for name in CONTENT_FIELDS}


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def status_rank(entry_id: int, state: Snapshot) -> tuple[dt.date, int]:
    """The order the bot uses for "current status": latest date (midpoint of a fuzzy date), then id."""
    earliest, latest = _date(state["date_earliest"]), _date(state["date_latest"])
    return earliest + (latest - earliest) / 2, entry_id


# Where a topic's status stood at one moment, by axis: the id and state then of the status entry current
# on it (an axis no live status change had set is absent).
Standing = Mapping[str, tuple[int, Snapshot]]


class StatusFinder:
    """Each topic's current status on each axis at the moments its digests compare (window starts and
    ends), rebuilt from the audit records of its status entries.

    Records are fed one entry at a time, and only the best candidate per topic and moment is kept:
    a busy minute's digests used to hold every status record of every changed topic (tens of
    thousands), and building, scanning and freeing them held up the event loop."""

    def __init__(self, moments: Mapping[int, Collection[dt.datetime]]) -> None:
        self._moments = moments  # by topic id
        self._best: dict[int, dict[dt.datetime, dict[str, tuple[tuple[dt.date, int], Snapshot]]]] = {}

    def add_entry(self, entry_id: int, topic_id: int, records: Sequence[tuple[int, dt.datetime, Snapshot]]) -> None:
        """Every audit record of one status entry, as (record id, at, state after it)."""
        for moment in self._moments.get(topic_id, ()):
            # The entry as it stood at the moment: its latest record by then.
            latest = max((r for r in records if r[1] <= moment), key=lambda r: (r[1], r[0]), default=None)
            if latest is None or not _is_live(latest[2]) or latest[2].get("kind") != "status":
                continue
            if latest[2].get("expected"):
                continue  # expected is not happened: never the current status
            rank = status_rank(entry_id, latest[2])
            best = self._best.setdefault(topic_id, {}).setdefault(moment, {})
            for axis in AXES:
                known = best.get(axis)
                if _axis(latest[2], axis) is not None and (known is None or rank > known[0]):
                    best[axis] = (rank, latest[2])

    def standings(self) -> dict[int, dict[dt.datetime, Standing]]:
        """By topic, by moment, by axis: the status entry that was current then (absent: none was)."""
        return {
            topic_id: {
                moment: {axis: (rank[1], state) for axis, (rank, state) in by_axis.items()}
                for moment, by_axis in by_moment.items()
            }
            for topic_id, by_moment in self._best.items()
        }


def build_content(
    *,
    topics: Sequence[TopicRef],
    records: Iterable[ChangeRecord],
    statuses: Mapping[int, Mapping[dt.datetime, Standing]],
    window_start: dt.datetime,
    window_end: dt.datetime,
) -> DigestContent:
    by_entry: dict[int, list[ChangeRecord]] = {}
    for record in sorted(records, key=lambda r: (r.at, r.id)):
        if window_start < record.at <= window_end and record.action in ENTRY_ACTIONS:
            by_entry.setdefault(record.entry_id, []).append(record)

    items_by_topic: dict[int, list[Item]] = {}
    for entry_records in by_entry.values():
        item = _net_change(entry_records)
        if item is not None:
            items_by_topic.setdefault(entry_records[-1].topic_id, []).append(item)

    changed: list[TopicChanges] = []
    unchanged: list[TopicRef] = []
    for topic in topics:
        items = _with_status(items_by_topic.get(topic.id, []), statuses.get(topic.id, {}), window_start, window_end)
        if items:
            items.sort(key=lambda i: (_KIND_ORDER[i.kind], i.at, i.entry_id))
            changed.append(TopicChanges(topic, items))
        else:
            unchanged.append(topic)
    return DigestContent(window_start, window_end, changed, unchanged)


def _net_change(records: Sequence[ChangeRecord]) -> Item | None:
    first, last = records[0], records[-1]
    # Older records carry the single status: read in today's shape, a change across the migration
    # compares like with like.
    start = None if first.action == "entry.create" or first.before is None else current_shape(first.before)
    end = current_shape(last.after or {})
    kind = str(end.get("kind") or (start or {}).get("kind") or "")
    live_before, live_after = _is_live(start), _is_live(end)
    if first.action == "entry.create":
        if not live_after:
            return None
        item_kind = {"status": ItemKind.STATUS, "statement": ItemKind.STATEMENT}.get(kind, ItemKind.EVENT)
        return Item(item_kind, last.entry_id, last.at, end)
    if live_before and not live_after:
        reason = next((r.reason for r in reversed(records) if r.action in ("entry.retract", "entry.undo")), None)
        return Item(
            ItemKind.RETRACTION, last.entry_id, last.at, start or {}, reason=reason or end.get("retraction_reason")
        )
    if not live_before and live_after:
        reason = next((r.reason for r in reversed(records) if r.action == "entry.restore"), None)
        return Item(ItemKind.RESTORE, last.entry_id, last.at, end, reason=reason)
    if live_before and live_after:
        old, new = _content(start), _content(end)
        fields = tuple(name for name in CONTENT_FIELDS if old[name] != new[name])
        if not fields:
            return None
        reason = next((r.reason for r in reversed(records) if r.action == "entry.edit"), None)
        return Item(
            ItemKind.CORRECTION, last.entry_id, last.at, end, previous=start, reason=reason, changed_fields=fields
        )
    return None


def _with_status(
    items: list[Item], standings: Mapping[dt.datetime, Standing], window_start: dt.datetime, window_end: dt.datetime
) -> list[Item]:
    """Give status items the old values of the axes they moved, and report an axis that moved only
    through a correction. `standings` holds the topic's status at the window's start and end (see
    StatusFinder)."""
    before, after = standings.get(window_start, {}), standings.get(window_end, {})
    old = {axis: _axis(state, axis) for axis, (_entry, state) in before.items()}
    result: list[Item] = []
    reported: set[str] = set()
    for item in items:
        if item.kind is ItemKind.STATUS:
            axes = [axis for axis in AXES if axis in after and after[axis][0] == item.entry_id]
            reported.update(axes)
            olds = {axis: old.get(axis) for axis in axes}
            result.append(Item(item.kind, item.entry_id, item.at, item.state, old_axes=olds, current=bool(axes)))
        else:
            result.append(item)
    corrected = {i.entry_id for i in items if i.kind is ItemKind.CORRECTION}
    moved: dict[int, dict[str, str | None]] = {}
    for axis, (entry_id, state) in after.items():
        if axis not in reported and entry_id not in corrected and _axis(state, axis) != old.get(axis):
            # E.g. the current status change was retracted and an older one applies again: readers
            # should see the status move even though no status change was logged in the window.
            moved.setdefault(entry_id, {})[axis] = old.get(axis)
    for entry_id, olds in moved.items():
        state = after[next(iter(olds))][1]
        result.append(Item(ItemKind.STATUS, entry_id, window_end, state, old_axes=olds, current=True))
    return result
