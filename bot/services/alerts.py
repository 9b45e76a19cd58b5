"""Alert and follow use cases: editors' channel alerts (/alert), members' follows by DM (/follow), the
alert grace, members and guilds leaving, and the notices after a refusal paused one. One transaction
each, given a `Requester`; errors are domain errors the Discord layer words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import alert_rules
from bot.core import digest_rules as rules
from bot.core.alert_rules import AlertNotFound, Mode, NotFollowing
from bot.core.digest_targets import Target
from bot.core.errors import InvalidInput, UserFacingError
from bot.core.requester import Requester
from bot.services.digests import CannotPost, NoNewsroom, editor_room, topic_ids_of
from db import alert_subscriptions as rows
from db import audit, digest_subscriptions
from db.digest_models import DigestSubscription
from db.engine import Database
from db.models import Newsroom
from db.topics import resolve_topic


@dataclass(slots=True)
class AlertView:
    subscription: DigestSubscription
    topics: list[str]  # slugs; empty = every topic


@dataclass(frozen=True, slots=True)
class Follow:
    slug: str
    kinds: list[str]


@dataclass(frozen=True, slots=True)
class Following:
    follows: list[Follow]
    paused_reason: str | None  # None unless paused


def _new(
    requester: Requester,
    newsroom: Newsroom,
    *,
    mode: Mode,
    channel_id: int,
    target: Target,
    now: dt.datetime,
    topic_ids: list[int] | None = None,
    kinds: list[str] | None = None,
) -> DigestSubscription:
    # The window starts now: an alert is about what happens from here on.
    return DigestSubscription(
        newsroom_id=requester.guild_id,
        channel_id=channel_id,
        local_time="00:00",
        timezone=newsroom.timezone,
        topic_ids=topic_ids,
        kinds=kinds,
        mode=mode.value,
        target=target.value,
        recipient_id=requester.user_id if mode is Mode.FOLLOW else None,
        next_due_at=now,
        covered_until=now,
        next_attempt_at=now,
        created_by=requester.user_id,
        created_at=now,
    )


async def _record(session: AsyncSession, requester: Requester, sub: DigestSubscription, action: str) -> None:
    await digest_subscriptions.record(
        session,
        sub=sub,
        action=action,
        actor_id=requester.user_id,
        interaction_id=requester.interaction_id,
        mode=sub.mode,
        topic_ids=sub.topic_ids,
        kinds=sub.kinds,
        topic_kinds=sub.topic_kinds,
        target=sub.target,
    )


# -- channel alerts (editors) ----------------------------------------------------------------------


async def add_alert(
    db: Database,
    requester: Requester,
    *,
    channel_id: int,
    target: Target,
    topic_slugs: list[str] | None,
    kinds: list[str],
    missing_permissions: Sequence[str],
    now: dt.datetime,
) -> AlertView:
    async with db.write() as session:
        newsroom = await editor_room(session, requester)
        if missing_permissions:
            raise CannotPost(missing_permissions)
        if await rows.count(session, requester.guild_id, Mode.ALERT) >= alert_rules.MAX_ALERTS:
            raise InvalidInput(f"A newsroom can have at most {alert_rules.MAX_ALERTS} alerts; remove one first.")
        topic_ids = await topic_ids_of(session, requester.guild_id, topic_slugs) if topic_slugs else None
        sub = _new(requester, newsroom, mode=Mode.ALERT, channel_id=channel_id, target=target, now=now)
        sub.topic_ids, sub.kinds = topic_ids, kinds
        await digest_subscriptions.insert(session, sub)
        await _record(session, requester, sub, "alert.create")
        slugs = await digest_subscriptions.slugs(session, topic_ids or [])
        return AlertView(sub, [slugs[t] for t in topic_ids or [] if t in slugs])


async def list_alerts(db: Database, requester: Requester) -> list[AlertView]:
    async with db.read() as session:
        await editor_room(session, requester)
        subs = await rows.of_mode(session, requester.guild_id, Mode.ALERT)
        slugs = await digest_subscriptions.slugs(session, sorted({t for s in subs for t in s.topic_ids or []}))
    return [AlertView(s, [slugs[t] for t in s.topic_ids or [] if t in slugs]) for s in subs]


async def _owned_alert(session: AsyncSession, requester: Requester, subscription_id: int) -> DigestSubscription:
    await editor_room(session, requester)
    sub = await digest_subscriptions.get(session, subscription_id, lock=True)
    # An id from another guild, or a digest's or a member's follow, is not found as an alert.
    if sub is None or sub.newsroom_id != requester.guild_id or sub.mode != Mode.ALERT.value:
        raise AlertNotFound(subscription_id)
    return sub


async def remove_alert(db: Database, requester: Requester, subscription_id: int) -> DigestSubscription:
    async with db.write() as session:
        sub = await _owned_alert(session, requester, subscription_id)
        await _record(session, requester, sub, "alert.remove")
        await rows.remove(session, sub)
        return sub


async def edit_alert(
    db: Database, requester: Requester, subscription_id: int, *, topic_slugs: list[str] | None, kinds: list[str] | None
) -> AlertView:
    """Change what an alert follows: `topic_slugs` None keeps them, empty means every topic; `kinds`
    None keeps them. The channel stays (posted alerts are edited where they were posted)."""
    async with db.write() as session:
        sub = await _owned_alert(session, requester, subscription_id)
        if topic_slugs is not None:
            sub.topic_ids = await topic_ids_of(session, requester.guild_id, topic_slugs) if topic_slugs else None
        if kinds is not None:
            sub.kinds = kinds
        session.add(sub)
        await _record(session, requester, sub, "alert.edit")
        slugs = await digest_subscriptions.slugs(session, sub.topic_ids or [])
        return AlertView(sub, [slugs[t] for t in sub.topic_ids or [] if t in slugs])


def _resume(sub: DigestSubscription, now: dt.datetime) -> None:
    """Unpaused, it alerts what happens from now on (an unfinished alert is still posted); changes
    made while it was paused are not alerted late."""
    sub.paused, sub.paused_reason, sub.paused_at, sub.notice_pending = False, None, None, False
    sub.covered_until = max(sub.covered_until, now)
    sub.next_due_at = sub.next_attempt_at = now
    sub.retry_count = 0


async def set_alert_paused(
    db: Database,
    requester: Requester,
    subscription_id: int,
    *,
    paused: bool,
    now: dt.datetime,
    missing_permissions: Sequence[str] = (),
) -> DigestSubscription:
    async with db.write() as session:
        sub = await _owned_alert(session, requester, subscription_id)
        if paused == sub.paused:
            state = "already paused" if paused else "not paused"
            raise InvalidInput(f"Alert `#{subscription_id}` is {state}.")
        if paused:
            sub.paused, sub.paused_at, sub.paused_reason = True, now, rules.paused_by(requester.user_id)
        else:
            if missing_permissions:
                raise CannotPost(missing_permissions)
            _resume(sub, now)
        session.add(sub)
        await _record(session, requester, sub, "alert.pause" if paused else "alert.resume")
        return sub


async def set_grace(db: Database, requester: Requester, *, seconds: int) -> Newsroom:
    alert_rules.check_grace(seconds)
    async with db.write() as session:
        newsroom = await editor_room(session, requester)
        newsroom.alert_grace_seconds = seconds
        session.add(newsroom)
        await audit.record(
            session,
            newsroom_id=requester.guild_id,
            action="settings.alert_grace",
            actor_id=requester.user_id,
            interaction_id=requester.interaction_id,
            after={"alert_grace_seconds": seconds},
        )
        return newsroom


# -- follows (any member) --------------------------------------------------------------------------


async def _room(session: AsyncSession, requester: Requester) -> Newsroom:
    newsroom = await session.get(Newsroom, requester.guild_id)
    if newsroom is None:
        raise NoNewsroom()
    return newsroom


async def follow(
    db: Database, requester: Requester, *, slug: str, kinds: list[str], now: dt.datetime
) -> tuple[Follow, bool]:
    """Follow a topic (or change its kinds); a follow paused after a refused DM resumes. Returns the
    follow and whether it resumed."""
    async with db.write() as session:
        newsroom = await _room(session, requester)
        # A write: the topic named, never a guess at a misspelling (TopicNotFound suggests them).
        topic = await resolve_topic(session, newsroom_id=requester.guild_id, query=slug)
        assert topic.id is not None
        topic_id = topic.id
        sub = await rows.follow_of(session, requester.guild_id, requester.user_id, lock=True)
        if sub is None:
            sub = _new(requester, newsroom, mode=Mode.FOLLOW, channel_id=requester.user_id, target=Target.DM, now=now)
        topic_kinds = alert_rules.with_follow(sub.topic_kinds, topic_id, kinds)
        sub.topic_kinds, sub.topic_ids = topic_kinds, sorted(int(t) for t in topic_kinds)
        sub.kinds = alert_rules.union_kinds(topic_kinds)
        resumed = sub.paused
        if resumed:
            _resume(sub, now)
        await digest_subscriptions.insert(session, sub)
        await _record(session, requester, sub, "follow.add")
        return Follow(topic.slug, kinds), resumed


async def unfollow(db: Database, requester: Requester, *, slug: str) -> str:
    async with db.write() as session:
        await _room(session, requester)
        topic = await resolve_topic(session, newsroom_id=requester.guild_id, query=slug, include_archived=True)
        sub = await rows.follow_of(session, requester.guild_id, requester.user_id, lock=True)
        topic_id = topic.id
        if sub is None or str(topic_id) not in (sub.topic_kinds or {}):
            raise NotFollowing(topic.slug)
        topic_kinds = dict(sub.topic_kinds or {})
        del topic_kinds[str(topic_id)]
        await _record(session, requester, sub, "follow.remove")
        if not topic_kinds:
            await rows.remove(session, sub)
        else:
            sub.topic_kinds, sub.topic_ids = topic_kinds, sorted(int(t) for t in topic_kinds)
            sub.kinds = alert_rules.union_kinds(topic_kinds)
            session.add(sub)
        return topic.slug


async def following(db: Database, requester: Requester) -> Following:
    async with db.read() as session:
        sub = await rows.follow_of(session, requester.guild_id, requester.user_id, lock=False)
        if sub is None:
            return Following([], None)
        by_topic = alert_rules.followed(sub.topic_kinds)
        slugs = await digest_subscriptions.slugs(session, sorted(by_topic))
    follows = sorted((Follow(slugs[t], k) for t, k in by_topic.items() if t in slugs), key=lambda f: f.slug)
    return Following(follows, (sub.paused_reason or "paused") if sub.paused else None)


async def member_left(db: Database, *, guild_id: int, user_id: int | None = None) -> int:
    """A member left the server (or, with no user, the bot left it): their follows are removed, so
    nobody gets DMs from a server they are no longer in. Returns how many rows went."""
    async with db.write() as session:
        subs = await rows.follows_in(session, guild_id, user_id)
        for sub in subs:
            await rows.remove(session, sub)
        return len(subs)


# -- notices after a refusal -----------------------------------------------------------------------


async def with_notices(db: Database) -> tuple[set[int], set[tuple[int, int]]]:
    """Newsrooms with an alert a refusal paused, and (newsroom, member) with a follow it paused."""
    async with db.read() as session:
        alerts = {n for n, _ in await rows.with_notices(session, Mode.ALERT)}
        follows = await rows.with_notices(session, Mode.FOLLOW)
    return alerts, follows


async def take_follow_notice(db: Database, requester: Requester) -> int | None:
    """The member's follow paused by a refused DM, claimed so they are told once: how many topics."""
    async with db.write() as session:
        taken = await rows.take_notices(session, requester.guild_id, Mode.FOLLOW, requester.user_id)
        return len(taken[0].topic_kinds or {}) if taken else None


async def take_alert_notices(db: Database, requester: Requester) -> list[DigestSubscription] | None:
    """Alerts a refusal paused, for the first editor; None when the requester is not an editor."""
    async with db.write() as session:
        try:
            await editor_room(session, requester)
        except UserFacingError:
            return None  # not an editor: the notice waits for one
        return await rows.take_notices(session, requester.guild_id, Mode.ALERT)
