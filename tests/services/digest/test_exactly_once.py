"""Exactly once: crashes at every step, restarts, Discord's nonce, and two schedulers racing on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.services.digest_sending import Outcome
from db.engine import Database
from tests.conftest import PG_URL, drop_database, make_database
from tests.digest.support import (
    LEASE,
    ChannelStore,
    Crash,
    Writer,
    crash,
    crashing_render,
    deliveries,
    row_id,
    run_at,
    service,
    utc,
)
from tests.harness import DiscordHarness
from tests.newsroom import FakeClock, make_bot, prepare_newsrooms

DUE = utc(2026, 3, 21, 9) + dt.timedelta(seconds=10)
AFTER_LEASE = DUE + LEASE + dt.timedelta(seconds=1)
REF = re.compile(r"ref (\S+)\.(\d+)")


def refs(messages: list[dict]) -> list[str]:
    found = []
    for message in messages:
        for embed in message.get("embeds") or []:
            if m := REF.search((embed.get("footer") or {}).get("text", "")):
                found.append(f"{m[1]}.{m[2]}")
    return found


# How the first process dies: its runner's render or Poster raises Crash at that step. The parts
# are frozen and the send is begun in one transaction, so "sending" is also "prepared, nothing sent".
DOOMED: dict[str, dict[str, Any]] = {
    "claimed": {"render": crashing_render},  # claimed, nothing built
    "sending": {"before": crash},  # parts frozen, marked as sending, the request never left
    "posted": {"after": crash},  # Discord has the message; the process died before recording it
}


async def _crash(harness: DiscordHarness, step: str) -> None:
    doomed = service(harness, name="doomed", **DOOMED.get(step, {}))
    if step not in DOOMED:
        # Recorded as sent: a process dying after that leaves nothing behind to recover.
        await run_at(doomed, DUE)
        return
    with pytest.raises(BaseExceptionGroup) as crashed:
        await run_at(doomed, DUE)
    assert crashed.group_contains(Crash)


@pytest.mark.parametrize(
    ("step", "recovery"),
    [
        ("claimed", Outcome.SENT),
        ("sending", Outcome.SENT),
        ("posted", Outcome.RECONCILED),
        ("marked", None),  # recorded as sent; nothing left to do
    ],
)
async def test_a_crash_at_any_step_posts_exactly_once_after_restart(
    step: str, recovery: Outcome | None, database: Database, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    await room.topic("atacms")
    await room.event("atacms", "Something happened", utc(2026, 3, 20, 18))
    async with DiscordHarness(make_bot(database, clock)) as first:
        store.attach(first)
        channel = first.guild_a.channel.id
        sub = await room.subscribe(channel_id=channel, now=utc(2026, 3, 20, 12))
        await _crash(first, step)

    # The restarted process (a new bot, a new harness; Discord's channel is the same).
    async with DiscordHarness(make_bot(database, clock)) as second:
        store.attach(second)
        restarted = service(second, name="restarted")
        # The dead process's lease still runs: the new one does not touch the claim yet.
        early = await run_at(restarted, DUE + dt.timedelta(minutes=1))
        assert all(r.outcome is Outcome.IDLE for r in early.results.values())
        later = await run_at(restarted, AFTER_LEASE)
        if recovery is None:
            assert later.results == {}
        else:
            assert later.results[row_id(sub)].outcome is recovery
        await run_at(restarted, AFTER_LEASE + dt.timedelta(hours=1))

    messages = store.messages(channel)
    assert len(messages) == 1 and "Something happened" in messages[0]["embeds"][0]["description"]
    [delivery] = await deliveries(database, sub.id)
    assert delivery.state == "sent" and delivery.message_ids == [messages[0]["id"]]


async def test_a_crash_between_parts_posts_only_the_missing_parts(
    database: Database, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    await room.topic("atacms")
    for n in range(24):
        await room.statement("atacms", f"Speaker {n}", "A long quote. " * 30, utc(2026, 3, 20, 13, n))
    crashes = 0

    async def die_after_first_part(channel_id: int, nonce: str) -> None:
        nonlocal crashes
        if crashes == 0:
            crashes += 1
            raise Crash(nonce)

    async with DiscordHarness(make_bot(database, clock)) as first:
        store.attach(first)
        channel = first.guild_a.channel.id
        await room.subscribe(channel_id=channel, now=utc(2026, 3, 20, 12))
        with pytest.raises(BaseExceptionGroup):
            await run_at(service(first, after=die_after_first_part), DUE)
        assert len(store.messages(channel)) == 1
    async with DiscordHarness(make_bot(database, clock)) as second:
        store.attach(second)
        await run_at(service(second, name="restarted"), AFTER_LEASE)
    messages = store.messages(channel)
    assert len(messages) >= 2
    found = refs(messages)
    assert len(found) == len(set(found)) == len(messages)  # every part once
    assert [r.rsplit(".", 1)[1] for r in found] == [str(i) for i in range(1, len(messages) + 1)]


async def test_when_history_shows_nothing_discord_drops_the_resend_by_its_nonce(
    database: Database, room: Writer, clock: FakeClock
) -> None:
    store = ChannelStore(blind_history=True)
    await room.topic("atacms")
    async with DiscordHarness(make_bot(database, clock)) as first:
        store.attach(first)
        channel = first.guild_a.channel.id
        sub = await room.subscribe(channel_id=channel, now=utc(2026, 3, 20, 12))
        await _crash(first, "posted")
    async with DiscordHarness(make_bot(database, clock)) as second:
        store.attach(second)
        report = await run_at(service(second, name="restarted"), AFTER_LEASE)
    assert report.results[row_id(sub)].outcome is Outcome.SENT
    assert store.deduplicated == 1
    assert len(store.messages(channel)) == 1
    [first_send, resend] = store.sends(channel)
    assert first_send.json["nonce"] == resend.json["nonce"]
    assert resend.response["id"] == first_send.response["id"]


async def test_a_transient_failure_is_reconciled_before_resending(
    database: Database, h: DiscordHarness, room: Writer, store: ChannelStore
) -> None:
    """A 5xx may come after Discord stored the message: the retry looks before it posts."""
    channel = h.guild_a.channel.id
    await room.topic("atacms")
    sub = await room.subscribe(channel_id=channel, now=utc(2026, 3, 20, 12))

    store.lose_next_response(channel, 502)
    svc = service(h)
    assert (await run_at(svc, DUE)).results[row_id(sub)].outcome is Outcome.RETRY
    assert len(store.messages(channel)) == 1
    report = await run_at(svc, DUE + dt.timedelta(seconds=30))
    assert report.results[row_id(sub)].outcome is Outcome.RECONCILED
    assert len(store.messages(channel)) == 1


@pytest.mark.postgres
async def test_two_schedulers_on_one_postgres_never_both_post(tmp_path: Path) -> None:
    assert PG_URL
    first_db, schema = await make_database("postgresql", tmp_path)
    second_db = Database(PG_URL, schema=schema)
    try:
        await prepare_newsrooms(first_db, seed=False)
        room = Writer(first_db)
        await room.topic("atacms")
        await room.event("atacms", "Overnight", utc(2026, 3, 20, 20))
        store = ChannelStore()
        bots = (make_bot(first_db, FakeClock()), make_bot(second_db, FakeClock()))
        async with DiscordHarness(bots[0]) as h1, DiscordHarness(bots[1]) as h2:
            store.attach(h1)
            store.attach(h2)
            channels = [c.id for c in h1.guild_a.channels]
            subs = [
                await room.subscribe(channel_id=channels[i % 2], now=utc(2026, 3, 20, 12), local_time=t)
                for i, t in enumerate(("09:00", "09:00", "09:00", "08:30", "07:00"))
            ]

            async def interleave(channel_id: int, nonce: str) -> None:
                await asyncio.sleep(0)  # hand the loop to the other scheduler around every post

            one = service(h1, before=interleave, after=interleave, name="one")
            two = service(h2, before=interleave, after=interleave, name="two")
            outcomes: Counter[str] = Counter()
            for day in (21, 22, 23):
                due = utc(2026, 3, day, 9) + dt.timedelta(seconds=10)
                for report in await asyncio.gather(run_at(one, due), run_at(two, due)):
                    outcomes.update(r.outcome.value for r in report.results.values())
            posted = [m for c in channels for m in store.messages(c)]
            assert len(posted) == len(subs) * 3
            assert outcomes["sent"] == len(subs) * 3
            found = refs(posted)
            assert len(found) == len(set(found)) == len(posted)
            assert {c.via for c in h1.calls + h2.calls if c.method == "POST"} == {"http"}
            # Both processes posted some of them: the race was real.
            assert h1.calls_to("POST", r"^/channels/\d+/messages$") and h2.calls_to("POST", r"^/channels/\d+/messages$")
            assert set(outcomes) <= {"sent", "idle"}  # the loser of each race found nothing to do
            for sub in subs:
                assert [d.state for d in await deliveries(first_db, sub.id)] == ["sent"] * 3

            # Now one process dies mid-send and both survivors race to take the claim over.
            last = await room.subscribe(channel_id=channels[0], now=utc(2026, 3, 23, 12), local_time="10:00")
            due = utc(2026, 3, 24, 10) + dt.timedelta(seconds=10)
            with pytest.raises(BaseExceptionGroup):
                await run_at(service(h1, before=crash, name="doomed"), due)
            takeover = due + LEASE + dt.timedelta(seconds=1)
            reports = await asyncio.gather(run_at(one, takeover), run_at(two, takeover))
            results = [r.results[last.id].outcome for r in reports if last.id in r.results]
            assert results.count(Outcome.SENT) == 1
            [taken_over] = await deliveries(first_db, last.id)
            assert len([r for r in refs(store.messages(channels[0])) if r.startswith(f"{taken_over.nonce}.")]) == 1
    finally:
        await second_db.dispose()
        await drop_database(first_db, schema)
