"""/help, written from the command tree: what each command does, its options, who may use it, an example.

Everything but the examples is read from the tree (descriptions, options, choices, ranges, default
permissions), so the help cannot drift from the commands; the examples are the one thing written by
hand, one per command in EXAMPLES, and a test runs each against the tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import discord
from discord import app_commands

from bot.core.fuzzydate import ACCEPTED_FORMS
from bot.render.text import (
    EMBED_DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    clip,
    pack_fields,
)

Command = app_commands.Command[Any, ..., Any]
Group = app_commands.Group

# One example per command, as typed in Discord (and in the console, which reads the same syntax).
EXAMPLES: dict[str, str] = {
    "help": '/help command:"log status"',
    "status": "/status topic:atacms history:true",
    "latest": '/latest topic:atacms speaker:"State Department" count:3',
    "chronology": '/chronology topic:atacms since:"Sep 2023" until:"Q4 2023"',
    "topics": "/topics private:true",
    "search": '/search query:"ATACMS long-range -rumour" speaker:Kirby since:"Sep 2023" private:true',
    "speaker": "/speaker name:Kirby",
    "ask": '/ask question:"Has ATACMS been approved?"',
    "log status": (
        '/log status topic:atacms note:"White House approves a first batch" decision:approved '
        "committed:300 unit:missiles date:2023-10-17 source:Reuters url:https://www.reuters.com/world/"
    ),
    "log statement": (
        '/log statement topic:atacms speaker:"Matthew Miller" date:"11 Sep 2023" '
        'text:"No new decision to announce" source:"State Department"'
    ),
    "log event": '/log event topic:atacms headline:"Biden and Zelensky meet" date:"21 Sep 2023" source:AP',
    "topic create": '/topic create slug:f16-jets title:"F-16 jets for Ukraine" aliases:"f-16, fighter jets"',
    "topic edit": '/topic edit topic:atacms next_step:"Watch for a delivery date" reason:"New reporting"',
    "topic archive": "/topic archive topic:atacms",
    "topic unarchive": "/topic unarchive topic:atacms",
    "topic import-seed": "/topic import-seed name:atacms",
    "topic fact add": '/topic fact add topic:atacms text:"Range of up to 300 km" source:"News report, Sep 2023"',
    "topic fact edit": '/topic fact edit topic:atacms fact:1 text:"Range of up to 300 kilometers" reason:"Units"',
    "topic fact remove": '/topic fact remove topic:atacms fact:1 reason:"Out of date"',
    "topic history": "/topic history topic:atacms",
    "entry edit": '/entry edit id:#11 field:date value:"22 Sep 2023" reason:"Meeting moved"',
    "entry retract": '/entry retract id:#11 reason:"Duplicate of #10"',
    "entry restore": "/entry restore id:#11",
    "entry history": "/entry history id:#11",
    "settings editor-role": "/settings editor-role role:Editors",
    "settings timezone": "/settings timezone timezone:Europe/London",
    "settings editors-channel": "/settings editors-channel channel:#desk-alerts",
    "settings stale-after": "/settings stale-after days:30",
    "settings show": "/settings show",
    "digest add": "/digest add channel:newsroom time:09:00 days:weekdays topics:atacms",
    "digest edit": "/digest edit id:1 time:08:30",
    "digest list": "/digest list",
    "digest remove": "/digest remove id:1",
    "digest pause": "/digest pause id:1",
    "digest resume": "/digest resume id:1",
    "digest preview": "/digest preview id:1",
    "digest send-now": "/digest send-now id:1",
    "settings alert-grace": "/settings alert-grace seconds:90",
    "alert add": "/alert add channel:newsroom topics:atacms kinds:status,statement",
    "alert edit": "/alert edit id:2 topics:all kinds:status,correction",
    "alert list": "/alert list",
    "alert remove": "/alert remove id:2",
    "alert pause": "/alert pause id:2",
    "alert resume": "/alert resume id:2",
    "follow": "/follow topic:atacms kinds:status,event",
    "unfollow": "/unfollow topic:atacms",
    "following": "/following",
}

READERS = "Everyone"
# An option reads a fuzzy date when its description speaks of a date or of when something happened.
_DATE_OPTION = re.compile(r"\b(date|when)\b", re.IGNORECASE)
_DATES_TITLE = "Dates"


def commands_of(tree: app_commands.CommandTree[Any]) -> Iterator[Command]:
    """Every command that runs (subcommands included), in the tree's order."""
    for command in tree.walk_commands():
        if isinstance(command, app_commands.Command):
            yield command


def usage(command: Command) -> str:
    """Its options as typed: `topic:… [history:…]`, the optional ones in brackets."""
    return " ".join(f"{p.name}:…" if p.required else f"[{p.name}:…]" for p in command.parameters)


def who_may(command: Command | Group) -> str:
    """Who may use a command, from the permissions its group asks of members by default: Manage
    Server for the settings, Manage Messages for the editor groups, which the bot checks as the
    newsroom's editor role (bot.core.requester)."""
    root = command.root_parent or command
    permissions = command.default_permissions or root.default_permissions
    if permissions is None or permissions.value == 0:
        return READERS
    if permissions.manage_guild:
        return "Manage Server"
    return "Editor role (or Manage Server)"


def find_command(tree: app_commands.CommandTree[Any], name: str) -> Command | Group | None:
    """A command or group by its full name, with or without the slash: "status", "/log status"."""
    words = name.strip().lstrip("/").lower().split()
    if not words:
        return None
    found: Command | Group | None = _top_level(tree, words[0])
    for word in words[1:]:
        if not isinstance(found, Group):
            return None
        sub = found.get_command(word)
        found = sub if isinstance(sub, app_commands.Command | Group) else None
    return found


def _top_level(tree: app_commands.CommandTree[Any], name: str) -> Command | Group | None:
    found = tree.get_command(name)
    return found if isinstance(found, app_commands.Command | Group) else None


def names_matching(tree: app_commands.CommandTree[Any], typed: str) -> list[str]:
    """Full names of commands and groups containing what was typed: /help's suggestions."""
    needle = " ".join(typed.strip().lstrip("/").lower().split())
    names: list[str] = []
    for command in tree.walk_commands():
        if needle in command.qualified_name:
            names.append(command.qualified_name)
    return names


def _lines_to_fields(title: str, lines: list[str]) -> list[tuple[str, str]]:
    """One field of lines, or several ("title (2)") where they pass a field's limit."""
    chunks: list[list[str]] = [[]]
    used = 0
    for line in lines:
        line = clip(line, FIELD_VALUE_MAX)
        if chunks[-1] and used + len(line) + 1 > FIELD_VALUE_MAX:
            chunks.append([])
            used = 0
        chunks[-1].append(line)
        used += len(line) + 1
    names = [title] + [f"{title} ({n})" for n in range(2, len(chunks) + 1)]
    return [(clip(name, FIELD_NAME_MAX), "\n".join(chunk)) for name, chunk in zip(names, chunks, strict=True)]


def _embeds(title: str, description: str, fields: list[tuple[str, str]]) -> list[discord.Embed]:
    """As many embeds as the fields need, each within Discord's limits for one message."""
    description = clip(description, EMBED_DESCRIPTION_MAX)
    room = EMBED_TOTAL_MAX - len(title) - len(description) - 20
    pages = pack_fields(fields, room=room)
    embeds: list[discord.Embed] = []
    for number, page in enumerate(pages, start=1):
        shown = title if len(pages) == 1 else f"{title} ({number}/{len(pages)})"
        embed = discord.Embed(title=shown, description=description if number == 1 else None)
        for name, value in page:
            embed.add_field(name=name, value=value, inline=False)
        embeds.append(embed)
    return embeds


def _marked(command: Command) -> str:
    who = who_may(command)
    lock = "" if who == READERS else " 🔒"
    return f"`/{command.qualified_name}`{lock} {command.description}"


def overview(tree: app_commands.CommandTree[Any]) -> list[discord.Embed]:
    """Every command, grouped as the tree groups them, with who may use each group and the date forms."""
    readers = [c for c in commands_of(tree) if c.parent is None]
    fields = _lines_to_fields("For readers", [_marked(c) for c in readers])
    for group in tree.walk_commands():
        if isinstance(group, Group) and group.parent is None:
            members = [c for c in commands_of(tree) if c.root_parent is group]
            heading = f"/{group.name}: {group.description} · {who_may(group)}"
            fields += _lines_to_fields(heading, [_marked(c) for c in members])
    fields += _lines_to_fields(_DATES_TITLE, [f"Date options take: {ACCEPTED_FORMS}."])
    description = (
        "🔒 marks the commands not every member may use: the editor role (or Manage Server) for the "
        "newsroom's stories and digests, Manage Server for its settings. Type `/help command:` and a "
        "command's name for its options and an example. Topics can be named by slug, title or alias, "
        "and a close misspelling is read as the topic it is closest to."
    )
    return _embeds("Newsdesk commands", description, fields)


def _option_line(parameter: app_commands.Parameter) -> tuple[str, str]:
    name = f"{parameter.name} ({'required' if parameter.required else 'optional'})"
    notes = [parameter.description]
    if parameter.choices:
        notes.append("One of: " + ", ".join(f"`{c.name}`" for c in parameter.choices))
    kind = parameter.type
    if kind in (discord.AppCommandOptionType.integer, discord.AppCommandOptionType.number):
        if parameter.min_value is not None or parameter.max_value is not None:
            notes.append(f"A number from {parameter.min_value} to {parameter.max_value}")
    elif kind is discord.AppCommandOptionType.string and parameter.max_value is not None and not parameter.choices:
        notes.append(f"Up to {parameter.max_value} characters")
    elif kind is not discord.AppCommandOptionType.string:
        notes.append(f"A {kind.name}")
    if parameter.autocomplete:
        notes.append("Suggestions as you type")
    return clip(name, FIELD_NAME_MAX), clip("\n".join(notes), FIELD_VALUE_MAX)


def command_help(command: Command | Group) -> list[discord.Embed]:
    """One command's help: description, who may use it, usage, each option, an example; a group's
    lists its subcommands."""
    title = f"/{command.qualified_name}"
    if isinstance(command, Group):
        lines = [_marked(c) for c in command.walk_commands() if isinstance(c, app_commands.Command)]
        description = f"{command.description}\nWho may use it: {who_may(command)}"
        return _embeds(title, description, _lines_to_fields("Commands", lines))
    typed = f"/{command.qualified_name} {usage(command)}".strip()
    description = f"{command.description}\nWho may use it: {who_may(command)}\nUsage: `{typed}`"
    fields = [_option_line(parameter) for parameter in command.parameters]
    fields.append(("Example", f"`{EXAMPLES.get(command.qualified_name, title)}`"))
    if any(_DATE_OPTION.search(p.description) for p in command.parameters):
        fields.append((_DATES_TITLE, clip(ACCEPTED_FORMS, FIELD_VALUE_MAX)))
    return _embeds(title, description, fields)
