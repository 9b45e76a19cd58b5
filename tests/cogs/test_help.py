"""/help, generated from the command tree: the overview, every command's own help, its examples."""

from __future__ import annotations

from typing import Any

import pytest
from discord import app_commands

from bot.console import parse
from bot.core.fuzzydate import ACCEPTED_FORMS
from bot.render import help as render
from bot.render.text import EMBED_FIELDS_MAX, EMBED_TOTAL_MAX, FIELD_VALUE_MAX
from tests.harness import Reply
from tests.newsroom import Desk, text_of

EPHEMERAL = 64


def _embeds(reply: Reply) -> list[dict[str, Any]]:
    """Every embed the answer sent, its first message and any that followed, each checked to be
    ephemeral and within Discord's limits."""
    messages = [reply.callback_data or {}, *reply.followups]
    embeds: list[dict[str, Any]] = []
    for message in messages:
        assert message.get("flags", 0) & EPHEMERAL, message
        assert message.get("allowed_mentions") == {"parse": []}
        total = 0
        for embed in message.get("embeds", []):
            fields = embed.get("fields", [])
            assert len(fields) <= EMBED_FIELDS_MAX
            assert all(len(f["value"]) <= FIELD_VALUE_MAX for f in fields)
            total += len(embed.get("title", "")) + len(embed.get("description") or "")
            total += sum(len(f["name"]) + len(f["value"]) for f in fields)
            embeds.append(embed)
        assert total <= EMBED_TOTAL_MAX
    return embeds


def _text(embeds: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for embed in embeds:
        parts += [embed.get("title", ""), embed.get("description") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def _commands(desk: Desk) -> list[app_commands.Command[Any, ..., Any]]:
    return list(render.commands_of(desk.bot.tree))


async def test_the_overview_lists_every_command_with_who_may_use_it(desk: Desk) -> None:
    h = desk.harness
    reply = await h.slash("help", user=h.reader)
    embeds = _embeds(reply)
    text = _text(embeds)
    lines = text.splitlines()
    for command in _commands(desk):
        [line] = [line for line in lines if line.startswith(f"`/{command.qualified_name}`")]
        assert command.description in line
        # Derived from the tree: the groups' default permissions mark who may use them.
        assert ("🔒" in line) == (command.root_parent is not None), line
    assert "· Manage Server" in text and "· Editor role (or Manage Server)" in text
    assert ACCEPTED_FORMS in text


@pytest.mark.parametrize("who", ["reader", "editor"])
async def test_every_command_has_its_own_help(desk: Desk, who: str) -> None:
    h = desk.harness
    user = h.reader if who == "reader" else h.editor
    commands = _commands(desk)
    assert len(commands) >= 30
    for command in commands:
        reply = await h.slash("help", {"command": command.qualified_name}, user=user)
        embeds = _embeds(reply)
        text = _text(embeds)
        assert embeds[0]["title"] == f"/{command.qualified_name}"
        assert command.description in text and "Who may use it: " in text
        for parameter in command.parameters:
            assert f"{parameter.name} ({'required' if parameter.required else 'optional'})" in text
            assert parameter.description in text
            for choice in parameter.choices:
                assert f"`{choice.name}`" in text
        assert f"`{render.EXAMPLES[command.qualified_name]}`" in text


async def test_help_names_ranges_choices_and_date_forms(desk: Desk) -> None:
    h = desk.harness
    text = _text(_embeds(await h.slash("help", {"command": "/latest"}, user=h.reader)))
    assert "A number from 1 to 10" in text and "Who may use it: Everyone" in text
    text = _text(_embeds(await h.slash("help", {"command": "log status"}, user=h.reader)))
    assert "`Approved`" in text and ACCEPTED_FORMS in text and "Editor role (or Manage Server)" in text
    assert "Usage: `/log status topic:… note:… [decision:…] [delivery:…]" in text
    text = _text(_embeds(await h.slash("help", {"command": "settings show"}, user=h.reader)))
    assert "Who may use it: Manage Server" in text and "Usage: `/settings show`" in text
    group = _text(_embeds(await h.slash("help", {"command": "log"}, user=h.reader)))
    assert "`/log status`" in group and "`/log event`" in group


def test_every_command_has_one_example_that_runs_against_the_tree(desk: Desk) -> None:
    tree = desk.bot.tree
    names = {command.qualified_name for command in render.commands_of(tree)}
    assert set(render.EXAMPLES) == names
    for name, example in render.EXAMPLES.items():
        invocation = parse.resolve(tree, parse.split(example))
        assert invocation.command.qualified_name == name
        # Every value is one Discord's client would send: choices, ranges and lengths checked.
        parse.command_data(invocation, guild=None)


async def test_an_unknown_command_is_refused_clearly(desk: Desk) -> None:
    h = desk.harness
    for typed in ("nosuch", "log nosuch", "status extra"):
        reply = await h.slash("help", {"command": typed}, user=h.reader)
        assert reply.ephemeral and not reply.embeds
        assert text_of(reply).startswith(f"No command `/{typed}`")


async def test_command_names_are_suggested_from_the_tree(desk: Desk) -> None:
    h = desk.harness
    choices = await h.autocomplete("help", "command", "log st", user=h.reader)
    assert [c["value"] for c in choices] == ["log status", "log statement"]
    everything = await h.autocomplete("help", "command", "", user=h.reader)
    assert len(everything) == 25 and everything[0]["value"] == "status"
