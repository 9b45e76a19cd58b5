"""/entry history as a person reads it, and paged when an entry has been corrected many times."""

from __future__ import annotations

import re

from sqlmodel import col, select

from bot.render.text import local_time
from db.engine import Database
from db.models import AuditRecord
from tests.harness import GUILD_B_ID, Reply
from tests.newsroom import Desk, FakeClock, prepare_newsrooms, running_desk, text_of
from tests.pages import every_page


async def records_of(database: Database, entry_id: int) -> list[AuditRecord]:
    async with database.read() as session:
        stmt = select(AuditRecord).where(AuditRecord.entry_id == entry_id).order_by(col(AuditRecord.id))
        return list((await session.execute(stmt)).scalars())


async def logged_id(reply: Reply) -> int:
    found = re.search(r"`#(\d+)`", text_of(reply))
    assert found is not None, text_of(reply)
    return int(found[1])


async def test_history_names_fields_as_editors_know_them(desk: Desk) -> None:
    h = desk.harness
    await h.slash("settings timezone", {"timezone": "America/New_York"}, user=h.admin)
    logged = await h.slash(
        "log event",
        {"topic": "atacms", "headline": "Talks", "date": "Sep 2023", "source": "AP"},
        user=h.editor,
    )
    entry_id = await logged_id(logged)
    for field, value in (("date", "11 Sep 2023"), ("end", "Oct 2023"), ("source", "Reuters")):
        await h.slash("entry edit", {"id": str(entry_id), "field": field, "value": value}, user=h.editor)
    await h.slash("entry retract", {"id": str(entry_id), "reason": "Duplicate of #3"}, user=h.editor)
    await h.slash("entry restore", {"id": str(entry_id)}, user=h.admin)

    history = await h.slash("entry history", {"id": str(entry_id)}, user=h.editor)
    [embed] = history.embeds
    records = await records_of(desk.database, entry_id)
    labels = ["Logged", "Corrected", "Corrected", "Corrected", "Retracted", "Restored"]
    assert [f["name"] for f in embed["fields"]] == [
        f"{label} · {local_time(r.at, 'America/New_York')}" for label, r in zip(labels, records, strict=True)
    ]
    values = [f["value"] for f in embed["fields"]]
    assert values[1] == f"by <@{h.editor.id}>\n**Date**: Sep 2023 → 11 Sep 2023"
    assert values[2] == f"by <@{h.editor.id}>\n**End date**: none → Oct 2023"
    assert values[3] == f"by <@{h.editor.id}>\n**Source**: AP → Reuters"
    assert values[4] == f"by <@{h.editor.id}>\nreason: Duplicate of #3"
    assert values[5] == f"by <@{h.admin.id}>"
    shown = "\n".join(values)
    for column in ("date_", "end_", "retraction", "retracted_at", "null", "source_name", '"'):
        assert column not in shown
    assert history.allowed_mentions == {"parse": []}
    assert "6 records" in embed["footer"]["text"] and "page" not in embed["footer"]["text"]
    assert history.components == []


async def test_an_entry_corrected_sixteen_times_pages_its_history(database: Database) -> None:
    await prepare_newsrooms(database)
    words = "The minister said the request remains under review and that no decision has been taken "
    clock = FakeClock()
    async with running_desk(database, clock) as desk:
        h = desk.harness
        logged = await h.slash(
            "log statement",
            {"topic": "atacms", "speaker": "John Kirby", "text": (words * 2)[:150], "source": "Reuters"},
            user=h.editor,
        )
        entry_id = await logged_id(logged)
        for n in range(16):
            text = (f"{n:02d} " + words * 2)[:150]
            reason = (f"Correction {n:02d}: " + words * 2)[:150]
            edit = await h.slash(
                "entry edit", {"id": str(entry_id), "field": "text", "value": text, "reason": reason}, user=h.editor
            )
            assert f"Corrected `#{entry_id}`" in text_of(edit)
        first = await h.slash("entry history", {"id": f"#{entry_id}"}, user=h.editor)
        assert first.ephemeral

    # A new bot process: the page buttons carry their state in their ids.
    async with running_desk(database, clock) as desk:
        h = desk.harness
        pages = await every_page(h, first)
        assert len(pages) > 1
        fields = [f for page in pages for f in page.embeds[0]["fields"]]
        records = await records_of(database, entry_id)
        assert len(fields) == len(records) == 17  # every record once, oldest first
        assert [f["name"] for f in fields] == [
            f"{'Logged' if i == 0 else 'Corrected'} · {local_time(r.at, 'UTC')}" for i, r in enumerate(records)
        ]
        for n, field in enumerate(fields[1:]):
            assert f"reason: Correction {n:02d}:" in field["value"] and f"→ {n:02d} The minister" in field["value"]
        for number, page in enumerate(pages, 1):
            assert f"page {number} of {len(pages)}" in page.embeds[0]["footer"]["text"]

        # Each page is read afresh in the clicker's own newsroom: the entry id in a button leads nowhere else.
        button = pages[0].components[0]["components"][2]["custom_id"]
        elsewhere = await h.click(button, user=h.other_guild_user, channel=h.guild(GUILD_B_ID).channel)
        assert elsewhere.ephemeral and not elsewhere.embeds and "No entry" in text_of(elsewhere)
