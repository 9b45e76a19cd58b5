"""/topic edit takes a reason, and /topic history shows the topic's own changes, paged within limits."""

from __future__ import annotations

from typing import Any

from bot.render.text import local_time
from db.engine import Database
from tests.cogs.log_support import (
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    embed_text,
)
from tests.cogs.test_topic import topic_audit, topic_named
from tests.harness import GUILD_B_ID
from tests.newsroom import Desk, FakeClock, db_rows, prepare_newsrooms, running_desk, text_of
from tests.pages import every_page, numbered_fields


async def test_topic_edit_requires_a_reason_and_records_it(desk: Desk) -> None:
    h = desk.harness
    [edit] = [c for c in h.tree.walk_commands() if c.qualified_name == "topic edit"]
    assert next(p for p in edit.parameters if p.name == "reason").required  # type: ignore[union-attr]
    rows = await db_rows(desk.database)
    blank = await h.slash("topic edit", {"topic": "atacms", "reason": "  ", "title": "New"}, user=h.editor)
    assert blank.ephemeral and "`reason` can't be empty" in text_of(blank)
    assert await db_rows(desk.database) == rows
    saved = await h.slash(
        "topic edit", {"topic": "atacms", "reason": "NATO summit set", "next_step": "Summit in July"}, user=h.editor
    )
    assert not saved.ephemeral
    topic = await topic_named(desk.database, "atacms")
    record = (await topic_audit(desk.database, topic.id or 0))[-1]
    assert (record.action, record.reason) == ("topic.edit", "NATO summit set")


async def test_history_names_fields_as_editors_know_them_with_who_and_when(desk: Desk) -> None:
    h = desk.harness
    await h.slash(
        "topic edit",
        {"topic": "atacms", "reason": "Summit", "next_step": "Summit in July", "aliases": "-"},
        user=h.editor,
    )
    await h.slash("topic fact add", {"topic": "atacms", "text": "A new fact.", "source": "AP"}, user=h.editor)
    await h.slash("topic fact remove", {"topic": "atacms", "fact": "#1", "reason": "Outdated"}, user=h.editor)
    await h.slash("log event", {"topic": "atacms", "headline": "Talks", "source": "AP"}, user=h.editor)
    reply = await h.slash("topic history", {"topic": "atacms"}, user=h.reader)
    assert reply.ephemeral  # private unless asked otherwise, like /entry history
    [embed] = reply.embeds
    assert embed["title"] == "History of topic `atacms`"
    names = [f["name"].split(" · ")[0] for f in embed["fields"]]
    assert names == ["Created", "Edited", "Background fact added", "Background fact removed"]  # no entry's change
    edited = embed["fields"][1]["value"]
    assert f"by <@{h.editor.id}>" in edited and "reason: Summit" in edited
    assert "**Next step**:" in edited and "→ Summit in July" in edited
    assert "**Aliases**: army tactical missile system, " in edited and "→ none" in edited
    assert "**Background fact #4** added: A new fact. (AP)" in embed["fields"][2]["value"]
    removed = embed["fields"][3]["value"]
    assert "reason: Outdated" in removed and "**Background fact #1** removed: The missiles in question" in removed
    topic = await topic_named(desk.database, "atacms")
    records = await topic_audit(desk.database, topic.id or 0)
    assert embed["fields"][1]["name"] == f"Edited · {local_time(records[1].at, 'UTC')}"
    public = await h.slash("topic history", {"topic": "atacms", "private": False}, user=h.reader)
    assert not public.ephemeral


async def test_another_newsrooms_topic_has_no_history_to_show(desk: Desk) -> None:
    h = desk.harness
    reply = await h.slash("topic history", {"topic": "atacms"}, user=h.other_guild_user, guild=GUILD_B_ID)
    assert reply.ephemeral and not reply.embeds and "No topic matches `atacms`" in text_of(reply)


async def test_a_long_history_pages_within_discords_limits_and_after_a_restart(database: Database) -> None:
    await prepare_newsrooms(database)
    clock = FakeClock()
    long_text = "Officials say the request is under review and that no decision has been taken yet. " * 12
    async with running_desk(database, clock) as desk:
        h = desk.harness
        for n in range(14):
            reply = await h.slash(
                "topic edit",
                {"topic": "atacms", "reason": f"Round {n:02d} " + "r" * 400, "summary": f"{n:02d} {long_text}"[:1000]},
                user=h.editor,
            )
            assert not reply.ephemeral, reply.content
        first = await h.slash("topic history", {"topic": "atacms"}, user=h.editor)
    async with running_desk(database, clock) as desk:
        h = desk.harness
        pages = await every_page(h, first)
        fields = numbered_fields(pages)
        assert len(pages) > 1 and len(fields) == 15  # created, then every edit once, oldest first
        for n, field in enumerate(fields[1:]):
            assert f"reason: Round {n:02d}" in field["value"] and f"→ {n:02d} Officials" in field["value"]
        # Read afresh in the clicker's newsroom: the topic id in a button leads nowhere else.
        next_page = pages[0].components[0]["components"][2]["custom_id"]
        elsewhere = await h.click(next_page, user=h.other_guild_user, channel=h.guild(GUILD_B_ID).channel)
        assert elsewhere.ephemeral and not elsewhere.embeds and "No topic matches" in text_of(elsewhere)


async def test_history_lists_fact_corrections_field_by_field(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    await h.slash(
        "topic fact edit",
        {"topic": "atacms", "fact": "#2", "reason": "Source", "source": "Pentagon", "url": "https://defense.gov/x"},
        user=h.editor,
    )
    reply = await h.slash("topic history", {"topic": "atacms"}, user=h.editor)
    text = embed_text(reply.embeds[0])
    assert "**Background fact #2 source**: News report, Sep 2023 → Pentagon" in text
    assert "**Background fact #2 URL**: none → https://defense.gov/x" in text
