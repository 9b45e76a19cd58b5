"""What the digest runner needs from outside: a Poster (Discord), a Clock and a renderer, and the
claim it works on. The discord.py Poster and the renderer live in the Discord layer (`bot.digest`);
tests pass fakes.

Rendered parts travel as the JSON they are stored as in the delivery row, so the runner never sees
a Discord type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.core import digest_rules as rules
from bot.core.digest_targets import Target, forum_title
from bot.services.digest_content import DigestContent
from db.digest_claims import Held

Part = dict[str, Any]


class Refused(Exception):
    """Discord will not accept posts in this channel until someone fixes it (403/404)."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


class RetryLater(Exception):
    """A transient failure (429 after the client's own retries, 5xx, timeouts): worth retrying. It
    may have happened after Discord created the message, so the next attempt reconciles first."""


@dataclass(frozen=True, slots=True)
class Where:
    """Where a part goes: a channel or thread, or a forum in which the first part opens a post
    titled `title`. `publish`: crosspost it from an announcement channel."""

    channel_id: int
    target: Target = Target.TEXT
    publish: bool = False
    title: str = ""


class Poster(Protocol):
    async def post(
        self, where: Where, part: Mapping[str, Any], *, nonce: str, mention_role_id: int | None, first_part: bool
    ) -> str:
        """Post one part; the posted message's id (in a forum, the first part's id is the new
        post's). Raises Refused or RetryLater."""
        ...

    async def find_posted(self, where: Where, *, nonce: str, since: dt.datetime) -> dict[int, str]:
        """Parts of the delivery with this nonce already posted there (in a forum, in the post it
        opened): message ids by part index."""
        ...


class Clock(Protocol):
    def __call__(self) -> dt.datetime: ...


class Render(Protocol):
    def __call__(
        self,
        content: DigestContent,
        *,
        zone: ZoneInfo,
        period_day: dt.date,
        mention_role_id: int | None,
        ref: str | None = None,
    ) -> list[Part]: ...


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
    payload: list[Part] | None
    message_ids: list[str | None]
    timezone: str
    topic_ids: list[int] | None
    mention_role_id: int | None
    post_when_empty: bool
    manual: bool
    created_at: dt.datetime  # when the period was first claimed: posted parts can't be older
    target: Target = Target.TEXT
    publish: bool = False

    @property
    def destination(self) -> Where:
        """Where the delivery posts (for a forum: the forum, where its post is opened or found)."""
        title = forum_title(self.subscription_id, self.period_day) if self.target is Target.FORUM else ""
        return Where(self.channel_id, self.target, self.publish, title)

    def where_part(self, index: int, ids: list[str | None]) -> Where:
        """In a forum only the first part opens the post; the later parts go inside it (the post's
        id is its first message's)."""
        if self.target is Target.FORUM and index > 0 and ids[0]:
            return Where(int(ids[0]), Target.THREAD)
        return self.destination

    @property
    def period_day(self) -> dt.date:
        return dt.date.fromisoformat(self.period_key)

    @property
    def needs_reconcile(self) -> bool:
        return rules.needs_reconcile(self.state)

    @classmethod
    def of(cls, held: Held) -> Claim:
        sub, delivery = held
        assert sub.id is not None and delivery.id is not None
        return cls(
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
            target=Target(sub.target),
            publish=sub.publish,
        )
