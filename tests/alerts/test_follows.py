"""Follows by DM: the commands through real dispatch, delivery to each follower's DMs, a refused DM
pausing the member's follows with a notice at their next command, and members leaving."""

from __future__ import annotations

import datetime as dt

import discord

from bot.core.alert_rules import MAX_FOLLOWS
from db.engine import Database
from tests.alerts.support import AlertStore, run_at, runner
from tests.alerts.test_runner import T0, s
from tests.digest.support import Writer
from tests.harness import DiscordHarness, Reply
from tests.newsroom import FakeClock


async def _follow(h: DiscordHarness, user: object, topic: str, **options: str) -> Reply:
    return await h.slash("follow", {"topic": topic, **options}, user=user)


async def test_members_follow_and_each_gets_one_dm(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    await room.topic("atacms")
    clock.now = T0
    first = await _follow(h, h.reader, "atacms")
    assert first.ephemeral and "You follow `atacms` (status)" in (first.content or "")
    await _follow(h, h.editor, "atacms")
    entry = await room.status("atacms", "approved", "Approved.", s(5))
    await run_at(runner(h), s(70))
    await run_at(runner(h), s(140))
    for user in (h.reader, h.editor):
        [dm] = store.dm(h, user)
        assert f"`#{entry.id}`" in str(dm["embeds"]) and "a topic you follow" in dm["content"]
    # Nothing was posted in the guild's channels.
    assert all(store.messages(c.id) == [] for c in h.guild_a.channels)


async def test_following_lists_and_unfollow_stops_the_dms(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    await room.topic("atacms")
    await room.topic("tariffs")
    clock.now = T0
    await _follow(h, h.reader, "atacms", kinds="status, statements")
    await _follow(h, h.reader, "tariffs")
    listed = await h.slash("following", user=h.reader)
    assert listed.ephemeral
    assert "`atacms` · status, statement" in (listed.content or "") and "`tariffs` · status" in (listed.content or "")
    gone = await h.slash("unfollow", {"topic": "atacms"}, user=h.reader)
    assert gone.content == "You no longer follow `atacms`."
    await room.status("atacms", "approved", "Approved.", s(5))
    await run_at(runner(h), s(70))
    assert store.dm(h, h.reader) == []
    again = await h.slash("unfollow", {"topic": "atacms"}, user=h.reader)
    assert "You don't follow `atacms`" in (again.content or "")


async def test_unknown_or_foreign_topics_and_too_many_follows_are_refused(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock
) -> None:
    await room.topic("atacms")
    other = Writer(database, h.guild_b.id)
    await other.topic("secret")
    for slug in ("nope", "secret"):
        reply = await _follow(h, h.reader, slug)
        assert reply.ephemeral and f"No topic matches `{slug}` in this newsroom." in (reply.content or "")
    bad_kind = await _follow(h, h.reader, "atacms", kinds="gossip")
    assert "is not a kind of change" in (bad_kind.content or "")
    for n in range(MAX_FOLLOWS):
        await room.topic(f"t{n}")
        await _follow(h, h.reader, f"t{n}")
    refused = await _follow(h, h.reader, "atacms")
    assert f"at most {MAX_FOLLOWS} topics" in (refused.content or "")
    listed = await h.slash("following", user=h.reader)
    assert "`atacms`" not in (listed.content or "")


async def test_a_refused_dm_pauses_the_follows_and_tells_the_member_once(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    await room.topic("atacms")
    clock.now = T0
    await _follow(h, h.reader, "atacms")
    await _follow(h, h.editor, "atacms")
    store.closed_dms.add(h.reader.id)
    await room.status("atacms", "approved", "Approved.", s(5))
    await run_at(runner(h), s(70))
    assert store.dm(h, h.reader) == [] and len(store.dm(h, h.editor)) == 1
    clock.now = s(200)  # the notice board looks again after a while
    # The editor is not told about the reader's DMs; the reader is, at their next command, once.
    editor_reply = await h.slash("following", user=h.editor)
    assert editor_reply.followups == []
    reply = await h.slash("following", user=h.reader)
    [notice] = reply.followups
    assert notice["flags"] & 64 and "couldn't send you a direct message" in notice["content"]
    assert "paused" in (reply.content or "")
    later = await h.slash("following", user=h.reader)
    assert later.followups == []
    # Nothing more is sent while paused; /follow again resumes.
    store.closed_dms.discard(h.reader.id)
    await room.status("atacms", "declined", "Declined.", s(210))
    await run_at(runner(h), s(300))
    assert store.dm(h, h.reader) == []
    clock.now = s(310)
    resumed = await _follow(h, h.reader, "atacms")
    assert "resumed" in (resumed.content or "")
    await room.status("atacms", "on_hold", "On hold.", s(320))
    await run_at(runner(h), s(400))
    await run_at(runner(h), s(401))
    # The alert Discord refused is delivered first, then what changed since the resume; not what
    # changed while paused.
    first, second = store.dm(h, h.reader)
    assert "Approved." in str(first["embeds"]) and "On hold." in str(second["embeds"])
    assert "Declined." not in str(first["embeds"]) + str(second["embeds"])


async def test_a_member_who_leaves_gets_no_more_dms(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    await room.topic("atacms")
    clock.now = T0
    await _follow(h, h.reader, "atacms")
    await _follow(h, h.editor, "atacms")
    cog = h.bot.get_cog("FollowCog")
    assert cog is not None
    event = discord.RawMemberRemoveEvent(
        {"guild_id": str(h.guild_a.id), "user": h.reader.payload()},  # type: ignore[arg-type]
        discord.Object(id=h.reader.id),  # type: ignore[arg-type]
    )
    await cog.on_raw_member_remove(event)  # type: ignore[attr-defined]
    await room.status("atacms", "approved", "Approved.", s(5))
    await run_at(runner(h), s(70))
    assert store.dm(h, h.reader) == [] and len(store.dm(h, h.editor)) == 1


async def test_a_guild_the_bot_leaves_sends_no_more_dms(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    await room.topic("atacms")
    clock.now = T0
    await _follow(h, h.reader, "atacms")
    cog = h.bot.get_cog("FollowCog")
    guild = h.bot.get_guild(h.guild_a.id)
    assert cog is not None and guild is not None
    await cog.on_guild_remove(guild)  # type: ignore[attr-defined]
    await room.status("atacms", "approved", "Approved.", s(5))
    await run_at(runner(h), s(70) + dt.timedelta(seconds=1))
    assert store.dm(h, h.reader) == []


async def test_a_dm_already_sent_is_edited_when_its_entry_is_retracted(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    await room.topic("atacms")
    clock.now = T0
    await _follow(h, h.reader, "atacms")
    entry = await room.status("atacms", "approved", "Approved.", s(5))
    await run_at(runner(h), s(70))
    [sent] = store.dm(h, h.reader)
    await room.retract(entry, s(100), reason="not confirmed")
    report = await run_at(runner(h), s(170))
    assert report.edits_done == 1
    [dm] = store.dm(h, h.reader)
    assert dm["id"] == sent["id"] and f"`#{entry.id}` was retracted (not confirmed)" in dm["content"]
