"""Reminders in the editors' channel: stale topics weekly, expected entries whose date has passed, and
subscriptions a delivery failure paused.

A tick first finishes messages left unfinished (their holder died, or Discord failed for a moment),
reconciling with the channel before posting again, then claims what has become due and posts it.
Posting goes through a `ReminderPoster` (the discord.py one paces every request through the send
pacer; tests pass their own), so the runner knows no Discord type.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.core import reminders as rules
from bot.core.reminders import Kind, StaleTopic, State
from bot.core.schedule import load_zone
from bot.services.digest_ports import Clock, Refused, RetryLater
from bot.services.digest_runner import default_process_id
from db import reminders as store
from db.engine import Database
from db.models import Entry, Topic
from db.reminder_models import ReminderNotice

log = logging.getLogger(__name__)


class ReminderPoster(Protocol):
    async def post(self, channel_id: int, notice: Mapping[str, Any], *, nonce: str) -> int:
        """Post the message `notice` describes (its `kind` and `payload`); its id. Raises Refused or
        RetryLater."""
        ...

    async def find_posted(self, channel_id: int, *, nonce: str, since: dt.datetime) -> int | None:
        """The message already posted with this nonce, if any."""
        ...


@dataclass(frozen=True, slots=True)
class ReminderConfig:
    lease: dt.timedelta = dt.timedelta(minutes=2)
    backoff: dt.timedelta = dt.timedelta(minutes=1)
    batch: int = 100
    # How often a process looks for new reminders. They are due by the day or the week (a pause by
    # the minute at most), while the loop ticks with the digest's: looking every tick would read every
    # stale topic and overdue expected entry of every newsroom twice a minute for nothing.
    scan_every: dt.timedelta = dt.timedelta(minutes=5)


@dataclass(slots=True)
class ReminderReport:
    sent: list[int] = field(default_factory=list)
    reconciled: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Due:
    kind: Kind
    payload: dict[str, Any]
    keys: list[str]


def _zone(name: str) -> ZoneInfo:
    try:
        return load_zone(name)
    except Exception:
        return ZoneInfo("UTC")


def describe(entry: Entry) -> str:
    """What an expected entry expected, in one line for the question."""
    if entry.headline:
        return entry.headline
    if entry.text:
        return f"{entry.speaker}: “{entry.text}”" if entry.speaker else entry.text
    parts = [p.replace("_", " ") for p in (entry.decision, entry.delivery) if p]
    return f"Status: {', '.join(parts) or 'change'}" + (f" ({entry.note})" if entry.note else "")


def _stale_due(topics: list[Topic], room: store.Room, now: dt.datetime) -> list[StaleTopic]:
    due: list[StaleTopic] = []
    for topic in topics:
        assert topic.id is not None
        changed = topic.updated_at if topic.updated_at.tzinfo else topic.updated_at.replace(tzinfo=dt.UTC)
        key = rules.stale_key(topic.id, changed, room.stale_after_days, now)
        if key is not None:
            due.append(StaleTopic(key, topic.id, topic.slug, topic.title, changed))
    return due


def _question(entry: Entry, topic: Topic) -> _Due:
    assert entry.id is not None
    date = entry.date
    payload = {
        "entry_id": entry.id,
        "topic_slug": topic.slug,
        "topic_title": topic.title,
        "what": describe(entry)[:300],
        "expected": entry.expected,
        "date": date.render() if date is not None else "",
    }
    return _Due(Kind.QUESTION, payload, [rules.question_key(entry.id)])


class ReminderRunner:
    def __init__(
        self,
        db: Database,
        *,
        poster: ReminderPoster,
        clock: Clock,
        config: ReminderConfig | None = None,
        process_id: str | None = None,
    ) -> None:
        self.db = db
        self.poster = poster
        self.clock = clock
        self.config = config or ReminderConfig()
        self.process = process_id or default_process_id()
        self.scanned_at: dt.datetime | None = None

    async def run_due(self, now: dt.datetime) -> ReminderReport:
        """Finish messages left unfinished, then, every `scan_every`, claim and post what is due."""
        report = ReminderReport()
        await self._finish_unfinished(now, report)
        last = self.scanned_at
        if last is None or now - last >= self.config.scan_every or now < last:
            self.scanned_at = now
            for notice_id in await self._claim_due(now):
                await self._send(notice_id, report, reconcile=False)
        return report

    # -- claiming ----------------------------------------------------------------------------------

    async def _claim_due(self, now: dt.datetime) -> list[int]:
        async with self.db.read() as session:
            rooms = await store.rooms_with_channel(session)
            if not rooms:
                return []
            topics = await store.stale_topics(
                session, rooms=rooms, before=now - dt.timedelta(days=rules.STALE_DAYS_MIN)
            )
            expected = await store.overdue_expected(session, rooms=rooms, before=now.date() + dt.timedelta(days=1))
            pauses = await store.failure_pauses(session, rooms=rooms, since=now - rules.PAUSE_NEWS_FOR)
        due: dict[int, list[_Due]] = {room_id: [] for room_id in rooms}
        for room_id, room in rooms.items():
            stale = _stale_due([t for t in topics if t.newsroom_id == room_id], room, now)
            for group in rules.pack(stale):
                payload = {
                    "stale_after_days": room.stale_after_days,
                    "topics": [
                        {"slug": t.slug, "title": t.title, "last_change": t.last_change.isoformat()} for t in group
                    ],
                }
                due[room_id].append(_Due(Kind.STALE, payload, [t.key for t in group]))
        for entry, topic in expected:
            room = rooms[entry.newsroom_id]
            if rules.expected_is_over(entry.date_latest, now.astimezone(_zone(room.timezone)).date()):
                due[entry.newsroom_id].append(_question(entry, topic))
        for sub in pauses:
            assert sub.id is not None and sub.paused_at is not None
            paused_at = sub.paused_at if sub.paused_at.tzinfo else sub.paused_at.replace(tzinfo=dt.UTC)
            payload = {
                "subscription_id": sub.id,
                "mode": sub.mode,
                "recipient_id": str(sub.recipient_id or ""),
                "channel_id": str(sub.channel_id),
                "reason": sub.paused_reason or "",
                "paused_at": paused_at.isoformat(),
            }
            due[sub.newsroom_id].append(_Due(Kind.PAUSE, payload, [rules.pause_key(sub.id, paused_at)]))
        claimed: list[int] = []
        for room_id, items in due.items():
            if items:
                claimed.extend(await self._claim_room(rooms[room_id], items, now))
        return claimed

    async def _claim_room(self, room: store.Room, items: list[_Due], now: dt.datetime) -> list[int]:
        keys = [key for item in items for key in item.keys]
        async with self.db.read() as session:
            if not keys or await store.claimed_keys(session, keys) >= set(keys):
                return []  # the common case, settled without taking a write lock
        try:
            async with self.db.write() as session:
                locked = await store.lock_room(session, room.id)
                if locked is None or locked.editors_channel_id != room.channel_id:
                    return []  # the channel changed meanwhile: the next tick sees the new one
                taken = await store.claimed_keys(session, keys)
                notices: list[ReminderNotice] = []
                for item in items:
                    if any(key in taken for key in item.keys):
                        # A stale group whose topics were partly claimed is rebuilt next tick without them.
                        if item.kind is Kind.STALE and not all(key in taken for key in item.keys):
                            item = self._without(item, taken)
                        else:
                            continue
                    notices.append(
                        await store.claim(
                            session,
                            room=room,
                            kind=item.kind,
                            payload=item.payload,
                            keys=item.keys,
                            process=self.process,
                            now=now,
                            lease=self.config.lease,
                        )
                    )
                return [n.id for n in notices if n.id is not None]
        except Exception:
            # Another process claimed the same keys at the same moment (the primary key refused the
            # second): nothing was claimed here, and the next tick sees what the other one holds.
            log.exception("claiming reminders for newsroom %s failed", room.id)
            return []

    @staticmethod
    def _without(item: _Due, taken: set[str]) -> _Due:
        kept = [(key, topic) for key, topic in zip(item.keys, item.payload["topics"], strict=True) if key not in taken]
        payload = {**item.payload, "topics": [topic for _, topic in kept]}
        return _Due(item.kind, payload, [key for key, _ in kept])

    # -- sending -----------------------------------------------------------------------------------

    async def _finish_unfinished(self, now: dt.datetime, report: ReminderReport) -> None:
        async with self.db.read() as session:
            ids = await store.unfinished_ids(session, now=now, limit=self.config.batch)
        for notice_id in ids:
            async with self.db.write() as session:
                notice = await store.take_over(
                    session, notice_id, process=self.process, now=now, lease=self.config.lease
                )
                reconcile = notice is not None and notice.state == State.SENDING.value
            if notice is not None:
                await self._send(notice_id, report, reconcile=reconcile)

    async def _send(self, notice_id: int, report: ReminderReport, *, reconcile: bool) -> None:
        now = self.clock()
        try:
            async with self.db.write() as session:
                notice = await store.begin_send(
                    session, notice_id, process=self.process, now=now, lease=self.config.lease
                )
                if notice is None:
                    return  # another process holds it now
                channel_id, nonce, since = notice.channel_id, notice.nonce, notice.created_at
                message = {"kind": notice.kind, "payload": dict(notice.payload)}
            if reconcile:
                found = await self.poster.find_posted(channel_id, nonce=nonce, since=since)
                if found is not None:
                    await self._finish(notice_id, State.SENT, message_id=found)
                    report.reconciled.append(notice_id)
                    return
            message_id = await self.poster.post(channel_id, message, nonce=nonce)
        except Refused as refused:
            # The editors' channel is gone or closed to the bot: retrying would fail the same way.
            await self._finish(notice_id, State.REFUSED, error=f"{refused.reason} ({refused.error})")
            report.refused.append(notice_id)
            return
        except RetryLater as exc:
            async with self.db.write() as session:
                await store.retry_later(session, notice_id, at=self.clock() + self.config.backoff, error=str(exc))
            report.retrying.append(notice_id)
            return
        except Exception:
            log.exception("reminder message %s failed; its lease expires and it is tried again", notice_id)
            report.retrying.append(notice_id)
            return
        await self._finish(notice_id, State.SENT, message_id=message_id)
        report.sent.append(notice_id)

    async def _finish(
        self, notice_id: int, state: State, *, message_id: int | None = None, error: str | None = None
    ) -> None:
        async with self.db.write() as session:
            await store.finish(session, notice_id, state=state, now=self.clock(), message_id=message_id, error=error)
