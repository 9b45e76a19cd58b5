"""Newsroom isolation: guild A's topics and entries do not exist for guild B, by any path.

Guild B's editor (``other_guild_user``) uses guild A's slug or entry id, and must get exactly the answer a
nonexistent one gets, with nothing changed anywhere.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from db.engine import Database
from db.models import Entry, Topic
from tests.harness import GUILD_A_ID, GUILD_B_ID, DiscordHarness, Reply
from tests.newsroom import Desk, db_rows, text_of

MISSING_ENTRY = 7_654_321  # an id no test database reaches


async def a_entry(database: Database, seed_key: str = "atacms-kirby-interview") -> Entry:
    async with database.read() as session:
        stmt = select(Entry).where(Entry.newsroom_id == GUILD_A_ID, Entry.seed_key == seed_key)
        return (await session.execute(stmt)).scalars().one()


async def a_topic_id(database: Database) -> int:
    async with database.read() as session:
        stmt = select(Topic.id).where(Topic.newsroom_id == GUILD_A_ID, Topic.slug == "atacms")
        return int((await session.execute(stmt)).scalar_one())


def same_answer(existing_elsewhere: Reply, missing: Reply, *pairs: tuple[str, str]) -> None:
    """Both replies are the same refusal once the two ids/slugs are swapped: nothing tells them apart."""
    assert existing_elsewhere.ephemeral and missing.ephemeral
    text = existing_elsewhere.content or ""
    for ours, theirs in pairs:
        text = text.replace(ours, theirs)
    assert text == missing.content
    assert existing_elsewhere.embeds == missing.embeds == []
    assert existing_elsewhere.components == missing.components == []


async def as_b(h: DiscordHarness[Any], command: str, options: dict[str, Any]) -> Reply:
    return await h.slash(command, options, user=h.other_guild_user, guild=GUILD_B_ID)


TOPIC_COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("log status", {"decision": "approved", "note": "Approved."}),
    ("log statement", {"speaker": "John Kirby", "text": "Words."}),
    ("log statement", {"speaker": "John Kirby"}),  # the modal path checks first
    ("log event", {"headline": "Talks"}),
    ("topic edit", {"title": "Hijacked", "reason": "Brought up to date"}),
    ("topic archive", {}),
    ("topic unarchive", {}),
    ("status", {}),
    ("status", {"history": True}),
    ("latest", {}),
    ("chronology", {}),
]


async def test_guild_a_topic_used_in_guild_b_is_exactly_like_a_missing_one(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for command, options in TOPIC_COMMANDS:
        with subtests.test(f"{command} {sorted(options)}"):
            elsewhere = await as_b(h, command, {"topic": "atacms", **options})
            missing = await as_b(h, command, {"topic": "zqxjw", **options})
            assert "No topic matches" in (missing.content or "")
            same_answer(elsewhere, missing, ("atacms", "zqxjw"))
            # Also by alias and by title, which guild A's topic would match at home.
            for name in ("ATACMS long-range missiles for Ukraine", "army tactical missile system"):
                by_name = await as_b(h, command, {"topic": name, **options})
                assert by_name.ephemeral and "No topic matches" in (by_name.content or "")
            assert await db_rows(desk.database) == rows


ENTRY_COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("entry edit", {"field": "text", "value": "Hijacked"}),
    ("entry retract", {"reason": "Hijacked"}),
    ("entry restore", {}),
    ("entry history", {}),
]


async def test_guild_a_entry_id_used_in_guild_b_is_exactly_like_a_missing_one(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    live = await a_entry(desk.database)
    retracted = await a_entry(desk.database, "atacms-miller-sep11")
    await h.slash("entry retract", {"id": str(retracted.id), "reason": "So a restore would do something"})
    rows = await db_rows(desk.database)
    for command, options in ENTRY_COMMANDS:
        target = retracted if command == "entry restore" else live
        with subtests.test(command):
            elsewhere = await as_b(h, command, {"id": f"#{target.id}", **options})
            missing = await as_b(h, command, {"id": f"#{MISSING_ENTRY}", **options})
            assert "No entry" in (missing.content or "")
            same_answer(elsewhere, missing, (f"#{target.id}", f"#{MISSING_ENTRY}"))
            assert await db_rows(desk.database) == rows


async def test_guild_b_autocomplete_never_offers_guild_a_topics_or_speakers(desk: Desk) -> None:
    h = desk.harness
    created = await as_b(h, "topic create", {"slug": "f16-jets", "title": "F-16 jets", "aliases": "Fighting Falcon"})
    assert "Created topic `f16-jets`" in (created.content or "")
    for typed in ("", "a", "atacms", "missile", "ukraine", "f"):
        for command in ("status", "log status", "topic edit", "chronology"):
            choices = await h.autocomplete(command, "topic", typed, user=h.other_guild_user, guild=GUILD_B_ID)
            assert {c["value"] for c in choices} <= {"f16-jets"}, (command, typed, choices)
    b_all = await h.autocomplete("status", "topic", "", user=h.other_guild_user, guild=GUILD_B_ID)
    assert [c["value"] for c in b_all] == ["f16-jets"]
    a_all = await h.autocomplete("status", "topic", "", user=h.reader)
    assert [c["value"] for c in a_all] == ["atacms"]
    speakers = await h.autocomplete(
        "log statement", "speaker", "", {"topic": "f16-jets"}, user=h.other_guild_user, guild=GUILD_B_ID
    )
    assert speakers == []


async def test_each_newsroom_has_its_own_slugs_and_speaker_memory(desk: Desk) -> None:
    h = desk.harness
    # Guild B may use the slug guild A uses: it is a different story in a different newsroom.
    created = await as_b(h, "topic create", {"slug": "atacms", "title": "ATACMS, B's own coverage"})
    assert "Created topic `atacms`" in (created.content or "")
    logged = await as_b(
        h, "log statement", {"topic": "atacms", "speaker": "John Kirby", "text": "B's quote.", "source": "Reuters"}
    )
    found = re.search(r"`#(\d+)`", text_of(logged))
    assert found is not None
    entry_id = int(found[1])
    async with desk.database.read() as session:
        entry = await session.get(Entry, entry_id)
    assert entry is not None and entry.newsroom_id == GUILD_B_ID
    assert (entry.speaker_role, entry.speaker_org) == (None, None)  # guild A's memory of Kirby is not used
    a_card = await h.slash("status", {"topic": "atacms"}, user=h.reader)
    assert a_card.embeds[0]["title"] == "ATACMS long-range missiles for Ukraine"
    assert "B's quote" not in str(a_card.embeds)
    b_card = await as_b(h, "status", {"topic": "atacms"})
    assert b_card.embeds[0]["title"] == "ATACMS, B's own coverage" and "B's quote" in str(b_card.embeds)


async def test_guild_a_undo_button_pressed_in_guild_b_changes_nothing(desk: Desk) -> None:
    h = desk.harness
    logged = await h.slash(
        "log status",
        {"topic": "atacms", "decision": "approved", "note": "Approved.", "source": "Reuters"},
        user=h.editor,
    )
    found = re.search(r"`#(\d+)`", text_of(logged))
    assert found is not None
    entry_id = int(found[1])
    undo = logged.components[0]["components"][0]["custom_id"]
    expires = undo.rsplit(":", 1)[1]
    rows = await db_rows(desk.database)
    forwarded = {**(logged.final or {}), "id": "1", "channel_id": str(h.guild_b.channel.id)}
    # The real button: it was not guild B's editor who logged it.
    pressed = await h.click(undo, message=forwarded, user=h.other_guild_user, guild=GUILD_B_ID)
    assert pressed.ephemeral and "Only the editor who logged this entry" in (pressed.content or "")
    # A crafted one naming guild B's editor as author: the entry does not exist in guild B.
    forged = f"nd1:undo:{entry_id}:{h.other_guild_user.id}:{expires}"
    missing = f"nd1:undo:{MISSING_ENTRY}:{h.other_guild_user.id}:{expires}"
    crafted = await h.click(forged, user=h.other_guild_user, guild=GUILD_B_ID)
    nothing = await h.click(missing, user=h.other_guild_user, guild=GUILD_B_ID)
    assert "No entry" in (nothing.content or "")
    same_answer(crafted, nothing, (f"#{entry_id}", f"#{MISSING_ENTRY}"))
    assert await db_rows(desk.database) == rows


READER_BUTTONS = [
    "nd1:chron:{topic}:0::",
    "nd1:latest:{topic}:0:5:",
    "nd1:open:chron:{topic}",
    "nd1:open:latest:{topic}",
]


async def test_guild_a_reader_buttons_pressed_in_guild_b_find_nothing(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    topic_id = await a_topic_id(desk.database)
    for button in READER_BUTTONS:
        with subtests.test(button):
            elsewhere = await h.click(button.format(topic=topic_id), user=h.other_guild_user, guild=GUILD_B_ID)
            missing = await h.click(button.format(topic=MISSING_ENTRY), user=h.other_guild_user, guild=GUILD_B_ID)
            assert "No topic matches" in (missing.content or "")
            same_answer(elsewhere, missing, (f"#{topic_id}", f"#{MISSING_ENTRY}"))
            # A topic id beyond any row id (a crafted button) is refused as such, on every database.
            huge = await h.click(button.format(topic=2**40), user=h.other_guild_user, guild=GUILD_B_ID)
            assert huge.ephemeral and "out of date or invalid" in (huge.content or "")


async def test_guild_a_statement_modal_submitted_from_guild_b_stores_nothing(desk: Desk) -> None:
    h = desk.harness
    opened = await h.slash(
        "log statement", {"topic": "atacms", "speaker": "John Kirby", "source": "Reuters"}, user=h.editor
    )
    assert opened.modal is not None
    [field] = [c for row in opened.modal["components"] for c in row.get("components", [row.get("component")])]
    rows = await db_rows(desk.database)
    reply = await h.submit_modal(
        opened.modal["custom_id"], {field["custom_id"]: "Smuggled"}, user=h.other_guild_user, guild=GUILD_B_ID
    )
    assert reply.ephemeral and "This form has expired" in (reply.content or "")
    assert await db_rows(desk.database) == rows


async def test_guild_b_settings_and_topic_list_never_show_guild_a(desk: Desk) -> None:
    h = desk.harness
    shown = await as_b(h, "settings show", {})
    assert f"<@&{GUILD_B_ID + 1}>" in str(shown.embeds) and f"<@&{GUILD_A_ID + 1}>" not in str(shown.embeds)
    listed = await as_b(h, "topics", {})
    assert "atacms" not in str(listed.embeds) and "No topics yet" in listed.embeds[0]["description"]
