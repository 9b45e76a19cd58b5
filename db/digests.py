"""All digest SQL: editor services for subscriptions, and the scheduler's claim/lease/mark steps.

Exactly-once, in database terms:
- A period is claimed by inserting its delivery row; the unique (subscription_id, period_key)
  constraint and a row lock on the subscription make the claim atomic across processes.
- The claimant holds a lease (`claimed_by`, `lease_until`). Every later step re-checks in its own
  transaction that the row is still claimed by this process, so a process whose lease was taken
  over stops instead of posting twice. A dead claimant's lease expires and another process takes
  the claim over by an UPDATE under the same row lock.
- Marking sent and advancing the subscription's window happen in one transaction.

Lock order is always subscription, then delivery, so two processes never deadlock; the batch steps
lock many rows in one statement each, in ascending id order, for the same reason. A batch claim
skips subscriptions another transaction has locked instead of waiting for them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, false, func, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col, select

from bot.core.drafts import Actor
from bot.core.errors import InvalidInput, NotFoundError, UserFacingError
from bot.core.requester import require_editor
from bot.core.schedule import Occurrence, Schedule, ScheduleError, latest_occurrence, next_occurrence
from bot.core.vocabulary import EntryKind
from bot.digest.content import ENTRY_ACTIONS, ChangeRecord, Standing, StatusFinder, TopicRef
from db import audit
from db.digest_models import (
    DONE_STATES,
    UNSENT_STATES,
    DeliveryState,
    DigestAttempt,
    DigestDelivery,
    DigestSubscription,
)
from db.engine import Database
from db.models import AuditRecord, Entry, Newsroom, Topic
from db.newsrooms import ensure_newsroom
from db.topics import normalise_lookup
from db.turns import TurnTimer

# Rows the ORM handles between two pauses inside one batch transaction (claims, payloads): its
# per-row work runs on the event loop, and this many rows take a few milliseconds, so commands keep
# being answered while a busy minute's digests are claimed. SQLite's writers wait on the lock anyway.
FLUSH_ROWS = 20
# Audit rows fetched and decoded (their JSON snapshots) in one step when reading the change feed.
DECODE_ROWS = 200
MAX_SUBSCRIPTIONS = 25  # per newsroom: bounds the scheduler's work and the /digest list
ERROR_MAX = 500
REASON_MAX = 300


# -- the statements a scheduler tick runs, built once ----------------------------------------------
# A statement built per call costs its construction and cache-key work every time, and leaves its
# bound parameters behind as cyclic garbage: thousands of objects per busy minute for the garbage
# collector to find, in pauses that stop the event loop (measured). These take their values at run
# time instead, lists through expanding parameters.


def _ids(name: str) -> Any:
    return bindparam(name, expanding=True)


_DUE = (
    select(DigestSubscription.id)
    .where(col(DigestSubscription.paused) == false(), col(DigestSubscription.next_attempt_at) <= bindparam("now"))
    .order_by(col(DigestSubscription.next_attempt_at))
    .limit(bindparam("limit"))
)
_CLAIMABLE = (
    select(DigestSubscription)
    .where(
        col(DigestSubscription.id).in_(_ids("ids")),
        col(DigestSubscription.paused) == false(),
        col(DigestSubscription.next_attempt_at) <= bindparam("now"),
    )
    .order_by(col(DigestSubscription.id))
    # A row another transaction holds is being claimed or finished by someone else: waiting for it
    # would only make the schedulers take turns; the row's own state tells the next tick whether
    # anything is left to do.
    .with_for_update(skip_locked=True)
)
_UNSENT_OF = (
    select(DigestDelivery)
    .where(col(DigestDelivery.subscription_id).in_(_ids("ids")), col(DigestDelivery.state).in_(UNSENT_STATES))
    .order_by(col(DigestDelivery.id))
    .with_for_update()
)
_PERIODS_OF = select(DigestDelivery).where(
    col(DigestDelivery.subscription_id).in_(_ids("ids")), col(DigestDelivery.period_key).in_(_ids("keys"))
)
# Locked and re-read fresh, in ascending id order in one statement each: two processes locking
# overlapping sets never deadlock. Subscriptions first, then their deliveries.
_LOCKED_OWNERS = (
    select(DigestSubscription)
    .where(
        col(DigestSubscription.id).in_(
            select(DigestDelivery.subscription_id).where(col(DigestDelivery.id).in_(_ids("ids")))
        )
    )
    .order_by(col(DigestSubscription.id))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_LOCKED_DELIVERIES = (
    select(DigestDelivery)
    .where(col(DigestDelivery.id).in_(_ids("ids")))
    .order_by(col(DigestDelivery.id))
    .with_for_update()
    .execution_options(populate_existing=True)
)
# The rendered parts are the largest column by far, and only storing them needs them: decoding a
# batch's payloads to close the batch was most of a 5-8 ms turn of the event loop (measured).
_LOCKED_DELIVERIES_NO_PAYLOAD = _LOCKED_DELIVERIES.options(defer(DigestDelivery.payload, raiseload=True))  # type: ignore[arg-type]
_FEED_TOPICS = (
    select(Topic.id, Topic.newsroom_id, Topic.slug, Topic.title, Topic.archived)
    .where(col(Topic.newsroom_id).in_(_ids("newsrooms")))
    .order_by(col(Topic.slug))
)
_RECORD_COLUMNS = (
    AuditRecord.id,
    AuditRecord.entry_id,
    AuditRecord.topic_id,
    AuditRecord.action,
    AuditRecord.at,
    AuditRecord.before,
    AuditRecord.after,
    AuditRecord.reason,
)
_FEED_RECORDS = (
    select(*_RECORD_COLUMNS, AuditRecord.newsroom_id)
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
    select(AuditRecord.id, AuditRecord.entry_id, AuditRecord.topic_id, AuditRecord.at, AuditRecord.after)
    .where(
        col(AuditRecord.entry_id).in_(
            select(Entry.id).where(col(Entry.topic_id).in_(_ids("topics")), Entry.kind == EntryKind.STATUS.value)
        ),
        col(AuditRecord.action).in_(ENTRY_ACTIONS),
        col(AuditRecord.at) <= bindparam("end"),
    )
    .order_by(col(AuditRecord.entry_id), col(AuditRecord.id))
)


class DigestNotFound(NotFoundError):
    def __init__(self, subscription_id: int) -> None:
        super().__init__(f"No digest `#{subscription_id}` in this newsroom. `/digest list` shows them.")


def schedule_of(sub: DigestSubscription) -> Schedule:
    return Schedule.of(sub.local_time, sub.timezone, sub.weekdays)


def nonce_for(delivery_id: int, period_key: str) -> str:
    """Derived from the claim, so every retry of this delivery sends the same nonce to Discord."""
    return f"d{delivery_id}k{period_key.replace('-', '')}"


# -- editor services -------------------------------------------------------------------------------


@dataclass(slots=True)
class SubscriptionView:
    subscription: DigestSubscription
    topics: list[str]  # slugs; empty = every topic


async def _editor(session: AsyncSession, *, guild_id: int, guild_name: str, actor: Actor) -> Newsroom:
    newsroom = await ensure_newsroom(session, guild_id=guild_id, name=guild_name)
    require_editor(newsroom.editor_role_id, actor)  # type: ignore[arg-type]
    return newsroom


async def _owned(session: AsyncSession, *, guild_id: int, subscription_id: int, lock: bool) -> DigestSubscription:
    sub = await session.get(DigestSubscription, subscription_id, with_for_update=lock, populate_existing=lock)
    # A digest id from another guild behaves exactly like one that does not exist.
    if sub is None or sub.newsroom_id != guild_id:
        raise DigestNotFound(subscription_id)
    return sub


async def _topic_ids(session: AsyncSession, *, newsroom_id: int, slugs: list[str]) -> list[int]:
    wanted = [normalise_lookup(s) for s in slugs]
    rows = (
        await session.execute(
            select(Topic.slug, Topic.id).where(Topic.newsroom_id == newsroom_id, col(Topic.slug).in_(wanted))
        )
    ).all()
    found = {slug: topic_id for slug, topic_id in rows}
    unknown = [s for s in wanted if s not in found]
    if unknown:
        shown = ", ".join(f"`{s[:32]}`" for s in unknown[:5])
        raise InvalidInput(f"No topic with the slug {shown} in this newsroom. `/topics` lists the slugs.")
    return list(dict.fromkeys(found[s] for s in wanted))


async def _slugs(session: AsyncSession, topic_ids: list[int]) -> dict[int, str]:
    if not topic_ids:
        return {}
    rows = (await session.execute(select(Topic.id, Topic.slug).where(col(Topic.id).in_(topic_ids)))).all()
    return {topic_id: slug for topic_id, slug in rows}


async def _record(
    session: AsyncSession,
    *,
    sub: DigestSubscription,
    action: str,
    actor_id: int,
    interaction_id: int | None,
    **after: Any,
) -> None:
    await audit.record(
        session,
        newsroom_id=sub.newsroom_id,
        action=action,
        actor_id=actor_id,
        interaction_id=interaction_id,
        after={"subscription_id": sub.id, "channel_id": str(sub.channel_id), **after},
        reason=after.get("reason"),
    )


def first_schedule(schedule: Schedule, now: dt.datetime) -> tuple[Occurrence, Occurrence]:
    """(previous, next) posting moments around `now`: a new digest's first window starts at the
    previous moment, so the first digest covers a whole period, like every later one."""
    return latest_occurrence(schedule, now), next_occurrence(schedule, now)


async def add_subscription(
    db: Database,
    *,
    guild_id: int,
    guild_name: str,
    actor: Actor,
    channel_id: int,
    local_time: str,
    timezone: str | None,
    topic_slugs: list[str] | None,
    weekdays: list[int] | None,
    mention_role_id: int | None,
    post_when_empty: bool,
    missing_permissions: list[str],
    channel_label: str,
    now: dt.datetime,
    settle: dt.timedelta,
) -> SubscriptionView:
    async with db.write() as session:
        newsroom = await _editor(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
        if missing_permissions:
            raise InvalidInput(
                f"I can't post in {channel_label}: I'm missing the {', '.join(missing_permissions)} "
                f"permission{'s' if len(missing_permissions) > 1 else ''} there. Grant it and try again."
            )
        count = (
            await session.execute(
                select(func.count()).select_from(DigestSubscription).where(DigestSubscription.newsroom_id == guild_id)
            )
        ).scalar_one()
        if count >= MAX_SUBSCRIPTIONS:
            raise InvalidInput(f"A newsroom can have at most {MAX_SUBSCRIPTIONS} digests; remove one first.")
        topic_ids = await _topic_ids(session, newsroom_id=guild_id, slugs=topic_slugs) if topic_slugs else None
        zone = timezone or newsroom.timezone
        try:
            schedule = Schedule.of(local_time, zone, weekdays)
        except ScheduleError as exc:
            raise InvalidInput(str(exc)) from exc
        previous, upcoming = first_schedule(schedule, now)
        sub = DigestSubscription(
            newsroom_id=guild_id,
            channel_id=channel_id,
            local_time=local_time,
            timezone=zone,
            topic_ids=topic_ids,
            weekdays=sorted(schedule.weekdays) if schedule.weekdays is not None else None,
            mention_role_id=mention_role_id,
            post_when_empty=post_when_empty,
            next_due_at=upcoming.at,
            covered_until=previous.at,
            next_attempt_at=upcoming.at + settle,
            created_by=actor.user_id,
            created_at=now,
        )
        session.add(sub)
        await session.flush()
        await _record(
            session,
            sub=sub,
            action="digest.create",
            actor_id=actor.user_id,
            interaction_id=actor.interaction_id,
            local_time=local_time,
            timezone=zone,
            topic_ids=topic_ids,
            weekdays=sub.weekdays,
        )
        slugs = await _slugs(session, topic_ids or [])
        return SubscriptionView(sub, [slugs[t] for t in topic_ids or [] if t in slugs])


async def list_subscriptions(db: Database, *, guild_id: int, guild_name: str, actor: Actor) -> list[SubscriptionView]:
    async with db.read() as session:
        newsroom = await session.get(Newsroom, guild_id)
        require_editor((newsroom or Newsroom(id=guild_id, name=guild_name)).editor_role_id, actor)  # type: ignore[arg-type]
        subs = list(
            (
                await session.execute(
                    select(DigestSubscription)
                    .where(DigestSubscription.newsroom_id == guild_id)
                    .order_by(col(DigestSubscription.id))
                )
            ).scalars()
        )
        slugs = await _slugs(session, sorted({t for s in subs for t in s.topic_ids or []}))
    return [SubscriptionView(s, [slugs[t] for t in s.topic_ids or [] if t in slugs]) for s in subs]


async def editor_subscription(
    db: Database, *, guild_id: int, guild_name: str, actor: Actor, subscription_id: int
) -> tuple[DigestSubscription, Newsroom]:
    async with db.read() as session:
        newsroom = await session.get(Newsroom, guild_id) or Newsroom(id=guild_id, name=guild_name)
        require_editor(newsroom.editor_role_id, actor)  # type: ignore[arg-type]
        return await _owned(session, guild_id=guild_id, subscription_id=subscription_id, lock=False), newsroom


async def remove_subscription(
    db: Database, *, guild_id: int, guild_name: str, actor: Actor, subscription_id: int
) -> DigestSubscription:
    async with db.write() as session:
        await _editor(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
        sub = await _owned(session, guild_id=guild_id, subscription_id=subscription_id, lock=True)
        deliveries = select(DigestDelivery.id).where(DigestDelivery.subscription_id == sub.id)
        await session.execute(delete(DigestAttempt).where(col(DigestAttempt.delivery_id).in_(deliveries)))
        await session.execute(delete(DigestDelivery).where(DigestDelivery.subscription_id == sub.id))
        await _record(
            session, sub=sub, action="digest.remove", actor_id=actor.user_id, interaction_id=actor.interaction_id
        )
        await session.delete(sub)
        return sub


async def set_paused(
    db: Database,
    *,
    guild_id: int,
    guild_name: str,
    actor: Actor,
    subscription_id: int,
    paused: bool,
    now: dt.datetime,
    settle: dt.timedelta,
    missing_permissions: list[str] | None = None,
    channel_label: str = "",
) -> DigestSubscription:
    async with db.write() as session:
        await _editor(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
        sub = await _owned(session, guild_id=guild_id, subscription_id=subscription_id, lock=True)
        if paused:
            if sub.paused:
                raise InvalidInput(f"Digest `#{sub.id}` is already paused.")
            sub.paused, sub.paused_at = True, now
            sub.paused_reason = f"paused by <@{actor.user_id}>"
        else:
            if not sub.paused:
                raise InvalidInput(f"Digest `#{sub.id}` is not paused.")
            if missing_permissions:
                raise InvalidInput(
                    f"Digest `#{sub.id}` stays paused: I still can't post in {channel_label} "
                    f"(missing {', '.join(missing_permissions)})."
                )
            # The window keeps its start: the next digest covers everything since the last one
            # delivered, so nothing logged while paused is lost.
            upcoming = next_occurrence(schedule_of(sub), now)
            sub.paused, sub.paused_reason, sub.paused_at, sub.notice_pending = False, None, None, False
            sub.next_due_at, sub.next_attempt_at, sub.retry_count = upcoming.at, upcoming.at + settle, 0
        session.add(sub)
        await _record(
            session,
            sub=sub,
            action="digest.pause" if paused else "digest.resume",
            actor_id=actor.user_id,
            interaction_id=actor.interaction_id,
        )
        return sub


# -- what a window contains ------------------------------------------------------------------------


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


async def window_data(
    db: Database, *, newsroom_id: int, topic_ids: list[int] | None, start: dt.datetime, end: dt.datetime
) -> WindowData:
    window = Window(newsroom_id, tuple(topic_ids) if topic_ids is not None else None, start, end)
    return (await windows_data(db, [window]))[window]


async def windows_data(db: Database, windows: Collection[Window]) -> dict[Window, WindowData]:
    """The change feed for many digests at once, in a handful of queries however many there are:
    the scheduler builds every digest due in a minute, and most share newsrooms and windows."""
    wanted = set(windows)
    if not wanted:
        return {}
    newsrooms = sorted({w.newsroom_id for w in wanted})
    # One audit range per newsroom covering all its windows; newsrooms with the same range share a query.
    spans: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for w in wanted:
        low, high = spans.get(w.newsroom_id, (w.start, w.end))
        spans[w.newsroom_id] = (min(low, w.start), max(high, w.end))
    by_span: dict[tuple[dt.datetime, dt.datetime], list[int]] = {}
    for newsroom_id, span in spans.items():
        by_span.setdefault(span, []).append(newsroom_id)

    # Streamed, so the snapshots (JSON) are decoded a slice at a time with the loop free in between: a
    # buffered result decodes every row inside one execute (measured: a 100+ ms block at 10,000
    # digests). Streaming needs a transaction on PostgreSQL; one snapshot also gives every query of
    # the feed the same state.
    turn = TurnTimer()
    async with db.read(snapshot=True) as session:
        # A hundred newsrooms' topics are thousands of rows: read in slices too, and kept as plain
        # tuples, which the garbage collector stops tracking (Row objects it would visit every time).
        topic_rows: list[tuple[int, int, str, str, bool]] = []
        topics_result = await session.stream(_FEED_TOPICS, {"newsrooms": newsrooms})
        async for topic_slice in topics_result.partitions(DECODE_ROWS * 4):
            topic_rows.extend(tuple(row) for row in topic_slice)  # type: ignore[misc]
            await turn.share()
        records: dict[int, list[ChangeRecord]] = {}
        for (start, end), members in by_span.items():
            # ix_audit_newsroom_at serves each newsroom's range; a window is at most a few days of changes.
            result = await session.stream(_FEED_RECORDS, {"newsrooms": members, "start": start, "end": end})
            async for rows in result.partitions(DECODE_ROWS):
                for row in rows:
                    records.setdefault(row.newsroom_id, []).append(_change(row))
                await turn.share()
        # A topic with no record in a window has the same status at both ends of it (an entry never
        # changes topic, so every status change of the topic is such a record): only topics with
        # records need their status at the windows' ends, which is the costly read.
        active = sorted({r.topic_id for rows in records.values() for r in rows})
        finder = StatusFinder(_moments_of(active, topic_rows, wanted))
        if active:
            latest_end = max(w.end for w in wanted)
            history_result = await session.stream(_STATUS_HISTORY, {"topics": active, "end": latest_end})
            # Ordered by entry: each entry's records arrive together and go to the finder as a group.
            entry: tuple[int, int] | None = None
            entry_records: list[tuple[int, dt.datetime, Mapping[str, Any]]] = []
            async for history_rows in history_result.partitions(DECODE_ROWS):
                for row in history_rows:
                    if row.after is None or row.entry_id is None or row.id is None:
                        continue
                    if entry is None or row.entry_id != entry[0]:
                        if entry is not None:
                            finder.add_entry(*entry, entry_records)
                        entry = (row.entry_id, int(row.after.get("topic_id") or row.topic_id or 0))
                        entry_records = []
                    entry_records.append((row.id, row.at, row.after))
                    await turn.share()
            if entry is not None:
                finder.add_entry(*entry, entry_records)
        statuses = finder.standings()
    await turn.share()

    topics_of: dict[int, list[tuple[TopicRef, bool]]] = {}
    for topic_id, newsroom_id, slug, title, archived in topic_rows:
        topics_of.setdefault(newsroom_id, []).append((TopicRef(topic_id, slug, title), bool(archived)))
        await turn.share()
    result: dict[Window, WindowData] = {}
    for w in wanted:
        await turn.share()
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


def _moments_of(
    topic_ids: Collection[int], topic_rows: Sequence[Any], windows: Collection[Window]
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


# -- the scheduler's steps -------------------------------------------------------------------------


@dataclass(slots=True)
class Claim:
    """A delivery this process holds the lease on, with what it needs to build and post it."""

    delivery_id: int
    subscription_id: int
    newsroom_id: int
    channel_id: int
    period_key: str
    due_at: dt.datetime
    window_start: dt.datetime
    window_end: dt.datetime
    nonce: str
    state: str
    payload: list[dict[str, Any]] | None
    message_ids: list[str | None]
    timezone: str
    topic_ids: list[int] | None
    mention_role_id: int | None
    post_when_empty: bool
    manual: bool
    created_at: dt.datetime  # when the period was first claimed: posted parts can't be older

    @property
    def period_day(self) -> dt.date:
        return dt.date.fromisoformat(self.period_key)

    @property
    def needs_reconcile(self) -> bool:
        """A send began before (this process's or a dead one's): parts may already be in the channel."""
        return self.state == DeliveryState.SENDING.value


def _claim(sub: DigestSubscription, delivery: DigestDelivery) -> Claim:
    assert sub.id is not None and delivery.id is not None
    return Claim(
        delivery_id=delivery.id,
        subscription_id=sub.id,
        newsroom_id=sub.newsroom_id,
        channel_id=sub.channel_id,
        period_key=delivery.period_key,
        due_at=delivery.due_at,
        window_start=delivery.window_start,
        window_end=delivery.window_end,
        nonce=delivery.nonce,
        state=delivery.state,
        payload=delivery.payload,
        message_ids=list(delivery.message_ids or []),
        timezone=sub.timezone,
        topic_ids=sub.topic_ids,
        mention_role_id=sub.mention_role_id,
        post_when_empty=sub.post_when_empty,
        manual=delivery.manual,
        created_at=delivery.created_at,
    )


async def due_subscription_ids(db: Database, *, now: dt.datetime, limit: int) -> list[int]:
    """The one query per tick: an index range scan on (paused, next_attempt_at), however many
    newsrooms have nothing due."""
    async with db.read() as session:
        return [int(i) for i in (await session.execute(_DUE, {"now": now, "limit": limit})).scalars()]


def _lease_live(delivery: DigestDelivery, now: dt.datetime) -> bool:
    return (
        delivery.state != DeliveryState.FAILED.value and delivery.lease_until is not None and delivery.lease_until > now
    )


def _take_over(delivery: DigestDelivery, *, process: str, now: dt.datetime, lease: dt.timedelta) -> None:
    if delivery.state == DeliveryState.FAILED.value:
        # Resumed after a refusal: a refused send created nothing, unless earlier parts went out.
        sent_any = any(delivery.message_ids or [])
        delivery.state = DeliveryState.SENDING.value if sent_any else DeliveryState.CLAIMED.value
    delivery.claimed_by, delivery.claimed_at, delivery.lease_until = process, now, now + lease


def _new_delivery(
    sub: DigestSubscription,
    *,
    period: Occurrence,
    window_end: dt.datetime,
    process: str,
    now: dt.datetime,
    lease: dt.timedelta,
    manual: bool = False,
) -> DigestDelivery:
    """A claimed delivery row for a period; its nonce needs the row id, so `_hold` sets it after a flush."""
    assert sub.id is not None
    return DigestDelivery(
        subscription_id=sub.id,
        period_key=period.key,
        due_at=period.at,
        window_start=sub.covered_until,
        window_end=window_end,
        claimed_by=process,
        claimed_at=now,
        lease_until=now + lease,
        manual=manual,
        # Every field with a default factory is given: pydantic would inspect the factory's
        # signature per row, the costliest part of building thousands of claims.
        message_ids=[],
        created_at=now,
    )


async def _breathe(done: int, total: int) -> None:
    if done < total:
        await asyncio.sleep(0)


async def _hold(
    session: AsyncSession,
    held: list[tuple[DigestSubscription, DigestDelivery]],
    *,
    now: dt.datetime,
    manual: bool = False,
) -> list[Claim]:
    """Write the claimed deliveries (new ones get their nonce) and keep their subscriptions out of
    other processes' due queries while the lease runs; if this process dies they take over after it."""
    for start in range(0, len(held), FLUSH_ROWS):
        rows = held[start : start + FLUSH_ROWS]
        session.add_all(delivery for _, delivery in rows)
        await session.flush()
        for sub, delivery in rows:
            assert delivery.id is not None
            if not delivery.nonce:
                delivery.nonce = nonce_for(delivery.id, delivery.period_key)
            lease_until = delivery.lease_until or now
            # A manual send leaves a later scheduled attempt (a backoff) where it was.
            sub.next_attempt_at = max(sub.next_attempt_at if manual else now, lease_until)
        session.add_all(sub for sub, _ in rows)
        await session.flush()
        await _breathe(start + FLUSH_ROWS, len(held))
    return [_claim(sub, delivery) for sub, delivery in held]


def _claim_period(
    sub: DigestSubscription,
    *,
    pending: DigestDelivery | None,
    latest: Occurrence,
    delivered: dict[tuple[int, str], DigestDelivery],
    process: str,
    now: dt.datetime,
    settle: dt.timedelta,
    lease: dt.timedelta,
) -> DigestDelivery | None:
    """The delivery this process now holds for a due subscription, or None with the subscription's
    next look-in moved on. The caller holds the subscription's row lock."""
    assert sub.id is not None
    if pending is not None:
        if _lease_live(pending, now):
            sub.next_attempt_at = max(sub.next_attempt_at, pending.lease_until or now)
            return None
        if (
            pending.state in (DeliveryState.CLAIMED.value, DeliveryState.FAILED.value)
            and not pending.manual
            and not any(pending.message_ids or [])
            and latest.at > pending.window_end
            and (sub.id, latest.key) not in delivered
        ):
            # Nothing of it was ever posted and more periods have passed (the bot was down):
            # widen it into one combined digest up to the latest period.
            assert pending.id is not None
            pending.period_key, pending.due_at, pending.window_end = latest.key, latest.at, latest.at
            pending.nonce, pending.payload, pending.message_ids = nonce_for(pending.id, latest.key), None, []
        _take_over(pending, process=process, now=now, lease=lease)
        return pending
    if latest.at < sub.next_due_at:
        sub.next_attempt_at = sub.next_due_at + settle
        return None
    done = delivered.get((sub.id, latest.key))
    if done is not None:
        # Already delivered (e.g. by /digest send-now): realign the schedule and move on.
        _advance(sub, done, settle=settle)
        return None
    return _new_delivery(
        sub,
        period=latest,
        window_end=max(latest.at, sub.covered_until),
        process=process,
        now=now,
        lease=lease,
    )


async def claim_due_many(
    db: Database,
    *,
    subscription_ids: Collection[int],
    now: dt.datetime,
    process: str,
    settle: dt.timedelta,
    lease: dt.timedelta,
) -> list[Claim]:
    """Claim the due period of each subscription (or take over its unfinished one), all in one
    transaction. Subscriptions left out have nothing to do for this process: not due any more,
    paused, or being claimed by another process right now."""
    if not subscription_ids:
        return []
    async with db.write() as session:
        claimable = await session.execute(_CLAIMABLE, {"ids": sorted(subscription_ids), "now": now})
        subs = list(claimable.scalars())
        if not subs:
            return []
        ids = [sub.id for sub in subs]
        turn = TurnTimer()
        latest: dict[int | None, Occurrence] = {}
        for sub in subs:
            latest[sub.id] = latest_occurrence(schedule_of(sub), now - settle)
            await turn.share()
        pending: dict[int, DigestDelivery] = {}
        unsent = await session.execute(_UNSENT_OF, {"ids": ids})
        for delivery in unsent.scalars():
            pending.setdefault(delivery.subscription_id, delivery)
        keys = sorted({o.key for o in latest.values()})
        periods = await session.execute(_PERIODS_OF, {"ids": ids, "keys": keys})
        delivered = {(d.subscription_id, d.period_key): d for d in periods.scalars()}
        held: list[tuple[DigestSubscription, DigestDelivery]] = []
        for sub in subs:
            assert sub.id is not None
            await turn.share()
            delivery = _claim_period(
                sub,
                pending=pending.get(sub.id),
                latest=latest[sub.id],
                delivered=delivered,
                process=process,
                now=now,
                settle=settle,
                lease=lease,
            )
            if delivery is None:
                session.add(sub)
            else:
                held.append((sub, delivery))
        return await _hold(session, held, now=now) if held else []


async def claim_manual(
    db: Database,
    *,
    guild_id: int,
    guild_name: str,
    actor: Actor,
    subscription_id: int,
    now: dt.datetime,
    process: str,
    settle: dt.timedelta,
    lease: dt.timedelta,
) -> Claim:
    """/digest send-now: post the current period's digest now; it counts as that period's digest."""
    async with db.write() as session:
        await _editor(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
        sub = await _owned(session, guild_id=guild_id, subscription_id=subscription_id, lock=True)
        if sub.paused:
            raise InvalidInput(f"Digest `#{sub.id}` is paused; `/digest resume {sub.id}` first.")
        pending = (
            (
                await session.execute(
                    select(DigestDelivery)
                    .where(
                        DigestDelivery.subscription_id == subscription_id, col(DigestDelivery.state).in_(UNSENT_STATES)
                    )
                    .order_by(col(DigestDelivery.id))
                    .limit(1)
                    .with_for_update()
                )
            )
            .scalars()
            .first()
        )
        if pending is not None:
            if _lease_live(pending, now):
                raise UserFacingError(f"Digest `#{sub.id}` is being posted right now; check the channel in a minute.")
            # An unfinished delivery (e.g. waiting to retry): finish that one now rather than start another.
            _take_over(pending, process=process, now=now, lease=lease)
            delivery = pending
        else:
            period = latest_occurrence(schedule_of(sub), sub.next_due_at)
            taken = await session.execute(
                select(DigestDelivery.id).where(
                    DigestDelivery.subscription_id == subscription_id, DigestDelivery.period_key == period.key
                )
            )
            if taken.first() is not None:
                raise UserFacingError(f"Digest `#{sub.id}` was already posted for {period.key}.")
            delivery = _new_delivery(
                sub,
                period=Occurrence(sub.next_due_at, period.day),
                window_end=max(sub.covered_until, now - settle),
                process=process,
                now=now,
                lease=lease,
                manual=True,
            )
        [claim] = await _hold(session, [(sub, delivery)], now=now, manual=True)
        return claim


async def _held_many(
    session: AsyncSession, delivery_ids: Collection[int], process: str, *, payload: bool = False
) -> dict[int, tuple[DigestSubscription | None, DigestDelivery]]:
    """The deliveries (with their subscriptions, locked in that order) this process still holds;
    those it lost the claim on are left out. Their payloads are loaded only when asked for."""
    if not delivery_ids:
        return {}
    wanted = {"ids": sorted(delivery_ids)}
    by_id = {sub.id: sub for sub in (await session.execute(_LOCKED_OWNERS, wanted)).scalars()}
    held: dict[int, tuple[DigestSubscription | None, DigestDelivery]] = {}
    locked = await session.execute(_LOCKED_DELIVERIES if payload else _LOCKED_DELIVERIES_NO_PAYLOAD, wanted)
    for delivery in locked.scalars():
        if delivery.claimed_by != process or delivery.state in DONE_STATES:
            continue
        if delivery.state == DeliveryState.FAILED.value:
            continue
        assert delivery.id is not None
        held[delivery.id] = (by_id.get(delivery.subscription_id), delivery)
    return held


async def _held(
    session: AsyncSession, delivery_id: int, process: str
) -> tuple[DigestSubscription | None, DigestDelivery] | None:
    """The delivery (and its subscription) if this process still holds it; None if it lost the claim."""
    return (await _held_many(session, [delivery_id], process)).get(delivery_id)


@dataclass(frozen=True, slots=True)
class Stored:
    """A delivery's frozen parts and what is known to be posted of them, after `store_payloads`."""

    payload: list[dict[str, Any]]
    message_ids: list[str | None]
    sending: bool  # the send was begun in the same transaction


async def store_payloads(
    db: Database,
    *,
    process: str,
    now: dt.datetime,
    lease: dt.timedelta,
    parts: Mapping[int, list[dict[str, Any]]],
    begin: Collection[int] = (),
) -> dict[int, Stored]:
    """Freeze rendered parts (by delivery id) on first build, in one transaction; a retry gets the
    stored ones back. Deliveries in `begin` are marked as sending in the same transaction, as
    `renew(sending=True)` would: a crash from here on makes the next attempt reconcile first, which
    is always safe. Deliveries this process lost are left out of the result."""
    async with db.write() as session:
        held = await _held_many(session, parts.keys(), process, payload=True)
        stored: dict[int, Stored] = {}
        for index, (delivery_id, (_, delivery)) in enumerate(held.items(), 1):
            if delivery.payload is None:
                delivery.payload = parts[delivery_id]
                delivery.message_ids = [None] * len(parts[delivery_id])
            sending = delivery_id in begin
            if sending:
                delivery.lease_until = now + lease
                delivery.state = DeliveryState.SENDING.value
                delivery.attempts += 1
            session.add(delivery)
            stored[delivery_id] = Stored(list(delivery.payload), list(delivery.message_ids or []), sending)
            if index % FLUSH_ROWS == 0:
                # Encoding the payloads is the heavy part of this transaction: in slices, with a
                # pause between them for everything else on the event loop.
                await session.flush()
                await asyncio.sleep(0)
        return stored


async def renew(
    db: Database,
    *,
    delivery_id: int,
    process: str,
    now: dt.datetime,
    lease: dt.timedelta,
    sending: bool = False,
    found: dict[int, str] | None = None,
) -> list[str | None] | None:
    """Extend the lease before the next Discord call, optionally marking that a send begins and
    recording message ids of posted parts. Returns the message ids, or None if the claim was lost."""
    async with db.write() as session:
        held = await _held(session, delivery_id, process)
        if held is None:
            return None
        _, delivery = held
        delivery.lease_until = now + lease
        if sending:
            delivery.state = DeliveryState.SENDING.value
            delivery.attempts += 1
        if found:
            ids = list(delivery.message_ids or [])
            for index, message_id in found.items():
                while len(ids) <= index:
                    ids.append(None)
                ids[index] = message_id
            delivery.message_ids = ids
        session.add(delivery)
        return list(delivery.message_ids or [])


def _advance(sub: DigestSubscription, delivery: DigestDelivery, *, settle: dt.timedelta) -> None:
    sub.covered_until = max(sub.covered_until, delivery.window_end)
    upcoming = next_occurrence(schedule_of(sub), max(delivery.due_at, sub.covered_until))
    sub.next_due_at = max(sub.next_due_at, upcoming.at)
    sub.next_attempt_at = sub.next_due_at + settle


@dataclass(frozen=True, slots=True)
class Finished:
    """A delivery to close: every part posted (or nothing to post), with the message ids."""

    delivery_id: int
    outcome: str  # sent / reconciled / skipped
    message_ids: list[str | None] | None = None


async def mark_done_many(
    db: Database, *, process: str, now: dt.datetime, settle: dt.timedelta, finished: Sequence[Finished]
) -> set[int]:
    """Close deliveries and advance their subscriptions' windows, all in one transaction (each
    delivery with its window, as exactly-once needs). Returns the ids closed; the others' claims
    were lost."""
    if not finished:
        return set()
    async with db.write() as session:
        held = await _held_many(session, [f.delivery_id for f in finished], process)
        closed: set[int] = set()
        attempts: list[dict[str, Any]] = []
        for item in finished:
            if item.delivery_id not in held:
                continue
            sub, delivery = held[item.delivery_id]
            skipped = item.outcome == "skipped"
            delivery.state = DeliveryState.SKIPPED.value if skipped else DeliveryState.SENT.value
            if item.message_ids is not None:
                delivery.message_ids = list(item.message_ids)
            delivery.sent_at, delivery.lease_until = now, None
            session.add(delivery)
            if sub is not None:
                _advance(sub, delivery, settle=settle)
                sub.retry_count = 0
                if not skipped:
                    sub.last_sent_at = now
                session.add(sub)
            first = next((m for m in delivery.message_ids or [] if m), None)
            attempts.append(
                {
                    "delivery_id": item.delivery_id,
                    "at": now,
                    "outcome": item.outcome,
                    "message_id": int(first) if first else None,
                    "error": None,
                    "process": process,
                }
            )
            closed.add(item.delivery_id)
        if attempts:
            # A plain multi-row insert: nothing reads these rows back in this transaction.
            await session.execute(insert(DigestAttempt), attempts)
        return closed


async def mark_done(
    db: Database,
    *,
    delivery_id: int,
    process: str,
    now: dt.datetime,
    settle: dt.timedelta,
    outcome: str,
    message_ids: list[str | None] | None = None,
) -> bool:
    """Sent (or skipped as empty): close the delivery and advance the window, in one transaction."""
    closed = await mark_done_many(
        db, process=process, now=now, settle=settle, finished=[Finished(delivery_id, outcome, message_ids)]
    )
    return delivery_id in closed


def backoff(retry_count: int, *, base: dt.timedelta, cap: dt.timedelta) -> dt.timedelta:
    """Exponential: base, 2x, 4x ... capped, so a long Discord outage costs a request per cap."""
    return min(base * (2 ** max(retry_count - 1, 0)), cap)


async def record_retry(
    db: Database,
    *,
    delivery_id: int,
    process: str,
    now: dt.datetime,
    error: str,
    base: dt.timedelta,
    cap: dt.timedelta,
) -> dt.datetime | None:
    """A transient failure: keep the claim for a retry after backoff, by whichever process is up then."""
    async with db.write() as session:
        held = await _held(session, delivery_id, process)
        if held is None:
            return None
        sub, delivery = held
        delivery.lease_until = now  # released: any process may retry once the backoff has passed
        session.add(delivery)
        retry_at = now
        if sub is not None:
            sub.retry_count += 1
            retry_at = now + backoff(sub.retry_count, base=base, cap=cap)
            sub.next_attempt_at = retry_at
            session.add(sub)
        session.add(
            DigestAttempt(delivery_id=delivery_id, at=now, outcome="retry", error=error[:ERROR_MAX], process=process)
        )
        return retry_at


async def record_refusal(
    db: Database, *, delivery_id: int, process: str, now: dt.datetime, error: str, reason: str
) -> int | None:
    """Discord refused for good (403/404): pause the subscription with the reason, for editors to fix.
    Returns the newsroom id, or None if the claim was lost."""
    async with db.write() as session:
        held = await _held(session, delivery_id, process)
        if held is None:
            return None
        sub, delivery = held
        delivery.state, delivery.lease_until, delivery.claimed_by = DeliveryState.FAILED.value, None, None
        session.add(delivery)
        session.add(
            DigestAttempt(delivery_id=delivery_id, at=now, outcome="paused", error=error[:ERROR_MAX], process=process)
        )
        if sub is None:
            return None
        sub.paused, sub.paused_at, sub.paused_reason = True, now, reason[:REASON_MAX]
        sub.notice_pending = True
        session.add(sub)
        await _record(
            session, sub=sub, action="digest.pause", actor_id=0, interaction_id=None, reason=reason[:REASON_MAX]
        )
        return sub.newsroom_id


async def attempts_for(db: Database, *, subscription_id: int) -> list[DigestAttempt]:
    async with db.read() as session:
        stmt = (
            select(DigestAttempt)
            .join(DigestDelivery, col(DigestDelivery.id) == col(DigestAttempt.delivery_id))
            .where(DigestDelivery.subscription_id == subscription_id)
            .order_by(col(DigestAttempt.id))
        )
        return list((await session.execute(stmt)).scalars())


# -- the editor notice -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notice:
    subscription_id: int
    channel_id: int
    reason: str


async def newsrooms_with_notices(db: Database) -> set[int]:
    async with db.read() as session:
        stmt = select(DigestSubscription.newsroom_id).where(col(DigestSubscription.notice_pending).is_(True)).distinct()
        return {int(n) for n in (await session.execute(stmt)).scalars()}


async def take_notices(db: Database, *, guild_id: int, actor: Actor) -> list[Notice] | None:
    """The pending failure notices of a newsroom, claimed for this editor so only one is told.
    None when the actor is not an editor (the notices wait for one)."""
    async with db.read() as session:
        newsroom = await session.get(Newsroom, guild_id)
    if newsroom is None:
        return []
    try:
        require_editor(newsroom.editor_role_id, actor)  # type: ignore[arg-type]
    except UserFacingError:
        return None
    async with db.write() as session:
        subs = (
            await session.execute(
                select(DigestSubscription)
                .where(DigestSubscription.newsroom_id == guild_id, col(DigestSubscription.notice_pending).is_(True))
                .order_by(col(DigestSubscription.id))
                .with_for_update()
            )
        ).scalars()
        notices = []
        for sub in subs:
            assert sub.id is not None
            sub.notice_pending = False
            session.add(sub)
            notices.append(Notice(sub.id, sub.channel_id, sub.paused_reason or "delivery failed"))
        return notices
