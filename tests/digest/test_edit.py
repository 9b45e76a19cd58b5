"""/digest edit through the real dispatch: each setting, what is kept, refusals, and edits around the
due time with the runner (no second digest for a period, no period skipped)."""

from __future__ import annotations

import datetime as dt

import discord
import pytest
from sqlmodel import col, select

from bot.services.digest_sending import Outcome
from db.engine import Database
from db.models import AuditRecord
from tests.digest.support import (
    LEASE,
    ChannelStore,
    Crash,
    Writer,
    attempts,
    crashing_render,
    deliveries,
    run_at,
    service,
    subscription,
    utc,
)
from tests.harness import EVERYONE_PERMISSIONS, GUILD_A_ID, DiscordHarness, Reply, RoleFixture
from tests.newsroom import FakeClock, make_bot

S10 = dt.timedelta(seconds=10)
ARROW = "\N{RIGHTWARDS ARROW}"


async def add(h: DiscordHarness, **options: object) -> Reply:
    values = {"channel": h.guild_a.channels[1], "time": "09:00", "timezone": "Europe/London", **options}
    return await h.slash("digest add", values, user=h.editor)


async def edit(h: DiscordHarness, **options: object) -> Reply:
    return await h.slash("digest edit", {"id": 1, **options}, user=h.editor)


def listed_value(reply: Reply) -> tuple[str, str]:
    field = reply.embeds[0]["fields"][0]
    return field["name"], field["value"]


async def last_audit(database: Database) -> AuditRecord:
    async with database.read() as session:
        stmt = select(AuditRecord).order_by(col(AuditRecord.id).desc())
        record = (await session.execute(stmt)).scalars().first()
    assert record is not None
    return record


async def test_each_setting_changes_in_place(database: Database, h: DiscordHarness, room: Writer) -> None:
    await room.topic("atacms")
    await room.topic("tariffs")
    await add(h, topics="atacms")
    newsroom, alerts = h.guild_a.channels[0], h.guild_a.channels[1]
    role = h.guild_a.editors_role

    reply = await edit(h, time="17:30")
    assert reply.ephemeral and reply.allowed_mentions == {"parse": []}
    assert reply.content == (
        "Edited digest `#1`; its number and history are kept.\n"
        f"Time: 09:00 Europe/London {ARROW} 17:30 Europe/London\n"
        f"Next: Sat 21 Mar 09:00 GMT {ARROW} Fri 20 Mar 17:30 GMT"
    )
    assert reply.embeds[0]["title"] == "Digest edited"

    reply = await edit(h, days="mon-fri", channel=newsroom, topics="atacms, tariffs", mention=role)
    assert f"Channel: {alerts.mention} {ARROW} {newsroom.mention}" in (reply.content or "")
    assert f"Days: every day {ARROW} Mon–Fri" in (reply.content or "")
    assert f"Topics: `atacms` {ARROW} `atacms`, `tariffs`" in (reply.content or "")
    assert f"Mentions: nobody {ARROW} {role.mention}" in (reply.content or "")

    reply = await edit(h, timezone="America/New_York", post_when_empty=False, no_mention=True, topics="all")
    content = reply.content or ""
    assert f"Time: 17:30 Europe/London {ARROW} 17:30 America/New_York" in content
    assert f"Quiet days: one short line {ARROW} nothing is posted" in content
    assert f"Mentions: {role.mention} {ARROW} nobody" in content
    assert f"Topics: `atacms`, `tariffs` {ARROW} all topics" in content

    sub = await subscription(database, 1)
    assert (sub.id, sub.channel_id, sub.local_time, sub.timezone) == (1, newsroom.id, "17:30", "America/New_York")
    assert (sub.weekdays, sub.topic_ids, sub.mention_role_id) == ([0, 1, 2, 3, 4], None, None)
    assert sub.post_when_empty is False
    name, value = listed_value(await h.slash("digest list", user=h.editor))
    assert name == "#1 · 17:30 America/New_York, Mon–Fri"
    assert f"Channel: {newsroom.mention}" in value and "Topics: all topics" in value
    assert "Quiet days: nothing is posted" in value and "Mentions" not in value

    record = await last_audit(database)
    assert (record.action, record.actor_id) == ("digest.edit", h.editor.id)
    assert record.after is not None and record.after["timezone"] == "America/New_York"
    assert record.after["previous"]["timezone"] == "Europe/London"
    assert record.after["previous"]["mention_role_id"] == str(role.id)


async def a_digest_with_a_story(h: DiscordHarness, room: Writer, headline: str, at: dt.datetime) -> None:
    await room.topic("atacms")
    await add(h)
    await room.event("atacms", headline, at)


async def test_an_edit_keeps_the_id_and_the_delivery_history(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    await a_digest_with_a_story(h, room, "Before the edit", utc(2026, 3, 20, 14))
    clock.now = utc(2026, 3, 20, 18)
    await h.slash("digest send-now", {"id": 1}, user=h.editor)
    history = [(d.id, d.period_key, d.state) for d in await deliveries(database, 1)]
    tried = len(await attempts(database))
    before = await subscription(database, 1)

    await edit(h, channel=h.guild_a.channels[0], time="10:00")
    after = await subscription(database, 1)
    assert [(d.id, d.period_key, d.state) for d in await deliveries(database, 1)] == history
    assert len(await attempts(database)) == tried
    assert (after.covered_until, after.last_sent_at, after.created_at) == (
        before.covered_until,
        before.last_sent_at,
        before.created_at,
    )
    # Today's period (21 Mar) went out early by send-now; the new time does not repost it.
    assert after.next_due_at == utc(2026, 3, 22, 10)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "Give `/digest edit 1` at least one setting to change"),
        ({"time": "25:00"}, "`25:00` is not a time. Use 24-hour HH:MM"),
        ({"days": "funday"}, "`funday` is not a weekday"),
        ({"timezone": "Mars/Base"}, "`Mars/Base` is not a time zone name"),
        ({"topics": "atacms,nope"}, "No topic with the slug `nope` in this newsroom."),
        ({"mention": "everyone"}, "can't mention the everyone role"),
        ({"mention": "editors", "no_mention": True}, "Give either `mention` or `no_mention`"),
    ],
)
async def test_bad_edits_are_refused_and_change_nothing(
    database: Database, h: DiscordHarness, room: Writer, options: dict, message: str
) -> None:
    await room.topic("atacms")
    await add(h)
    before = await subscription(database, 1)
    roles = {"everyone": h.guild_a.everyone_role, "editors": h.guild_a.editors_role}
    if "mention" in options:
        options = {**options, "mention": roles[options["mention"]]}
    reply = await edit(h, **options)
    assert reply.ephemeral and message in (reply.content or "")
    assert (await subscription(database, 1)).model_dump() == before.model_dump()
    assert (await last_audit(database)).action == "digest.create"


async def test_ids_of_other_newsrooms_and_unknown_ids_are_not_found(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    await add(h)
    before = (await subscription(database, 1)).model_dump()
    outsider = await h.slash("digest edit", {"id": 1, "time": "10:00"}, user=h.other_guild_user)
    assert "No digest `#1` in this newsroom." in (outsider.content or "")
    forged = await h.slash("digest edit", {"id": 4242, "time": "10:00"}, user=h.editor)
    assert "No digest `#4242` in this newsroom." in (forged.content or "")
    reader = await h.slash("digest edit", {"id": 1, "time": "10:00"}, user=h.reader)
    assert "Only editors can do this" in (reader.content or "")
    assert (await subscription(database, 1)).model_dump() == before


async def test_a_channel_the_bot_cannot_post_in_is_refused(database: Database, room: Writer, clock: FakeClock) -> None:
    harness = DiscordHarness(make_bot(database, clock))
    no_posting = discord.Permissions(EVERYONE_PERMISSIONS)
    no_posting.update(embed_links=False)
    harness.guild_a.roles[0] = RoleFixture(GUILD_A_ID, "@everyone", no_posting.value)
    async with harness as h:
        await room.subscribe(channel_id=h.guild_a.channels[1].id, now=clock())
        reply = await edit(h, channel=h.guild_a.channels[0], time="10:00")
    assert reply.content == (
        f"I can't post in {h.guild_a.channels[0].mention}: I'm missing the Embed Links permission there. "
        "Grant it and try again."
    )
    sub = await subscription(database, 1)
    assert (sub.channel_id, sub.local_time) == (h.guild_a.channels[1].id, "09:00")


async def test_the_same_values_change_nothing(database: Database, h: DiscordHarness, room: Writer) -> None:
    await add(h)
    reply = await edit(h, time="9:00", days="daily")
    assert reply.content == "Digest `#1` already had those settings; nothing changed."
    assert (await last_audit(database)).action == "digest.create"


# -- around the due time ---------------------------------------------------------------------------


async def _posted_periods(database: Database) -> list[str]:
    return [d.period_key for d in await deliveries(database, 1) if d.state == "sent"]


async def test_moved_later_after_todays_digest_went_out_is_not_sent_twice(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    await add(h)
    svc = service(h)
    assert (await run_at(svc, utc(2026, 3, 21, 9) + S10)).results[1].outcome is Outcome.SENT
    clock.now = utc(2026, 3, 21, 12)
    reply = await edit(h, time="17:00")
    assert f"Next: Sun 22 Mar 09:00 GMT {ARROW} Sun 22 Mar 17:00 GMT" in (reply.content or "")
    assert (await run_at(svc, utc(2026, 3, 21, 17) + S10)).results == {}
    assert (await run_at(svc, utc(2026, 3, 22, 17) + S10)).results[1].outcome is Outcome.SENT
    assert await _posted_periods(database) == ["2026-03-21", "2026-03-22"]
    assert len(store.messages(h.guild_a.channels[1].id)) == 2


async def test_moved_later_before_todays_digest_waits_for_the_new_time(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    await add(h)
    svc = service(h)
    clock.now = utc(2026, 3, 21, 8)
    await edit(h, time="17:00")
    assert (await run_at(svc, utc(2026, 3, 21, 9) + S10)).results == {}
    assert (await run_at(svc, utc(2026, 3, 21, 17) + S10)).results[1].outcome is Outcome.SENT
    assert await _posted_periods(database) == ["2026-03-21"]
    sub = await subscription(database, 1)
    assert (sub.covered_until, sub.next_due_at) == (utc(2026, 3, 21, 17), utc(2026, 3, 22, 17))


async def test_moved_to_a_time_already_past_posts_the_current_period_now(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    await add(h)
    svc = service(h)
    clock.now = utc(2026, 3, 21, 8, 30)
    reply = await edit(h, time="08:00")
    assert f"Next: Sat 21 Mar 09:00 GMT {ARROW} Sat 21 Mar 08:00 GMT" in (reply.content or "")
    assert (await run_at(svc, utc(2026, 3, 21, 8, 30) + S10)).results[1].outcome is Outcome.SENT
    assert (await run_at(svc, utc(2026, 3, 21, 9) + S10)).results == {}
    assert (await run_at(svc, utc(2026, 3, 22, 8) + S10)).results[1].outcome is Outcome.SENT
    assert await _posted_periods(database) == ["2026-03-21", "2026-03-22"]


async def test_an_edit_waits_while_a_delivery_is_being_posted(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    await a_digest_with_a_story(h, room, "Claimed before the edit", utc(2026, 3, 21, 8))
    due = utc(2026, 3, 21, 9) + S10
    # A process claims the period and dies before building it: its lease still runs.
    with pytest.raises(BaseExceptionGroup) as crashed:
        await run_at(service(h, name="doomed", render=crashing_render), due)
    assert crashed.group_contains(Crash)
    clock.now = due + dt.timedelta(seconds=5)
    before = (await subscription(database, 1)).model_dump()
    refused = await edit(h, channel=h.guild_a.channels[0])
    assert "is being posted right now; try the edit again in a minute" in (refused.content or "")
    assert (await subscription(database, 1)).model_dump() == before

    # Once the lease has run out, the edit goes through and the claimed period is posted once, in
    # the new channel, when it is taken over.
    clock.now = due + LEASE + dt.timedelta(seconds=1)
    moved = await edit(h, channel=h.guild_a.channels[0])
    assert (moved.content or "").startswith("Edited digest `#1`")
    report = await run_at(service(h, name="restarted"), clock.now)
    assert report.results[1].outcome is Outcome.SENT
    assert await run_at(service(h, name="restarted"), clock.now + dt.timedelta(hours=1))
    [message] = store.messages(h.guild_a.channels[0].id)
    assert "Claimed before the edit" in message["embeds"][0]["description"]
    assert store.messages(h.guild_a.channels[1].id) == []
    assert await _posted_periods(database) == ["2026-03-21"]


async def test_new_days_after_todays_digest_start_on_the_next_allowed_day(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    await add(h)
    svc = service(h)
    # Saturday's digest went out; from now on, weekdays only, in New York.
    assert (await run_at(svc, utc(2026, 3, 21, 9) + S10)).results[1].outcome is Outcome.SENT
    clock.now = utc(2026, 3, 21, 10)
    reply = await edit(h, days="weekdays", timezone="America/New_York")
    assert f"Next: Sun 22 Mar 09:00 GMT {ARROW} Mon 23 Mar 09:00 EDT" in (reply.content or "")
    assert (await run_at(svc, utc(2026, 3, 22, 9) + S10)).results == {}
    assert (await run_at(svc, utc(2026, 3, 23, 13) + S10)).results[1].outcome is Outcome.SENT
    assert await _posted_periods(database) == ["2026-03-21", "2026-03-23"]
    sub = await subscription(database, 1)
    assert sub.covered_until == utc(2026, 3, 23, 13)
