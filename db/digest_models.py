"""Digest tables: subscriptions, one delivery row per (subscription, period), and delivery attempts.

Exactly-once rests on two things here: the unique (subscription_id, period_key) constraint, which
lets only one process claim a period, and the lease (`claimed_by`, `lease_until`), which lets a
healthy process take over a claim whose holder died. All datetimes are aware UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.digest_rules import DeliveryState
from db.models import utcnow

# Rows of these tables are deleted (`/digest remove`). SQLite would give the highest deleted id to the
# next row, and a new digest would take a removed one's number; PostgreSQL's sequences never go back.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class DigestSubscription(SQLModel, table=True):
    __tablename__ = "digest_subscription"  # pyright: ignore[reportAssignmentType]  # SQLModel declares it a declared_attr
    __table_args__ = (
        # Each scheduler's only per-tick query: unpaused subscriptions of its mode (digests; alerts and
        # follows) whose next action is due.
        Index("ix_digest_subscription_due", "mode", "paused", "next_attempt_at"),
        Index("ix_digest_subscription_newsroom", "newsroom_id", "id"),
        # The editor notice: newsrooms with a failure nobody has been told about yet.
        Index("ix_digest_subscription_notice", "notice_pending", "newsroom_id"),
        # A member's follow in a newsroom: one row each, found by /follow and on leaving.
        Index("ix_digest_subscription_recipient", "newsroom_id", "recipient_id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    newsroom_id: int = Field(sa_type=BigInteger, foreign_key="newsroom.id")
    channel_id: int = Field(sa_type=BigInteger)
    local_time: str = Field(max_length=5)  # "HH:MM", 24-hour, in `timezone`
    timezone: str = Field(max_length=64)
    topic_ids: list[int] | None = Field(default=None, sa_type=JSON)  # None = every topic of the newsroom
    weekdays: list[int] | None = Field(default=None, sa_type=JSON)  # 0 = Monday; None = every day
    mention_role_id: int | None = Field(default=None, sa_type=BigInteger)
    post_when_empty: bool = Field(default=True)
    # What `channel_id` is (bot.core.digest_targets.Target): a text or announcement channel, a
    # thread, or a forum where each digest is a new post. `publish` crossposts from an announcement
    # channel to the servers following it.
    target: str = Field(default="text", max_length=16)
    publish: bool = Field(default=False)
    # digest (on a schedule), alert (instant, to a channel) or follow (instant, by DM to `recipient_id`);
    # see bot.core.alert_rules. Alerts keep `local_time`/`timezone` only to show times.
    mode: str = Field(default="digest", max_length=16)
    kinds: list[str] | None = Field(default=None, sa_type=JSON)  # alerts: what changes post; None = status
    # follows: the kinds per followed topic id (as a string: JSON keys), mirrored in `topic_ids`
    topic_kinds: dict[str, list[str]] | None = Field(default=None, sa_type=JSON)
    recipient_id: int | None = Field(default=None, sa_type=BigInteger)

    paused: bool = Field(default=False)
    paused_reason: str | None = Field(default=None, max_length=300)
    paused_at: dt.datetime | None = None
    # Set when a delivery failure paused it; cleared once an editor has been shown the notice.
    notice_pending: bool = Field(default=False)

    # The scheduled moment of the next period, and the end of the last period delivered (= the
    # start of the next digest's window).
    next_due_at: dt.datetime
    covered_until: dt.datetime
    # When the scheduler should next look at it: next_due_at plus the settle delay, or later while
    # another process holds a lease or after a transient failure (backoff).
    next_attempt_at: dt.datetime
    retry_count: int = Field(default=0)
    last_sent_at: dt.datetime | None = None

    created_by: int = Field(default=0, sa_type=BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow)


class DigestDelivery(SQLModel, table=True):
    __tablename__ = "digest_delivery"  # pyright: ignore[reportAssignmentType]  # SQLModel declares it a declared_attr
    __table_args__ = (
        UniqueConstraint("subscription_id", "period_key", name="uq_digest_delivery_period"),
        Index("ix_digest_delivery_subscription_state", "subscription_id", "state"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="digest_subscription.id")
    period_key: str = Field(max_length=10)  # local date of the period, e.g. 2026-03-29
    due_at: dt.datetime  # the period's scheduled moment
    window_start: dt.datetime  # exclusive
    window_end: dt.datetime  # inclusive
    state: str = Field(default=DeliveryState.CLAIMED.value, max_length=16)
    nonce: str = Field(default="", max_length=25)  # Discord's nonce limit; parts append ".N"
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: dt.datetime | None = None
    lease_until: dt.datetime | None = None
    manual: bool = Field(default=False)  # posted by /digest send-now
    # The rendered messages, stored once so every retry posts exactly the same parts.
    payload: list[dict[str, Any]] | None = Field(default=None, sa_type=JSON)
    message_ids: list[str | None] = Field(default_factory=list, sa_type=JSON)
    attempts: int = Field(default=0)
    created_at: dt.datetime = Field(default_factory=utcnow)
    sent_at: dt.datetime | None = None


class DigestAttempt(SQLModel, table=True):
    __tablename__ = "digest_attempt"  # pyright: ignore[reportAssignmentType]  # SQLModel declares it a declared_attr
    __table_args__ = (Index("ix_digest_attempt_delivery", "delivery_id", "id"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="digest_delivery.id")
    at: dt.datetime = Field(default_factory=utcnow)
    outcome: str = Field(max_length=16)  # sent / reconciled / retry / paused / skipped
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    error: str | None = Field(default=None, max_length=500)
    process: str = Field(default="", max_length=64)
