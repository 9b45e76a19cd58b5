"""Exactly once for alerts and follows, as for digests: a process dying at each step of a delivery, a
restart, lease takeover, and two schedulers racing for the same windows."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from bot.services.digest_sending import Outcome
from db.engine import Database
from tests.alerts.support import LEASE, AlertStore, CrashingRenderer, add_alert, run_at, runner
from tests.alerts.test_runner import T0, s
from tests.digest.support import Crash, Writer, crash, deliveries, row_id
from tests.harness import DiscordHarness
from tests.newsroom import FakeClock, make_bot

DUE = s(70)
AFTER_LEASE = DUE + LEASE + dt.timedelta(seconds=1)

DOOMED: dict[str, dict[str, Any]] = {
    "claimed": {"render": CrashingRenderer()},  # claimed, nothing built
    "sending": {"before": crash},  # parts frozen, marked as sending, the request never left
    "posted": {"after": crash},  # Discord has the message; the process died before recording it
}


async def _follow_and_alert(database: Database, h: DiscordHarness, room: Writer, clock: FakeClock) -> int:
    await room.topic("atacms")
    clock.now = T0
    await h.slash("follow", {"topic": "atacms"}, user=h.reader)
    sub = await add_alert(database, channel_id=h.guild_a.channels[1].id, now=T0)
    await room.status("atacms", "approved", "Approved.", s(5))
    return row_id(sub)


@pytest.mark.parametrize(
    ("step", "recovery"),
    [("claimed", Outcome.SENT), ("sending", Outcome.SENT), ("posted", Outcome.RECONCILED), ("marked", None)],
)
async def test_a_crash_at_any_step_delivers_exactly_once_after_restart(
    step: str, recovery: Outcome | None, database: Database, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    async with DiscordHarness(make_bot(database, clock)) as first:
        store.attach(first)
        alert_id = await _follow_and_alert(database, first, room, clock)
        channel = first.guild_a.channels[1].id
        doomed = runner(first, name="doomed", **DOOMED.get(step, {}))
        if step in DOOMED:
            with pytest.raises(BaseException) as crashed:
                await run_at(doomed, DUE)
            # Before the sends (rendering) the crash comes alone; during them, with the round's tasks.
            assert isinstance(crashed.value, Crash) or crashed.group_contains(Crash)
        else:
            await run_at(doomed, DUE)
        # Each process opens the member's DM channel in its own world: count what both posted there.
        dms = store.dm(first, first.reader)

    async with DiscordHarness(make_bot(database, clock)) as second:
        store.attach(second)
        restarted = runner(second, name="restarted")
        # The dead process's lease still runs: nothing is taken over yet.
        early = await run_at(restarted, DUE + dt.timedelta(seconds=30))
        assert all(r.outcome is Outcome.IDLE for r in early.results.values())
        later = await run_at(restarted, AFTER_LEASE)
        if recovery is not None:
            assert recovery in {r.outcome for r in later.results.values()}
        await run_at(restarted, AFTER_LEASE + dt.timedelta(minutes=10))
        dms += store.dm(second, second.reader)

    messages = store.messages(channel)
    assert len(messages) == 1 and "Approved." in str(messages[0]["embeds"])
    assert len(dms) == 1 and "Approved." in str(dms[0]["embeds"])
    for delivery in await deliveries(database):
        assert delivery.state == "sent" and len(delivery.message_ids) == 1
    assert {d.subscription_id for d in await deliveries(database)} >= {alert_id}


async def test_two_schedulers_racing_deliver_each_alert_once(
    database: Database, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    async with (
        DiscordHarness(make_bot(database, clock)) as one,
        DiscordHarness(make_bot(database, clock)) as two,
    ):
        store.attach(one)
        store.attach(two)
        await _follow_and_alert(database, one, room, clock)
        # Followers both processes' worlds know (a DM is opened by whichever process delivers it).
        for user in (one.editor, one.admin):
            await add_alert(database, channel_id=one.guild_a.channels[1].id, now=T0)
            await one.slash("follow", {"topic": "atacms"}, user=user)
        a, b = runner(one, name="a"), runner(two, name="b")
        for moment in (DUE, DUE + dt.timedelta(seconds=30), AFTER_LEASE):
            await asyncio.gather(run_at(a, moment), run_at(b, moment))
        channel_messages = store.messages(one.guild_a.channels[1].id)
        sends = store.sends(one.guild_a.channels[1].id)
    # Three channel alerts: three messages, each sent once (no resend Discord had to drop either).
    assert len(channel_messages) == 3 and len(sends) == 3 and store.deduplicated == 0
    delivered = await deliveries(database)
    assert len(delivered) == 6 and all(d.state == "sent" for d in delivered)
    assert len({(d.subscription_id, d.period_key) for d in delivered}) == 6
