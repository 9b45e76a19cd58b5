"""Reminder queries: what may be due, claiming reminders by key, and the lease on their messages.

Claims lock the newsroom's row first and then check the keys, so two processes claiming for one
newsroom take turns and the second sees the first's keys; the keys' primary key is the backstop.
Every later step re-reads the message row under a row lock and checks it still holds the lease.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, false, select

from bot.core import reminders as rules
from bot.core.digest_rules import paused_by
from bot.core.expected import UNDATED
from bot.core.reminders import State
from db.digest_models import DigestSubscription
from db.engine import ROW_LOCK
from db.models import Entry, Newsroom, Topic
from db.reminder_models import ReminderKey, ReminderNotice

ERROR_MAX = 300
# How an editor's own pause is worded (`/digest pause`), as opposed to a delivery failure's reason.
EDITOR_PAUSE = paused_by(0).removesuffix("0>")


@dataclass(frozen=True, slots=True)
class Room:
    id: int
    channel_id: int
    stale_after_days: int
    timezone: str


async def rooms_with_channel(session: AsyncSession) -> dict[int, Room]:
    stmt = select(Newsroom).where(col(Newsroom.editors_channel_id).is_not(None))
    return {
        n.id: Room(n.id, n.editors_channel_id, n.stale_after_days, n.timezone)
        for n in (await session.execute(stmt)).scalars()
        if n.editors_channel_id is not None
    }


async def stale_topics(session: AsyncSession, *, rooms: Collection[int], before: dt.datetime) -> list[Topic]:
    """Live topics of these newsrooms unchanged since `before` (the shortest threshold allowed: each
    newsroom's own threshold is applied by the caller)."""
    if not rooms:
        return []
    stmt = select(Topic).where(
        col(Topic.newsroom_id).in_(list(rooms)), col(Topic.archived) == false(), col(Topic.updated_at) < before
    )
    return list((await session.execute(stmt.order_by(col(Topic.id)))).scalars())


async def overdue_expected(
    session: AsyncSession, *, rooms: Collection[int], before: dt.date
) -> list[tuple[Entry, Topic]]:
    """Live, unsettled, dated expected entries of live topics whose latest possible day is before
    `before` (the caller checks each against its newsroom's own today)."""
    if not rooms:
        return []
    stmt = (
        select(Entry, Topic)
        .join(Topic, col(Topic.id) == col(Entry.topic_id))
        .where(
            col(Entry.newsroom_id).in_(list(rooms)),
            col(Entry.expected).is_not(None),
            col(Entry.outcome).is_(None),
            col(Entry.retracted_at).is_(None),
            col(Entry.date_precision) != UNDATED,
            col(Entry.date_latest) < before,
            col(Topic.archived) == false(),
        )
        .order_by(col(Entry.id))
    )
    return [(e, t) for e, t in (await session.execute(stmt)).all()]


async def failure_pauses(
    session: AsyncSession, *, rooms: Collection[int], since: dt.datetime
) -> list[DigestSubscription]:
    """Subscriptions a delivery failure paused since `since` (an editor's own pause is not news)."""
    if not rooms:
        return []
    stmt = select(DigestSubscription).where(
        col(DigestSubscription.newsroom_id).in_(list(rooms)),
        col(DigestSubscription.paused).is_(True),
        col(DigestSubscription.paused_at) >= since,
        col(DigestSubscription.paused_reason).not_like(f"{EDITOR_PAUSE}%"),
    )
    return list((await session.execute(stmt.order_by(col(DigestSubscription.id)))).scalars())


async def claimed_keys(session: AsyncSession, keys: Collection[str]) -> set[str]:
    if not keys:
        return set()
    stmt = select(ReminderKey.key).where(col(ReminderKey.key).in_(list(keys)))
    return set((await session.execute(stmt)).scalars())


async def lock_room(session: AsyncSession, newsroom_id: int) -> Newsroom | None:
    return await session.get(Newsroom, newsroom_id, with_for_update=ROW_LOCK, populate_existing=True)


async def claim(
    session: AsyncSession,
    *,
    room: Room,
    kind: rules.Kind,
    payload: dict[str, Any],
    keys: list[str],
    process: str,
    now: dt.datetime,
    lease: dt.timedelta,
) -> ReminderNotice:
    """A message carrying these reminders, held by `process`. The caller holds the newsroom's row
    lock and has checked that none of `keys` is claimed."""
    notice = ReminderNotice(
        newsroom_id=room.id,
        channel_id=room.channel_id,
        kind=kind.value,
        payload=payload,
        claimed_by=process,
        lease_until=now + lease,
        created_at=now,
    )
    session.add(notice)
    await session.flush()
    assert notice.id is not None
    notice.nonce = rules.nonce_for(notice.id, secrets.token_hex(5))
    session.add_all(ReminderKey(key=key, newsroom_id=room.id, notice_id=notice.id, created_at=now) for key in keys)
    await session.flush()
    return notice


async def unfinished_ids(session: AsyncSession, *, now: dt.datetime, limit: int) -> list[int]:
    """Messages claimed or being sent whose lease has run out: their holder died or gave up for now."""
    stmt = (
        select(ReminderNotice.id)
        .where(col(ReminderNotice.state).in_(rules.UNFINISHED), col(ReminderNotice.lease_until) <= now)
        .order_by(col(ReminderNotice.id))
        .limit(limit)
    )
    return [int(i) for i in (await session.execute(stmt)).scalars()]


async def _locked(session: AsyncSession, notice_id: int) -> ReminderNotice | None:
    return await session.get(ReminderNotice, notice_id, with_for_update=ROW_LOCK, populate_existing=True)


async def take_over(
    session: AsyncSession, notice_id: int, *, process: str, now: dt.datetime, lease: dt.timedelta
) -> ReminderNotice | None:
    notice = await _locked(session, notice_id)
    if notice is None or notice.state not in rules.UNFINISHED:
        return None
    if notice.lease_until is not None and notice.lease_until > now:
        return None  # someone else took it over first
    notice.claimed_by, notice.lease_until = process, now + lease
    session.add(notice)
    return notice


async def begin_send(
    session: AsyncSession, notice_id: int, *, process: str, now: dt.datetime, lease: dt.timedelta
) -> ReminderNotice | None:
    """Mark the message as possibly posted before posting it; None when this process lost it."""
    notice = await _locked(session, notice_id)
    if notice is None or notice.claimed_by != process or notice.state not in rules.UNFINISHED:
        return None
    notice.state, notice.attempts, notice.lease_until = State.SENDING.value, notice.attempts + 1, now + lease
    session.add(notice)
    return notice


async def finish(
    session: AsyncSession,
    notice_id: int,
    *,
    state: State,
    now: dt.datetime,
    message_id: int | None = None,
    error: str | None = None,
) -> None:
    notice = await _locked(session, notice_id)
    if notice is None or notice.state not in rules.UNFINISHED:
        return
    notice.state, notice.claimed_by, notice.lease_until = state.value, None, None
    notice.message_id, notice.error = message_id, (error or None) and error[:ERROR_MAX]
    notice.sent_at = now if state is State.SENT else None
    session.add(notice)


async def retry_later(session: AsyncSession, notice_id: int, *, at: dt.datetime, error: str) -> None:
    """A transient failure: anyone may take it over from `at`, reconciling first."""
    notice = await _locked(session, notice_id)
    if notice is None or notice.state not in rules.UNFINISHED:
        return
    notice.claimed_by, notice.lease_until, notice.error = None, at, error[:ERROR_MAX]
    session.add(notice)
