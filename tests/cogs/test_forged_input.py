"""Payloads no Discord client would send, but a forged request can: refused cleanly, nothing changed."""

from __future__ import annotations

from sqlmodel import func, select

from db.models import AuditRecord, Entry
from tests.newsroom import Desk, text_of


async def _counts(desk: Desk) -> tuple[int, int]:
    async with desk.database.read() as session:
        entries = (await session.execute(select(func.count()).select_from(Entry))).scalar_one()
        audits = (await session.execute(select(func.count()).select_from(AuditRecord))).scalar_one()
    return entries, audits


async def test_undo_button_with_an_absurd_deadline_is_refused_as_invalid(desk: Desk) -> None:
    logged = await desk.harness.slash("log event", {"topic": "atacms", "headline": "Talks held", "source": "Reuters"})
    entry_id = int(text_of(logged).split("`#")[1].split("`")[0])
    assert logged.final is not None
    before = await _counts(desk)
    forged = f"nd1:undo:{entry_id}:{desk.harness.editor.id}:{10**30}"
    message = {**logged.final, "components": [{"type": 1, "components": [
        {"type": 2, "style": 4, "label": "Undo", "custom_id": forged}]}]}  # fmt: skip
    reply = await desk.harness.click(forged, message=message, user=desk.harness.editor)
    assert reply.ephemeral and "out of date or invalid" in text_of(reply)
    assert await _counts(desk) == before


async def test_chronology_dates_are_read_in_the_newsrooms_time_zone(desk: Desk) -> None:
    await desk.harness.slash("settings timezone", {"timezone": "Pacific/Kiritimati"}, user=desk.harness.admin)
    # 20 Sep 2023 11:00 UTC is already 21 Sep in Kiritimati (UTC+14): "today" means the 21st there.
    desk.clock.now = desk.clock.now.replace(hour=11)
    await desk.harness.slash(
        "log event", {"topic": "atacms", "headline": "Local day event", "date": "today", "source": "Reuters"}
    )
    reply = await desk.harness.slash("chronology", {"topic": "atacms", "until": "today"})
    assert "Local day event" in reply.embeds[0]["description"]
    assert "21 Sep 2023" in reply.embeds[0]["description"]
