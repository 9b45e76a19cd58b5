"""End-to-end: the bot rides out a dropped gateway and failing HTTP requests without losing or
duplicating an answer."""

from __future__ import annotations

import pytest

from tests.e2e.botproc import LiveDesk, Turn, module_desk
from tests.e2e.standin import GUILD_A, READER_USER

pytestmark = pytest.mark.asyncio(loop_scope="module")

desk = module_desk("resilience")

CALLBACK = r"/interactions/\d+/[^/]+/callback"


def messages_of(desk: LiveDesk, turn: Turn) -> list[dict[str, object]]:
    """Every message in the channel that answers ``turn`` (a duplicate would show up here)."""
    return [
        m
        for m in desk.standin.messages_in(GUILD_A.text_channel_id)
        if (m.get("interaction_metadata") or {}).get("id") == str(turn.id)
    ]


@pytest.mark.parametrize("mode", ["close", "abort"])
async def test_dropped_gateway_resumes_without_losing_an_interaction(desk: LiveDesk, mode: str) -> None:
    async with desk.scenario():
        standin = desk.standin
        session = standin.gateway_connections[-1].session_id
        identifies, frames, connections = (
            len(standin.identify_payloads),
            len(standin.gateway_frames),
            len(standin.gateway_connections),
        )
        assert await standin.drop_gateway(mode=mode) == 1
        # Dispatched while the bot is disconnected: Discord queues it and replays it on RESUME.
        turn = await desk.slash("status", {"topic": "atacms"}, user=READER_USER)
        assert "Under review" in turn.text

        resume = await standin.wait_for_gateway(op=6, since=frames)
        assert resume.d["session_id"] == session
        assert len(standin.identify_payloads) == identifies  # resumed, not a new session
        (resumed,) = standin.gateway_connections[connections:]
        assert resumed.mode == "resume"
        delivered = [
            f for f in standin.gateway_frames[frames:] if f.direction == "send" and f.t == "INTERACTION_CREATE"
        ]
        assert [f.connection_id for f in delivered] == [resumed.id]
        assert len(messages_of(desk, turn)) == 1

        # Business as usual afterwards.
        latest = await desk.slash("latest", {"topic": "atacms"}, user=READER_USER)
        assert "John Kirby" in latest.text


@pytest.mark.parametrize("status", [429, 500, 502])
async def test_failed_interaction_response_is_retried_once_delivered(desk: LiveDesk, status: int) -> None:
    async with desk.scenario():
        standin = desk.standin
        standin.fail_next("POST", CALLBACK, status, retry_after=0.3)
        turn = await desk.slash("status", {"topic": "atacms"}, user=READER_USER)
        attempts = standin.requests_matching("POST", rf"/interactions/{turn.id}/[^/]+/callback")
        # The injected failure, then one accepted retry.
        assert len(attempts) == 2 and attempts[0].status == status and attempts[0].injected
        assert attempts[1].status is not None and attempts[1].status < 300
        (answer,) = messages_of(desk, turn)
        assert "Under review" in str(answer["embeds"])


async def test_rate_limited_page_turn_is_retried(desk: LiveDesk) -> None:
    async with desk.scenario():
        standin = desk.standin
        paged = await desk.slash("latest", {"topic": "atacms", "count": 1}, user=READER_USER)
        standin.fail_next("POST", CALLBACK, 429, retry_after=0.5)
        page2 = await desk.click(paged.message, "Next", user=READER_USER)
        attempts = standin.requests_matching("POST", rf"/interactions/{page2.id}/[^/]+/callback")
        assert len(attempts) == 2 and attempts[0].status == 429 and attempts[0].injected
        assert attempts[1].time - attempts[0].time >= 0.5  # waited as told
        assert "page 2 of 4" in page2.text and page2.message["id"] == paged.message["id"]
        assert len(messages_of(desk, paged)) == 1
