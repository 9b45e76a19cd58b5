"""Proves the test harness (tests/harness, on bot/simulation) against the tiny bot in minibot.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import discord.http
import discord.webhook.async_
import pytest
from discord import app_commands

from tests.harness import (
    APPLICATION_ID,
    DM,
    GUILD_A_ID,
    GUILD_B_ID,
    DiscordHarness,
    RecordedCall,
    UnhandledRouteError,
    http_error,
)
from tests.simulation.minibot import MiniBot


@pytest.fixture
async def h() -> AsyncIterator[DiscordHarness[MiniBot]]:
    async with DiscordHarness(MiniBot()) as harness:
        yield harness


async def test_start_populates_state_offline(h: DiscordHarness[MiniBot]) -> None:
    bot = h.bot
    assert bot.is_ready() and bot.ready_fired
    assert bot.user is not None and bot.user.id == APPLICATION_ID and bot.application_id == APPLICATION_ID
    guild = bot.get_guild(GUILD_A_ID)
    assert guild is not None and bot.get_guild(GUILD_B_ID) is not None
    assert {r.name for r in guild.roles} >= {"@everyone", "Editors", "Managers"}
    assert guild.get_channel(h.guild_a.channel.id) is not None
    assert guild.me.guild_permissions.manage_roles
    assert h.calls == []  # starting needs no HTTP at all


async def test_subcommand_options_are_typed_and_resolved(h: DiscordHarness[MiniBot]) -> None:
    alerts = h.guild_a.channel_named("desk-alerts")
    reply = await h.slash(
        "log status",
        {"topic": "atacms", "count": 3, "urgent": True, "role": h.guild_a.editors_role, "channel": alerts},
        user=h.editor,
    )
    # The payload is nested SUB_COMMAND_GROUP-free: log -> status (type 1) -> typed leaf options.
    (sub,) = reply.payload["data"]["options"]
    assert sub["type"] == 1 and sub["name"] == "status"
    assert [(o["name"], o["type"]) for o in sub["options"]] == [
        ("topic", 3),
        ("times", 4),  # renamed option: display name on the wire, python name accepted by the harness
        ("urgent", 5),
        ("role", 8),
        ("channel", 7),
    ]
    _, topic, count, urgent, role, channel = h.bot.seen[0]
    assert (topic, count, urgent) == ("atacms", 3, True)
    assert isinstance(role, discord.Role) and role.name == "Editors"
    assert isinstance(channel, discord.TextChannel) and channel.id == alerts.id

    assert reply.response_type == 4
    cb = reply.callback
    assert cb is not None and cb.via == "webhook"
    assert cb.path == f"/interactions/{reply.interaction_id}/{reply.token}/callback"
    assert reply.content == f"<@&{h.guild_a.editors_role.id}> atacms x3"
    assert reply.embeds[0]["title"] == "atacms" and reply.embeds[0]["description"] == "3 updates"
    assert reply.flags & 64 and reply.ephemeral
    assert reply.allowed_mentions == discord.AllowedMentions.none().to_dict()
    assert cb.json["data"]["allowed_mentions"] == {"parse": []}


async def test_invalid_options_fail_fast(h: DiscordHarness[MiniBot]) -> None:
    with pytest.raises(ValueError, match="requires"):
        await h.slash("log status", {"topic": "x"})
    with pytest.raises(ValueError, match="no options"):
        await h.slash("status", {"topic": "x", "bogus": 1})
    with pytest.raises(ValueError, match="not a member"):
        await h.slash("status", {"topic": "x"}, user=h.other_guild_user, guild=h.guild_a)


async def test_autocomplete_returns_choices(h: DiscordHarness[MiniBot]) -> None:
    choices = await h.autocomplete("status", "topic", "ta")
    assert choices == [{"name": "Atacms", "value": "atacms"}, {"name": "Tariffs", "value": "tariffs"}]
    reply = h.last_reply
    assert reply is not None and reply.response_type == 8
    focused = reply.payload["data"]["options"][0]
    assert focused == {"type": 3, "name": "topic", "value": "ta", "focused": True}


async def test_defer_then_edit_original(h: DiscordHarness[MiniBot]) -> None:
    reply = await h.slash("slow")
    callback, edit = reply.calls
    assert callback.json == {"type": 5, "data": {"flags": 64}}
    assert edit.method == "PATCH"
    assert edit.path == f"/webhooks/{APPLICATION_ID}/{reply.token}/messages/@original"
    assert edit.json["content"] == "done thinking"
    assert reply.response_type == 5
    assert reply.final is not None and reply.final["content"] == "done thinking"
    assert reply.ephemeral and not reply.flags & 128  # no longer "thinking"


async def test_followup_is_recorded(h: DiscordHarness[MiniBot]) -> None:
    reply = await h.slash("notify")
    assert [(c.method, c.path) for c in reply.calls] == [
        ("POST", f"/interactions/{reply.interaction_id}/{reply.token}/callback"),
        ("POST", f"/webhooks/{APPLICATION_ID}/{reply.token}"),
    ]
    assert reply.content == "queued" and not reply.ephemeral
    (followup,) = reply.followups
    assert followup["content"] == "delivered" and followup["flags"] == 64
    assert int(followup["id"]) in h.message_by_id


async def test_dynamic_item_survives_restart() -> None:
    first_bot = MiniBot()
    async with DiscordHarness(first_bot) as h1:
        posted = await h1.slash("vote", {"story": 42})
        assert posted.components[0]["components"][0]["custom_id"] == "vote:42"
        same_process = await h1.click("vote:42", user=h1.reader)
        assert same_process.content == "vote recorded for story 42"
    button_message = posted.final
    assert button_message is not None

    # "Restart": a brand-new bot object and harness; only the message (as Discord stores it) survives.
    second_bot = MiniBot()
    async with DiscordHarness(second_bot) as h2:
        reply = await h2.click("vote:42", message=button_message, user=h2.reader)
        assert reply.response_type == 4 and reply.ephemeral
        assert reply.content == "vote recorded for story 42"
        assert reply.payload["message"]["id"] == button_message["id"]
        assert second_bot.seen == [("vote", 42, h2.reader.id)]
        # Without a message at hand, the harness synthesises one carrying the component.
        again = await h2.click("vote:7")
        assert again.content == "vote recorded for story 7"


async def test_select_updates_its_message(h: DiscordHarness[MiniBot]) -> None:
    menu = await h.slash("pick")
    assert menu.final is not None
    chosen = await h.click("desk", values=["world"], user=h.reader)  # finds the message by custom_id
    assert chosen.payload["message"]["id"] == menu.final["id"]
    assert chosen.payload["data"]["values"] == ["world"] and chosen.payload["data"]["component_type"] == 3
    assert chosen.response_type == 7
    assert chosen.final is not None and chosen.final["id"] == menu.final["id"]
    assert chosen.content == "desk: world" and chosen.components == []
    assert h.message_by_id[int(menu.final["id"])]["content"] == "desk: world"


async def test_modal_roundtrip(h: DiscordHarness[MiniBot]) -> None:
    opened = await h.slash("feedback")
    assert opened.response_type == 9
    assert opened.modal is not None and opened.modal["title"] == "Feedback"
    custom_id = opened.modal["custom_id"]
    submitted = await h.submit_modal(custom_id, {"note": "great scoop"})
    assert submitted.content == "thanks: great scoop (fine)"  # unsent field keeps its default
    assert submitted.payload["type"] == 5


async def test_command_exception_reaches_tree_on_error(h: DiscordHarness[MiniBot]) -> None:
    reply = await h.slash("boom")
    (error,) = h.bot.errors
    assert isinstance(error, app_commands.CommandInvokeError)
    assert isinstance(error.original, RuntimeError) and str(error.original) == "kaboom"
    assert reply.content == "Something went wrong." and reply.ephemeral
    assert reply.interaction is not None and reply.interaction.command_failed


async def test_member_permissions_and_checks(h: DiscordHarness[MiniBot]) -> None:
    denied = await h.slash("settings", user=h.reader)
    assert isinstance(h.bot.errors[-1], app_commands.MissingPermissions)
    assert denied.content == "Something went wrong."
    allowed = await h.slash("settings", user=h.admin)
    assert allowed.content == "settings ok"

    member = (await h.slash("whoami", user=h.editor)).payload["member"]
    assert member["roles"] == [str(h.guild_a.editors_role.id)] and int(member["permissions"]) & 1 << 31
    assert (await h.slash("whoami", user=h.editor)).content == f"{GUILD_A_ID}|@everyone,Editors|False|True"
    assert (await h.slash("whoami", user=h.admin)).content == f"{GUILD_A_ID}|@everyone,Managers|True|True"
    other = await h.slash("whoami", user=h.other_guild_user)  # defaults to the user's own guild
    assert other.content == f"{GUILD_B_ID}|@everyone,Editors|False|True"


async def test_dm_interaction(h: DiscordHarness[MiniBot]) -> None:
    reply = await h.slash("status", {"topic": "atacms"}, user=h.reader, guild=DM)
    assert "member" not in reply.payload and reply.payload["user"]["id"] == str(h.reader.id)
    assert reply.content == "status of atacms"


async def test_fail_next_injects_http_errors(h: DiscordHarness[MiniBot]) -> None:
    h.fail_next("POST", r"^/channels/\d+/messages$", 403)
    failed = await h.slash("post")
    assert failed.content == "cannot post here"
    (send,) = failed.calls_to("POST", r"^/channels/")
    assert isinstance(send.error, discord.Forbidden)

    ok = await h.slash("post")  # one-shot: the next send goes through
    assert ok.content == "posted"
    assert ok.channel_messages[0]["content"] == "bulletin"


async def test_custom_responder_and_unhandled_routes(h: DiscordHarness[MiniBot]) -> None:
    seen: list[RecordedCall] = []

    def spy(call: RecordedCall) -> Any:
        seen.append(call)
        raise http_error(500, "upstream sad")

    h.respond("POST", r"^/channels/\d+/messages$", spy, times=1)
    reply = await h.slash("post")
    assert len(seen) == 1 and isinstance(h.bot.errors[-1].__cause__, discord.DiscordServerError)
    assert reply.content == "Something went wrong."

    # Strict mode: a route the harness cannot answer fails the test instead of passing silently.
    with pytest.raises(UnhandledRouteError, match="emojis"):
        await h.slash("emojis")
    assert h.unhandled[-1].path == f"/guilds/{GUILD_A_ID}/emojis"


async def test_redelivered_interaction_is_rejected_like_discord(h: DiscordHarness[MiniBot]) -> None:
    first = await h.slash("status", {"topic": "tariffs"}, interaction_id=123456789012345678)
    second = await h.slash("status", {"topic": "tariffs"}, interaction_id=123456789012345678)
    assert first.token == second.token and first.responded
    assert second.callback is not None and isinstance(second.callback.error, discord.HTTPException)
    assert second.callback.error.code == 40060
    assert not second.responded and len(second.calls) == 2  # the command's reply and on_error's both rejected
    assert isinstance(h.bot.errors[-1], app_commands.CommandInvokeError)


async def test_patches_are_restored_on_close() -> None:
    originals = (discord.http.HTTPClient.request, discord.webhook.async_.AsyncWebhookAdapter.request)
    async with DiscordHarness(MiniBot()) as harness:
        assert discord.http.HTTPClient.request is not originals[0]
        await harness.slash("status", {"topic": "x"})
    assert (discord.http.HTTPClient.request, discord.webhook.async_.AsyncWebhookAdapter.request) == originals
