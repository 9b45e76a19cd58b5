"""Fixtures for end-to-end tests against the local Discord stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import discord.http
import pytest
import yarl
from discord.gateway import DiscordWebSocket

from tests.e2e.standin import DiscordStandIn
from tests.e2e.standin_client import TinyClient, running_client


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    """A started stand-in with the default two-guild configuration."""
    async with DiscordStandIn() as server:
        yield server


@pytest.fixture
def discord_at_standin(standin: DiscordStandIn, monkeypatch: pytest.MonkeyPatch) -> DiscordStandIn:
    """Points the in-process discord.py at the stand-in; monkeypatch restores Discord afterwards.

    Both are needed: ``Route.BASE`` for HTTP, and ``DEFAULT_GATEWAY`` because a non-autosharded
    ``discord.Client`` connects there without ever asking ``/gateway/bot``.
    """
    monkeypatch.setattr(discord.http.Route, "BASE", standin.base_url)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(standin.gateway_url))
    return standin


@pytest.fixture
async def client(discord_at_standin: DiscordStandIn) -> AsyncIterator[TinyClient]:
    """A tiny discord.py client (not the bot) logged in to the stand-in, its commands synced."""
    async with running_client() as c:
        await c.tree.sync()
        yield c
