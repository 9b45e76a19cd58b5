"""/alert and /settings alert-grace through discord.py's real app-command dispatch."""

from __future__ import annotations

import pytest
from sqlmodel import select

from db.digest_models import DigestSubscription
from db.engine import Database
from db.models import AuditRecord, Newsroom
from tests.alerts.support import AlertStore, run_at, runner, subscription_of
from tests.alerts.test_runner import T0, s
from tests.digest.support import Writer
from tests.harness import GUILD_A_ID, DiscordHarness, Reply
from tests.newsroom import FakeClock


async def add(h: DiscordHarness, **options: object) -> Reply:
    return await h.slash("alert add", {"channel": h.guild_a.channels[1], **options}, user=h.editor)


async def test_an_editor_adds_lists_pauses_resumes_and_removes_an_alert(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    await room.topic("atacms")
    clock.now = T0
    channel = h.guild_a.channels[1]
    reply = await add(h, topics="atacms", kinds="status, events")
    assert reply.ephemeral and reply.content is not None
    assert reply.content == f"Alert `#1` will post changes in {channel.mention}."
    line = reply.embeds[0]["description"]
    assert "status, event" in line and "`atacms`" in line
    sub = await subscription_of(database, 1)
    assert (sub.mode, sub.kinds, sub.channel_id, sub.created_by) == (
        "alert",
        ["status", "event"],
        channel.id,
        h.editor.id,
    )

    listed = await h.slash("alert list", user=h.editor)
    assert listed.ephemeral and "`#1`" in listed.embeds[0]["description"]
    # Alerts are not digests: /digest does not see them.
    assert (await h.slash("digest list", user=h.editor)).embeds[0]["description"].startswith("No digests yet")
    assert "No digest `#1`" in ((await h.slash("digest pause", {"id": 1}, user=h.editor)).content or "")

    paused = await h.slash("alert pause", {"id": 1}, user=h.editor)
    assert paused.content == "Paused alert `#1`. `/alert resume 1` restarts it."
    await room.status("atacms", "approved", "Approved while paused.", s(5))
    await run_at(runner(h), s(70))
    assert store.messages(channel.id) == []
    assert "paused" in (await h.slash("alert list", user=h.editor)).embeds[0]["description"]
    again = await h.slash("alert pause", {"id": 1}, user=h.editor)
    assert "already paused" in (again.content or "")

    clock.now = s(100)
    resumed = await h.slash("alert resume", {"id": 1}, user=h.editor)
    assert resumed.content == "Resumed alert `#1`: it posts changes from now on."
    await room.status("atacms", "declined", "Declined.", s(110))
    await run_at(runner(h), s(200))
    [message] = store.messages(channel.id)
    assert "Declined." in str(message["embeds"]) and "Approved while paused." not in str(message["embeds"])

    removed = await h.slash("alert remove", {"id": 1}, user=h.editor)
    assert removed.content == f"Removed alert `#1` ({channel.mention})."
    async with database.read() as session:
        assert (await session.execute(select(DigestSubscription))).first() is None
        actions = [r.action for r in (await session.execute(select(AuditRecord))).scalars()]
    assert {"alert.create", "alert.pause", "alert.resume", "alert.remove"} <= set(actions)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"topics": "atacms,nope"}, "No topic with the slug `nope` in this newsroom."),
        ({"kinds": "rumours"}, "`rumours` is not a kind of change"),
    ],
)
async def test_bad_options_are_refused_and_change_nothing(
    database: Database, h: DiscordHarness, room: Writer, options: dict, message: str
) -> None:
    await room.topic("atacms")
    reply = await add(h, **options)
    assert reply.ephemeral and message in (reply.content or "")
    async with database.read() as session:
        assert (await session.execute(select(DigestSubscription))).first() is None


async def test_only_editors_manage_alerts_and_ids_of_other_newsrooms_are_not_found(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    reply = await h.slash("alert add", {"channel": h.guild_a.channels[1]}, user=h.reader)
    assert reply.ephemeral and "Only editors can do this" in (reply.content or "")
    await add(h)
    for command in ("remove", "pause", "resume"):
        outsider = await h.slash(f"alert {command}", {"id": 1}, user=h.other_guild_user)
        assert "No alert `#1` in this newsroom." in (outsider.content or ""), command


async def test_a_members_follow_is_no_alert_an_editor_can_touch(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    await room.topic("atacms")
    await h.slash("follow", {"topic": "atacms"}, user=h.reader)
    for command in ("remove", "pause"):
        reply = await h.slash(f"alert {command}", {"id": 1}, user=h.editor)
        assert "No alert `#1`" in (reply.content or "")
    assert (await h.slash("alert list", user=h.editor)).embeds[0]["description"].startswith("No alerts yet")


async def test_editors_set_the_alert_grace(database: Database, h: DiscordHarness, room: Writer) -> None:
    reply = await h.slash("settings alert-grace", {"seconds": 90}, user=h.editor)
    assert reply.ephemeral and reply.content == "Alerts now wait 90 s before posting a change."
    shown = await h.slash("settings show", user=h.admin)
    assert {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}["Alert grace"].startswith("90 s")
    async with database.read() as session:
        newsroom = await session.get(Newsroom, GUILD_A_ID)
    assert newsroom is not None and newsroom.alert_grace_seconds == 90
    refused = await h.slash("settings alert-grace", {"seconds": 90}, user=h.reader)
    assert "Only editors can do this" in (refused.content or "")


async def test_the_grace_is_the_newsrooms(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    await room.topic("atacms")
    clock.now = T0
    await add(h)
    await h.slash("settings alert-grace", {"seconds": 0}, user=h.editor)
    await room.status("atacms", "approved", "Approved.", s(5))
    await run_at(runner(h), s(6))  # no grace: the next tick posts it
    assert len(store.messages(h.guild_a.channels[1].id)) == 1


async def test_an_editor_edits_an_alerts_topics_and_kinds(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    await room.topic("atacms")
    await room.topic("tariffs")
    clock.now = T0
    await add(h, topics="tariffs")
    edited = await h.slash("alert edit", {"id": 1, "topics": "all", "kinds": "statements"}, user=h.editor)
    assert edited.ephemeral and edited.content == "Edited alert `#1`."
    assert "every topic" in edited.embeds[0]["description"]
    sub = await subscription_of(database, 1)
    assert (sub.topic_ids, sub.kinds) == (None, ["statement"])
    nothing = await h.slash("alert edit", {"id": 1}, user=h.editor)
    assert "Give `topics` or `kinds`" in (nothing.content or "")
    unknown = await h.slash("alert edit", {"id": 1, "topics": "nope"}, user=h.editor)
    assert "No topic with the slug `nope`" in (unknown.content or "")
    assert (await subscription_of(database, 1)).topic_ids is None
    await room.status("atacms", "approved", "Approved.", s(5))
    await room.statement("atacms", "Jane Roe", "It is approved.", s(6))
    await run_at(runner(h), s(70))
    [message] = store.messages(h.guild_a.channels[1].id)
    # Statements only now: the status change is not posted.
    assert "It is approved." in str(message["embeds"]) and "Approved." not in str(message["embeds"])


async def test_the_next_editor_is_told_once_when_a_refusal_paused_an_alert(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    await room.topic("atacms")
    clock.now = T0
    await add(h)
    await room.status("atacms", "approved", "Approved.", s(5))
    h.fail_next("POST", r"^/channels/\d+/messages$", 403)
    await run_at(runner(h), s(70))
    clock.now = s(200)  # the notice board looks again after a while
    reader = await h.slash("topics", user=h.reader)
    assert reader.followups == []  # readers are not told; the notice waits for an editor
    told = await h.slash("topics", user=h.editor)
    [notice] = told.followups
    assert notice["flags"] & 64 and "Alert #1 paused" in notice["content"] and "/alert resume" in notice["content"]
    again = await h.slash("topics", user=h.editor)
    assert again.followups == []
