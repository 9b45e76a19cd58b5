"""End-to-end: an instant alert in a channel and a DM per follower for a status change, nothing for an
entry undone within the grace, and a follower with closed DMs paused and told once; against the
stand-in with Discord's request limits enforced."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.simulation.limits import LimitConfig
from tests.e2e.botproc import BACKENDS, LiveDesk, assert_no_pings, live_desk, report_latency
from tests.e2e.standin import EDITOR_USER, GUILD_A, OWNER_USER, READER_USER, StandInConfig

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHANNEL = GUILD_A.second_channel_id
GRACE_S = 4
WAIT_S = 30.0
LOGGED = re.compile(r"Logged `#(\d+)`")


@pytest_asyncio.fixture(loop_scope="module", scope="module", params=BACKENDS, name="desk")
async def _desk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveDesk]:
    config = StandInConfig(limits=LimitConfig())
    async with live_desk(request.param, tmp_path_factory.mktemp("e2e-alerts"), config) as running:
        yield running
        report_latency(request.config, "alerts", running)


def _logged(text: str) -> int:
    match = LOGGED.search(text)
    assert match, text
    return int(match[1])


async def test_a_status_change_alerts_the_channel_once_and_each_follower_once(desk: LiveDesk) -> None:
    standin = desk.standin
    async with desk.scenario():
        grace = await desk.slash("settings alert-grace", {"seconds": GRACE_S}, user=OWNER_USER)
        assert grace.ephemeral and f"{GRACE_S} s" in grace.text
        added = await desk.slash("alert add", {"channel": CHANNEL, "topics": "atacms"})
        assert added.ephemeral and "will post changes" in added.text, added.text
        for user in (READER_USER, EDITOR_USER):
            followed = await desk.slash("follow", {"topic": "atacms"}, user=user)
            assert followed.ephemeral and "You follow `atacms`" in followed.text, followed.text
        standin.closed_dms.add(OWNER_USER.id)
        closed = await desk.slash("follow", {"topic": "atacms"}, user=OWNER_USER)
        assert closed.ephemeral

        kept = await desk.slash(
            "log status",
            {"topic": "atacms", "decision": "approved", "note": "Approved for transfer", "source": "Reuters"},
        )
        kept_id = _logged(kept.message["content"])
        mistaken = await desk.slash(
            "log event",
            {"topic": "atacms", "headline": "Mistaken event to undo", "date": "2023-10-01", "source": "Reuters"},
        )
        undone = await desk.click(mistaken.message, "Undo", user=EDITOR_USER)
        assert "Undone" in undone.message["content"]

        posts = await desk.bot.wait_for(lambda: desk.posts(CHANNEL), timeout=WAIT_S, what="the alert")
        for user in (READER_USER, EDITOR_USER):
            await desk.bot.wait_for(lambda u=user: standin.dms_to(u.id), timeout=WAIT_S, what="a follower's DM")
        # Two more grace periods and many ticks: nothing else arrives (the undone event included).
        await asyncio.sleep(2 * GRACE_S + 1)

    posts = desk.posts(CHANNEL)
    assert len(posts) == 1 and f"`#{kept_id}`" in str(posts[0]["embeds"])
    assert "Mistaken event" not in str(posts[0])
    for user in (READER_USER, EDITOR_USER):
        [dm] = standin.dms_to(user.id)
        assert f"`#{kept_id}`" in str(dm["embeds"]) and "Mistaken event" not in str(dm)
    assert standin.dms_to(OWNER_USER.id) == []
    assert_no_pings(standin.requests_matching("POST", rf"/channels/{CHANNEL}/messages"))
    assert all(r.status != 429 for r in standin.requests_matching("POST", r"/channels/\d+/messages"))


async def test_the_follower_with_closed_dms_is_paused_and_told_once(desk: LiveDesk) -> None:
    async with desk.scenario():
        first = await desk.slash("following", user=OWNER_USER)
        assert "paused" in first.text, first.text
        await desk.bot.wait_for(
            lambda: any(
                "couldn't send you a direct message" in str(r.body)
                for r in first.record.responses
                if r.kind == "followup"
            ),
            timeout=10,
            what="the closed-DM notice",
        )
        second = await desk.slash("following", user=OWNER_USER)
        assert not any(r.kind == "followup" for r in second.record.responses)
