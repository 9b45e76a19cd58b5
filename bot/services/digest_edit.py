"""/digest edit: change a digest's settings in place, keeping its id, its window and its deliveries.

One transaction, with the subscription locked as the scheduler locks it (subscription, then its
delivery), so an edit and a claim never interleave. An edit is refused while a process holds a live
lease on the digest's delivery: what it is posting was built with the old settings and goes to the
old channel, and it finishes there. A delivery left unfinished without a live lease (a crashed
process, a retry waiting for its backoff) is finished under the new settings when it is next tried.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core import digest_rules as rules
from bot.core.digest_targets import Target
from bot.core.errors import InvalidInput
from bot.core.requester import Requester
from bot.core.schedule import Schedule, ScheduleError, latest_occurrence
from bot.services.digests import (
    CannotPost,
    SubscriptionView,
    editor_room,
    owned,
    record_settings,
    topic_ids_of,
    view_of,
)
from db import digest_subscriptions as subscriptions
from db.digest_claims import pending_of, schedule_of
from db.digest_models import DigestSubscription
from db.engine import Database


class Keep(enum.Enum):
    """An option left out of /digest edit: the setting keeps its value."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class Changes:
    """What /digest edit was given. `None` is a value here (every topic, every day, no mention)."""

    channel_id: int | Keep = KEEP
    target: Target | Keep = KEEP  # given with the channel: what kind of channel it is
    publish: bool | Keep = KEEP
    local_time: str | Keep = KEEP
    timezone: str | Keep = KEEP
    topic_slugs: list[str] | Keep | None = KEEP
    weekdays: list[int] | Keep | None = KEEP
    mention_role_id: int | Keep | None = KEEP
    post_when_empty: bool | Keep = KEEP

    def empty(self) -> bool:
        return all(getattr(self, name) is KEEP for name in self.__slots__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Settings:
    """A digest's editable settings, as shown before and after an edit."""

    channel_id: int
    local_time: str
    timezone: str
    topics: tuple[str, ...] | None  # slugs; None = every topic
    weekdays: tuple[int, ...] | None
    mention_role_id: int | None
    post_when_empty: bool
    next_due_at: dt.datetime
    target: Target = Target.TEXT
    publish: bool = False

    @classmethod
    def of(cls, view: SubscriptionView) -> Settings:
        sub = view.subscription
        return cls(
            channel_id=sub.channel_id,
            local_time=sub.local_time,
            timezone=sub.timezone,
            topics=tuple(view.topics) if sub.topic_ids is not None else None,
            weekdays=tuple(sub.weekdays) if sub.weekdays is not None else None,
            mention_role_id=sub.mention_role_id,
            post_when_empty=sub.post_when_empty,
            next_due_at=sub.next_due_at,
            target=Target(sub.target),
            publish=sub.publish,
        )


@dataclass(frozen=True, slots=True)
class Edited:
    before: Settings
    after: Settings
    view: SubscriptionView

    @property
    def changed(self) -> bool:
        return self.before != self.after


class NothingToChange(InvalidInput):
    def __init__(self, subscription_id: int) -> None:
        super().__init__(f"Give `/digest edit {subscription_id}` at least one setting to change, e.g. `time:17:00`.")


async def edit_subscription(
    db: Database,
    requester: Requester,
    subscription_id: int,
    changes: Changes,
    *,
    missing_permissions: Sequence[str],
    now: dt.datetime,
    settle: dt.timedelta,
) -> Edited:
    """Apply `changes`, validated as /digest add validates them; `missing_permissions` are those
    of the new channel (empty when the channel does not change)."""
    async with db.write() as session:
        newsroom = await editor_room(session, requester)
        sub = await owned(session, requester, subscription_id, lock=True)
        assert sub.id is not None
        if changes.empty():
            raise NothingToChange(sub.id)
        if missing_permissions:
            raise CannotPost(missing_permissions)
        pending = await subscriptions.unfinished(session, sub.id)
        rules.check_editable(sub.id, pending_of(pending) if pending is not None else None, now)
        before = await view_of(session, sub)
        old = Settings.of(before)
        old_schedule = schedule_of(sub)

        if not isinstance(changes.topic_slugs, Keep):
            slugs = changes.topic_slugs
            sub.topic_ids = await topic_ids_of(session, requester.guild_id, slugs) if slugs else None
        if not isinstance(changes.channel_id, Keep):
            sub.channel_id = changes.channel_id
        if not isinstance(changes.target, Keep):
            sub.target = changes.target.value
        if not isinstance(changes.publish, Keep):
            sub.publish = changes.publish
        if sub.publish and sub.target != Target.ANNOUNCEMENT.value:
            # Moved out of an announcement channel: there is nothing to publish any more.
            sub.publish = False
        if not isinstance(changes.mention_role_id, Keep):
            sub.mention_role_id = changes.mention_role_id
        if not isinstance(changes.post_when_empty, Keep):
            sub.post_when_empty = changes.post_when_empty
        schedule = _schedule(sub, changes, default_zone=newsroom.timezone)
        if schedule != old_schedule:
            # The period the digest was waiting for, and every period since the day before it that
            # has a delivery: the new schedule must neither skip the one nor repeat the others.
            current = latest_occurrence(old_schedule, sub.next_due_at)
            first_key = (min(current.day, now.date()) - dt.timedelta(days=2)).isoformat()
            period = rules.edited_period(
                schedule,
                current_day=current.day,
                covered_until=sub.covered_until,
                now=now,
                taken=await subscriptions.period_keys_from(session, sub.id, first_key),
            )
            sub.local_time, sub.timezone = changes_time(changes, sub)
            sub.weekdays = sorted(schedule.weekdays) if schedule.weekdays is not None else None
            sub.next_due_at = period.at
            if pending is None:
                # An unfinished delivery keeps its retry time; otherwise the next look is the new period's.
                sub.next_attempt_at, sub.retry_count = period.at + settle, 0
        await subscriptions.save(session, sub)
        after = await view_of(session, sub)
        edited = Edited(old, Settings.of(after), after)
        if edited.changed:
            await record_settings(session, requester, sub, action="digest.edit", previous=_audit_of(old))
        return edited


def changes_time(changes: Changes, sub: DigestSubscription) -> tuple[str, str]:
    local_time = sub.local_time if isinstance(changes.local_time, Keep) else changes.local_time
    zone = sub.timezone if isinstance(changes.timezone, Keep) else changes.timezone
    return local_time, zone


def _schedule(sub: DigestSubscription, changes: Changes, *, default_zone: str) -> Schedule:
    local_time, zone = changes_time(changes, sub)
    weekdays = sub.weekdays if isinstance(changes.weekdays, Keep) else changes.weekdays
    try:
        return Schedule.of(local_time, zone or default_zone, weekdays)
    except ScheduleError as exc:
        raise InvalidInput(str(exc)) from exc


def _audit_of(settings: Settings) -> dict[str, object]:
    return {
        "channel_id": str(settings.channel_id),
        "local_time": settings.local_time,
        "timezone": settings.timezone,
        "topics": list(settings.topics) if settings.topics is not None else None,
        "weekdays": list(settings.weekdays) if settings.weekdays is not None else None,
        "mention_role_id": str(settings.mention_role_id) if settings.mention_role_id is not None else None,
        "post_when_empty": settings.post_when_empty,
        "target": settings.target.value,
        "publish": settings.publish,
    }
