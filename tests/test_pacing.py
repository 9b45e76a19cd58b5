"""The send pacer in the Discord client: Discord's answers reach it through discord.py's http_trace."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
import yarl
from multidict import CIMultiDict

from bot.core.send_pacing import PacerConfig
from bot.pacing import pacer_config, tracing
from bot.services.send_pacer import LocalTimeline, Pacer
from bot.settings import Settings

API = "https://discord.com/api/v10"


async def answer(trace: aiohttp.TraceConfig, method: str, path: str, status: int, headers: dict[str, str]) -> None:
    response: Any = SimpleNamespace(status=status, headers=CIMultiDict(headers))
    params = aiohttp.TraceRequestEndParams(method, yarl.URL(API + path), CIMultiDict(), response)
    for hook in trace.on_request_end:
        await hook(None, SimpleNamespace(), params)  # type: ignore[arg-type]


@pytest.fixture
def pacer() -> Pacer:
    config = PacerConfig(global_per_second=1000.0)
    return Pacer(LocalTimeline(config), config)


async def test_an_emptied_message_bucket_pauses_its_channel_only(pacer: Pacer) -> None:
    empty = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "0.4"}
    trace = tracing(pacer)
    await answer(trace, "GET", "/channels/5/messages", 200, empty)  # reading history: another bucket
    await answer(trace, "POST", "/channels/7/messages/9/reactions", 200, empty)
    started = time.time()
    await pacer.acquire(5)
    await pacer.acquire(7)
    assert time.time() - started < 0.3
    await answer(trace, "POST", "/channels/7/messages", 200, empty)
    await pacer.acquire(7)
    assert time.time() - started >= 0.35


async def test_interaction_answers_are_not_read_and_a_global_429_holds_everything(pacer: Pacer) -> None:
    trace = tracing(pacer)
    limited = {"Retry-After": "1", "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}
    await answer(trace, "POST", "/interactions/1/tok/callback", 429, limited)
    started = time.time()
    await pacer.acquire()
    assert time.time() - started < 0.3
    await answer(trace, "GET", "/users/@me", 429, limited)
    await pacer.acquire(3)
    assert time.time() - started >= 0.9


def test_the_global_rate_setting_keeps_a_margin() -> None:
    settings = Settings(_env_file=None, discord_global_rate_limit=100)  # type: ignore[call-arg]
    assert pacer_config(settings).global_per_second == pytest.approx(92.0)
    assert pacer_config(Settings(_env_file=None)).global_per_second == pytest.approx(46.0)  # type: ignore[call-arg]
