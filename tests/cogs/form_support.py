"""Helpers shared by the stored-form tests (bot.forms): a refused submission, and the forms stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import func, select

from db.engine import Database
from db.pending_forms import PendingForm
from tests.hostile.checker import error_log
from tests.newsroom import Desk, db_rows, text_of

EXPIRED = "This form has expired"
# Forged form ids: empty, a token never issued, one too long for a token, one far too long for an id.
FORGED_TOKENS = ("", "A" * 22, "B" * 33, "9" * 90)


async def refused_form(desk: Desk, form_id: str, values: Mapping[str, str], typed: Iterable[str], **who: Any) -> str:
    """Submit ``values``: refused, privately, with nothing written, nothing logged as our error, and
    every text in ``typed`` handed back (the form is gone, so nothing is lost). The refusal's text."""
    before = await db_rows(desk.database)
    with error_log() as log:
        refused = await desk.harness.submit_modal(form_id, dict(values), **who)
    assert log.take() == []
    assert refused.ephemeral and not refused.embeds, refused
    assert await db_rows(desk.database) == before
    text = text_of(refused)
    for value in typed:
        assert value in text, text
    return text


async def pending_forms(database: Database) -> int:
    async with database.read() as session:
        return (await session.execute(select(func.count()).select_from(PendingForm))).scalar_one()
