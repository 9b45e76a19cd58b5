"""Reminder tables: one row per message to the editors' channel, and one per reminder it carries.

Exactly-once rests on the reminder key's primary key: a reminder is claimed by inserting its key in
the transaction that creates the message carrying it, so two processes that see the same reminder due
cannot both claim it. The message row then goes through the states of `bot.core.reminders.State`
under a lease (`claimed_by`, `lease_until`), as a digest delivery does: a process that dies between
claiming and posting, or between posting and recording it, leaves the lease to expire, and the next
one reconciles with the channel (by the nonce in the message's footer) before it posts again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Index
from sqlmodel import Field, SQLModel

from bot.core.reminders import KEY_MAX, State
from db.digest_models import NEVER_REUSE_IDS
from db.models import utcnow


class ReminderNotice(SQLModel, table=True):
    __tablename__: ClassVar[str] = "reminder_notice"
    __table_args__ = (
        # The per-tick query for messages left unfinished: by state, then lease expiry.
        Index("ix_reminder_notice_unfinished", "state", "lease_until"),
        Index("ix_reminder_notice_newsroom", "newsroom_id", "id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    newsroom_id: int = Field(sa_type=BigInteger, foreign_key="newsroom.id")
    channel_id: int = Field(sa_type=BigInteger)
    kind: str = Field(max_length=16)
    # What the message says, as plain JSON the Discord layer renders (the same on every retry).
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    state: str = Field(default=State.CLAIMED.value, max_length=16)
    nonce: str = Field(default="", max_length=25)
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: dt.datetime | None = None
    attempts: int = Field(default=0)
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    error: str | None = Field(default=None, max_length=300)
    created_at: dt.datetime = Field(default_factory=utcnow)
    sent_at: dt.datetime | None = None


class ReminderKey(SQLModel, table=True):
    __tablename__: ClassVar[str] = "reminder_key"
    __table_args__ = (Index("ix_reminder_key_notice", "notice_id"),)

    key: str = Field(primary_key=True, max_length=KEY_MAX)
    newsroom_id: int = Field(sa_type=BigInteger, foreign_key="newsroom.id")
    notice_id: int = Field(foreign_key="reminder_notice.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
