"""Every command's registration payload, checked offline against Discord's rules, and deliberate syncing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.client import NewsBot
from db.engine import Database
from tests.harness import DiscordHarness
from tests.newsroom import FakeClock, make_bot

NAME = re.compile(r"^[-_\w]{1,32}$")
READER_COMMANDS = {"status", "latest", "chronology", "topics"}


async def _payloads(database: Database) -> list[dict]:
    bot = make_bot(database, FakeClock())
    async with DiscordHarness(bot):
        return bot.command_payload()


def _walk(options: list[dict[str, Any]], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for option in options:
        yield f"{path} {option['name']}", option
        yield from _walk(option.get("options", []), f"{path} {option['name']}")


async def test_every_command_payload_follows_discords_rules(database: Database) -> None:
    payloads = await _payloads(database)
    names = {p["name"] for p in payloads}
    assert READER_COMMANDS | {"log", "topic", "entry", "settings"} <= names
    assert len(payloads) <= 100
    for command in payloads:
        assert NAME.match(command["name"]) and command["name"] == command["name"].lower()
        assert 1 <= len(command["description"]) <= 100
        assert command.get("contexts") == [0], f"/{command['name']} must be guild-only"
        for path, option in _walk(command.get("options", []), command["name"]):
            assert NAME.match(option["name"]), path
            assert 1 <= len(option["description"]) <= 100 and option["description"] != "…", path
            assert len(option.get("choices", [])) <= 25, path
            children = option.get("options", [])
            assert len(children) <= 25, path
            required = [o.get("required", False) for o in children if o["type"] > 2]
            assert required == sorted(required, reverse=True), f"{path}: required options come first"


async def test_editor_groups_are_hidden_by_default_but_readers_are_not(database: Database) -> None:
    payloads = {p["name"]: p for p in await _payloads(database)}
    for name in READER_COMMANDS:
        assert payloads[name].get("default_member_permissions") is None
    for name in ("log", "topic", "entry"):
        assert int(payloads[name]["default_member_permissions"]) == discord.Permissions(manage_messages=True).value
    assert int(payloads["settings"]["default_member_permissions"]) == discord.Permissions(manage_guild=True).value


async def test_topic_options_autocomplete(database: Database) -> None:
    bot = make_bot(database, FakeClock())
    async with DiscordHarness(bot):
        for name in READER_COMMANDS - {"topics"}:
            command = bot.tree.get_command(name)
            assert isinstance(command, app_commands.Command)
            assert command._params["topic"].autocomplete is not None


async def test_commands_sync_only_when_the_tree_changed(database: Database) -> None:
    def syncing_bot() -> NewsBot:
        bot = make_bot(database, FakeClock())
        bot.sync_commands = True
        return bot

    async with DiscordHarness(syncing_bot()) as first:
        puts = first.calls_to("PUT", r"/applications/\d+/commands")
        assert len(puts) == 1
        assert {c["name"] for c in puts[0].json} >= READER_COMMANDS
    async with DiscordHarness(syncing_bot()) as second:
        assert second.calls_to("PUT", r"/applications/\d+/commands") == []


@pytest.mark.parametrize("name", ["status", "latest", "chronology"])
async def test_reader_commands_describe_every_option(database: Database, name: str) -> None:
    payloads = {p["name"]: p for p in await _payloads(database)}
    assert all(o["description"] for o in payloads[name]["options"])
