"""Forms (Discord modals) opened and not yet submitted: their state, so a submission after a restart,
or handled by another process, finds what the command that opened the form had gathered.

A form is transient: it belongs to the member who opened it, in their newsroom, until it expires;
it is not newsroom data and is not exported.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Index
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col, delete, select

from db.models import utcnow

TOKEN_MAX = 32


class PendingForm(SQLModel, table=True):
    __tablename__: ClassVar[str] = "pending_form"
    __table_args__ = (Index("ix_pending_form_expires_at", "expires_at"),)

    # A random token, carried in the modal's custom_id; alone it grants nothing (see `find`).
    id: str = Field(primary_key=True, max_length=TOKEN_MAX)
    newsroom_id: int = Field(sa_type=BigInteger)
    user_id: int = Field(sa_type=BigInteger)
    kind: str = Field(max_length=32)
    state: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime


async def add(session: AsyncSession, form: PendingForm, *, now: dt.datetime) -> None:
    # Forms opened and never submitted go when any form is next opened: one indexed delete.
    await session.execute(delete(PendingForm).where(col(PendingForm.expires_at) <= now))
    session.add(form)


async def find(
    session: AsyncSession, *, token: str, newsroom_id: int, user_id: int, now: dt.datetime
) -> PendingForm | None:
    """The form, only for the member who opened it, in their newsroom, before it expires."""
    stmt = select(PendingForm).where(
        PendingForm.id == token,
        PendingForm.newsroom_id == newsroom_id,
        PendingForm.user_id == user_id,
        col(PendingForm.expires_at) > now,
    )
    return (await session.execute(stmt)).scalars().first()


async def remove(session: AsyncSession, *, token: str, newsroom_id: int, user_id: int) -> None:
    await session.execute(
        delete(PendingForm).where(
            col(PendingForm.id) == token,
            col(PendingForm.newsroom_id) == newsroom_id,
            col(PendingForm.user_id) == user_id,
        )
    )
