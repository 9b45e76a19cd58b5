"""Stale-topic reminders: once a week per topic, several topics in one message, exactly once across
processes and after a crash, and never for archived topics or newsrooms without an editors' channel."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.core.reminders import State
from db.engine import Database
from tests.digest.support import ChannelStore, Crash, utc
from tests.newsroom import Desk, running_desk
from tests.reminders.support import alerts, crash, date_topics, notices, posted, runner, set_channel, tick, titled

STALE = "Stories gone quiet"
NOW = utc(2026, 3, 20, 12, 0)


async def make_topic(desk: Desk, slug: str, title: str) -> None:
    reply = await desk.harness.slash("topic create", {"slug": slug, "title": title}, user=desk.harness.admin)
    assert reply.ephemeral is not None


async def test_a_stale_topic_is_reminded_once_a_week(room: Desk, store: ChannelStore) -> None:
    bot, channel = room.bot, alerts(room.harness)
    await set_channel(bot, channel)
    await date_topics(bot, NOW - dt.timedelta(days=29))
    proc = runner(bot)
    assert titled(posted(store, channel), STALE) == []
    await tick(proc, NOW)
    assert titled(posted(store, channel), STALE) == []  # 29 days: not stale yet
    await tick(proc, NOW + dt.timedelta(days=1))
    [first] = titled(posted(store, channel), STALE)
    assert "atacms" in first["embeds"][0]["description"] and "30 days" in first["content"]
    for later in (dt.timedelta(days=1, hours=1), dt.timedelta(days=4), dt.timedelta(days=7, hours=23)):
        await tick(proc, NOW + later)  # within the week: nothing more
    assert len(titled(posted(store, channel), STALE)) == 1
    await tick(proc, NOW + dt.timedelta(days=8))
    assert len(titled(posted(store, channel), STALE)) == 2
    await tick(proc, NOW + dt.timedelta(days=8, minutes=10))
    assert len(titled(posted(store, channel), STALE)) == 2
    assert store.allowed_mentions[first["id"]] == {"parse": []}


async def test_stale_topics_due_at_once_share_one_message_and_archived_ones_never_remind(
    room: Desk, store: ChannelStore
) -> None:
    bot, channel = room.bot, alerts(room.harness)
    await set_channel(bot, channel, stale_after_days=14)
    for n in range(3):
        await make_topic(room, f"quiet-{n}", f"Quiet story {n}")
    await make_topic(room, "shelved", "Shelved story")
    archived = await room.harness.slash("topic archive", {"topic": "shelved"}, user=room.harness.admin)
    assert archived.content is not None
    await date_topics(bot, NOW - dt.timedelta(days=20))
    await tick(runner(bot), NOW)
    [message] = titled(posted(store, channel), STALE)
    text = message["embeds"][0]["description"]
    for slug in ("atacms", "quiet-0", "quiet-1", "quiet-2"):
        assert f"(`{slug}`)" in text
    assert "shelved" not in text
    assert "4 stories" in message["content"] and "14 days" in message["content"]


async def test_a_newsroom_without_an_editors_channel_gets_no_reminders(room: Desk, store: ChannelStore) -> None:
    bot = room.bot
    await date_topics(bot, NOW - dt.timedelta(days=90))
    report = await tick(runner(bot), NOW)
    assert report.sent == [] and await notices(bot) == []
    assert not any(posted(store, c.id) for c in room.harness.guild_a.channels)


async def test_several_processes_racing_post_exactly_one_reminder(
    database: Database, room: Desk, store: ChannelStore
) -> None:
    channel = alerts(room.harness)
    await set_channel(room.bot, channel)
    await date_topics(room.bot, NOW - dt.timedelta(days=40))
    async with running_desk(database, room.clock) as second, running_desk(database, room.clock) as third:
        store.attach(second.harness)
        store.attach(third.harness)
        procs = [runner(room.bot, "a"), runner(second.bot, "b"), runner(third.bot, "c")]
        room.clock.now = NOW  # one clock: the processes share it
        reports = await asyncio.gather(*(p.run_due(NOW) for p in procs))
        room.clock.now = NOW + dt.timedelta(minutes=5)
        await asyncio.gather(*(p.run_due(room.clock.now) for p in procs))
    assert len(titled(posted(store, channel), STALE)) == 1
    # Every reminder due (the stale topic, and questions about the seed's passed expected entries) was
    # sent by one process only, once.
    sent = [notice_id for r in reports for notice_id in r.sent]
    stored = await notices(room.bot)
    assert sorted(sent) == [n.id for n in stored] and {n.state for n in stored} == {State.SENT.value}
    assert len(posted(store, channel)) == len(stored) == len(store.sends(channel))


async def test_a_crash_before_the_post_is_finished_by_the_next_process_once(
    database: Database, room: Desk, store: ChannelStore
) -> None:
    channel = alerts(room.harness)
    await set_channel(room.bot, channel)
    await date_topics(room.bot, NOW - dt.timedelta(days=40))
    dying = runner(room.bot, "dying", before=crash)
    with pytest.raises(Crash):
        await tick(dying, NOW)
    assert posted(store, channel) == []
    [claimed, *_] = await notices(room.bot)
    assert claimed.state == State.SENDING.value and claimed.kind == "stale"
    survivor = runner(room.bot, "survivor")
    await tick(survivor, NOW + dt.timedelta(seconds=30))  # the dead process's lease still runs
    assert posted(store, channel) == []
    report = await tick(survivor, NOW + dt.timedelta(minutes=3))
    assert claimed.id in report.sent
    assert len(titled(posted(store, channel), STALE)) == 1
    await tick(survivor, NOW + dt.timedelta(minutes=10))
    assert len(titled(posted(store, channel), STALE)) == 1


async def test_a_crash_after_the_post_reconciles_instead_of_posting_again(room: Desk, store: ChannelStore) -> None:
    channel = alerts(room.harness)
    await set_channel(room.bot, channel)
    await date_topics(room.bot, NOW - dt.timedelta(days=40))
    with pytest.raises(Crash):
        await tick(runner(room.bot, "dying", after=crash), NOW)
    [message] = posted(store, channel)
    report = await tick(runner(room.bot, "survivor"), NOW + dt.timedelta(minutes=3))
    [notice, *others] = await notices(room.bot)
    assert report.reconciled == [notice.id] and notice.id not in report.sent
    assert notice.state == State.SENT.value and notice.message_id == int(message["id"])
    assert len(titled(posted(store, channel), STALE)) == 1
    assert len(store.sends(channel)) == len(posted(store, channel)) == 1 + len(others)


async def test_a_channel_that_refuses_posts_is_not_retried(room: Desk, store: ChannelStore) -> None:
    await set_channel(room.bot, 999_999_999_999_999_999)  # deleted since it was set
    await date_topics(room.bot, NOW - dt.timedelta(days=40))
    proc = runner(room.bot)
    report = await tick(proc, NOW)
    stored = await notices(room.bot)
    assert report.refused == [n.id for n in stored] and stored
    assert all(n.state == State.REFUSED.value and n.error for n in stored)
    again = await tick(proc, NOW + dt.timedelta(minutes=5))
    assert again.sent == again.refused == []


async def test_a_post_discord_stored_but_answered_with_an_error_is_found_not_sent_again(
    room: Desk, store: ChannelStore
) -> None:
    channel = alerts(room.harness)
    await set_channel(room.bot, channel)
    await date_topics(room.bot, NOW - dt.timedelta(days=40))
    await room.harness.slash(
        "settings editors-channel", {"channel": room.harness.guild_a.channels[1]}, user=room.harness.admin
    )
    store.lose_next_response(channel, 503)
    proc = runner(room.bot)
    first = await tick(proc, NOW)
    [notice, *_] = await notices(room.bot)
    assert notice.id in first.retrying and notice.state == State.SENDING.value and notice.error
    assert len(titled(posted(store, channel), STALE)) == 1  # Discord kept it despite the error
    await tick(proc, NOW + dt.timedelta(seconds=30))  # before the backoff: left alone
    again = await tick(proc, NOW + dt.timedelta(minutes=2))
    assert again.reconciled == [notice.id]
    [notice, *_] = await notices(room.bot)
    assert notice.state == State.SENT.value
    assert len(titled(posted(store, channel), STALE)) == 1


async def test_a_process_looks_for_new_reminders_every_few_minutes_not_every_tick(
    room: Desk, store: ChannelStore
) -> None:
    channel = alerts(room.harness)
    await set_channel(room.bot, channel)
    went_quiet = NOW - dt.timedelta(days=30)
    await date_topics(room.bot, went_quiet + dt.timedelta(minutes=1))
    proc = runner(room.bot)
    await tick(proc, NOW)  # the topic goes stale a minute later
    await tick(proc, NOW + dt.timedelta(minutes=2))
    assert titled(posted(store, channel), STALE) == []
    await tick(proc, NOW + proc.config.scan_every)
    assert len(titled(posted(store, channel), STALE)) == 1
