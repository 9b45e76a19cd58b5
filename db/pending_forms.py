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
from sqlmodel import Field, SQLModel, col, delete, or_, select, update

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
    # The interaction that submitted it: a form is used once, but Discord delivering that same
    # submission again must find it (and the entry it stored), not a refusal.
    submitted_by: int | None = Field(default=None, sa_type=BigInteger)


async def add(session: AsyncSession, form: PendingForm, *, now: dt.datetime) -> None:
    # Forms opened and never submitted go when any form is next opened: one indexed delete.
    await session.execute(delete(PendingForm).where(col(PendingForm.expires_at) <= now))
    session.add(form)


def _owned(token: str, newsroom_id: int, user_id: int) -> list[Any]:
    return [col(PendingForm.id) == token, col(PendingForm.newsroom_id) == newsroom_id, PendingForm.user_id == user_id]


async def find(
    session: AsyncSession, *, token: str, newsroom_id: int, user_id: int, interaction_id: int, now: dt.datetime
) -> PendingForm | None:
    """The form, only for the member who opened it, in their newsroom, before it expires, unless
    another interaction submitted it already."""
    unused = or_(col(PendingForm.submitted_by).is_(None), col(PendingForm.submitted_by) == interaction_id)
    stmt = select(PendingForm).where(*_owned(token, newsroom_id, user_id), col(PendingForm.expires_at) > now, unused)
    return (await session.execute(stmt)).scalars().first()


async def mark_submitted(
    session: AsyncSession, *, token: str, newsroom_id: int, user_id: int, interaction_id: int
) -> None:
    stmt = update(PendingForm).where(*_owned(token, newsroom_id, user_id)).values(submitted_by=interaction_id)
    await session.execute(stmt)
