"""The scheduler at volume: ticks drain everything due, batch claims stay exclusive, sends overlap."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.services.digest_ports import Claim
from bot.services.digest_sending import DigestConfig, Outcome
from db import digest_claims
from db.engine import Database
from tests.digest.support import LEASE, SETTLE, ChannelStore, Writer, deliveries, run_at, service, utc
from tests.harness import DiscordHarness

DUE = utc(2026, 3, 21, 9) + dt.timedelta(seconds=10)


async def _subscribe_many(room: Writer, harness: DiscordHarness, count: int) -> list[int]:
    channels = [c.id for c in harness.guild_a.channels]
    ids = []
    for n in range(count):
        sub = await room.subscribe(channel_id=channels[n % len(channels)], now=utc(2026, 3, 20, 12))
        assert sub.id is not None
        ids.append(sub.id)
    return ids


async def test_one_tick_drains_more_than_a_batch(
    database: Database, h: DiscordHarness, room: Writer, store: ChannelStore
) -> None:
    await room.topic("atacms")
    await room.event("atacms", "Overnight", utc(2026, 3, 20, 20))
    ids = await _subscribe_many(room, h, 11)
    svc = service(h, config=DigestConfig(batch=3, concurrency=2), name="drain")

    report = await run_at(svc, DUE)
    assert {i: r.outcome for i, r in report.results.items()} == dict.fromkeys(ids, Outcome.SENT)
    assert report.queries >= 4  # several full batches, then the one that came back short
    channels = {c.id for c in h.guild_a.channels}
    assert sum(len(store.messages(c)) for c in channels) == len(ids)
    for subscription_id in ids:
        assert [d.state for d in await deliveries(database, subscription_id)] == ["sent"]
    assert (await run_at(svc, DUE + dt.timedelta(minutes=1))).results == {}


async def test_a_batch_claim_never_hands_a_subscription_to_two_schedulers(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    await room.topic("atacms")
    ids = await _subscribe_many(room, h, 12)

    async def claim(process: str, now: dt.datetime = DUE) -> list[Claim]:
        async with database.write() as session:
            held = await digest_claims.claim_due_many(
                session, subscription_ids=ids, now=now, process=process, settle=SETTLE, lease=LEASE
            )
            return [Claim.of(pair) for pair in held]

    # On PostgreSQL the two claims run on two connections at once; SQLite takes them in turn.
    first, second = await asyncio.gather(claim("one"), claim("two"))
    one = {c.subscription_id for c in first}
    two = {c.subscription_id for c in second}
    assert not one & two
    assert one | two == set(ids)
    assert len({c.nonce for c in first + second}) == len(ids)
    for subscription_id in ids:
        [row] = await deliveries(database, subscription_id)
        assert row.claimed_by == ("one" if subscription_id in one else "two")
    # Nobody gets them again while the leases run, and a dead holder's claims are taken over whole.
    assert await claim("three") == []
    later = await claim("three", DUE + LEASE + dt.timedelta(seconds=1))
    assert {c.subscription_id for c in later} == set(ids)
    assert {c.delivery_id for c in later} == {c.delivery_id for c in first + second}


async def test_sends_overlap_up_to_the_concurrency(
    database: Database, h: DiscordHarness, room: Writer, store: ChannelStore
) -> None:
    await room.topic("atacms")
    ids = await _subscribe_many(room, h, 9)
    in_flight = peak = 0

    async def sending(channel_id: int, nonce: str) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)  # a send the rate limiter holds back

    async def posted(channel_id: int, nonce: str) -> None:
        nonlocal in_flight
        in_flight -= 1

    svc = service(h, before=sending, after=posted, config=DigestConfig(concurrency=3), name="overlap")
    report = await run_at(svc, DUE)
    assert [r.outcome for r in report.results.values()].count(Outcome.SENT) == len(ids)
    assert peak == 3
