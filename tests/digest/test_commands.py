"""/digest through discord.py's real app-command dispatch (tests/harness.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import discord
import pytest

from bot.services.digest_runner import DigestRunner
from bot.services.digest_sending import Outcome
from db.engine import Database
from tests.digest.support import ChannelStore, Writer, deliveries, row_id, run_at, service, subscription, utc
from tests.harness import EVERYONE_PERMISSIONS, GUILD_A_ID, DiscordHarness, Reply, RoleFixture
from tests.newsroom import FakeClock, make_bot

if TYPE_CHECKING:
    # For types only: the extension loader runs its own copy of cogs.digest, so the cog the bot
    # holds is not an instance of the class an import here would give.
    from cogs.digest import DigestCog

S10 = dt.timedelta(seconds=10)
NO_PINGS = {"parse": []}


def field_of(reply: Reply) -> tuple[str, str]:
    field = reply.embeds[0]["fields"][0]
    return field["name"], field["value"]


async def add(h: DiscordHarness, **options: object) -> Reply:
    values = {"channel": h.guild_a.channels[1], "time": "09:00", "timezone": "Europe/London", **options}
    return await h.slash("digest add", values, user=h.editor)


async def test_an_editor_adds_a_digest_and_lists_it(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock
) -> None:
    await room.topic("atacms")
    await room.topic("tariffs")
    reply = await add(h, topics="atacms, tariffs", days="mon-fri")
    alerts = h.guild_a.channels[1]
    assert reply.ephemeral and reply.allowed_mentions == NO_PINGS
    assert reply.content == f"Digest `#1` will post in {alerts.mention}. `/digest preview 1` shows it now."
    name, value = field_of(reply)
    assert name == "#1 · 09:00 Europe/London, Mon–Fri"
    assert "Topics: `atacms`, `tariffs`" in value and f"Channel: {alerts.mention}" in value
    # Added on Friday 20 March at noon: the next weekday is Monday.
    assert "Next: Mon 23 Mar 09:00 GMT" in value and "Covers changes since: Fri 20 Mar 09:00 GMT" in value
    sub = await subscription(database, 1)
    assert (sub.channel_id, sub.weekdays, sub.created_by) == (alerts.id, [0, 1, 2, 3, 4], h.editor.id)

    listed = await h.slash("digest list", user=h.editor)
    assert listed.ephemeral and listed.embeds[0]["fields"][0]["name"] == name
    assert "State: \N{LARGE GREEN CIRCLE} active" in listed.embeds[0]["fields"][0]["value"]


async def test_defaults_come_from_the_newsroom(database: Database, h: DiscordHarness, room: Writer) -> None:
    await room.set_timezone("America/New_York")
    reply = await h.slash("digest add", {"channel": h.guild_a.channel, "time": "7:30"}, user=h.editor)
    name, value = field_of(reply)
    assert name == "#1 · 07:30 America/New_York, every day" and "Topics: all topics" in value


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"topics": "atacms,nope"}, "No topic with the slug `nope` in this newsroom."),
        ({"time": "25:00"}, "`25:00` is not a time. Use 24-hour HH:MM"),
        ({"days": "funday"}, "`funday` is not a weekday"),
        ({"timezone": "Mars/Base"}, "`Mars/Base` is not a time zone name"),
    ],
)
async def test_bad_options_are_refused_clearly(
    database: Database, h: DiscordHarness, room: Writer, options: dict, message: str
) -> None:
    await room.topic("atacms")
    reply = await add(h, **options)
    assert reply.ephemeral and message in (reply.content or "")
    assert await deliveries(database) == []


async def test_only_editors_manage_digests(database: Database, h: DiscordHarness, room: Writer) -> None:
    reply = await h.slash("digest add", {"channel": h.guild_a.channel, "time": "09:00"}, user=h.reader)
    assert reply.ephemeral and "Only editors can do this" in (reply.content or "")
    listed = await h.slash("digest list", user=h.reader)
    assert "Only editors can do this" in (listed.content or "")


async def test_a_digest_cant_mention_everyone(database: Database, h: DiscordHarness, room: Writer) -> None:
    reply = await add(h, mention=h.guild_a.everyone_role)
    assert "can't mention the everyone role" in (reply.content or "")


async def test_the_bot_refuses_a_channel_it_cannot_post_in(database: Database, room: Writer, clock: FakeClock) -> None:
    harness = DiscordHarness(make_bot(database, clock))
    no_posting = discord.Permissions(EVERYONE_PERMISSIONS)
    no_posting.update(send_messages=False, embed_links=False)
    harness.guild_a.roles[0] = RoleFixture(GUILD_A_ID, "@everyone", no_posting.value)
    async with harness as h:
        reply = await h.slash("digest add", {"channel": h.guild_a.channels[1], "time": "09:00"}, user=h.editor)
    assert reply.content == (
        f"I can't post in {h.guild_a.channels[1].mention}: I'm missing the Send Messages, Embed Links permissions "
        "there. Grant it and try again."
    )


async def test_ids_from_another_newsroom_behave_as_not_found(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    await add(h)
    outsider = h.other_guild_user
    for command in ("remove", "pause", "resume", "preview", "send-now"):
        reply = await h.slash(f"digest {command}", {"id": 1}, user=outsider)
        assert "No digest `#1` in this newsroom." in (reply.content or ""), command
    assert (await h.slash("digest list", user=outsider)).embeds[0]["description"].startswith("No digests yet")
    assert (await subscription(database, 1)).paused is False


async def test_pause_resume_and_remove(database: Database, h: DiscordHarness, room: Writer, clock: FakeClock) -> None:
    await add(h)
    paused = await h.slash("digest pause", {"id": 1}, user=h.editor)
    assert paused.content == "Paused digest `#1`. `/digest resume 1` restarts it."
    listed = await h.slash("digest list", user=h.editor)
    assert f"paused: paused by <@{h.editor.id}>" in listed.embeds[0]["fields"][0]["value"]
    assert "already paused" in ((await h.slash("digest pause", {"id": 1}, user=h.editor)).content or "")
    clock.now = utc(2026, 3, 25, 12)
    resumed = await h.slash("digest resume", {"id": 1}, user=h.editor)
    assert resumed.content == (
        "Resumed digest `#1`. Next: Thu 26 Mar 09:00 GMT, covering everything since Fri 20 Mar 09:00 GMT."
    )
    removed = await h.slash("digest remove", {"id": 1}, user=h.editor)
    assert removed.content == f"Removed digest `#1` ({h.guild_a.channels[1].mention})."
    assert "No digest `#1`" in ((await h.slash("digest preview", {"id": 1}, user=h.editor)).content or "")


async def test_preview_is_private_and_posts_nothing(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    await room.topic("atacms")
    await add(h)
    await room.event("atacms", "Visible in the preview", utc(2026, 3, 20, 14))
    clock.now = utc(2026, 3, 20, 18)
    reply = await h.slash("digest preview", {"id": 1}, user=h.editor)
    assert reply.ephemeral and reply.allowed_mentions == NO_PINGS
    assert (reply.content or "").startswith(
        "**Newsdesk digest** · Sat 21 Mar 2026 · since Fri 20 Mar 09:00 GMT (1 change)"
    )
    assert "Visible in the preview" in reply.embeds[0]["description"]
    assert reply.embeds[-1]["footer"]["text"].endswith("preview, not posted")
    assert store.sends(h.guild_a.channels[1].id) == [] and await deliveries(database) == []


async def test_send_now_posts_and_counts_as_that_periods_digest(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    await room.topic("atacms")
    role = h.guild_a.editors_role
    await add(h, mention=role)
    await room.event("atacms", "Posted on demand", utc(2026, 3, 20, 14))
    clock.now = utc(2026, 3, 20, 18)
    reply = await h.slash("digest send-now", {"id": 1}, user=h.editor)
    channel = h.guild_a.channels[1]
    assert reply.ephemeral and reply.content == (
        f"Posted digest `#1` in {channel.mention} (1 message). It counts as the digest for 2026-03-21."
    )
    [message] = store.messages(channel.id)
    assert "Posted on demand" in message["embeds"][0]["description"]
    assert message["content"].startswith(f"{role.mention} **Newsdesk digest**")
    # The role the editor chose is the only thing that may ping.
    assert store.allowed_mentions[message["id"]] == {"parse": [], "roles": [role.id]}
    # The scheduled run for that period finds it done; the next period is normal again.
    svc = service(h)
    assert (await run_at(svc, utc(2026, 3, 21, 9) + S10)).results == {}
    await room.event("atacms", "Next day", utc(2026, 3, 21, 12))
    report = await run_at(svc, utc(2026, 3, 22, 9) + S10)
    assert [r.outcome for r in report.results.values()] == [Outcome.SENT]
    later = store.messages(channel.id)[1]
    assert (
        "Next day" in later["embeds"][0]["description"] and "Posted on demand" not in later["embeds"][0]["description"]
    )


async def test_the_next_editor_sees_a_one_line_notice_after_a_failure(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock
) -> None:
    await room.topic("atacms")
    await add(h)
    channel = h.guild_a.channels[1]
    h.fail_next("POST", rf"^/channels/{channel.id}/messages$", 403)
    # Another process's scheduler hits the failure; this bot learns of it from the database.
    assert (await run_at(service(h), utc(2026, 3, 21, 9) + S10)).results[1].outcome is Outcome.PAUSED

    readers_view = await h.slash("topics", user=h.reader)
    assert readers_view.followups == []  # readers are not told; the notice waits for an editor
    editors_view = await h.slash("topics", user=h.editor)
    [notice] = editors_view.followups
    assert notice["flags"] & 64 and notice["content"] == (
        f"\N{WARNING SIGN}\N{VARIATION SELECTOR-16} Digest #1 is paused: Discord refused to let me post in "
        f"{channel.mention} (missing access or permission). Fix it, then `/digest resume 1`."
    )
    assert (await h.slash("topics", user=h.editor)).followups == []  # once

    listed = await h.slash("digest list", user=h.editor)
    assert "paused: Discord refused to let me post in" in listed.embeds[0]["fields"][0]["value"]
    resumed = await h.slash("digest resume", {"id": 1}, user=h.editor)
    assert (resumed.content or "").startswith("Resumed digest `#1`.")


async def test_resume_is_refused_while_the_channel_is_still_unusable(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    gone = await room.subscribe(channel_id=999_999_999_999_999_999, now=utc(2026, 3, 20, 12))
    assert (await run_at(service(h), utc(2026, 3, 21, 9) + S10)).results[row_id(gone)].outcome is Outcome.PAUSED
    reply = await h.slash("digest resume", {"id": gone.id}, user=h.editor)
    assert reply.content == (
        f"Digest `#{gone.id}` stays paused: I still can't post in <#999999999999999999> (missing View Channel)."
    )


async def _yield_until(condition: Callable[[], bool]) -> None:
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0)


async def test_the_scheduler_loop_starts_with_the_bot_and_survives_a_failing_tick(
    database: Database,
    room: Writer,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticks: list[dt.datetime] = []

    async def run_due(self: DigestRunner, now: dt.datetime) -> None:
        ticks.append(now)
        if len(ticks) == 1:
            raise RuntimeError("database unreachable")

    monkeypatch.setattr(DigestRunner, "run_due", run_due)
    bot = make_bot(database, clock)
    bot.start_scheduler = True
    bot.settings.digest_tick_seconds = 3600
    with caplog.at_level(logging.ERROR):
        async with DiscordHarness(bot):
            cog = cast("DigestCog | None", bot.get_cog("DigestCog"))
            assert cog is not None and cog.scheduler.loop is not None
            loop = cog.scheduler.loop
            await _yield_until(lambda: bool(ticks))
            # The first tick ran once the bot was ready, with the bot's clock; its failure was logged ...
            assert ticks == [clock()] and "digest scheduler tick failed" in caplog.text
            # ... and did not stop the loop.
            assert loop.is_running()
            await cog.scheduler.tick()
            assert len(ticks) == 2
    # Closing the bot unloads the cog, which cancels the loop.
    await _yield_until(lambda: not loop.is_running())
    assert not loop.is_running()


async def test_closing_the_bot_lets_a_tick_in_progress_finish(
    database: Database, room: Writer, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    release = asyncio.Event()

    async def run_due(self: DigestRunner, now: dt.datetime) -> None:
        events.append("started")
        await release.wait()  # a tick in the middle of its work
        events.append("finished")

    monkeypatch.setattr(DigestRunner, "run_due", run_due)
    bot = make_bot(database, clock)
    bot.start_scheduler = True
    bot.settings.digest_tick_seconds = 3600
    async with DiscordHarness(bot):
        cog = cast("DigestCog | None", bot.get_cog("DigestCog"))
        assert cog is not None and cog.scheduler.loop is not None
        await _yield_until(lambda: events == ["started"])
        closing = asyncio.create_task(bot.close())
        await _yield_until(lambda: False)  # shutdown has begun and is waiting for the tick
        assert not closing.done() and events == ["started"]
        release.set()
        await asyncio.wait_for(closing, timeout=10)
    assert events == ["started", "finished"]
    assert not cog.scheduler.loop.is_running()


async def test_a_digest_added_after_one_was_removed_posts_with_a_nonce_of_its_own(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    """Removing a digest deletes its deliveries; ids are never handed out again, and the nonce
    carries a salt besides, so the next digest's post is never taken for the removed one's."""
    channel = h.guild_a.channels[1]
    await room.topic("atacms")
    await add(h)
    await room.event("atacms", "First story", utc(2026, 3, 20, 14))
    clock.now = utc(2026, 3, 20, 18)
    first = await h.slash("digest send-now", {"id": 1}, user=h.editor)
    assert (first.content or "").startswith("Posted digest `#1`")
    [first_delivery] = await deliveries(database)
    removed = await h.slash("digest remove", {"id": 1}, user=h.editor)
    assert (removed.content or "").startswith("Removed digest `#1`")

    added = await add(h)
    assert (added.content or "").startswith("Digest `#2` will post")
    await room.event("atacms", "Second story", utc(2026, 3, 20, 19))
    clock.now = utc(2026, 3, 20, 20)
    second = await h.slash("digest send-now", {"id": 2}, user=h.editor)
    assert (second.content or "").startswith("Posted digest `#2`")
    [second_delivery] = await deliveries(database)
    assert second_delivery.id != first_delivery.id and second_delivery.nonce != first_delivery.nonce

    sends = store.sends(channel.id)
    assert [call.json["nonce"] for call in sends] == [f"{first_delivery.nonce}.1", f"{second_delivery.nonce}.1"]
    posted = store.messages(channel.id)
    assert store.deduplicated == 0 and len(posted) == 2
    assert "Second story" in posted[1]["embeds"][0]["description"]
