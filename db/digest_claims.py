"""Claiming digest periods: the due query, the batch claim, the manual claim and the held check.

Exactly-once, in database terms:
- A period is claimed by inserting its delivery row; the unique (subscription_id, period_key)
  constraint and a row lock on the subscription make the claim atomic across processes.
- The claimant holds a lease (`claimed_by`, `lease_until`). Every later step re-checks in its own
  transaction that the row is still claimed by this process (`held`), so a process whose lease was
  taken over stops instead of posting twice. A dead claimant's lease expires and another process
  takes the claim over by an UPDATE under the same row lock.

Lock order is always subscription, then delivery, so two processes never deadlock; the batch steps
lock many rows in one statement each, in ascending id order, for the same reason. A batch claim
skips subscriptions another transaction has locked instead of waiting for them. What to do with each
row is decided by `bot.core.digest_rules`; this module reads and writes the rows.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection
from typing import Any

from sqlalchemy import bindparam, false
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col, select

from bot.core import digest_rules as rules
from bot.core.alert_rules import Mode
from bot.core.digest_rules import UNSENT_STATES
from bot.core.schedule import Occurrence, Schedule
from db.digest_models import DigestDelivery, DigestSubscription

Held = tuple[DigestSubscription, DigestDelivery]


def new_salt() -> str:
    return secrets.token_hex(rules.NONCE_SALT_CHARS // 2)


def _ids(name: str) -> Any:
    return bindparam(name, expanding=True)


# Digests only: alerts and follows share the tables and have their own scheduler (db.alert_claims).
_DIGEST = col(DigestSubscription.mode) == Mode.DIGEST.value
_DUE = (
    select(DigestSubscription.id)
    .where(
        _DIGEST,
        col(DigestSubscription.paused) == false(),
        col(DigestSubscription.next_attempt_at) <= bindparam("now"),
    )
    .order_by(col(DigestSubscription.next_attempt_at))
    .limit(bindparam("limit"))
)
_CLAIMABLE = (
    select(DigestSubscription)
    .where(
        col(DigestSubscription.id).in_(_ids("ids")),
        _DIGEST,
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
# The rendered parts are the largest column by far, and only storing them needs them.
_LOCKED_DELIVERIES_NO_PAYLOAD = _LOCKED_DELIVERIES.options(defer(DigestDelivery.payload, raiseload=True))  # type: ignore[arg-type]


def schedule_of(sub: DigestSubscription) -> Schedule:
    return Schedule.of(sub.local_time, sub.timezone, sub.weekdays)


def pending_of(delivery: DigestDelivery) -> rules.Pending:
    return rules.Pending(
        state=delivery.state,
        lease_until=delivery.lease_until,
        manual=delivery.manual,
        posted_any=any(delivery.message_ids or []),
        window_end=delivery.window_end,
    )


def advance(sub: DigestSubscription, delivery: DigestDelivery, *, settle: dt.timedelta) -> None:
    if sub.mode != Mode.DIGEST.value:
        # An alert's window moved on when it was claimed; once its delivery closes the next tick may
        # claim the next one.
        sub.covered_until = max(sub.covered_until, delivery.window_end)
        sub.next_due_at = sub.next_attempt_at = sub.covered_until
        return
    position = rules.advanced(
        schedule_of(sub),
        covered_until=sub.covered_until,
        next_due_at=sub.next_due_at,
        due_at=delivery.due_at,
        window_end=delivery.window_end,
        settle=settle,
    )
    sub.covered_until, sub.next_due_at, sub.next_attempt_at = (
        position.covered_until,
        position.next_due_at,
        position.next_attempt_at,
    )


async def due_subscription_ids(session: AsyncSession, *, now: dt.datetime, limit: int) -> list[int]:
    """The one query per tick: an index range scan on (paused, next_attempt_at), however many
    newsrooms have nothing due."""
    return [int(i) for i in (await session.execute(_DUE, {"now": now, "limit": limit})).scalars()]


def _take_over(delivery: DigestDelivery, *, process: str, now: dt.datetime, lease: dt.timedelta) -> None:
    delivery.state = rules.state_after_take_over(delivery.state, delivery.message_ids or [])
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


async def _hold(session: AsyncSession, held: list[Held], *, now: dt.datetime, manual: bool = False) -> list[Held]:
    """Write the claimed deliveries (new ones get their nonce) and keep their subscriptions out of
    other processes' due queries while the lease runs; if this process dies they take over after it."""
    session.add_all(delivery for _, delivery in held)
    await session.flush()
    for sub, delivery in held:
        assert delivery.id is not None
        if not delivery.nonce:
            delivery.nonce = rules.nonce_for(delivery.id, new_salt())
        sub.next_attempt_at = rules.next_attempt_after_claim(
            manual=manual, next_attempt_at=sub.next_attempt_at, now=now, lease_until=delivery.lease_until
        )
    session.add_all(sub for sub, _ in held)
    await session.flush()
    return held


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
    done = delivered.get((sub.id, latest.key))
    decision = rules.decide(
        pending=pending_of(pending) if pending is not None else None,
        latest=latest,
        latest_delivered=done is not None,
        next_due_at=sub.next_due_at,
        next_attempt_at=sub.next_attempt_at,
        covered_until=sub.covered_until,
        now=now,
        settle=settle,
    )
    match decision:
        case rules.Wait(next_attempt_at) | rules.NotDue(next_attempt_at):
            sub.next_attempt_at = next_attempt_at
            return None
        case rules.Realign():
            assert done is not None
            advance(sub, done, settle=settle)
            return None
        case rules.TakeOver(widen_to):
            assert pending is not None and pending.id is not None
            if widen_to is not None:
                # Nothing of it was ever posted and more periods have passed (the bot was down):
                # widen it into one combined digest up to the latest period.
                pending.period_key, pending.due_at, pending.window_end = widen_to.key, widen_to.at, widen_to.at
                # A new nonce too: the content is not what the old one may have carried.
                pending.nonce, pending.payload = rules.nonce_for(pending.id, new_salt()), None
                pending.message_ids = []
            _take_over(pending, process=process, now=now, lease=lease)
            return pending
        case rules.NewClaim(period, window_end):
            return _new_delivery(sub, period=period, window_end=window_end, process=process, now=now, lease=lease)
    raise AssertionError(f"unknown decision {decision!r}")


async def claim_due_many(
    session: AsyncSession,
    *,
    subscription_ids: Collection[int],
    now: dt.datetime,
    process: str,
    settle: dt.timedelta,
    lease: dt.timedelta,
) -> list[Held]:
    """Claim the due period of each subscription (or take over its unfinished one). Subscriptions
    left out have nothing to do for this process: not due any more, paused, or being claimed by
    another process right now."""
    if not subscription_ids:
        return []
    claimable = await session.execute(_CLAIMABLE, {"ids": sorted(subscription_ids), "now": now})
    subs = list(claimable.scalars())
    if not subs:
        return []
    ids = [sub.id for sub in subs]
    latest = {sub.id: rules.latest_settled(schedule_of(sub), now, settle) for sub in subs}
    pending: dict[int, DigestDelivery] = {}
    for delivery in (await session.execute(_UNSENT_OF, {"ids": ids})).scalars():
        pending.setdefault(delivery.subscription_id, delivery)
    keys = sorted({o.key for o in latest.values()})
    periods = await session.execute(_PERIODS_OF, {"ids": ids, "keys": keys})
    delivered = {(d.subscription_id, d.period_key): d for d in periods.scalars()}
    held: list[Held] = []
    for sub in subs:
        assert sub.id is not None
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
    session: AsyncSession,
    *,
    sub: DigestSubscription,
    now: dt.datetime,
    process: str,
    settle: dt.timedelta,
    lease: dt.timedelta,
) -> Held:
    """/digest send-now on a subscription the caller has locked: post the current period's digest
    now; it counts as that period's digest."""
    assert sub.id is not None
    pending = (
        (
            await session.execute(
                select(DigestDelivery)
                .where(DigestDelivery.subscription_id == sub.id, col(DigestDelivery.state).in_(UNSENT_STATES))
                .order_by(col(DigestDelivery.id))
                .limit(1)
                .with_for_update()
            )
        )
        .scalars()
        .first()
    )
    state = pending_of(pending) if pending is not None else None
    if rules.check_manual(sub.id, paused=sub.paused, pending=state, now=now):
        assert pending is not None
        _take_over(pending, process=process, now=now, lease=lease)
        delivery = pending
    else:
        period = rules.manual_period(schedule_of(sub), next_due_at=sub.next_due_at)
        taken = await session.execute(
            select(DigestDelivery.id).where(
                DigestDelivery.subscription_id == sub.id, DigestDelivery.period_key == period.key
            )
        )
        if taken.first() is not None:
            raise rules.already_posted(sub.id, period.key)
        window_end = rules.manual_window_end(covered_until=sub.covered_until, now=now, settle=settle)
        delivery = _new_delivery(
            sub, period=period, window_end=window_end, process=process, now=now, lease=lease, manual=True
        )
    [held] = await _hold(session, [(sub, delivery)], now=now, manual=True)
    return held


async def held_many(
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
        if not rules.holds(delivery.state, delivery.claimed_by, process):
            continue
        assert delivery.id is not None
        held[delivery.id] = (by_id.get(delivery.subscription_id), delivery)
    return held
