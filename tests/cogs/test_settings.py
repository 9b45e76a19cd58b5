"""/settings: who may configure the newsroom, and how the editor role decides who may write."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from db.engine import Database
from db.models import AuditRecord, Newsroom
from tests.harness import GUILD_A_ID, DiscordHarness
from tests.newsroom import EDITORS_ROLE_A, Desk, db_rows, text_of

NO_PINGS = {"parse": []}


async def newsroom_a(database: Database) -> Newsroom:
    async with database.read() as session:
        newsroom = await session.get(Newsroom, GUILD_A_ID)
    assert newsroom is not None
    return newsroom


async def last_audit(database: Database) -> AuditRecord:
    async with database.read() as session:
        stmt = select(AuditRecord).order_by(col(AuditRecord.id).desc()).limit(1)
        return (await session.execute(stmt)).scalars().one()


def settings_fields(reply: Any) -> dict[str, str]:
    return {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}


async def log_event(h: DiscordHarness[Any], user: Any) -> Any:
    return await h.slash("log event", {"topic": "atacms", "headline": "Briefing held", "source": "Reuters"}, user=user)


async def test_a_manage_server_member_sets_the_editor_role_with_an_audit_record(desk: Desk) -> None:
    h = desk.harness
    desk_role = h.add_role(h.guild_a, "Desk")
    reply = await h.slash("settings editor-role", {"role": desk_role}, user=h.admin)
    assert reply.ephemeral and "Editor role saved" in text_of(reply)
    assert settings_fields(reply)["Editor role"] == desk_role.mention
    assert reply.allowed_mentions == NO_PINGS
    assert (await newsroom_a(desk.database)).editor_role_id == desk_role.id
    record = await last_audit(desk.database)
    assert (record.action, record.actor_id, record.entry_id, record.topic_id) == (
        "settings.editor_role",
        h.admin.id,
        None,
        None,
    )
    assert record.before == {"editor_role_id": str(EDITORS_ROLE_A)}
    assert record.after == {"editor_role_id": str(desk_role.id)}


async def test_the_new_editor_role_decides_who_may_write(desk: Desk) -> None:
    h = desk.harness
    desk_role = h.add_role(h.guild_a, "Desk")
    newcomer = h.add_member(h.guild_a, "newcomer", roles=[desk_role])
    await h.slash("settings editor-role", {"role": desk_role}, user=h.admin)
    rows = await db_rows(desk.database)
    refused = await log_event(h, h.editor)  # only holds the old role now
    assert refused.ephemeral and desk_role.mention in refused.content and "Manage Server" in refused.content
    assert await db_rows(desk.database) == rows
    accepted = await log_event(h, newcomer)
    assert not accepted.ephemeral and "Logged" in accepted.content


async def test_only_manage_server_members_may_change_settings(desk: Desk) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for user in (h.editor, h.reader):
        for command, options in (
            ("settings editor-role", {"role": h.guild_a.role("Managers")}),
            ("settings timezone", {"timezone": "Europe/London"}),
        ):
            reply = await h.slash(command, options, user=user)
            assert reply.ephemeral and "Only members with the Manage Server permission" in text_of(reply)
    assert await db_rows(desk.database) == rows


async def test_everyone_cannot_be_the_editor_role(desk: Desk) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    reply = await h.slash("settings editor-role", {"role": h.guild_a.everyone_role}, user=h.admin)
    assert reply.ephemeral and "everyone can't be the editor role" in text_of(reply)
    assert await db_rows(desk.database) == rows


async def test_settings_show_lists_editor_role_and_time_zone(desk: Desk) -> None:
    h = desk.harness
    reply = await h.slash("settings show", user=h.admin)
    assert reply.ephemeral and reply.embeds[0]["title"] == "Newsroom settings"
    fields = settings_fields(reply)
    assert fields["Editor role"] == f"<@&{EDITORS_ROLE_A}>" and "UTC" in fields["Timezone"]
    assert "Manage Server" in reply.embeds[0]["footer"]["text"]
    assert reply.allowed_mentions == NO_PINGS


async def test_time_zone_is_validated_saved_and_audited(desk: Desk) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    bad = await h.slash("settings timezone", {"timezone": "Mars/Olympus_Mons"}, user=h.admin)
    assert bad.ephemeral and "is not a time zone name" in text_of(bad)
    assert await db_rows(desk.database) == rows
    choices = await h.autocomplete("settings timezone", "timezone", "london", user=h.admin)
    assert [c["value"] for c in choices] == ["Europe/London"]
    saved = await h.slash("settings timezone", {"timezone": "Europe/London"}, user=h.admin)
    assert saved.ephemeral and "Europe/London" in settings_fields(saved)["Timezone"]
    assert (await newsroom_a(desk.database)).timezone == "Europe/London"
    record = await last_audit(desk.database)
    assert (record.action, record.before, record.after) == (
        "settings.timezone",
        {"timezone": "UTC"},
        {"timezone": "Europe/London"},
    )


async def test_without_an_editor_role_readers_are_told_how_to_set_one_and_managers_still_write(desk: Desk) -> None:
    h = desk.harness
    async with desk.database.write() as session:
        newsroom = await session.get(Newsroom, GUILD_A_ID)
        assert newsroom is not None
        newsroom.editor_role_id = None
        session.add(newsroom)
    rows = await db_rows(desk.database)
    for user in (h.reader, h.editor):
        refused = await log_event(h, user)
        assert refused.ephemeral and "No editor role is set yet" in refused.content
        assert "/settings editor-role" in refused.content
    assert await db_rows(desk.database) == rows
    shown = await h.slash("settings show", user=h.admin)
    assert "not set" in settings_fields(shown)["Editor role"]
    assert not (await log_event(h, h.admin)).ephemeral
