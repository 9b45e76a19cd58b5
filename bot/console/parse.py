"""Turn a typed line such as `/log status atacms status:approved note:"..."` into an interaction payload.

Options are given Discord-style as `name:value`; values for required options may also be given in
order without a name. Quotes group words, as in a shell.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands


class ParseError(ValueError):
    pass


@dataclass(slots=True)
class Invocation:
    command: app_commands.Command[Any, ..., Any]
    path: list[str]
    values: dict[str, str]


def split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise ParseError(f"Could not read that line: {exc}") from exc


def resolve(tree: app_commands.CommandTree[Any], tokens: list[str]) -> Invocation:
    if not tokens or not tokens[0].startswith("/"):
        raise ParseError("Commands start with /, e.g. /status atacms (try /help).")
    name = tokens[0][1:]
    found = tree.get_command(name)
    if found is None:
        raise ParseError(f"No command /{name}. Try /help.")
    path = [name]
    rest = tokens[1:]
    while isinstance(found, app_commands.Group):
        if not rest:
            subs = ", ".join(c.name for c in found.commands)
            raise ParseError(f"/{' '.join(path)} needs a subcommand: {subs}")
        sub = found.get_command(rest[0])
        if sub is None:
            subs = ", ".join(c.name for c in found.commands)
            raise ParseError(f"/{' '.join(path)} has no subcommand {rest[0]!r}; choose one of: {subs}")
        path.append(rest[0])
        rest = rest[1:]
        found = sub
    if not isinstance(found, app_commands.Command):
        raise ParseError(f"/{name} can't be run from the console.")
    names = [p.name for p in found.parameters]
    values: dict[str, str] = {}
    positional: list[str] = []
    for token in rest:
        key, sep, value = token.partition(":")
        if sep and key in names:
            values[key] = value
        else:
            positional.append(token)
    free = [p.name for p in found.parameters if p.name not in values]
    if len(positional) > len(free):
        raise ParseError(f"Too many values; /{' '.join(path)} takes: {usage(found)}")
    for name_, token in zip(free, positional, strict=False):
        values[name_] = token
    missing = [p.name for p in found.parameters if p.required and p.name not in values]
    if missing:
        raise ParseError(f"Missing {', '.join(missing)}. Usage: /{' '.join(path)} {usage(found)}")
    return Invocation(found, path, values)


def usage(command: app_commands.Command[Any, ..., Any]) -> str:
    return " ".join(f"{p.name}:…" if p.required else f"[{p.name}:…]" for p in command.parameters)


def option_value(param: app_commands.Parameter, raw: str, *, guild: discord.Guild | None) -> tuple[Any, dict]:
    """The option's JSON value and any `resolved` data Discord would attach."""
    kind = param.type
    if param.choices:
        for choice in param.choices:
            if raw in (str(choice.value), choice.name) or raw.lower() == choice.name.lower():
                return choice.value, {}
        names = ", ".join(str(c.value) for c in param.choices)
        raise ParseError(f"{param.name} must be one of: {names}")
    if kind is discord.AppCommandOptionType.integer:
        try:
            return int(raw), {}
        except ValueError:
            raise ParseError(f"{param.name} must be a whole number") from None
    if kind is discord.AppCommandOptionType.number:
        try:
            return float(raw), {}
        except ValueError:
            raise ParseError(f"{param.name} must be a number") from None
    if kind is discord.AppCommandOptionType.boolean:
        lowered = raw.lower()
        if lowered in ("true", "yes", "y", "1", "on"):
            return True, {}
        if lowered in ("false", "no", "n", "0", "off"):
            return False, {}
        raise ParseError(f"{param.name} must be true or false")
    if kind is discord.AppCommandOptionType.role and guild is not None:
        role = discord.utils.find(lambda r: raw.lstrip("@").lower() in (r.name.lower(), str(r.id)), guild.roles)
        if role is None:
            raise ParseError(f"No role {raw!r}; roles here: {', '.join(r.name for r in guild.roles)}")
        data = {
            "id": str(role.id),
            "name": role.name,
            "permissions": str(role.permissions.value),
            "position": role.position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        return str(role.id), {"roles": {str(role.id): data}}
    if kind is discord.AppCommandOptionType.channel and guild is not None:
        channel = discord.utils.find(lambda c: raw.lstrip("#").lower() in (c.name.lower(), str(c.id)), guild.channels)
        if channel is None:
            raise ParseError(f"No channel {raw!r}; channels here: {', '.join(c.name for c in guild.channels)}")
        data = {"id": str(channel.id), "name": channel.name, "type": channel.type.value, "permissions": "0"}
        return str(channel.id), {"channels": {str(channel.id): data}}
    return raw, {}


def command_data(invocation: Invocation, *, guild: discord.Guild | None, focused: str | None = None) -> dict:
    options: list[dict[str, Any]] = []
    resolved: dict[str, dict[str, Any]] = {}
    for param in invocation.command.parameters:
        if param.name not in invocation.values:
            continue
        raw = invocation.values[param.name]
        if param.name == focused:
            options.append({"name": param.name, "type": param.type.value, "value": raw, "focused": True})
            continue
        value, extra = option_value(param, raw, guild=guild)
        for key, items in extra.items():
            resolved.setdefault(key, {}).update(items)
        options.append({"name": param.name, "type": param.type.value, "value": value})
    for name in reversed(invocation.path[1:]):
        kind = 1 if name == invocation.path[-1] else 2
        options = [{"name": name, "type": kind, "options": options}]
    data: dict[str, Any] = {"id": "1", "name": invocation.path[0], "type": 1, "options": options}
    if resolved:
        data["resolved"] = resolved
    if guild is not None:
        data["guild_id"] = str(guild.id)
    return data


def resolve_partial(tree: app_commands.CommandTree[Any], tokens: list[str]) -> Invocation:
    """Like resolve, but required options may be missing (autocomplete runs while typing)."""
    try:
        return resolve(tree, tokens)
    except ParseError as exc:
        if not str(exc).startswith("Missing"):
            raise
    invocation = resolve(tree, [*tokens, *(f"{p}:x" for p in _missing(tree, tokens))])
    for name in _missing(tree, tokens):
        invocation.values.pop(name, None)
    return invocation


def _missing(tree: app_commands.CommandTree[Any], tokens: list[str]) -> list[str]:
    try:
        resolve(tree, tokens)
    except ParseError as exc:
        text = str(exc)
        if text.startswith("Missing "):
            return text[len("Missing ") :].split(". Usage")[0].split(", ")
    return []
