"""What a digest reports: the net change per entry in its window, read from the audit log."""

from __future__ import annotations

import datetime as dt

from bot.core.schedule import load_zone
from bot.digest.render import item_line, render_digest
from bot.services.digest_content import DigestContent, ItemKind
from bot.services.digest_windows import window_content
from db.engine import Database
from tests.digest.support import Writer, row_id, utc
from tests.harness import DiscordHarness

START, END = utc(2026, 3, 20, 9), utc(2026, 3, 21, 9)
BEFORE, INSIDE, AFTER = utc(2026, 3, 19, 12), utc(2026, 3, 20, 12), utc(2026, 3, 21, 12)


async def build(h: DiscordHarness, room: Writer, slugs: list[str] | None = None) -> DigestContent:
    topic_ids = [row_id(room.topics[s]) for s in slugs] if slugs else None
    return await window_content(room.db, newsroom_id=room.guild_id, topic_ids=topic_ids, start=START, end=END)


def lines(content: DigestContent) -> dict[str, list[str]]:
    return {t.topic.slug: [item_line(i) for i in t.items] for t in content.changed}


async def test_new_status_statement_and_event_with_sources(database: Database, h: DiscordHarness, room: Writer) -> None:
    await room.topic("atacms", "ATACMS")
    await room.status("atacms", "under_review", "Request under review", BEFORE, date=dt.date(2026, 3, 1))
    approved = await room.status("atacms", "approved", "The President approved it", INSIDE)
    said = await room.statement(
        "atacms", "Matthew Miller", "We have nothing to announce today.", INSIDE, speaker_org="State Department"
    )
    await room.event("atacms", "Delegation visits Kyiv", INSIDE, details="Talks on air defence.")
    content = await build(h, room)
    [topic] = content.changed
    assert [i.kind for i in topic.items] == [ItemKind.STATUS, ItemKind.EVENT, ItemKind.STATEMENT]
    status, event, statement = (item_line(i) for i in topic.items)
    assert "Decision: **Under review → Approved** (" in status and "The President approved it" in status
    assert "[State Department](https://www.state.gov/briefing)" in status and f"`#{approved.id}`" in status
    assert "**Matthew Miller** (Spokesperson, State Department)" in statement
    assert "“We have nothing to announce today.”" in statement and f"`#{said.id}`" in statement
    assert "[Reuters](https://www.reuters.com/world/item)" in statement
    assert "**Delegation visits Kyiv**" in event and "Talks on air defence." in event and "[AP](" in event


async def test_each_axis_moves_on_its_own_with_quantities(database: Database, h: DiscordHarness, room: Writer) -> None:
    await room.topic("atacms")
    await room.status(
        "atacms", "under_review", "Reviewing", BEFORE, date=dt.date(2026, 3, 1), delivery="none_announced"
    )
    await room.status("atacms", "approved", "Approved", INSIDE, date=dt.date(2026, 3, 10))
    extra = {"delivery": "partly_delivered", "committed": 300.0, "delivered": 100.0, "unit": "missiles"}
    await room.status("atacms", None, "First batch", INSIDE, date=dt.date(2026, 3, 12), **extra)
    # Backdated on the delivery axis only: the decision it sets is still the newest.
    await room.status("atacms", "declined", "Was announced", INSIDE, date=dt.date(2026, 3, 11), delivery="announced")
    found = lines(await build(h, room))["atacms"]
    assert any(
        "Delivery: **None announced → Partly delivered**, 100 of 300 missiles (12 Mar 2026). First batch" in line
        for line in found
    ), found
    assert any(
        "Decision: **Under review → Declined** · Delivery: **Announced** (11 Mar 2026)" in line for line in found
    )
    assert any(
        "Status logged for 10 Mar 2026: Decision: **Approved** (earlier; not the current status)" in line
        for line in found
    ), found


async def test_a_backdated_status_is_not_reported_as_the_new_status(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    await room.topic("atacms")
    await room.status("atacms", "approved", "Approved", BEFORE, date=dt.date(2026, 3, 10))
    await room.status("atacms", "under_review", "Was under review", INSIDE, date=dt.date(2025, 12, 1))
    [line] = lines(await build(h, room))["atacms"]
    assert "Status logged for 1 Dec 2025: Decision: **Under review** (earlier; not the current status)" in line


async def test_corrections_retractions_and_restores(database: Database, h: DiscordHarness, room: Writer) -> None:
    await room.topic("atacms")
    quote = await room.statement("atacms", "Jane Doe", "We will decide soon.", BEFORE)
    wrong = await room.event("atacms", "Missiles delivered", BEFORE)
    undone = await room.event("atacms", "Logged by mistake", BEFORE)
    back = await room.event("atacms", "Restored event", BEFORE)
    await room.retract(back, BEFORE, reason="unconfirmed")
    await room.edit(quote, INSIDE, reason="misquoted", text="We will decide within weeks.")
    await room.retract(wrong, INSIDE, reason="Delivery was not confirmed")
    await room.retract(undone, INSIDE, reason="Undone by its author right after logging", action="entry.undo")
    await room.restore(back, INSIDE, reason="confirmed by two sources")
    items = (await build(h, room)).changed[0].items
    assert [i.kind for i in items] == [ItemKind.CORRECTION, ItemKind.RETRACTION, ItemKind.RETRACTION, ItemKind.RESTORE]
    correction, retracted, undone_line, restored = (item_line(i) for i in items)
    assert f"Corrected `#{quote.id}` (statement by Jane Doe)" in correction
    assert (
        "text: We will decide soon. → We will decide within weeks." in correction and "Reason: misquoted." in correction
    )
    assert f"Retracted `#{wrong.id}`" in retracted and "Delivery was not confirmed" in retracted
    assert f"Retracted `#{undone.id}`" in undone_line and "Undone by its author" in undone_line
    assert f"Restored `#{back.id}`" in restored and "confirmed by two sources" in restored


async def test_logged_and_withdrawn_in_the_same_window_is_not_news(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    await room.topic("atacms")
    oops = await room.event("atacms", "Oops", INSIDE)
    await room.retract(oops, INSIDE + dt.timedelta(minutes=2), action="entry.undo")
    edited = await room.event("atacms", "Fresh", INSIDE)
    await room.edit(edited, INSIDE + dt.timedelta(minutes=5), headline="Fresh, corrected")
    [line] = lines(await build(h, room))["atacms"]
    # Logged then corrected within the window: reported once, as it stands at the end of the window.
    assert "**Fresh, corrected**" in line and "Corrected" not in line


async def test_retracting_the_current_status_reports_the_status_moving_back(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    await room.topic("atacms")
    await room.status("atacms", "under_review", "Reviewing", BEFORE, date=dt.date(2026, 3, 1))
    approved = await room.status("atacms", "approved", "Approved", BEFORE, date=dt.date(2026, 3, 15))
    await room.retract(approved, INSIDE, reason="misreported")
    found = lines(await build(h, room))["atacms"]
    assert any("Decision: **Approved → Under review**" in line for line in found)
    assert any(f"Retracted `#{approved.id}`" in line for line in found)


async def test_topics_without_changes_share_one_line_and_the_topic_filter_applies(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    for slug in ("atacms", "tariffs", "tiktok", "f16"):
        await room.topic(slug, slug.title())
    await room.event("atacms", "Only ATACMS moved", INSIDE)
    await room.event("tiktok", "Not followed", INSIDE)
    await room.event("tariffs", "Outside the window", AFTER)
    content = await build(h, room, ["atacms", "tariffs", "f16"])
    assert [t.topic.slug for t in content.changed] == ["atacms"]
    assert [t.slug for t in content.unchanged] == ["f16", "tariffs"]
    parts = render_digest(content, zone=load_zone("Europe/London"), period_day=END.date(), ref="d1k20260321")
    descriptions = [e["description"] for p in parts for e in p.embeds]
    assert "No change on F16 (`f16`), Tariffs (`tariffs`)." in descriptions
    assert not any("Not followed" in d or "Outside the window" in d for d in descriptions)
