"""The stand-in against a real discord.py client: connecting, syncing and answering interactions."""

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
    INTERACTION_AUTOCOMPLETE,
    READER_USER,
    DiscordStandIn,
    StandInConfig,
)
from tests.e2e.standin_client import (
    TinyClient,
    allowed_none,
    human_pause,
    raw,
    running_client,
)

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
