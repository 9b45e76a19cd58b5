"""The stand-in against a real discord.py client: resuming, retrying, nonces and the traffic it refuses."""

from __future__ import annotations

import asyncio

import discord
import discord.http
import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.e2e.standin import (
    EDITOR_USER,
    GUILD_A,
    GUILD_B,
    DiscordStandIn,
    StandInConfig,
)
from tests.e2e.standin_client import (
    MESSAGES,
    TinyClient,
    allowed_none,
    raw,
    running_client,
)

# ---------------------------------------------------------------------------------------------
# Gateway resilience
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["close", "abort"])
async def test_resume_replays_interaction_dispatched_during_outage(
    client: TinyClient, standin: DiscordStandIn, mode: str
) -> None:
    async with asyncio.timeout(10):
        first_session = standin.gateway_connections[0].session_id
        assert await standin.drop_gateway(mode=mode) == 1
        # Dispatched while the bot is disconnected: must be queued and replayed on RESUME.
        iid = await standin.dispatch_interaction(standin.make_slash(GUILD_A.id, None, EDITOR_USER, "ping"))
        resume = await standin.wait_for_gateway(op=6)
        assert resume.d["session_id"] == first_session
        await standin.wait_for_ack(iid)
        await asyncio.wait_for(client.resumed.wait(), 5)
        conns = standin.gateway_connections
        assert [c.mode for c in conns] == ["identify", "resume"]
        assert conns[0].dropped and conns[1].path == "/gateway-ws-resume"  # READY's resume_gateway_url
        if mode == "close":
            assert conns[0].close_code == 4000
        delivered = [f for f in standin.gateway_frames if f.t == "INTERACTION_CREATE"]
        assert [f.connection_id for f in delivered] == [conns[1].id]
        assert standin.ack_latencies[iid] < 3.0
        assert len(standin.identify_payloads) == 1  # resumed, not re-identified
    standin.assert_clean()


async def test_reconnect_opcode_makes_the_client_resume(client: TinyClient, standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        await standin.request_reconnect()
        await asyncio.wait_for(client.resumed.wait(), 5)
        assert [c.mode for c in standin.gateway_connections] == ["identify", "resume"]
        iid = await standin.dispatch_interaction(standin.make_slash(GUILD_A.id, None, EDITOR_USER, "ping"))
        await standin.wait_for_ack(iid)
    standin.assert_clean()


async def test_outage_with_refused_reconnect_backs_off_then_resumes(
    client: TinyClient, standin: DiscordStandIn
) -> None:
    # discord.py sleeps a random 0-2 s after a failed reconnect before trying to RESUME again.
    async with asyncio.timeout(10):
        await standin.drop_gateway(mode="abort", refuse_reconnects=1)
        iid = await standin.dispatch_interaction(standin.make_slash(GUILD_B.id, None, EDITOR_USER, "ping"))
        await standin.wait_for_ack(iid, timeout=8)
        assert [c.mode for c in standin.gateway_connections] == ["identify", "resume"]
    standin.assert_clean()


async def test_interactions_route_to_the_owning_shard(monkeypatch: pytest.MonkeyPatch) -> None:
    async with asyncio.timeout(15), DiscordStandIn(StandInConfig(shard_count=2)) as standin:
        monkeypatch.setattr(Route, "BASE", standin.base_url)
        monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(standin.gateway_url))
        async with (
            running_client(shard_id=0, shard_count=2) as shard0,
            running_client(shard_id=1, shard_count=2) as shard1,
        ):
            assert [g.id for g in shard0.guilds] == [GUILD_A.id]
            assert [g.id for g in shard1.guilds] == [GUILD_B.id]
            assert standin.connected_shards() == [0, 1]
            await shard0.tree.sync()
            a = await standin.dispatch_interaction(standin.make_slash(GUILD_A.id, None, EDITOR_USER, "ping"))
            b = await standin.dispatch_interaction(standin.make_slash(GUILD_B.id, None, EDITOR_USER, "ping"))
            await standin.wait_for_ack(a)
            await standin.wait_for_ack(b)
            assert shard0.seen_interactions == [a] and shard1.seen_interactions == [b]
        standin.assert_clean()


# ---------------------------------------------------------------------------------------------
# HTTP failure injection
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("is_global", [False, True])
async def test_429_is_retried_after_retry_after(client: TinyClient, standin: DiscordStandIn, is_global: bool) -> None:
    async with asyncio.timeout(10):
        channel = client.get_channel(GUILD_A.text_channel_id)
        assert isinstance(channel, discord.TextChannel)
        standin.fail_next("POST", MESSAGES, 429, retry_after=0.3, is_global=is_global)
        message = await channel.send("after the rate limit")
        attempts = standin.requests_matching("POST", MESSAGES)
        assert [r.status for r in attempts] == [429, 200]
        assert attempts[0].injected and attempts[1].time - attempts[0].time >= 0.3
        assert [m["id"] for m in standin.messages_in(channel.id)] == [str(message.id)]
    standin.assert_clean()


@pytest.mark.parametrize("status", [500, 502])
async def test_server_errors_are_retried(client: TinyClient, standin: DiscordStandIn, status: int) -> None:
    async with asyncio.timeout(10):
        channel = client.get_channel(GUILD_A.text_channel_id)
        assert isinstance(channel, discord.TextChannel)
        standin.fail_next("POST", MESSAGES, status)
        await channel.send("eventually")
        assert [r.status for r in standin.requests_matching("POST", MESSAGES)] == [status, 200]
    standin.assert_clean()


async def test_403_and_404_surface_as_discord_exceptions(client: TinyClient, standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        channel = client.get_channel(GUILD_A.text_channel_id)
        assert isinstance(channel, discord.TextChannel)
        standin.fail_next("POST", MESSAGES, 403)
        with pytest.raises(discord.Forbidden) as forbidden:
            await channel.send("no permission")
        assert forbidden.value.code == 50013
        standin.fail_next("*", rf"/channels/{channel.id}/messages", 404)
        with pytest.raises(discord.NotFound) as not_found:
            await channel.send("channel gone")
        assert not_found.value.code == 10003
        assert standin.messages_in(channel.id) == []
    standin.assert_clean()


# ---------------------------------------------------------------------------------------------
# Nonces
# ---------------------------------------------------------------------------------------------


async def test_enforced_nonce_dedupes_and_is_not_persisted(client: TinyClient, standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        channel = client.get_channel(GUILD_A.text_channel_id)
        assert isinstance(channel, discord.TextChannel)
        first = await channel.send("story 42 published", nonce="story-42")
        again = await channel.send("story 42 published", nonce="story-42")
        assert again.id == first.id and first.nonce == "story-42"
        # Discord creates the message yet answers 500; discord.py retries the same body (same
        # nonce), so the retry gets the existing message instead of a duplicate.
        standin.fail_next("POST", MESSAGES, 500, commit=True)
        retried = await channel.send("story 43 published", nonce="story-43")
        assert len(standin.messages_in(channel.id)) == 2
        history = [m async for m in channel.history(limit=10)]
        assert [m.id for m in history] == [retried.id, first.id]
        assert all(m.nonce is None for m in history)  # nonces are only echoed on create

        # Without enforce_nonce Discord happily creates a duplicate.
        body = {"content": "dup", "nonce": "story-44", "allowed_mentions": allowed_none()}
        for _ in range(2):
            status, _msg = await raw(standin, "POST", f"/channels/{channel.id}/messages", json=body)
            assert status == 200
        assert len(standin.messages_in(channel.id)) == 4
    standin.assert_clean()


# ---------------------------------------------------------------------------------------------
# Contracts and unexpected traffic
# ---------------------------------------------------------------------------------------------


async def test_overlong_embed_is_rejected_and_recorded(standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        path = f"/channels/{GUILD_A.text_channel_id}/messages"
        body = {"embeds": [{"title": "Budget", "description": "x" * 4097}], "allowed_mentions": allowed_none()}
        status, error = await raw(standin, "POST", path, json=body)
        assert status == 400 and error["code"] == 50035
        assert error["errors"]["embeds"]["0"]["description"]["_errors"]
        (violation,) = standin.violations
        assert violation.rule == "embed.description" and violation.rejected and violation.path == path

        # Each embed within its own limits, but together over the 6000 character budget.
        body = {"embeds": [{"description": "y" * 4000}, {"description": "z" * 4000}], "allowed_mentions": {}}
        status, _ = await raw(standin, "POST", path, json=body)
        assert status == 400
        assert {v.rule for v in standin.violations[1:]} == {"embed.total", "allowed_mentions.implicit"}
        assert standin.messages_in(GUILD_A.text_channel_id) == []


async def test_policy_violations_are_recorded_without_rejecting(standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        path = f"/channels/{GUILD_A.text_channel_id}/messages"
        status, _ = await raw(standin, "POST", path, json={"content": "no allowed_mentions"})
        assert status == 200
        status, _ = await raw(
            standin, "POST", path, json={"content": "@everyone", "allowed_mentions": {"parse": ["everyone"]}}
        )
        assert status == 200
        assert [(v.rule, v.rejected) for v in standin.violations] == [
            ("allowed_mentions.missing", False),
            ("allowed_mentions.parse", False),
        ]


async def test_invalid_commands_are_rejected(standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        commands = [
            {"name": "Story", "description": "Bad name"},
            {
                "name": "story",
                "description": "d" * 101,
                "options": [
                    {"type": 3, "name": "note", "description": "optional first"},
                    {"type": 3, "name": "title", "description": "required after", "required": True},
                ],
            },
        ]
        status, error = await raw(
            standin, "PUT", f"/applications/{standin.config.application_id}/commands", json=commands
        )
        assert status == 400 and error["code"] == 50035
        assert {v.rule for v in standin.violations} == {
            "command.name",
            "command.description",
            "command.option.order",
        }
        assert standin.commands() == []


async def test_unknown_routes_and_missing_auth_are_unexpected(standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        status, error = await raw(standin, "GET", f"/guilds/{GUILD_A.id}/bans")
        assert status == 404 and error == {"message": "404: Not Found", "code": 0}
        status, _ = await raw(standin, "GET", "/users/@me", token=None)
        assert status == 401
        assert [u.reason for u in standin.unexpected] == [
            f"no such route: GET /api/v10/guilds/{GUILD_A.id}/bans",
            "missing or invalid bot token",
        ]
        with pytest.raises(AssertionError, match="unexpected"):
            standin.assert_clean()
