"""End-to-end: the bot killed (SIGKILL) at each step of alert deliveries, then restarted: every alert
and DM arrives exactly once. Three deliveries are stopped at once, each at a different step, by
holding Discord's answer to one of their requests:

- a channel alert whose post never got through (marked as sending, nothing in the channel);
- a channel alert whose post Discord applied but never answered (posted, not recorded);
- a follow whose DM channel was being opened (marked as sending, nothing sent);

and after the restarted process has delivered them all, the bot is killed once more (everything
recorded): nothing is sent again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.simulation.limits import LimitConfig
from tests.e2e.botproc import BACKENDS, LiveDesk, live_desk
from tests.e2e.standin import GUILD_A, OWNER_USER, READER_USER, StandInConfig

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOT_THROUGH = GUILD_A.text_channel_id
NOT_ANSWERED = GUILD_A.second_channel_id
LEASE_S = 2
WAIT_S = 30.0


@pytest_asyncio.fixture(loop_scope="module", scope="module", params=BACKENDS, name="desk")
async def _desk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveDesk]:
    async with live_desk(
        request.param, tmp_path_factory.mktemp("e2e-alerts-kill"), StandInConfig(limits=LimitConfig())
    ) as desk:
        # A short lease, so the restarted process takes the dead one's claims over within seconds.
        desk.bot.settings["ALERT_LEASE_SECONDS"] = str(LEASE_S)
        await restart(desk)
        yield desk


async def restart(desk: LiveDesk, *, kill: bool = True) -> None:
    log_start = desk.bot.log_size()
    if kill:
        await desk.bot.kill()
    await desk.bot.start()
    await desk.bot.wait_for_log("connected as", since=log_start)


def posts_to(desk: LiveDesk, channel_id: int) -> list[int]:
    return [r.index for r in desk.standin.requests_matching("POST", rf"/channels/{channel_id}/messages")]


async def test_killed_at_each_step_every_alert_arrives_once(desk: LiveDesk) -> None:
    standin = desk.standin
    async with desk.scenario():
        await desk.slash("settings alert-grace", {"seconds": 1}, user=OWNER_USER)
        for channel in (NOT_THROUGH, NOT_ANSWERED):
            added = await desk.slash("alert add", {"channel": channel, "topics": "atacms"})
            assert "will post changes" in added.text, added.text
        followed = await desk.slash("follow", {"topic": "atacms"}, user=READER_USER)
        assert "You follow `atacms`" in followed.text
        # An alert's windows end on whole seconds: logged in the second the follow began, the entry
        # would reach the channels one tick before the follow, and that tick (held below) would
        # never get to it. A second later, one tick takes all three deliveries.
        await asyncio.sleep(1.0 - time.time() % 1.0 + 0.05)

        holds = [
            standin.hold_next("POST", rf"/channels/{NOT_THROUGH}/messages", commit=False),
            standin.hold_next("POST", rf"/channels/{NOT_ANSWERED}/messages", commit=True),
            standin.hold_next("POST", r"/users/@me/channels", commit=False),
        ]
        logged = await desk.slash(
            "log status",
            {"topic": "atacms", "decision": "approved", "note": "Approved for transfer", "source": "Reuters"},
        )
        assert "Logged `#" in logged.message["content"]
        await desk.bot.wait_for(lambda: all(h.reached.is_set() for h in holds), timeout=WAIT_S, what="the holds")
        assert desk.posts(NOT_THROUGH) == [] and len(desk.posts(NOT_ANSWERED)) == 1
        await desk.bot.kill()
        standin.release_holds()
        await restart(desk, kill=False)

        await desk.bot.wait_for(
            lambda: desk.posts(NOT_THROUGH) and standin.dms_to(READER_USER.id),
            timeout=WAIT_S,
            what="the alerts after the restart",
        )
        await asyncio.sleep(LEASE_S + 2)
        # Recorded as sent: killed again now, nothing is left to redo.
        await restart(desk)
        await asyncio.sleep(LEASE_S + 2)

    for channel in (NOT_THROUGH, NOT_ANSWERED):
        [post] = desk.posts(channel)
        assert "Approved for transfer" in str(post["embeds"])
    # The post Discord had applied was found, not sent again; the one that never got through was sent again.
    assert len(posts_to(desk, NOT_ANSWERED)) == 1 and len(posts_to(desk, NOT_THROUGH)) == 2
    [dm] = standin.dms_to(READER_USER.id)
    assert "Approved for transfer" in str(dm["embeds"])
