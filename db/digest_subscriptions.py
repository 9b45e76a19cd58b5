"""Digest subscriptions and their notices, as rows: what the editor use cases in
`bot.services.digests` read and write inside their transactions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.alert_rules import Mode
from bot.core.digest_rules import UNSENT_STATES
from db import audit
from db.digest_models import DigestAttempt, DigestDelivery, DigestSubscription
from db.models import Topic
from db.topics import normalise_lookup

# The /digest commands and notices see digests only; alerts and follows share the table (bot.core.alert_rules).
_DIGEST = col(DigestSubscription.mode) == Mode.DIGEST.value


async def get(session: AsyncSession, subscription_id: int, *, lock: bool) -> DigestSubscription | None:
    return await session.get(DigestSubscription, subscription_id, with_for_update=lock, populate_existing=lock)


async def count(session: AsyncSession, newsroom_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(DigestSubscription)
        .where(DigestSubscription.newsroom_id == newsroom_id, _DIGEST)
    )
    return int((await session.execute(stmt)).scalar_one())


async def of_newsroom(session: AsyncSession, newsroom_id: int) -> list[DigestSubscription]:
    stmt = (
        select(DigestSubscription)
        .where(DigestSubscription.newsroom_id == newsroom_id, _DIGEST)
        .order_by(col(DigestSubscription.id))
    )
    return list((await session.execute(stmt)).scalars())


async def topic_ids(session: AsyncSession, newsroom_id: int, slugs: Sequence[str]) -> dict[str, int]:
    """The newsroom's topics among `slugs` (normalised as lookups are), by normalised slug."""
    wanted = [normalise_lookup(s) for s in slugs]
    rows = (
        await session.execute(
            select(Topic.slug, Topic.id).where(Topic.newsroom_id == newsroom_id, col(Topic.slug).in_(wanted))
        )
    ).all()
    return {slug: topic_id for slug, topic_id in rows}


def normalised(slugs: Sequence[str]) -> list[str]:
    return [normalise_lookup(s) for s in slugs]


async def slugs(session: AsyncSession, topic_ids: Sequence[int]) -> dict[int, str]:
    if not topic_ids:
        return {}
    rows = (await session.execute(select(Topic.id, Topic.slug).where(col(Topic.id).in_(topic_ids)))).all()
    return {topic_id: slug for topic_id, slug in rows}


async def insert(session: AsyncSession, sub: DigestSubscription) -> DigestSubscription:
    session.add(sub)
    await session.flush()
    return sub


async def save(session: AsyncSession, sub: DigestSubscription) -> None:
    session.add(sub)


async def remove(session: AsyncSession, sub: DigestSubscription) -> None:
    """The subscription with its deliveries and their attempts."""
    deliveries = select(DigestDelivery.id).where(col(DigestDelivery.subscription_id) == sub.id)
    await session.execute(delete(DigestAttempt).where(col(DigestAttempt.delivery_id).in_(deliveries)))
    await session.execute(delete(DigestDelivery).where(col(DigestDelivery.subscription_id) == sub.id))
    await session.delete(sub)


async def unfinished(session: AsyncSession, subscription_id: int) -> DigestDelivery | None:
    """The subscription's delivery not yet closed, if any, locked (after the subscription's lock)."""
    stmt = (
        select(DigestDelivery)
        .where(
            DigestDelivery.subscription_id == subscription_id,
            col(DigestDelivery.state).in_(UNSENT_STATES),
        )
        .order_by(col(DigestDelivery.id))
        .limit(1)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalars().first()


async def period_keys_from(session: AsyncSession, subscription_id: int, first_key: str) -> set[str]:
    """The periods from `first_key` on (keys are ISO dates, so they sort as text) that have a delivery."""
    stmt = select(DigestDelivery.period_key).where(
        DigestDelivery.subscription_id == subscription_id, col(DigestDelivery.period_key) >= first_key
    )
    return set((await session.execute(stmt)).scalars())


async def record(
    session: AsyncSession,
    *,
    sub: DigestSubscription,
    action: str,
    actor_id: int,
    interaction_id: int | None,
    **after: Any,
) -> None:
    """The audit record of a change to a subscription."""
    await audit.record(
        session,
        newsroom_id=sub.newsroom_id,
        action=action,
        actor_id=actor_id,
        interaction_id=interaction_id,
        after={"subscription_id": sub.id, "channel_id": str(sub.channel_id), **after},
        reason=after.get("reason"),
    )


# -- the editor notice -----------------------------------------------------------------------------


async def newsrooms_with_notices(session: AsyncSession) -> set[int]:
    stmt = (
        select(DigestSubscription.newsroom_id)
        .where(col(DigestSubscription.notice_pending).is_(True), _DIGEST)
        .distinct()
    )
    return {int(n) for n in (await session.execute(stmt)).scalars()}


async def take_notices(session: AsyncSession, newsroom_id: int) -> list[DigestSubscription]:
    """The newsroom's subscriptions with a pending notice, locked and cleared: only one editor is told."""
    subs = list(
        (
            await session.execute(
                select(DigestSubscription)
                .where(
                    DigestSubscription.newsroom_id == newsroom_id,
                    col(DigestSubscription.notice_pending).is_(True),
                    _DIGEST,
                )
                .order_by(col(DigestSubscription.id))
                .with_for_update()
            )
        ).scalars()
    )
    for sub in subs:
        sub.notice_pending = False
        session.add(sub)
    return subs
