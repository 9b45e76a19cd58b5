"""Alert and follow subscriptions as rows: what `bot.services.alerts` reads and writes inside its
transactions. They are digest subscriptions in another mode (bot.core.alert_rules.Mode)."""

from __future__ import annotations

from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.alert_rules import Mode
from db import digest_subscriptions
from db.alert_models import AlertEdit, AlertEntry
from db.digest_models import DigestSubscription


async def of_mode(session: AsyncSession, newsroom_id: int, mode: Mode) -> list[DigestSubscription]:
    stmt = (
        select(DigestSubscription)
        .where(DigestSubscription.newsroom_id == newsroom_id, DigestSubscription.mode == mode.value)
        .order_by(col(DigestSubscription.id))
    )
    return list((await session.execute(stmt)).scalars())


async def count(session: AsyncSession, newsroom_id: int, mode: Mode) -> int:
    stmt = (
        select(func.count())
        .select_from(DigestSubscription)
        .where(DigestSubscription.newsroom_id == newsroom_id, DigestSubscription.mode == mode.value)
    )
    return int((await session.execute(stmt)).scalar_one())


async def follow_of(session: AsyncSession, newsroom_id: int, user_id: int, *, lock: bool) -> DigestSubscription | None:
    """A member's follow row in a newsroom (one per member: pausing it pauses all their follows)."""
    stmt = select(DigestSubscription).where(
        DigestSubscription.newsroom_id == newsroom_id,
        DigestSubscription.recipient_id == user_id,
        DigestSubscription.mode == Mode.FOLLOW.value,
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalars().first()


async def remove(session: AsyncSession, sub: DigestSubscription) -> None:
    """The subscription with its alert rows, deliveries and attempts."""
    await session.execute(delete(AlertEdit).where(col(AlertEdit.subscription_id) == sub.id))
    await session.execute(delete(AlertEntry).where(col(AlertEntry.subscription_id) == sub.id))
    await digest_subscriptions.remove(session, sub)


async def follows_in(session: AsyncSession, newsroom_id: int, user_id: int | None = None) -> list[DigestSubscription]:
    """Follow rows of a newsroom (of one member when given), locked."""
    stmt = select(DigestSubscription).where(
        DigestSubscription.newsroom_id == newsroom_id, DigestSubscription.mode == Mode.FOLLOW.value
    )
    if user_id is not None:
        stmt = stmt.where(DigestSubscription.recipient_id == user_id)
    stmt = stmt.order_by(col(DigestSubscription.id)).with_for_update()
    return list((await session.execute(stmt)).scalars())


# -- notices: editors for channel alerts, the member for their follows ------------------------------


async def with_notices(session: AsyncSession, mode: Mode) -> set[tuple[int, int]]:
    """(newsroom, recipient or 0) of subscriptions of this mode a failure paused, nobody told yet."""
    stmt = (
        select(DigestSubscription.newsroom_id, DigestSubscription.recipient_id)
        .where(col(DigestSubscription.notice_pending).is_(True), DigestSubscription.mode == mode.value)
        .distinct()
    )
    return {(int(n), int(r or 0)) for n, r in (await session.execute(stmt)).all()}


async def take_notices(
    session: AsyncSession, newsroom_id: int, mode: Mode, recipient_id: int | None = None
) -> list[DigestSubscription]:
    """Pending notices, locked and cleared: only one person is told, once."""
    stmt = select(DigestSubscription).where(
        DigestSubscription.newsroom_id == newsroom_id,
        DigestSubscription.mode == mode.value,
        col(DigestSubscription.notice_pending).is_(True),
    )
    if recipient_id is not None:
        stmt = stmt.where(DigestSubscription.recipient_id == recipient_id)
    subs = list((await session.execute(stmt.order_by(col(DigestSubscription.id)).with_for_update())).scalars())
    for sub in subs:
        sub.notice_pending = False
        session.add(sub)
    return subs
