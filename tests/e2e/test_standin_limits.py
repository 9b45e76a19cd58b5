"""The stand-in enforces Discord's request limits when asked to: over HTTP, with Discord's headers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.simulation.limits import LimitConfig
from tests.e2e.standin import GUILD_A, DiscordStandIn, StandInConfig

MESSAGE = {"content": "hello", "allowed_mentions": {"parse": []}}


@pytest.fixture
async def limited() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(StandInConfig(limits=LimitConfig(invalid_alarm=20))) as server:
        yield server


async def call(
    session: aiohttp.ClientSession, standin: DiscordStandIn, method: str, path: str, json: Any = None
) -> tuple[int, Any, dict[str, str]]:
    headers = {"Authorization": "Bot dummy-token"}
    async with session.request(method, standin.base_url + path, json=json, headers=headers) as resp:
        body = await resp.json(content_type=None) if resp.status != 204 else None
        return resp.status, body, dict(resp.headers)


async def test_off_by_default(standin: DiscordStandIn) -> None:
    async with aiohttp.ClientSession() as session:
        statuses = await asyncio.gather(*(call(session, standin, "GET", "/users/@me") for _ in range(80)))
    assert {s for s, _b, _h in statuses} == {200}


async def test_global_limit_answers_429_with_discords_body_and_headers(limited: DiscordStandIn) -> None:
    async with aiohttp.ClientSession() as session:
        answers = await asyncio.gather(*(call(session, limited, "GET", "/users/@me") for _ in range(60)))
    refused = [(body, headers) for status, body, headers in answers if status == 429]
    assert sum(1 for status, _b, _h in answers if status == 200) == 50 and len(refused) == 10
    body, headers = refused[0]
    assert body["message"] == "You are being rate limited." and body["global"] is True
    assert isinstance(body["retry_after"], float) and 0 < body["retry_after"] <= 1
    assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
    assert int(headers["Retry-After"]) >= 1
    assert "X-RateLimit-Bucket" not in headers  # a global limit is no route's bucket
    assert limited.limits is not None and limited.limits.global_429s == 10


async def test_channel_bucket_is_five_messages_per_five_seconds(limited: DiscordStandIn) -> None:
    path = f"/channels/{GUILD_A.text_channel_id}/messages"
    async with aiohttp.ClientSession() as session:
        answers = [await call(session, limited, "POST", path, MESSAGE) for _ in range(6)]
        other = await call(session, limited, "POST", f"/channels/{GUILD_A.second_channel_id}/messages", MESSAGE)
    assert [s for s, _b, _h in answers] == [200] * 5 + [429]
    assert [h["X-RateLimit-Remaining"] for _s, _b, h in answers[:5]] == ["4", "3", "2", "1", "0"]
    assert {h["X-RateLimit-Limit"] for _s, _b, h in answers} == {"5"}
    assert len({h["X-RateLimit-Bucket"] for _s, _b, h in answers}) == 1
    _status, body, headers = answers[5]
    assert body["global"] is False and 4 < body["retry_after"] <= 5
    assert headers["X-RateLimit-Scope"] == "user" and "X-RateLimit-Global" not in headers
    assert float(headers["X-RateLimit-Reset-After"]) == pytest.approx(body["retry_after"], abs=0.01)
    assert other[0] == 200  # another channel's bucket is its own


async def test_interaction_callbacks_are_exempt_and_invalid_requests_fail_the_run(limited: DiscordStandIn) -> None:
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(call(session, limited, "GET", "/users/@me") for _ in range(50)))
        # The global bucket is full; a callback (for an unknown interaction) is still looked at.
        status, _body, _headers = await call(session, limited, "POST", "/interactions/1/unknown-token/callback", {})
        assert status != 429
        limited.unexpected.clear()  # whatever it said about the unknown interaction
        # Hammering through the 429s: past the configured alarm the run counts as failed.
        await asyncio.gather(*(call(session, limited, "GET", "/users/@me") for _ in range(30)))
    assert any("invalid requests" in u.reason for u in limited.unexpected)
    with pytest.raises(AssertionError, match="invalid requests"):
        limited.assert_clean()
