"""Claiming alert windows and the edits of posted alerts, on the digest's tables.

A tick plans each due alert's window from the change feed (read outside the transaction), then claims
them here under the subscriptions' row locks: a plan is applied only if the subscription's window
still starts where the plan read it (`covered_until`), so two processes planning the same window
never both claim it, and the unique (subscription, period) constraint backs that up. Claiming writes,
in one transaction: the delivery (if the window holds anything to post), the entries it posts, the
edits the window calls for, and the subscription's moved window. A subscription with an unfinished
delivery has it taken over once its lease has run out (the holder died), as digests do.

Lock order is subscription, then delivery, then alert rows, as in `db.digest_claims`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, false, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core import alert_rules
from bot.core import digest_rules as rules
from bot.core.alert_rules import INSTANT_MODES
from bot.core.digest_rules import UNSENT_STATES, DeliveryState
from db.alert_models import AlertEdit, AlertEntry
from db.digest_claims import Held, new_salt
from db.digest_feed import ENTRY_ACTIONS
from db.digest_models import DigestDelivery, DigestSubscription
from db.models import AuditRecord, Entry, Newsroom


def _ids(name: str) -> Any:
    return bindparam(name, expanding=True)


# Something to do: an entry's record in the newsroom since the window started (what a window posts
# or edits for), or a delivery not finished. Ten thousand follows of quiet stories are then skipped
# by the due query itself (one probe of ix_audit_newsroom_at or the delivery index each) instead of
# each being planned, locked and found empty every tick.
_HAS_NEWS = (
    select(col(AuditRecord.id))
    .where(
        col(AuditRecord.newsroom_id) == col(DigestSubscription.newsroom_id),
        col(AuditRecord.at) > col(DigestSubscription.covered_until),
        col(AuditRecord.action).in_(ENTRY_ACTIONS),
        col(AuditRecord.entry_id).is_not(None),
    )
    .exists()
)
_HAS_UNSENT = (
    select(col(DigestDelivery.id))
    .where(
        col(DigestDelivery.subscription_id) == col(DigestSubscription.id),
        col(DigestDelivery.state).in_(UNSENT_STATES),
    )
    .exists()
)
# In id order from where the last batch ended: a tick visits every due alert once, however many
# have nothing to claim yet (those keep their place and would otherwise come first every time).
_DUE = (
    select(DigestSubscription)
    .where(
        col(DigestSubscription.mode).in_(INSTANT_MODES),
        col(DigestSubscription.paused) == false(),
        col(DigestSubscription.next_attempt_at) <= bindparam("now"),
        col(DigestSubscription.id) > bindparam("after"),
        or_(_HAS_NEWS, _HAS_UNSENT),
    )
    .order_by(col(DigestSubscription.id))
    .limit(bindparam("limit"))
)
_CLAIMABLE = (
    select(DigestSubscription)
    .where(
        col(DigestSubscription.id).in_(_ids("ids")),
        col(DigestSubscription.mode).in_(INSTANT_MODES),
        col(DigestSubscription.paused) == false(),
    )
    .order_by(col(DigestSubscription.id))
    .with_for_update(skip_locked=True)
    .execution_options(populate_existing=True)
)
_UNSENT_OF = (
    select(DigestDelivery)
    .where(col(DigestDelivery.subscription_id).in_(_ids("ids")), col(DigestDelivery.state).in_(UNSENT_STATES))
    .order_by(col(DigestDelivery.id))
    .with_for_update()
    .execution_options(populate_existing=True)
)


@dataclass(frozen=True, slots=True)
class Due:
    """A due alert as the planner needs it (a plain copy: the planner reads outside any transaction)."""

    id: int
    newsroom_id: int
    mode: str
    covered_until: dt.datetime
    topic_ids: tuple[int, ...] | None
    kinds: tuple[str, ...] | None
    topic_kinds: dict[str, list[str]] | None


@dataclass(frozen=True, slots=True)
class EditPlan:
    delivery_id: int
    entry_id: int
    record_id: int
    note: str


@dataclass(slots=True)
class Plan:
    """What a window holds for one alert: entries to post and edits to make to earlier alerts."""

    subscription_id: int
    covered_until: dt.datetime  # where the window started when planned
    end: dt.datetime
    entry_ids: list[int] = field(default_factory=list)
    edits: list[EditPlan] = field(default_factory=list)
    quiet: bool = False  # nothing to claim: only an unfinished delivery is looked at


async def due(session: AsyncSession, *, now: dt.datetime, limit: int, after: int = 0) -> list[Due]:
    rows = (await session.execute(_DUE, {"now": now, "limit": limit, "after": after})).scalars()
    return [
        Due(
            id=int(s.id or 0),
            newsroom_id=s.newsroom_id,
            mode=s.mode,
            covered_until=s.covered_until,
            topic_ids=tuple(s.topic_ids) if s.topic_ids is not None else None,
            kinds=tuple(s.kinds) if s.kinds is not None else None,
            topic_kinds=dict(s.topic_kinds) if s.topic_kinds is not None else None,
        )
        for s in rows
    ]


async def graces(session: AsyncSession, newsroom_ids: Collection[int]) -> dict[int, int]:
    if not newsroom_ids:
        return {}
    stmt = select(Newsroom.id, Newsroom.alert_grace_seconds).where(col(Newsroom.id).in_(sorted(newsroom_ids)))
    return {int(i): int(g) for i, g in (await session.execute(stmt)).all()}


async def alerted(
    session: AsyncSession, subscription_ids: Collection[int], entry_ids: Collection[int]
) -> dict[tuple[int, int], list[int]]:
    """(subscription, entry) -> the deliveries of that subscription that posted the entry."""
    if not subscription_ids or not entry_ids:
        return {}
    stmt = select(AlertEntry.subscription_id, AlertEntry.entry_id, AlertEntry.delivery_id).where(
        col(AlertEntry.subscription_id).in_(sorted(subscription_ids)), col(AlertEntry.entry_id).in_(sorted(entry_ids))
    )
    found: dict[tuple[int, int], list[int]] = {}
    for sub_id, entry_id, delivery_id in (await session.execute(stmt)).all():
        found.setdefault((sub_id, entry_id), []).append(delivery_id)
    return found


async def entries_of(session: AsyncSession, delivery_ids: Collection[int]) -> dict[int, set[int]]:
    """The entries each delivery posts (what a delivery taken over is rebuilt from)."""
    if not delivery_ids:
        return {}
    stmt = select(AlertEntry.delivery_id, AlertEntry.entry_id).where(
        col(AlertEntry.delivery_id).in_(sorted(delivery_ids))
    )
    found: dict[int, set[int]] = {i: set() for i in delivery_ids}
    for delivery_id, entry_id in (await session.execute(stmt)).all():
        found[delivery_id].add(entry_id)
    return found


def _take_over(delivery: DigestDelivery, *, process: str, now: dt.datetime, lease: dt.timedelta) -> None:
    delivery.state = rules.state_after_take_over(delivery.state, delivery.message_ids or [])
    delivery.claimed_by, delivery.claimed_at, delivery.lease_until = process, now, now + lease


async def _existing_edits(session: AsyncSession, plans: Sequence[Plan]) -> set[tuple[int, int]]:
    deliveries = sorted({e.delivery_id for p in plans for e in p.edits})
    if not deliveries:
        return set()
    stmt = select(AlertEdit.delivery_id, AlertEdit.record_id).where(col(AlertEdit.delivery_id).in_(deliveries))
    return {(d, r) for d, r in (await session.execute(stmt)).all()}


async def claim(
    session: AsyncSession, *, plans: Sequence[Plan], now: dt.datetime, process: str, lease: dt.timedelta
) -> list[Held]:
    """Apply the plans still current; take over unfinished deliveries whose holder died. Returns the
    deliveries this process now holds."""
    if not plans:
        return []
    by_id = {p.subscription_id: p for p in plans}
    subs = list((await session.execute(_CLAIMABLE, {"ids": sorted(by_id)})).scalars())
    if not subs:
        return []
    pending: dict[int, DigestDelivery] = {}
    for delivery in (await session.execute(_UNSENT_OF, {"ids": [s.id for s in subs]})).scalars():
        pending.setdefault(delivery.subscription_id, delivery)
    existing = await _existing_edits(session, plans)
    held: list[Held] = []
    fresh: list[tuple[DigestSubscription, DigestDelivery, list[int]]] = []
    for sub in subs:
        assert sub.id is not None
        plan = by_id[sub.id]
        unfinished = pending.get(sub.id)
        if unfinished is not None:
            if rules.lease_live(unfinished.state, unfinished.lease_until, now):
                sub.next_attempt_at = max(sub.next_attempt_at, unfinished.lease_until or now)
            else:
                _take_over(unfinished, process=process, now=now, lease=lease)
                sub.next_attempt_at = now + lease
                held.append((sub, unfinished))
            session.add(sub)
            continue
        if plan.quiet:
            continue
        if sub.covered_until != plan.covered_until or not alert_rules.may_claim(sub.covered_until, plan.end):
            continue  # another process moved this window on since it was planned
        for edit in plan.edits:
            if (edit.delivery_id, edit.record_id) in existing:
                continue
            existing.add((edit.delivery_id, edit.record_id))
            session.add(
                AlertEdit(
                    subscription_id=sub.id,
                    delivery_id=edit.delivery_id,
                    entry_id=edit.entry_id,
                    record_id=edit.record_id,
                    note=edit.note,
                    created_at=now,
                )
            )
        if plan.entry_ids:
            delivery = DigestDelivery(
                subscription_id=sub.id,
                period_key=alert_rules.period_key(plan.end),
                due_at=plan.end,
                window_start=sub.covered_until,
                window_end=plan.end,
                claimed_by=process,
                claimed_at=now,
                lease_until=now + lease,
                message_ids=[],
                created_at=now,
            )
            fresh.append((sub, delivery, plan.entry_ids))
            sub.next_attempt_at = now + lease
        else:
            sub.next_due_at = sub.next_attempt_at = now
        sub.covered_until = plan.end
        session.add(sub)
    session.add_all(delivery for _, delivery, _ in fresh)
    await session.flush()
    for sub, delivery, entry_ids in fresh:
        assert delivery.id is not None and sub.id is not None
        delivery.nonce = rules.nonce_for(delivery.id, new_salt())
        session.add(delivery)
        session.add_all(AlertEntry(subscription_id=sub.id, delivery_id=delivery.id, entry_id=e) for e in entry_ids)
        held.append((sub, delivery))
    await session.flush()
    return held


# -- edits of posted alerts ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EditJob:
    """A posted alert with edits to make: every note it has (made or not, so the edit is the same
    whichever process makes it, however often), and the ids of the edits this job clears."""

    delivery_id: int
    subscription_id: int
    channel_id: int
    target: str
    payload: list[dict[str, Any]]
    message_ids: list[str | None]
    notes: dict[int, list[str]]  # entry id -> notes, oldest first
    edit_ids: list[int]


async def claim_edits(
    session: AsyncSession, *, now: dt.datetime, process: str, lease: dt.timedelta, limit: int
) -> list[EditJob]:
    """Pending edits of alerts already posted, leased to this process, grouped by alert."""
    stmt = (
        select(AlertEdit)
        .join(DigestDelivery, col(DigestDelivery.id) == AlertEdit.delivery_id)
        .where(
            col(AlertEdit.done) == false(),
            col(DigestDelivery.state) == DeliveryState.SENT.value,
            or_(col(AlertEdit.lease_until).is_(None), col(AlertEdit.lease_until) <= now),
        )
        .order_by(col(AlertEdit.id))
        .limit(limit)
        .with_for_update(of=AlertEdit, skip_locked=True)  # type: ignore[arg-type]
    )
    edits = list((await session.execute(stmt)).scalars())
    if not edits:
        return []
    for edit in edits:
        edit.claimed_by, edit.lease_until = process, now + lease
        edit.attempts += 1
        session.add(edit)
    delivery_ids = sorted({e.delivery_id for e in edits})
    deliveries = {
        d.id: d
        for d in (
            await session.execute(select(DigestDelivery).where(col(DigestDelivery.id).in_(delivery_ids)))
        ).scalars()
    }
    subs = {
        s.id: s
        for s in (
            await session.execute(
                select(DigestSubscription).where(
                    col(DigestSubscription.id).in_(sorted({e.subscription_id for e in edits}))
                )
            )
        ).scalars()
    }
    all_notes = (
        await session.execute(
            select(AlertEdit.delivery_id, AlertEdit.entry_id, AlertEdit.note)
            .where(col(AlertEdit.delivery_id).in_(delivery_ids))
            .order_by(col(AlertEdit.id))
        )
    ).all()
    jobs: list[EditJob] = []
    for delivery_id in delivery_ids:
        delivery = deliveries.get(delivery_id)
        mine = [e for e in edits if e.delivery_id == delivery_id]
        sub = subs.get(mine[0].subscription_id)
        if delivery is None or sub is None or sub.id is None:
            continue
        notes: dict[int, list[str]] = {}
        for d, entry_id, note in all_notes:
            if d == delivery_id:
                notes.setdefault(entry_id, []).append(note)
        jobs.append(
            EditJob(
                delivery_id=delivery_id,
                subscription_id=sub.id,
                channel_id=sub.recipient_id if sub.recipient_id is not None else sub.channel_id,
                target=sub.target,
                payload=list(delivery.payload or []),
                message_ids=list(delivery.message_ids or []),
                notes=notes,
                edit_ids=[int(e.id or 0) for e in mine],
            )
        )
    return jobs


async def finish_edits(
    session: AsyncSession, *, edit_ids: Collection[int], process: str, now: dt.datetime, error: str | None = None
) -> int:
    """Clear edits this process made (or that can never be made: the message is gone)."""
    if not edit_ids:
        return 0
    result = await session.execute(
        update(AlertEdit)
        .where(col(AlertEdit.id).in_(sorted(edit_ids)), col(AlertEdit.claimed_by) == process)
        .values(done=True, done_at=now, lease_until=None, error=error[:500] if error else None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def retry_edits(
    session: AsyncSession, *, edit_ids: Collection[int], process: str, retry_at: dt.datetime, error: str
) -> None:
    """A transient failure: any process may try again once `retry_at` has passed."""
    if edit_ids:
        await session.execute(
            update(AlertEdit)
            .where(col(AlertEdit.id).in_(sorted(edit_ids)), col(AlertEdit.claimed_by) == process)
            .values(lease_until=retry_at, error=error[:500])
        )


async def retracted(session: AsyncSession, entry_ids: Collection[int]) -> set[int]:
    """The entries retracted or undone by now: an entry undone within the grace never alerts."""
    if not entry_ids:
        return set()
    stmt = select(Entry.id).where(col(Entry.id).in_(sorted(entry_ids)), col(Entry.retracted_at).is_not(None))
    return {int(i) for i in (await session.execute(stmt)).scalars()}
