"""Digest targets through the real dispatch and the runner: a forum post per digest (exactly once
across a crash between creating the post and recording it), threads, and publishing in
announcement channels; what /digest add and /digest edit refuse."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest

from bot.core.digest_targets import Target
from bot.services.digest_sending import Outcome
from bot.simulation.world import Channel
from db.engine import Database
from db.portability import dumps, export_newsroom, import_newsroom
from tests.conftest import drop_database, make_database
from tests.db.test_portability import backend_of
from tests.digest.support import Crash, Writer, crash, deliveries, run_at, service, subscription, utc
from tests.digest.targets_support import ANNOUNCEMENT, FORUM, PUBLIC_THREAD, TargetStore
from tests.harness import EVERYONE_PERMISSIONS, GUILD_A_ID, DiscordHarness, Reply, RoleFixture
from tests.newsroom import FakeClock, make_bot

S10 = dt.timedelta(seconds=10)
DUE = utc(2026, 3, 21, 9) + S10
LEASE_OVER = dt.timedelta(minutes=10)


@dataclass
class Places:
    forum: Channel
    tagged: Channel
    wire: Channel
    thread: Channel
    archived: Channel
    locked: Channel


@pytest.fixture
def tstore() -> TargetStore:
    return TargetStore()


@pytest.fixture
async def th(database: Database, clock: FakeClock, room: Writer, tstore: TargetStore) -> AsyncIterator[DiscordHarness]:
    harness = DiscordHarness(make_bot(database, clock))
    _places(harness)
    async with harness:
        tstore.attach(harness)
        yield harness


def _places(h: DiscordHarness) -> Places:
    guild = h.guild_a
    names = {c.name: c for c in guild.channels}
    if "desk-forum" not in names:
        parent = guild.channels[1].id
        h.add_channel(guild, "desk-forum", type=FORUM)
        h.add_channel(guild, "tagged-forum", type=FORUM, flags=16)
        h.add_channel(guild, "wire", type=ANNOUNCEMENT)
        for name, state in (("atacms-desk", {}), ("old-desk", {"archived": True}), ("shut", {"locked": True})):
            h.add_channel(guild, name, type=PUBLIC_THREAD, parent_id=parent, owner_id=h.editor.id, **state)
        names = {c.name: c for c in guild.channels}
    return Places(*(names[n] for n in ("desk-forum", "tagged-forum", "wire", "atacms-desk", "old-desk", "shut")))


async def add(h: DiscordHarness, channel: Channel, **options: object) -> Reply:
    values = {"channel": channel, "time": "09:00", "timezone": "Europe/London", **options}
    return await h.slash("digest add", values, user=h.editor)


async def test_each_kind_of_channel_is_taken_and_listed(database: Database, th: DiscordHarness, room: Writer) -> None:
    at = _places(th)
    for channel, extra in ((at.forum, {}), (at.thread, {}), (at.wire, {"publish": True}), (at.archived, {})):
        reply = await add(th, channel, **extra)
        assert (reply.content or "").startswith("Digest `#"), reply.content
    subs = [await subscription(database, n) for n in (1, 2, 3, 4)]
    assert [(s.target, s.publish) for s in subs] == [
        ("forum", False),
        ("thread", False),
        ("announcement", True),
        ("thread", False),
    ]
    listed = (await th.slash("digest list", user=th.editor)).embeds[0]["fields"]
    assert f"Channel: {at.forum.mention} (a new forum post per digest)" in listed[0]["value"]
    assert f"Channel: {at.thread.mention} (in the thread)" in listed[1]["value"]
    assert "Published to following servers" in listed[2]["value"]


@pytest.mark.parametrize(
    ("place", "options", "message"),
    [
        ("tagged", {}, "requires a tag on every post, and digests post without one"),
        ("locked", {}, "is locked; unlock it or pick another channel"),
        ("thread", {"publish": True}, "is not an announcement channel, so there is nothing to publish"),
    ],
)
async def test_channels_a_digest_cannot_use_as_asked_are_refused(
    database: Database, th: DiscordHarness, room: Writer, place: str, options: dict, message: str
) -> None:
    reply = await add(th, getattr(_places(th), place), **options)
    assert reply.ephemeral and message in (reply.content or "")
    assert await deliveries(database) == []
    assert "No digests yet" in (await th.slash("digest list", user=th.editor)).embeds[0]["description"]


async def test_edit_moves_a_digest_to_a_forum_and_turns_publishing_on_only_where_it_can(
    database: Database, th: DiscordHarness, room: Writer
) -> None:
    at = _places(th)
    await add(th, th.guild_a.channels[1])
    refused = await th.slash("digest edit", {"id": 1, "publish": True}, user=th.editor)
    assert "is not an announcement channel" in (refused.content or "")
    tagged = await th.slash("digest edit", {"id": 1, "channel": at.tagged}, user=th.editor)
    assert "requires a tag" in (tagged.content or "")
    moved = await th.slash("digest edit", {"id": 1, "channel": at.forum}, user=th.editor)
    assert f"{at.forum.mention} (a new forum post per digest)" in (moved.content or "")
    assert (await subscription(database, 1)).target == "forum"
    wire = await th.slash("digest edit", {"id": 1, "channel": at.wire, "publish": True}, user=th.editor)
    assert "Published: no \N{RIGHTWARDS ARROW} yes" in (wire.content or "")
    sub = await subscription(database, 1)
    assert (sub.target, sub.publish) == ("announcement", True)
    # Moved on to a plain channel, there is nothing left to publish.
    await th.slash("digest edit", {"id": 1, "channel": th.guild_a.channels[1]}, user=th.editor)
    sub = await subscription(database, 1)
    assert (sub.target, sub.publish) == ("text", False)


async def test_a_forum_digest_opens_a_new_post_per_run(
    database: Database, th: DiscordHarness, room: Writer, tstore: TargetStore
) -> None:
    forum = _places(th).forum
    await room.topic("atacms")
    await add(th, forum, mention=th.guild_a.editors_role)
    await room.event("atacms", "First in the forum", utc(2026, 3, 20, 14))
    svc = service(th)
    assert (await run_at(svc, DUE)).results[1].outcome is Outcome.SENT
    await room.event("atacms", "Second in the forum", utc(2026, 3, 21, 14))
    assert (await run_at(svc, DUE + dt.timedelta(days=1))).results[1].outcome is Outcome.SENT
    posts = tstore.posts_in(forum.id)
    assert [p.name for p in posts] == [
        "Newsdesk digest #1 \N{EM DASH} 21 Mar 2026",
        "Newsdesk digest #1 \N{EM DASH} 22 Mar 2026",
    ]
    first, second = (tstore.messages(p.id) for p in posts)
    assert "First in the forum" in first[0]["embeds"][0]["description"]
    assert "Second in the forum" in second[0]["embeds"][0]["description"]
    # The first message of each post is the post itself, and only the chosen role may be pinged.
    assert [m["id"] for m in (*first, *second)] == [str(p.id) for p in posts]
    assert tstore.allowed_mentions[first[0]["id"]] == {"parse": [], "roles": [th.guild_a.editors_role.id]}
    assert [d.message_ids for d in await deliveries(database, 1)] == [[str(p.id)] for p in posts]


@pytest.mark.parametrize("how", ["answer lost", "process died"])
async def test_a_forum_post_created_before_a_crash_is_not_created_again(
    database: Database, th: DiscordHarness, room: Writer, tstore: TargetStore, how: str
) -> None:
    forum = _places(th).forum
    await room.topic("atacms")
    await add(th, forum)
    await room.event("atacms", "Only once", utc(2026, 3, 20, 14))
    if how == "answer lost":
        # Discord created the post; the answer never arrived: a transient failure, retried later.
        tstore.lose_next_post(forum.id)
        assert (await run_at(service(th), DUE)).results[1].outcome is Outcome.RETRY
        later = DUE + dt.timedelta(minutes=5)
    else:
        # The process dies right after Discord answered, before the delivery recorded the post.
        with pytest.raises(BaseExceptionGroup) as crashed:
            await run_at(service(th, name="doomed", after=crash), DUE)
        assert crashed.group_contains(Crash)
        later = DUE + LEASE_OVER
    assert len(tstore.posts_in(forum.id)) == 1
    report = await run_at(service(th, name="restarted"), later)
    assert report.results[1].outcome is Outcome.RECONCILED
    await run_at(service(th, name="restarted"), later + dt.timedelta(hours=1))
    [post] = tstore.posts_in(forum.id)
    assert len(tstore.messages(post.id)) == 1
    [delivery] = await deliveries(database, 1)
    assert (delivery.state, delivery.message_ids) == ("sent", [str(post.id)])


async def test_a_thread_digest_posts_in_the_thread_and_an_archived_one_is_reopened(
    database: Database, th: DiscordHarness, room: Writer, tstore: TargetStore
) -> None:
    at = _places(th)
    await add(th, at.thread)
    await add(th, at.archived)
    report = await run_at(service(th), DUE)
    assert {n: r.outcome for n, r in report.results.items()} == {1: Outcome.SENT, 2: Outcome.SENT}
    assert len(tstore.messages(at.thread.id)) == 1 and len(tstore.messages(at.archived.id)) == 1
    assert tstore.unarchived == [at.archived.id]
    assert tstore.messages(th.guild_a.channels[1].id) == []


async def test_a_thread_locked_after_it_was_chosen_pauses_the_digest_with_the_reason(
    database: Database, th: DiscordHarness, room: Writer
) -> None:
    locked = _places(th).locked
    sub = await room.subscribe(channel_id=locked.id, now=utc(2026, 3, 20, 12))
    async with database.write() as session:
        row = await session.get(type(sub), sub.id)
        assert row is not None
        row.target = Target.THREAD.value
        session.add(row)
    assert (await run_at(service(th), DUE)).results[1].outcome is Outcome.PAUSED
    paused = await subscription(database, 1)
    assert paused.paused and paused.paused_reason is not None
    assert f"The thread {locked.mention} is archived and locked" in paused.paused_reason


async def test_an_announcement_digest_is_published_once(
    database: Database, th: DiscordHarness, room: Writer, tstore: TargetStore
) -> None:
    wire = _places(th).wire
    await room.topic("atacms")
    await add(th, wire, publish=True)
    await add(th, wire)  # not published
    await room.event("atacms", "On the wire", utc(2026, 3, 20, 14))
    report = await run_at(service(th), DUE)
    assert {n: r.outcome for n, r in report.results.items()} == {1: Outcome.SENT, 2: Outcome.SENT}
    published, unpublished = tstore.messages(wire.id)
    assert tstore.published == [published["id"]] and unpublished["flags"] == 0


async def test_a_part_posted_but_not_published_before_a_crash_is_published_on_recovery(
    database: Database, th: DiscordHarness, room: Writer, tstore: TargetStore
) -> None:
    wire = _places(th).wire
    await add(th, wire, publish=True)
    th.fail_next("POST", r"^/channels/\d+/messages/\d+/crosspost$", 503)
    assert (await run_at(service(th), DUE)).results[1].outcome is Outcome.RETRY
    assert tstore.published == []
    assert (await run_at(service(th), DUE + dt.timedelta(minutes=5))).results[1].outcome is Outcome.RECONCILED
    [message] = tstore.messages(wire.id)
    assert tstore.published == [message["id"]]


async def test_targets_survive_export_and_import_and_older_exports_default_to_text(
    database: Database, th: DiscordHarness, room: Writer, tmp_path: Path
) -> None:
    at = _places(th)
    await add(th, at.forum)
    await add(th, at.wire, publish=True)
    text = dumps(await export_newsroom(database, guild_id=GUILD_A_ID))
    assert [(d["target"], d["publish"]) for d in json.loads(text)["digests"]] == [
        ("forum", False),
        ("announcement", True),
    ]
    for older in (False, True):
        document = json.loads(text)
        if older:  # written before digests had targets
            for digest in document["digests"]:
                del digest["target"], digest["publish"]
        copy_db, schema = await make_database(backend_of(database), tmp_path / f"copy{older}")
        try:
            await import_newsroom(copy_db, document)
            again = await export_newsroom(copy_db, guild_id=GUILD_A_ID)
            if older:
                assert [(d["target"], d["publish"]) for d in again["digests"]] == [("text", False), ("text", False)]
            else:
                assert dumps(again) == text
        finally:
            await drop_database(copy_db, schema)


@pytest.mark.parametrize(
    ("place", "missing"),
    [
        # Discord takes Embed Links away in a thread from whoever can't send messages in threads.
        ("thread", "Send Messages in Threads, Embed Links permissions"),
        ("forum", "Send Messages in Posts permission"),
        ("wire", None),
    ],
)
async def test_each_kind_of_channel_needs_its_own_permissions(
    database: Database, room: Writer, clock: FakeClock, place: str, missing: str | None
) -> None:
    harness = DiscordHarness(make_bot(database, clock))
    at = _places(harness)
    no_threads = discord.Permissions(EVERYONE_PERMISSIONS)
    no_threads.update(send_messages_in_threads=False)
    harness.guild_a.roles[0] = RoleFixture(GUILD_A_ID, "@everyone", no_threads.value)
    async with harness as h:
        channel = getattr(at, place)
        reply = await add(h, channel)
        edit = await h.slash("digest edit", {"id": 1, "channel": channel}, user=h.editor) if missing is None else None
    if missing is None:
        assert (reply.content or "").startswith("Digest `#1` will post")
        assert edit is not None and "already had those settings" in (edit.content or "")
    else:
        expected = f"I can't post in {channel.mention}: I'm missing the {missing} there. Grant it and try again."
        assert reply.content == expected
