"""A subscription paused by a delivery failure is announced in the editors' channel once per pause,
besides the notice at the next command; an editor's own pause, or no editors' channel, says nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import col, select

from bot.core.digest_targets import Target
from bot.core.requester import Requester
from bot.services import alerts as alert_service
from bot.services import digests
from db.digest_models import DigestSubscription
from tests.digest.support import ChannelStore, editor_in, run_at, service, subscription, utc
from tests.harness import GUILD_A_ID
from tests.newsroom import Desk
from tests.reminders.support import alerts, posted, runner, set_channel, tick

GONE = 999_999_999_999_999_999
NOW = utc(2026, 3, 20, 12, 0)


async def failing_digest(desk: Desk) -> DigestSubscription:
    """A digest whose channel was deleted: its first delivery is refused (404) and pauses it."""
    view = await digests.add_subscription(
        desk.database,
        editor_in(GUILD_A_ID),
        channel_id=GONE,
        local_time="09:00",
        timezone="UTC",
        topic_slugs=None,
        weekdays=None,
        mention_role_id=None,
        post_when_empty=True,
        missing_permissions=[],
        now=NOW,
        settle=dt.timedelta(minutes=5),
    )
    return view.subscription


async def fail(desk: Desk, sub: DigestSubscription, moment: dt.datetime) -> DigestSubscription:
    await run_at(service(desk.harness), moment)
    assert sub.id is not None
    paused = await subscription(desk.database, sub.id)
    assert paused.paused and paused.notice_pending and paused.paused_at is not None
    return paused


def pause_messages(store: ChannelStore, channel: int) -> list[dict[str, Any]]:
    return [m for m in posted(store, channel) if m["embeds"][0]["title"].endswith("is paused")]


async def test_a_failure_pause_is_announced_once_with_why_and_how_to_resume(room: Desk, store: ChannelStore) -> None:
    channel = alerts(room.harness)
    await set_channel(room.bot, channel)
    sub = await failing_digest(room)
    paused = await fail(room, sub, utc(2026, 3, 21, 9, 10))
    proc = runner(room.bot)
    await tick(proc, utc(2026, 3, 21, 9, 11))
    [message] = pause_messages(store, channel)
    text = message["content"] + message["embeds"][0]["description"]
    assert f"Digest #{sub.id}" in text and f"<#{GONE}>" in text
    assert "no longer exists" in text and f"/digest resume {sub.id}" in text
    assert store.allowed_mentions[message["id"]] == {"parse": []}
    await tick(proc, utc(2026, 3, 21, 9, 20))
    await tick(proc, utc(2026, 3, 22, 9, 20))
    assert len(pause_messages(store, channel)) == 1
    # The notice at the next command still comes: the announcement is in addition to it.
    assert (await subscription(room.database, paused.id or 0)).notice_pending

    # Resumed (as `/digest resume` would once the channel worked), and refused again: a new pause,
    # announced again.
    async with room.database.write() as session:
        row = await session.get(DigestSubscription, sub.id)
        assert row is not None
        row.paused, row.paused_at, row.paused_reason, row.notice_pending = False, None, None, False
        session.add(row)
    await fail(room, sub, utc(2026, 3, 23, 9, 10))
    await tick(proc, utc(2026, 3, 23, 9, 11))
    assert len(pause_messages(store, channel)) == 2


async def test_an_editors_own_pause_or_no_editors_channel_announces_nothing(room: Desk, store: ChannelStore) -> None:
    channel = alerts(room.harness)
    sub = await failing_digest(room)
    await fail(room, sub, utc(2026, 3, 21, 9, 10))
    await tick(runner(room.bot), utc(2026, 3, 21, 9, 11))  # no editors' channel yet
    assert all(pause_messages(store, c.id) == [] for c in room.harness.guild_a.channels)

    await set_channel(room.bot, channel)
    mine = await failing_digest(room)
    paused = await room.harness.slash("digest pause", {"id": mine.id}, user=room.harness.admin)
    assert paused.content is not None
    await tick(runner(room.bot), utc(2026, 3, 21, 9, 12))
    assert [m["embeds"][0]["title"] for m in pause_messages(store, channel)] == [f"Digest #{sub.id} is paused"]


async def paused_by_failure(desk: Desk, sub_id: int, reason: str, moment: dt.datetime) -> None:
    """The pause a delivery failure leaves on an alert or a follow (the alert runner's own
    refusal handling is tested with the alerts); here only its announcement matters."""
    async with desk.database.write() as session:
        row = await session.get(DigestSubscription, sub_id)
        assert row is not None
        row.paused, row.paused_at, row.paused_reason, row.notice_pending = True, moment, reason, True
        session.add(row)


async def follows_of(desk: Desk, member: int) -> list[DigestSubscription]:
    async with desk.database.read() as session:
        stmt = select(DigestSubscription).where(
            col(DigestSubscription.mode) == "follow", col(DigestSubscription.recipient_id) == member
        )
        return list((await session.execute(stmt)).scalars())


async def test_a_paused_alert_and_paused_follows_are_announced_in_their_own_words(
    room: Desk, store: ChannelStore
) -> None:
    channel = alerts(room.harness)
    await set_channel(room.bot, channel)
    alert = await alert_service.add_alert(
        room.database,
        editor_in(GUILD_A_ID),
        channel_id=GONE,
        target=Target.TEXT,
        topic_slugs=None,
        kinds=["status"],
        missing_permissions=[],
        now=NOW,
    )
    member = 424_242_424_242
    follow, _resumed = await alert_service.follow(
        room.database, Requester(guild_id=GUILD_A_ID, user_id=member), slug="atacms", kinds=["status"], now=NOW
    )
    assert alert.subscription.id is not None
    await paused_by_failure(room, alert.subscription.id, "The channel no longer exists.", utc(2026, 3, 21, 9, 0))
    [follow_row] = await follows_of(room, member)
    assert follow_row.id is not None and follow.slug == "atacms"
    await paused_by_failure(room, follow_row.id, "Discord refused a direct message.", utc(2026, 3, 21, 9, 0))
    await tick(runner(room.bot), utc(2026, 3, 21, 9, 5))

    by_title = {m["embeds"][0]["title"]: m for m in posted(store, channel)}
    alert_text = by_title[f"Alert #{alert.subscription.id} is paused"]
    said = alert_text["content"] + alert_text["embeds"][0]["description"]
    assert f"/alert resume {alert.subscription.id}" in said and "/digest" not in said
    follow_text = by_title["Follows paused"]
    said = follow_text["content"] + follow_text["embeds"][0]["description"]
    assert f"<@{member}>" in said and "/follow" in said and "Digest" not in said
    assert store.allowed_mentions[follow_text["id"]] == {"parse": []}
