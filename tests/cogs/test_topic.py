"""/topic create|edit|archive|unarchive|import-seed through discord.py's real dispatch."""

from __future__ import annotations

import copy
import itertools
import uuid
from typing import Any

from sqlmodel import col, select

from db import audit
from db.engine import Database
from db.models import AuditRecord, Topic
from tests.harness import GUILD_A_ID, GUILD_B_ID, DiscordHarness, Reply
from tests.newsroom import EDITORS_ROLE_A, Desk, db_rows, text_of

_RAW_IDS = itertools.count(8_100_000_000_000_000_000)
SLUG_RULE = "A slug is 2 to 32 characters of lowercase letters, digits and hyphens"


async def topic_named(database: Database, slug: str, guild_id: int = GUILD_A_ID) -> Topic:
    async with database.read() as session:
        stmt = select(Topic).where(Topic.newsroom_id == guild_id, Topic.slug == slug)
        return (await session.execute(stmt)).scalars().one()


async def topic_audit(database: Database, topic_id: int) -> list[AuditRecord]:
    async with database.read() as session:
        stmt = (
            select(AuditRecord)
            .where(AuditRecord.topic_id == topic_id, col(AuditRecord.entry_id).is_(None))
            .order_by(col(AuditRecord.id))
        )
        return list((await session.execute(stmt)).scalars())


async def deliver_unchecked(h: DiscordHarness[Any], probe: Reply, values: dict[str, str]) -> Reply:
    """Re-deliver ``probe`` with option values Discord's client would refuse (outside the option's length)."""
    payload = copy.deepcopy(probe.payload)
    options = payload["data"]["options"]
    while options and options[0]["type"] in (1, 2):
        options = options[0].get("options", [])
    for option in options:
        if option["name"] in values:
            option["value"] = values[option["name"]]
    payload["id"] = str(next(_RAW_IDS))
    payload["token"] = f"unchecked-{uuid.uuid4().hex}"
    return await h.dispatch(payload)


async def autocomplete_slugs(h: DiscordHarness[Any], typed: str, user: Any = None) -> list[str]:
    return [c["value"] for c in await h.autocomplete("status", "topic", typed, user=user or h.reader)]


async def topics_listed(h: DiscordHarness[Any]) -> str:
    reply = await h.slash("topics", user=h.reader)
    return reply.embeds[0].get("description", "")


async def create_f16(h: DiscordHarness[Any], user: Any = None) -> Reply:
    return await h.slash(
        "topic create",
        {
            "slug": "f16-jets",
            "title": "F-16 fighter jets for Ukraine",
            "aliases": "F-16, Fighting Falcon, f-16",
            "summary": "Training of pilots and delivery timing.",
            "next_step": "First jets expected next year.",
        },
        user=user or h.editor,
    )


# ------------------------------------------------------------------------------------------------
# create
# ------------------------------------------------------------------------------------------------
async def test_create_stores_the_topic_with_one_audit_record_and_it_is_readable(desk: Desk) -> None:
    h = desk.harness
    reply = await create_f16(h)
    assert not reply.ephemeral and reply.content == "Created topic `f16-jets`."
    topic = await topic_named(desk.database, "f16-jets")
    assert (topic.title, topic.aliases, topic.summary, topic.next_step, topic.archived, topic.created_by) == (
        "F-16 fighter jets for Ukraine",
        ["F-16", "Fighting Falcon"],  # duplicates dropped case-insensitively
        "Training of pilots and delivery timing.",
        "First jets expected next year.",
        False,
        h.editor.id,
    )
    [record] = await topic_audit(desk.database, topic.id or 0)
    assert (record.action, record.actor_id, record.before, record.after) == (
        "topic.create",
        h.editor.id,
        None,
        audit.snapshot(topic),
    )
    status = await h.slash("status", {"topic": "fighting falcon"}, user=h.reader)
    assert status.embeds[0]["title"] == "F-16 fighter jets for Ukraine"
    assert "No status has been logged yet" in status.embeds[0]["description"]
    assert "f16-jets" in await autocomplete_slugs(h, "f-16")


async def test_slugs_following_the_rules_are_accepted(desk: Desk, subtests: Any) -> None:
    for slug in ["ab", "f16-jets", "2024-aid", "a" * 32, "x-1-y"]:
        with subtests.test(slug):
            reply = await desk.harness.slash("topic create", {"slug": slug, "title": "A story"})
            assert reply.content == f"Created topic `{slug}`."
            assert (await topic_named(desk.database, slug)).title == "A story"


SLUG_BREAKING: list[str] = ["F16", "f16_jets", "f16 jets", "-f16", "f16-", "f16!", "ünï", "@everyone", "a" * 33, "a"]


async def test_slugs_breaking_the_rules_are_refused_with_the_rule_and_nothing_is_written(
    desk: Desk, subtests: Any
) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for slug in SLUG_BREAKING:
        with subtests.test(slug):
            rule = SLUG_RULE
            if 2 <= len(slug) <= 32:
                reply = await h.slash("topic create", {"slug": slug, "title": "A story"}, user=h.editor)
            else:  # outside the option's length: Discord's client would block it, the bot must too
                probe = await h.slash("topic create", {"slug": "F16", "title": "A story"}, user=h.editor)
                reply = await deliver_unchecked(h, probe, {"slug": slug})
                rule = f"`slug` is {len(slug)} characters; the m"
            assert reply.ephemeral and rule in text_of(reply)
            assert await db_rows(desk.database) == rows


async def test_a_slug_clash_is_refused_clearly_even_with_an_archived_topic(desk: Desk) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    clash = await h.slash("topic create", {"slug": "atacms", "title": "Another"}, user=h.editor)
    assert clash.ephemeral and "A topic with the slug `atacms` already exists" in text_of(clash)
    assert await db_rows(desk.database) == rows
    await h.slash("topic archive", {"topic": "atacms"}, user=h.editor)
    rows = await db_rows(desk.database)
    again = await h.slash("topic create", {"slug": "atacms", "title": "Another"}, user=h.editor)
    assert again.ephemeral and "archived topics count" in text_of(again)
    assert await db_rows(desk.database) == rows


BAD_TOPIC_FIELDS: list[tuple[str, dict[str, str], str]] = [
    ("empty title", {"title": "   "}, "`title` can't be empty"),
    ("mention in title", {"title": "@everyone read this"}, "mention syntax"),
    ("mention in summary", {"title": "T", "summary": "cc <@&42>"}, "mention syntax"),
    ("mention in alias", {"title": "T", "aliases": "jets, <@1>"}, "mention syntax"),
    ("eleven aliases", {"title": "T", "aliases": ",".join(f"a{i}" for i in range(11))}, "at most 10 aliases"),
    ("overlong alias", {"title": "T", "aliases": "x" * 101}, "at most 100 characters"),
]


async def test_bad_topic_fields_are_refused_and_nothing_is_written(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for label, values, message in BAD_TOPIC_FIELDS:
        with subtests.test(label):
            reply = await h.slash("topic create", {"slug": "f16-jets", **values}, user=h.editor)
            assert reply.ephemeral and message in text_of(reply)
            assert await db_rows(desk.database) == rows
    probe = await h.slash("topic create", {"slug": "atacms", "title": "T"}, user=h.editor)  # refused: clash
    overlong = await deliver_unchecked(h, probe, {"slug": "f16-jets", "title": "t" * 201})
    assert overlong.ephemeral and "`title` is 201 characters; the maximum is 200" in text_of(overlong)
    assert await db_rows(desk.database) == rows


READER_ATTEMPTS: list[tuple[str, dict[str, str]]] = [
    ("topic create", {"slug": "f16-jets", "title": "F-16s"}),
    ("topic edit", {"topic": "atacms", "title": "Renamed", "reason": "Brought up to date"}),
    ("topic archive", {"topic": "atacms"}),
    ("topic unarchive", {"topic": "atacms"}),
    ("topic import-seed", {"name": "atacms"}),
]


async def test_readers_cannot_manage_topics(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for command, options in READER_ATTEMPTS:
        with subtests.test(command):
            reply = await h.slash(command, options, user=h.reader)
            assert reply.ephemeral and f"<@&{EDITORS_ROLE_A}>" in text_of(reply) and "Manage Server" in text_of(reply)
            assert await db_rows(desk.database) == rows


# ------------------------------------------------------------------------------------------------
# edit
# ------------------------------------------------------------------------------------------------
async def test_edit_changes_fields_and_records_before_and_after(desk: Desk) -> None:
    h = desk.harness
    original = await topic_named(desk.database, "atacms")
    reply = await h.slash(
        "topic edit",
        {
            "topic": "atacms",
            "title": "ATACMS for Kyiv",
            "aliases": "ATACMS, MGM-140",
            "next_step": "-",
            "reason": "Brought up to date",
        },
        user=h.editor,
    )
    assert reply.content == "Updated topic `atacms`."
    topic = await topic_named(desk.database, "atacms")
    assert (topic.title, topic.aliases, topic.next_step, topic.summary) == (
        "ATACMS for Kyiv",
        ["ATACMS", "MGM-140"],
        "",
        original.summary,
    )
    record = (await topic_audit(desk.database, topic.id or 0))[-1]
    assert (record.action, record.actor_id) == ("topic.edit", h.editor.id)
    assert record.before == audit.snapshot(original) and record.after == audit.snapshot(topic)
    status = await h.slash("status", {"topic": "mgm-140"}, user=h.reader)  # the new alias finds it
    assert status.embeds[0]["title"] == "ATACMS for Kyiv"
    old_alias = await h.slash("status", {"topic": "army tactical missile system"}, user=h.reader)
    assert old_alias.ephemeral and "No topic matches" in text_of(old_alias)


EDIT_REFUSALS: list[tuple[dict[str, str], str]] = [
    ({"topic": "atacms", "reason": "Brought up to date"}, "Give at least one field to change"),
    (
        {"topic": "atacms", "title": "ATACMS long-range missiles for Ukraine", "reason": "Brought up to date"},
        "Nothing to change",
    ),
    ({"topic": "atacms", "title": " ", "reason": "Brought up to date"}, "`title` can't be empty"),
    ({"topic": "atacms", "summary": "Call <@1>", "reason": "Brought up to date"}, "mention syntax"),
    ({"topic": "no-such-story", "title": "X", "reason": "Brought up to date"}, "No topic matches `no-such-story`"),
]


async def test_edit_refusals_change_nothing(desk: Desk, subtests: Any) -> None:
    rows = await db_rows(desk.database)
    for options, message in EDIT_REFUSALS:
        with subtests.test(message):
            reply = await desk.harness.slash("topic edit", options)
            assert reply.ephemeral and message in text_of(reply)
            assert await db_rows(desk.database) == rows


# ------------------------------------------------------------------------------------------------
# archive / unarchive
# ------------------------------------------------------------------------------------------------
async def test_archived_topic_leaves_lists_but_keeps_its_history_and_exact_status(desk: Desk) -> None:
    h = desk.harness
    entries_before = (await db_rows(desk.database))["entry"]
    reply = await h.slash("topic archive", {"topic": "atacms"}, user=h.editor)
    assert "Archived topic `atacms`" in text_of(reply) and "/topic unarchive" in text_of(reply)
    topic = await topic_named(desk.database, "atacms")
    assert topic.archived
    assert [r.action for r in await topic_audit(desk.database, topic.id or 0)] == ["topic.create", "topic.archive"]
    assert (await db_rows(desk.database))["entry"] == entries_before  # the history is untouched
    assert "atacms" not in await autocomplete_slugs(h, "")
    assert "atacms" not in await autocomplete_slugs(h, "atac")
    assert "atacms" not in await topics_listed(h)
    status = await h.slash("status", {"topic": "atacms", "history": True}, user=h.reader)
    assert not status.ephemeral and "This topic is archived" in status.embeds[0]["description"]
    assert "Under review" in status.embeds[1]["description"]
    chronology = await h.slash("chronology", {"topic": "atacms"}, user=h.reader)
    assert "7 entries" in chronology.embeds[0]["footer"]["text"]
    rows = await db_rows(desk.database)
    logging_to_it = await h.slash("log event", {"topic": "atacms", "headline": "x", "source": "Reuters"}, user=h.editor)
    assert logging_to_it.ephemeral and "No topic matches" in text_of(logging_to_it)
    twice = await h.slash("topic archive", {"topic": "atacms"}, user=h.editor)
    assert twice.ephemeral and "already archived" in text_of(twice)
    assert await db_rows(desk.database) == rows


async def test_unarchive_brings_the_topic_back(desk: Desk) -> None:
    h = desk.harness
    await h.slash("topic archive", {"topic": "atacms"}, user=h.editor)
    reply = await h.slash("topic unarchive", {"topic": "atacms"}, user=h.editor)
    assert reply.content == "Restored topic `atacms`."
    topic = await topic_named(desk.database, "atacms")
    assert not topic.archived
    assert [r.action for r in await topic_audit(desk.database, topic.id or 0)][-1] == "topic.unarchive"
    assert "atacms" in await autocomplete_slugs(h, "atac")
    assert "atacms" in await topics_listed(h)
    rows = await db_rows(desk.database)
    twice = await h.slash("topic unarchive", {"topic": "atacms"}, user=h.editor)
    assert twice.ephemeral and "already active" in text_of(twice)
    unknown = await h.slash("topic unarchive", {"topic": "no-such-story"}, user=h.editor)
    assert unknown.ephemeral and "No topic matches" in text_of(unknown)
    assert await db_rows(desk.database) == rows


# ------------------------------------------------------------------------------------------------
# import-seed
# ------------------------------------------------------------------------------------------------
async def test_import_seed_fills_an_empty_newsroom_once(desk: Desk) -> None:
    h = desk.harness
    choices = await h.autocomplete("topic import-seed", "name", "ata", user=h.other_guild_user)
    assert [c["value"] for c in choices] == ["atacms"]
    first = await h.slash("topic import-seed", {"name": "atacms"}, user=h.other_guild_user)
    assert first.content == "Seed `atacms`: topic created, 7 entries added." and not first.ephemeral
    rows = await db_rows(desk.database)
    topic_b = await topic_named(desk.database, "atacms", GUILD_B_ID)
    b_entries = [e for e in rows["entry"] if e["newsroom_id"] == GUILD_B_ID]
    assert len(b_entries) == 7 and {e["topic_id"] for e in b_entries} == {topic_b.id}
    b_audit = [a for a in rows["audit_record"] if a["newsroom_id"] == GUILD_B_ID]
    assert sorted(a["action"] for a in b_audit) == ["entry.create"] * 7 + ["topic.create"]
    assert {a["actor_id"] for a in b_audit} == {h.other_guild_user.id}
    second = await h.slash("topic import-seed", {"name": "atacms"}, user=h.other_guild_user)
    assert second.ephemeral and second.content == "Seed `atacms`: topic already tracked, 0 entries added."
    assert await db_rows(desk.database) == rows


async def test_import_seed_into_a_newsroom_that_already_has_it_adds_nothing(desk: Desk) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    reply = await h.slash("topic import-seed", {"name": "atacms"}, user=h.editor)
    assert reply.ephemeral and "0 entries added" in text_of(reply)
    unknown = await h.slash("topic import-seed", {"name": "no-such-seed"}, user=h.editor)
    assert (
        unknown.ephemeral and "No seed story named `no-such-seed`" in text_of(unknown) and "atacms" in text_of(unknown)
    )
    assert await db_rows(desk.database) == rows
