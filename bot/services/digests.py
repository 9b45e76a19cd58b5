"""Editors' digest use cases: add, list, look up, remove, pause and resume a subscription, and the
failure notices. One transaction each; each takes the `Requester` and checks it is an editor inside
the transaction. Errors are domain errors; the Discord layer words what concerns Discord itself
(`CannotPost` carries the missing permissions, not a sentence).

The newsroom row exists before any command runs (the Discord layer sees to it): these use cases read
it, they never create it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import digest_rules as rules
from bot.core.alert_rules import Mode
from bot.core.digest_rules import DigestNotFound
from bot.core.digest_targets import Target
from bot.core.errors import InvalidInput, NotFoundError, UserFacingError, echoed
from bot.core.requester import Requester, require_editor
from bot.core.schedule import Schedule, ScheduleError
from db import digest_subscriptions as subscriptions
from db.digest_claims import schedule_of
from db.digest_models import DigestSubscription
from db.engine import Database
from db.models import Newsroom

MAX_SUBSCRIPTIONS = 25  # per newsroom: bounds the scheduler's work and the /digest list


class CannotPost(InvalidInput):
    """The bot lacks permissions to post in the digest's channel; the Discord layer says which, in
    its own words."""

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(f"Missing permissions: {', '.join(missing)}.")
        self.missing = list(missing)


class NoNewsroom(NotFoundError):
    def __init__(self) -> None:
        super().__init__("This server has no newsroom yet; try again in a moment.")


@dataclass(slots=True)
class SubscriptionView:
    subscription: DigestSubscription
    topics: list[str]  # slugs; empty = every topic


@dataclass(frozen=True, slots=True)
class Notice:
    subscription_id: int
    channel_id: int
    reason: str


async def editor_room(session: AsyncSession, requester: Requester) -> Newsroom:
    newsroom = await session.get(Newsroom, requester.guild_id)
    require_editor(newsroom.editor_role_id if newsroom is not None else None, requester)
    if newsroom is None:
        raise NoNewsroom()
    return newsroom


async def owned(session: AsyncSession, requester: Requester, subscription_id: int, *, lock: bool) -> DigestSubscription:
    sub = await subscriptions.get(session, subscription_id, lock=lock)
    # A digest id from another guild behaves exactly like one that does not exist.
    if sub is None or sub.newsroom_id != requester.guild_id or sub.mode != Mode.DIGEST.value:
        raise DigestNotFound(subscription_id)
    return sub


async def view_of(session: AsyncSession, sub: DigestSubscription) -> SubscriptionView:
    slugs = await subscriptions.slugs(session, sub.topic_ids or [])
    return SubscriptionView(sub, [slugs[t] for t in sub.topic_ids or [] if t in slugs])


async def topic_ids_of(session: AsyncSession, newsroom_id: int, slugs: list[str]) -> list[int]:
    wanted = subscriptions.normalised(slugs)
    found = await subscriptions.topic_ids(session, newsroom_id, slugs)
    unknown = [s for s in wanted if s not in found]
    if unknown:
        shown = ", ".join(f"`{echoed(s, 32)}`" for s in unknown[:5])
        raise InvalidInput(f"No topic with the slug {shown} in this newsroom. `/topics` lists the slugs.")
    return list(dict.fromkeys(found[s] for s in wanted))


async def add_subscription(
    db: Database,
    requester: Requester,
    *,
    channel_id: int,
    local_time: str,
    timezone: str | None,
    topic_slugs: list[str] | None,
    weekdays: list[int] | None,
    mention_role_id: int | None,
    post_when_empty: bool,
    missing_permissions: Sequence[str],
    now: dt.datetime,
    settle: dt.timedelta,
    target: Target = Target.TEXT,
    publish: bool = False,
) -> SubscriptionView:
    async with db.write() as session:
        newsroom = await editor_room(session, requester)
        if missing_permissions:
            raise CannotPost(missing_permissions)
        if await subscriptions.count(session, requester.guild_id) >= MAX_SUBSCRIPTIONS:
            raise InvalidInput(f"A newsroom can have at most {MAX_SUBSCRIPTIONS} digests; remove one first.")
        topic_ids = await topic_ids_of(session, requester.guild_id, topic_slugs) if topic_slugs else None
        zone = timezone or newsroom.timezone
        try:
            schedule = Schedule.of(local_time, zone, weekdays)
        except ScheduleError as exc:
            raise InvalidInput(str(exc)) from exc
        previous, upcoming = rules.first_window(schedule, now)
        sub = await subscriptions.insert(
            session,
            DigestSubscription(
                newsroom_id=requester.guild_id,
                channel_id=channel_id,
                local_time=local_time,
                timezone=zone,
                topic_ids=topic_ids,
                weekdays=sorted(schedule.weekdays) if schedule.weekdays is not None else None,
                mention_role_id=mention_role_id,
                post_when_empty=post_when_empty,
                target=target.value,
                publish=publish,
                next_due_at=upcoming.at,
                covered_until=previous.at,
                next_attempt_at=upcoming.at + settle,
                created_by=requester.user_id,
                created_at=now,
            ),
        )
        await record_settings(session, requester, sub, action="digest.create")
        return await view_of(session, sub)


async def record_settings(
    session: AsyncSession, requester: Requester, sub: DigestSubscription, *, action: str, **extra: Any
) -> None:
    """The audit record of a subscription created or changed, with the settings it has now."""
    await subscriptions.record(
        session,
        sub=sub,
        action=action,
        actor_id=requester.user_id,
        interaction_id=requester.interaction_id,
        local_time=sub.local_time,
        timezone=sub.timezone,
        topic_ids=sub.topic_ids,
        weekdays=sub.weekdays,
        mention_role_id=str(sub.mention_role_id) if sub.mention_role_id is not None else None,
        post_when_empty=sub.post_when_empty,
        target=sub.target,
        publish=sub.publish,
        **extra,
    )


async def list_subscriptions(db: Database, requester: Requester) -> list[SubscriptionView]:
    async with db.read() as session:
        await editor_room(session, requester)
        subs = await subscriptions.of_newsroom(session, requester.guild_id)
        slugs = await subscriptions.slugs(session, sorted({t for s in subs for t in s.topic_ids or []}))
    return [SubscriptionView(s, [slugs[t] for t in s.topic_ids or [] if t in slugs]) for s in subs]


async def editor_subscription(db: Database, requester: Requester, subscription_id: int) -> DigestSubscription:
    async with db.read() as session:
        await editor_room(session, requester)
        return await owned(session, requester, subscription_id, lock=False)


async def locked_for_editor(session: AsyncSession, requester: Requester, subscription_id: int) -> DigestSubscription:
    """For a use case that changes the subscription in the caller's transaction (/digest send-now)."""
    await editor_room(session, requester)
    return await owned(session, requester, subscription_id, lock=True)


async def remove_subscription(db: Database, requester: Requester, subscription_id: int) -> DigestSubscription:
    async with db.write() as session:
        await editor_room(session, requester)
        sub = await owned(session, requester, subscription_id, lock=True)
        await subscriptions.record(
            session,
            sub=sub,
            action="digest.remove",
            actor_id=requester.user_id,
            interaction_id=requester.interaction_id,
        )
        await subscriptions.remove(session, sub)
        return sub


async def set_paused(
    db: Database,
    requester: Requester,
    subscription_id: int,
    *,
    paused: bool,
    now: dt.datetime,
    settle: dt.timedelta,
    missing_permissions: Sequence[str] = (),
) -> DigestSubscription:
    """Pause, or resume (refused with `CannotPost` while the bot still cannot post in the channel)."""
    async with db.write() as session:
        await editor_room(session, requester)
        sub = await owned(session, requester, subscription_id, lock=True)
        assert sub.id is not None
        rules.check_pause(sub.id, paused=sub.paused, want_paused=paused)
        if paused:
            sub.paused, sub.paused_at, sub.paused_reason = True, now, rules.paused_by(requester.user_id)
        else:
            if missing_permissions:
                raise CannotPost(missing_permissions)
            position = rules.resumed(schedule_of(sub), covered_until=sub.covered_until, now=now, settle=settle)
            sub.paused, sub.paused_reason, sub.paused_at, sub.notice_pending = False, None, None, False
            sub.next_due_at, sub.next_attempt_at, sub.retry_count = position.next_due_at, position.next_attempt_at, 0
        await subscriptions.save(session, sub)
        await subscriptions.record(
            session,
            sub=sub,
            action="digest.pause" if paused else "digest.resume",
            actor_id=requester.user_id,
            interaction_id=requester.interaction_id,
        )
        return sub


async def newsrooms_with_notices(db: Database) -> set[int]:
    async with db.read() as session:
        return await subscriptions.newsrooms_with_notices(session)


async def take_notices(db: Database, requester: Requester) -> list[Notice] | None:
    """The pending failure notices of a newsroom, claimed for this editor so only one is told.
    None when the requester is not an editor (the notices wait for one)."""
    async with db.write() as session:
        newsroom = await session.get(Newsroom, requester.guild_id)
        if newsroom is None:
            return []
        try:
            require_editor(newsroom.editor_role_id, requester)
        except UserFacingError:
            return None
        taken = await subscriptions.take_notices(session, requester.guild_id)
        return [Notice(s.id, s.channel_id, s.paused_reason or "delivery failed") for s in taken if s.id is not None]
