"""Which alerts a tick looks at: only those with something logged in their newsroom since their
window started, or a delivery left unfinished. Follows of quiet stories cost a tick nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import col

from db import alert_claims
from db.digest_models import DigestDelivery
from db.engine import Database
from tests.alerts.support import AlertStore, add_alert, run_at, runner
from tests.digest.support import Writer, deliveries, row_id, utc
from tests.harness import GUILD_B_ID, DiscordHarness

T0 = utc(2026, 3, 20, 12, 0)


def s(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


async def due_ids(database: Database, now: dt.datetime) -> list[int]:
    async with database.read() as session:
        return [d.id for d in await alert_claims.due(session, now=now, limit=100)]


async def test_a_quiet_newsroom_s_alerts_are_not_due_until_something_is_logged_there(
    database: Database, h: DiscordHarness, room: Writer, store: AlertStore
) -> None:
    await room.topic("atacms")
    mine = row_id(await add_alert(database, channel_id=h.guild_a.channels[1].id, now=T0))
    elsewhere = row_id(await add_alert(database, channel_id=h.guild_b.channels[0].id, now=T0, guild_id=GUILD_B_ID))
    assert await due_ids(database, s(600)) == []

    await room.status("atacms", "approved", "Approved for transfer.", s(5))
    # Logged in newsroom A only: B's alert stays out of the tick.
    assert await due_ids(database, s(600)) == [mine]
    await run_at(runner(h), s(70))
    assert len(store.messages(h.guild_a.channels[1].id)) == 1
    # Posted and its window moved past the record: quiet again, for both.
    assert await due_ids(database, s(600)) == []
    assert elsewhere not in await due_ids(database, s(600))


async def test_an_unfinished_delivery_keeps_its_alert_due_with_nothing_new_logged(
    database: Database, h: DiscordHarness, room: Writer, store: AlertStore
) -> None:
    await room.topic("atacms")
    sub_id = row_id(await add_alert(database, channel_id=h.guild_a.channels[1].id, now=T0))
    await room.status("atacms", "approved", "Approved for transfer.", s(5))
    await run_at(runner(h), s(70))
    [delivery] = await deliveries(database, sub_id)
    assert await due_ids(database, s(600)) == []
    # As if its holder died before recording the post: the row is unfinished again.
    async with database.write() as session:
        await session.execute(
            update(DigestDelivery).where(col(DigestDelivery.id) == delivery.id).values(state="sending")
        )
    assert await due_ids(database, s(600)) == [sub_id]
