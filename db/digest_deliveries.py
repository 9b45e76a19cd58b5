"""The steps of a claimed digest delivery: freeze its parts, renew the lease, close it, record a retry
or a refusal. Each step re-checks under the row locks that this process still holds the delivery
(`digest_claims.held_many`) and leaves out those it lost; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import digest_rules as rules
from bot.core.digest_rules import DeliveryState
from db import digest_subscriptions
from db.digest_claims import advance, held_many
from db.digest_models import DigestAttempt, DigestDelivery

ERROR_MAX = 500


@dataclass(frozen=True, slots=True)
class Stored:
    """A delivery's frozen parts and what is known to be posted of them, after `store_payloads`."""

    payload: list[dict[str, Any]]
    message_ids: list[str | None]
    sending: bool  # the send was begun in the same transaction


@dataclass(frozen=True, slots=True)
class Finished:
    """A delivery to close: every part posted (or nothing to post), with the message ids."""

    delivery_id: int
    outcome: str  # sent / reconciled / skipped
    message_ids: list[str | None] | None = None


def _begin_send(delivery: DigestDelivery, *, now: dt.datetime, lease: dt.timedelta) -> None:
    delivery.lease_until = now + lease
    delivery.state = DeliveryState.SENDING.value
    delivery.attempts += 1


async def store_payloads(
    session: AsyncSession,
    *,
    process: str,
    now: dt.datetime,
    lease: dt.timedelta,
    parts: Mapping[int, list[dict[str, Any]]],
    begin: Collection[int] = (),
) -> dict[int, Stored]:
    """Freeze rendered parts (by delivery id) on first build; a retry gets the stored ones back.
    Deliveries in `begin` are marked as sending at once, as `renew(sending=True)` would: a crash from
    here on makes the next attempt reconcile first, which is always safe. Deliveries this process
    lost are left out of the result."""
    held = await held_many(session, parts.keys(), process, payload=True)
    stored: dict[int, Stored] = {}
    for delivery_id, (_, delivery) in held.items():
        if delivery.payload is None:
            delivery.payload = parts[delivery_id]
            delivery.message_ids = [None] * len(parts[delivery_id])
        sending = delivery_id in begin
        if sending:
            _begin_send(delivery, now=now, lease=lease)
        session.add(delivery)
        stored[delivery_id] = Stored(list(delivery.payload), list(delivery.message_ids or []), sending)
    return stored


async def renew(
    session: AsyncSession,
    *,
    delivery_id: int,
    process: str,
    now: dt.datetime,
    lease: dt.timedelta,
    sending: bool = False,
    found: Mapping[int, str] | None = None,
) -> list[str | None] | None:
    """Extend the lease before the next Discord call, optionally marking that a send begins and
    recording message ids of posted parts. Returns the message ids, or None if the claim was lost."""
    held = (await held_many(session, [delivery_id], process)).get(delivery_id)
    if held is None:
        return None
    _, delivery = held
    if sending:
        _begin_send(delivery, now=now, lease=lease)
    delivery.lease_until = now + lease
    if found:
        ids = list(delivery.message_ids or [])
        for index, message_id in found.items():
            while len(ids) <= index:
                ids.append(None)
            ids[index] = message_id
        delivery.message_ids = ids
    session.add(delivery)
    return list(delivery.message_ids or [])


async def mark_done_many(
    session: AsyncSession, *, process: str, now: dt.datetime, settle: dt.timedelta, finished: Sequence[Finished]
) -> set[int]:
    """Close deliveries and advance their subscriptions' windows (each delivery with its window, as
    exactly-once needs). Returns the ids closed; the others' claims were lost."""
    if not finished:
        return set()
    held = await held_many(session, [f.delivery_id for f in finished], process)
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
            advance(sub, delivery, settle=settle)
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


async def record_retry(
    session: AsyncSession,
    *,
    delivery_id: int,
    process: str,
    now: dt.datetime,
    error: str,
    base: dt.timedelta,
    cap: dt.timedelta,
) -> dt.datetime | None:
    """A transient failure: keep the claim for a retry after backoff, by whichever process is up then."""
    held = (await held_many(session, [delivery_id], process)).get(delivery_id)
    if held is None:
        return None
    sub, delivery = held
    delivery.lease_until = now  # released: any process may retry once the backoff has passed
    session.add(delivery)
    retry_at = now
    if sub is not None:
        sub.retry_count += 1
        retry_at = sub.next_attempt_at = rules.retry_at(now, sub.retry_count, base=base, cap=cap)
        session.add(sub)
    session.add(
        DigestAttempt(delivery_id=delivery_id, at=now, outcome="retry", error=error[:ERROR_MAX], process=process)
    )
    return retry_at


async def record_refusal(
    session: AsyncSession, *, delivery_id: int, process: str, now: dt.datetime, error: str, reason: str
) -> int | None:
    """Discord refused for good (403/404): pause the subscription with the reason, for editors to fix.
    Returns the newsroom id, or None if the claim was lost."""
    held = (await held_many(session, [delivery_id], process)).get(delivery_id)
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
    reason = rules.refusal_reason(reason)
    sub.paused, sub.paused_at, sub.paused_reason = True, now, reason
    sub.notice_pending = True
    session.add(sub)
    await digest_subscriptions.record(
        session, sub=sub, action="digest.pause", actor_id=0, interaction_id=None, reason=reason
    )
    return sub.newsroom_id
