"""Alert tables beside the digest's: which entries each alert delivery posted, and the edits to make
to posted alerts when such an entry is later undone, retracted, corrected or restored.

An edit row is written in the same transaction as the window that saw the change, and is marked done
only after Discord took the edit, so no edit is lost to a crash; editing twice to the same text is
harmless, so a lease only keeps two processes from doing the same work.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.digest_models import NEVER_REUSE_IDS
from db.models import utcnow


class AlertEntry(SQLModel, table=True):
    __tablename__ = "alert_entry"  # pyright: ignore[reportAssignmentType]  # SQLModel declares it a declared_attr
    __table_args__ = (
        UniqueConstraint("delivery_id", "entry_id", name="uq_alert_entry_delivery"),
        # A later change of an entry: the alerts of this subscription that posted it.
        Index("ix_alert_entry_subscription_entry", "subscription_id", "entry_id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="digest_subscription.id")
    delivery_id: int = Field(foreign_key="digest_delivery.id")
    entry_id: int = Field(foreign_key="entry.id")


class AlertEdit(SQLModel, table=True):
    __tablename__ = "alert_edit"  # pyright: ignore[reportAssignmentType]  # SQLModel declares it a declared_attr
    __table_args__ = (
        # One edit per change (audit record) per alert: a window re-read after a crash adds nothing.
        UniqueConstraint("delivery_id", "record_id", name="uq_alert_edit_record"),
        # The edits still to make, oldest first.
        Index("ix_alert_edit_pending", "done", "id"),
        Index("ix_alert_edit_delivery", "delivery_id", "id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="digest_subscription.id")
    delivery_id: int = Field(foreign_key="digest_delivery.id")
    entry_id: int
    record_id: int  # the audit record of the change
    note: str = Field(max_length=300)
    done: bool = Field(default=False)
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: dt.datetime | None = None
    attempts: int = Field(default=0)
    error: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow)
    done_at: dt.datetime | None = None
