"""Proves the Discord stand-in against a real discord.py client (not the Newsdesk bot).

A deliberately tiny ``discord.Client`` with a ``CommandTree`` is defined here; if discord.py can
log in, connect, sync, answer interactions, resume and retry against the stand-in, scenarios for
the real bot can trust it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import discord.http
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.e2e.standin import (
    EDITOR_USER,
    GUILD_A,
    GUILD_B,
    INTERACTION_AUTOCOMPLETE,
    READER_USER,
    DiscordStandIn,
    StandInConfig,
)

MESSAGES = r"/channels/\d+/messages"
LATE_COMMAND_DELAY = 0.5


class ApproveView(discord.ui.View):
    @discord.ui.button(label="Approve", custom_id="approve", style=discord.ButtonStyle.success)
    async def approve(self, interaction: discord.Interaction, button: discord.ui.Button[ApproveView]) -> None:
        await interaction.response.edit_message(content=f"approved by {interaction.user.name}", view=None)


class StatementModal(discord.ui.Modal, title="Add statement"):
    statement: discord.ui.TextInput[StatementModal] = discord.ui.TextInput(label="Statement", custom_id="statement")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"statement: {self.statement.value}")


class TinyClient(discord.Client):
    """Minimal client exercising every response path the stand-in implements."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("intents", discord.Intents.default())
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        # on_ready fires this long after the last GUILD_CREATE; the 2 s default slows the suite.
        options.setdefault("guild_ready_timeout", 0.1)
        super().__init__(**options)
        self.tree = app_commands.CommandTree(self)
        self.resumed = asyncio.Event()
        self.seen_interactions: list[int] = []
        self.messages: asyncio.Queue[discord.Message] = asyncio.Queue()
        tree = self.tree

        @tree.command(name="ping", description="Replies with pong")
        async def ping(interaction: discord.Interaction) -> None:
            self.seen_interactions.append(interaction.id)
            await interaction.response.send_message("pong")

        @tree.command(name="slow", description="Defers, then follows up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("first")
            await interaction.followup.send("second")
            await interaction.edit_original_response(content="first (edited)")

        @tree.command(name="pick", description="Pick a topic")
        @app_commands.describe(topic="Topic to pick", count="How many")
        async def pick(interaction: discord.Interaction, topic: str, count: int = 1) -> None:
            await interaction.response.send_message(f"{topic} x{count}")

        @pick.autocomplete("topic")
        async def pick_topic(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            topics = ["budget", "bridges", "schools"]
            return [app_commands.Choice(name=t, value=t) for t in topics if t.startswith(current)]

        @tree.command(name="approval", description="Posts an approval button")
        async def approval(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("needs approval", view=ApproveView())

        @tree.command(name="statement", description="Opens the statement modal")
        async def statement(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(StatementModal())

        @tree.command(name="late", description="Answers too late")
        async def late(interaction: discord.Interaction) -> None:
            await asyncio.sleep(LATE_COMMAND_DELAY)
            await interaction.response.send_message("sorry, late")

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def on_message(self, message: discord.Message) -> None:
        self.messages.put_nowait(message)


@contextlib.asynccontextmanager
async def running_client(**options: Any) -> AsyncIterator[TinyClient]:
    client = TinyClient(**options)
    await client.login("dummy-token")
    task = asyncio.create_task(client.connect())
    try:
        async with asyncio.timeout(5):
            await client.wait_until_ready()
        yield client
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


@pytest.fixture
async def client(discord_at_standin: DiscordStandIn) -> AsyncIterator[TinyClient]:
    async with running_client() as c:
        await c.tree.sync()
        yield c


async def raw(
    standin: DiscordStandIn, method: str, path: str, *, json: Any = None, token: str | None = "dummy-token"
) -> tuple[int, Any]:
    """A request straight to the stand-in, bypassing discord.py's validation and retries."""
    headers = {"Authorization": f"Bot {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, standin.base_url + path, json=json, headers=headers) as resp,
    ):
        body = await resp.json(content_type=None) if resp.status != 204 else None
        return resp.status, body


async def human_pause() -> None:
    """discord.py registers a View/Modal only after parsing the callback response; a click or
    submit racing ahead of that is (correctly) ignored. No human is faster than this."""
    await asyncio.sleep(0.1)


def allowed_none() -> dict[str, Any]:
    return {"parse": []}


# ---------------------------------------------------------------------------------------------
# Connecting
# ---------------------------------------------------------------------------------------------


async def test_login_ready_and_guild_creates(discord_at_standin: DiscordStandIn) -> None:
    standin = discord_at_standin
    async with asyncio.timeout(10), running_client() as client:
        sent = [f.t for f in standin.gateway_frames if f.direction == "send" and f.op == 0]
        assert sent[:3] == ["READY", "GUILD_CREATE", "GUILD_CREATE"]
        assert {g.id for g in client.guilds} == {GUILD_A.id, GUILD_B.id}
        guild = client.get_guild(GUILD_A.id)
        assert guild is not None and guild.me is not None
        assert {c.id for c in guild.text_channels} == {GUILD_A.text_channel_id, GUILD_A.second_channel_id}
        assert discord.utils.get(guild.roles, name="Editors") is not None
        assert client.application_id == standin.config.application_id

        (identify,) = standin.identify_payloads
        assert identify["intents"] == discord.Intents.default().value
        (conn,) = standin.gateway_connections
        # discord.py 2.7 asks for zlib-stream transport compression unless zstandard is installed.
        assert conn.compress == "zlib-stream" and conn.query["encoding"] == "json" and conn.query["v"] == "10"
        # HELLO -> the client heartbeats immediately -> the stand-in ACKs.
        await standin.wait_for_gateway(op=1)
        await standin.wait_for_gateway(op=11, direction="send")
        assert [r.path for r in standin.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    standin.assert_clean()


async def test_members_intent_chunks_and_member_updates(discord_at_standin: DiscordStandIn) -> None:
    standin = discord_at_standin
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    async with asyncio.timeout(10), running_client(intents=intents) as client:
        # Without the presences intent GUILD_CREATE carries only the bot; discord.py chunks the rest.
        chunk_request = await standin.wait_for_gateway(op=8)
        assert chunk_request.d["limit"] == 0
        guild = client.get_guild(GUILD_A.id)
        assert guild is not None and guild.chunked
        assert {m.id for m in guild.members} == {EDITOR_USER.id, READER_USER.id, standin.config.bot_user.id}
        editor = guild.get_member(EDITOR_USER.id)
        assert editor is not None and [r.name for r in editor.roles] == ["@everyone", "Editors"]

        await standin.add_user_message(GUILD_A.text_channel_id, READER_USER, "tip: check the budget")
        message = await client.messages.get()
        assert message.author.id == READER_USER.id and message.content == "tip: check the budget"

        await standin.set_member_roles(GUILD_A.id, EDITOR_USER.id, [])
        await standin.wait_for_gateway(t="GUILD_MEMBER_UPDATE", direction="send")
        await asyncio.sleep(0.05)  # let discord.py parse the event
        assert [r.name for r in editor.roles] == ["@everyone"]
        # Interactions built afterwards carry the demoted permissions.
        payload = standin.make_slash(GUILD_A.id, None, EDITOR_USER, "ping")
        assert payload["member"]["roles"] == []
        assert not int(payload["member"]["permissions"]) & (1 << 13)  # MANAGE_MESSAGES gone
    standin.assert_clean()


async def test_sync_commands_is_recorded_and_served_back(client: TinyClient, standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        put = standin.requests_matching("PUT", rf"/applications/{standin.config.application_id}/commands")
        assert len(put) == 1 and put[0].status == 200
        names = sorted(c["name"] for c in put[0].json)
        assert names == ["approval", "late", "pick", "ping", "slow", "statement"]
        fetched = await client.tree.fetch_commands()
        stored = {c["name"]: c["id"] for c in standin.commands()}
        assert {c.name: str(c.id) for c in fetched} == stored
        # A second sync keeps ids stable, like Discord's bulk overwrite.
        await client.tree.sync()
        assert {c["name"]: c["id"] for c in standin.commands()} == stored
    standin.assert_clean()


async def test_guild_command_registration(client: TinyClient, standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        guild = discord.Object(GUILD_B.id)
        client.tree.copy_global_to(guild=guild)
        synced = await client.tree.sync(guild=guild)
        assert len(synced) == 6
        assert all(c["guild_id"] == str(GUILD_B.id) for c in standin.commands(GUILD_B.id))
        # The builder picks the guild-scoped command and tells discord.py so via data.guild_id.
        payload = standin.make_slash(GUILD_B.id, None, EDITOR_USER, "ping")
        assert payload["data"]["guild_id"] == str(GUILD_B.id)
        iid = await standin.dispatch_interaction(payload)
        await standin.wait_for_ack(iid)
    standin.assert_clean()


# ---------------------------------------------------------------------------------------------
# Interactions
# ---------------------------------------------------------------------------------------------


async def test_slash_command_response_and_latency(client: TinyClient, standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        iid = await standin.dispatch_interaction(
            standin.make_slash(GUILD_A.id, GUILD_A.text_channel_id, EDITOR_USER, "ping")
        )
        record = await standin.wait_for_ack(iid)
        assert client.seen_interactions == [iid]
        (response,) = standin.interaction_responses(iid)
        assert response.kind == "callback" and response.callback_type == 4
        assert response.body["data"]["content"] == "pong"
        assert response.message is not None and response.message["type"] == 20
        assert record.latency is not None and standin.ack_latencies[iid] < 3.0
        assert [m["content"] for m in standin.messages_in(GUILD_A.text_channel_id)] == ["pong"]
    standin.assert_clean()


async def test_defer_followups_and_original_edit(client: TinyClient, standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        iid = await standin.dispatch_interaction(standin.make_slash(GUILD_A.id, None, READER_USER, "slow"))
        await standin.wait_for_request("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")
        kinds = [(r.kind, r.callback_type) for r in standin.interaction_responses(iid)]
        assert kinds == [("callback", 5), ("followup", None), ("followup", None), ("edit_original", None)]
        # The first follow-up replaced the "thinking" message; the second was a new message.
        contents = [m["content"] for m in standin.messages_in(GUILD_A.text_channel_id)]
        assert contents == ["first (edited)", "second"]
        record = standin.interaction(iid)
        assert record.original_message_id is not None and len(record.followup_ids) == 1
    standin.assert_clean()


async def test_autocomplete_builder(client: TinyClient, standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        payload = standin.make_autocomplete(GUILD_A.id, None, EDITOR_USER, "pick", {"topic": "b"}, "topic")
        assert payload["type"] == INTERACTION_AUTOCOMPLETE
        iid = await standin.dispatch_interaction(payload)
        record = await standin.wait_for_ack(iid)
        assert record.callback_type == 8
        assert record.autocomplete_choices == [
            {"name": "budget", "value": "budget"},
            {"name": "bridges", "value": "bridges"},
        ]
        # Option types come from the registered command: count is sent as an integer.
        slash = standin.make_slash(GUILD_A.id, None, EDITOR_USER, "pick", {"topic": "budget", "count": "3"})
        assert slash["data"]["options"][1] == {"name": "count", "type": 4, "value": 3}
        iid = await standin.dispatch_interaction(slash)
        await standin.wait_for_ack(iid)
        assert standin.interaction_responses(iid)[0].body["data"]["content"] == "budget x3"
        with pytest.raises(ValueError, match="not declared"):
            standin.make_slash(GUILD_A.id, None, EDITOR_USER, "pick", {"nope": 1})
    standin.assert_clean()


async def test_component_builder_clicks_a_real_view(client: TinyClient, standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        iid = await standin.dispatch_interaction(standin.make_slash(GUILD_A.id, None, EDITOR_USER, "approval"))
        await standin.wait_for_ack(iid)
        (posted,) = standin.messages_in(GUILD_A.text_channel_id)
        await human_pause()
        click = standin.make_component("approve", posted, user=EDITOR_USER)
        click_id = await standin.dispatch_interaction(click)
        record = await standin.wait_for_ack(click_id)
        assert record.callback_type == 7
        (edited,) = standin.messages_in(GUILD_A.text_channel_id)
        assert edited["id"] == posted["id"]
        assert edited["content"] == "approved by edith_editor" and edited["components"] == []
        with pytest.raises(ValueError, match="no component"):
            standin.make_component("reject", posted)
    standin.assert_clean()


async def test_modal_builder_mirrors_the_modal_sent(client: TinyClient, standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        iid = await standin.dispatch_interaction(standin.make_slash(GUILD_A.id, None, EDITOR_USER, "statement"))
        record = await standin.wait_for_ack(iid)
        assert record.callback_type == 9 and record.modal is not None
        assert record.modal["title"] == "Add statement"
        await human_pause()
        submit = standin.make_modal_submit(record.modal["custom_id"], {"statement": "We deny it."})
        submit_id = await standin.dispatch_interaction(submit)
        await standin.wait_for_ack(submit_id)
        assert standin.interaction_responses(submit_id)[0].body["data"]["content"] == "statement: We deny it."
    standin.assert_clean()


async def test_double_acknowledgement_is_rejected(client: TinyClient, standin: DiscordStandIn) -> None:
    async with asyncio.timeout(10):
        payload = standin.make_slash(GUILD_A.id, None, EDITOR_USER, "ping")
        iid = await standin.dispatch_interaction(payload)
        await standin.wait_for_ack(iid)
        body = {"type": 4, "data": {"content": "again", "allowed_mentions": allowed_none()}}
        status, error = await raw(standin, "POST", f"/interactions/{iid}/{payload['token']}/callback", json=body)
        assert status == 400 and error["code"] == 40060
        assert [v.rule for v in standin.violations] == ["interaction.double_ack"]


async def test_late_acknowledgement_is_a_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    async with asyncio.timeout(10), DiscordStandIn(StandInConfig(ack_deadline_s=0.2)) as standin:
        monkeypatch.setattr(Route, "BASE", standin.base_url)
        monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(standin.gateway_url))
        async with running_client() as client:
            await client.tree.sync()
            iid = await standin.dispatch_interaction(standin.make_slash(GUILD_A.id, None, EDITOR_USER, "late"))
            late = await standin.wait_for_request("POST", rf"/interactions/{iid}/[^/]+/callback")
            assert late.status == 404  # Discord: "Unknown interaction" once the 3 s window is gone
            rules = {v.rule for v in standin.violations}
            assert rules == {"interaction.not_acknowledged", "interaction.ack_deadline"}
            assert iid not in standin.ack_latencies


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
