"""Forms awaiting submission: stored when opened, found again by the member who opened them."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from bot.core.errors import FormExpired
from bot.core.requester import Requester
from db import pending_forms
from db.engine import Database
from db.pending_forms import PendingForm

FORM_LIFETIME = dt.timedelta(hours=24)
# 16 random bytes: 22 URL-safe characters, so a form's id fits a custom_id with room to spare.
TOKEN_BYTES = 16


async def open_form(db: Database, requester: Requester, *, kind: str, state: dict[str, Any], now: dt.datetime) -> str:
    """Store a form's state; the token returned goes into the form's custom_id."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    form = PendingForm(
        id=token, kind=kind, state=state, created_at=now, expires_at=now + FORM_LIFETIME, **_owner(requester)
    )
    async with db.write() as session:
        await pending_forms.add(session, form, now=now)
    return token


async def pending_form(db: Database, requester: Requester, *, token: str, now: dt.datetime) -> PendingForm:
    """The requester's own form, unexpired; anything else is FormExpired (nothing says whether it exists)."""
    async with db.read() as session:
        form = await pending_forms.find(
            session, token=token, interaction_id=requester.interaction_id or 0, now=now, **_owner(requester)
        )
    if form is None:
        raise FormExpired()
    return form


async def close_form(db: Database, requester: Requester, *, token: str) -> None:
    """A submitted form is used up (except for a second delivery of the same submission)."""
    async with db.write() as session:
        await pending_forms.mark_submitted(
            session, token=token, interaction_id=requester.interaction_id or 0, **_owner(requester)
        )


def _owner(requester: Requester) -> dict[str, int]:
    return {"newsroom_id": requester.guild_id, "user_id": requester.user_id}
