"""/settings editors-channel and /settings stale-after through real dispatch: saved with an audit
record, shown by /settings show, and bad input refused with nothing changed."""

from __future__ import annotations

import discord
from sqlmodel import col, select

from db.engine import Database
from db.models import AuditRecord, Newsroom
from tests.harness import EVERYONE_PERMISSIONS, GUILD_A_ID, DiscordHarness, RoleFixture
from tests.newsroom import Desk, FakeClock, db_rows, make_bot, prepare_newsrooms, text_of


async def newsroom_a(desk: Desk) -> Newsroom:
    async with desk.database.read() as session:
        newsroom = await session.get(Newsroom, GUILD_A_ID)
    assert newsroom is not None
    return newsroom


def fields(reply: object) -> dict[str, str]:
    return {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}  # type: ignore[attr-defined]


async def test_a_manager_sets_the_editors_channel_and_show_lists_it(desk: Desk) -> None:
    h = desk.harness
    alerts = h.guild_a.channels[1]
    assert fields(await h.slash("settings show", user=h.admin))["Editors' channel"] == "not set (no reminders)"
    reply = await h.slash("settings editors-channel", {"channel": alerts}, user=h.admin)
    assert reply.ephemeral and f"posted in {alerts.mention}" in text_of(reply)
    assert reply.allowed_mentions == {"parse": []}
    assert (await newsroom_a(desk)).editors_channel_id == alerts.id
    async with desk.database.read() as session:
        record = (await session.execute(select(AuditRecord).order_by(col(AuditRecord.id).desc()))).scalars().first()
    assert record is not None
    assert (record.action, record.actor_id, record.after) == (
        "settings.editors_channel",
        h.admin.id,
        {"editors_channel_id": str(alerts.id)},
    )
    assert fields(await h.slash("settings show", user=h.admin))["Editors' channel"] == alerts.mention

    off = await h.slash("settings editors-channel", {"off": True}, user=h.admin)
    assert "Reminders are off" in text_of(off)
    assert (await newsroom_a(desk)).editors_channel_id is None


async def test_the_stale_threshold_is_saved_within_its_bounds(desk: Desk) -> None:
    h = desk.harness
    assert (await newsroom_a(desk)).stale_after_days == 30
    reply = await h.slash("settings stale-after", {"days": 14}, user=h.admin)
    assert "Stale threshold saved" in text_of(reply)
    assert fields(reply)["Stale after"] == "14 days without a change"
    assert (await newsroom_a(desk)).stale_after_days == 14
    before = await db_rows(desk.database)
    for days in (0, 6, 366, -3):
        refused = await h.slash_forged("settings stale-after", {"days": 14}, {"days": days}, user=h.admin)
        assert refused.ephemeral and not refused.embeds, refused
    assert await db_rows(desk.database) == before


async def test_bad_editors_channel_requests_are_refused_and_change_nothing(desk: Desk) -> None:
    h = desk.harness
    alerts = h.guild_a.channels[1]
    before = await db_rows(desk.database)
    # Not a manager: an editor may log, not configure.
    refused = await h.slash("settings editors-channel", {"channel": alerts}, user=h.editor)
    assert refused.ephemeral and "Manage Server" in text_of(refused)
    # Neither a channel nor off, and both at once.
    for options in ({}, {"channel": alerts, "off": True}):
        refused = await h.slash("settings editors-channel", options, user=h.admin)
        assert refused.ephemeral and "Give a `channel`" in text_of(refused)
    # Another server's channel.
    refused = await h.slash("settings editors-channel", {"channel": h.guild_b.channels[0]}, user=h.admin)
    assert refused.ephemeral and not refused.embeds and "is not a valid value" in text_of(refused)
    assert await db_rows(desk.database) == before


async def test_a_channel_the_bot_cannot_post_in_is_refused(database: Database) -> None:
    await prepare_newsrooms(database)
    harness = DiscordHarness(make_bot(database, FakeClock()))
    no_posting = discord.Permissions(EVERYONE_PERMISSIONS)
    no_posting.update(send_messages=False)
    harness.guild_a.roles[0] = RoleFixture(GUILD_A_ID, "@everyone", no_posting.value)
    async with harness as h:
        before = await db_rows(database)
        refused = await h.slash("settings editors-channel", {"channel": h.guild_a.channels[1]}, user=h.admin)
        assert refused.ephemeral and "missing Send Messages" in text_of(refused)
        assert await db_rows(database) == before
