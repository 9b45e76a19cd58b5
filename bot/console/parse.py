"""Turn a typed line such as `/log status atacms status:approved note:"..."` into an interaction payload.

Options are given Discord-style as `name:value`; values for required options may also be given in
order without a name. Quotes group words, as in a shell.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.option_check import length_problem, value_problem


class ParseError(ValueError):
    pass


# Discord option names are lower case; `https://…` is a value however it is spelt.
_OPTION_NAME = re.compile(r"[a-z][a-z0-9_-]*")
# Discord's client refuses integers a JavaScript number cannot hold exactly.
_SAFE_INTEGER = 2**53 - 1


@dataclass(slots=True)
class Invocation:
    command: app_commands.Command[Any, ..., Any]
    path: list[str]
    values: dict[str, str]
    last: str | None = None  # the option typed last: the one `complete` suggests values for


def split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise ParseError(f"Could not read that line: {exc}") from exc


def resolve(tree: app_commands.CommandTree[Any], tokens: list[str], *, partial: bool = False) -> Invocation:
    """The command and its typed values; `partial` (autocomplete, while typing) lets required options be missing."""
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
    where = f"/{' '.join(path)}"
    names = [p.name for p in found.parameters]
    values: dict[str, str] = {}
    positional: list[str] = []
    last: str | None = None
    for token in rest:
        key, sep, value = token.partition(":")
        if sep and key in names:
            if key in values:
                raise ParseError(f"{key} is given twice; {where} takes it once.")
            values[key] = value
            last = key
        elif sep and _OPTION_NAME.fullmatch(key) and not value.startswith("//"):
            # Discord offers a command's own options only: an unknown name is a mistake, never a value.
            raise ParseError(f"{where} has no option {key!r}. Its options: {usage(found)}")
        else:
            positional.append(token)
    free = [p.name for p in found.parameters if p.name not in values]
    if len(positional) > len(free):
        raise ParseError(f"Too many values; {where} takes: {usage(found)}")
    for name_, token in zip(free, positional, strict=False):
        values[name_] = token
        last = name_
    missing = [p.name for p in found.parameters if p.required and p.name not in values]
    if missing and not partial:
        raise ParseError(f"Missing {', '.join(missing)}. Usage: {where} {usage(found)}")
    return Invocation(found, path, values, last)


def usage(command: app_commands.Command[Any, ..., Any]) -> str:
    return " ".join(f"{p.name}:…" if p.required else f"[{p.name}:…]" for p in command.parameters)


def _checked(param: app_commands.Parameter, value: Any) -> tuple[Any, dict]:
    """The value, if it fits the option's declaration as the bot checks every payload (bot.option_check)."""
    if problem := value_problem(param, value):
        raise ParseError(problem)
    return value, {}


def option_value(param: app_commands.Parameter, raw: str, *, guild: discord.Guild | None) -> tuple[Any, dict]:
    """The option's JSON value and any `resolved` data Discord would attach; what Discord's client
    would not send (a value off its list, out of range or of the wrong length) is refused."""
    kind = param.type
    if raw == "":
        raise ParseError(f"{param.name} is empty: give a value or leave the option out.")
    if param.choices:
        for choice in param.choices:
            if raw in (str(choice.value), choice.name) or raw.lower() == choice.name.lower():
                return choice.value, {}
        names = ", ".join(str(c.value) for c in param.choices)
        raise ParseError(f"{param.name} must be one of: {names}")
    if kind is discord.AppCommandOptionType.integer:
        try:
            number = int(raw)
        except ValueError:
            raise ParseError(f"{param.name} must be a whole number") from None
        if abs(number) > _SAFE_INTEGER:
            raise ParseError(f"{param.name} is too large a number.")
        return _checked(param, number)
    if kind is discord.AppCommandOptionType.number:
        try:
            number = float(raw)
        except ValueError:
            raise ParseError(f"{param.name} must be a number") from None
        return _checked(param, number)
    if kind is discord.AppCommandOptionType.boolean:
        lowered = raw.lower()
        if lowered in ("true", "yes", "y", "1", "on"):
            return True, {}
        if lowered in ("false", "no", "n", "0", "off"):
            return False, {}
        raise ParseError(f"{param.name} must be true or false")
    if kind is discord.AppCommandOptionType.string:
        return _checked(param, raw)
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
        if channel is None or (param.channel_types and channel.type not in param.channel_types):
            # Discord's client offers only channels of the kinds the option accepts.
            offered = [c.name for c in guild.channels if not param.channel_types or c.type in param.channel_types]
            raise ParseError(f"No channel {raw!r} for {param.name}; channels here: {', '.join(offered)}")
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
            # Half-typed, so unchecked, as Discord sends it; only the length is capped while typing.
            text = param.type is discord.AppCommandOptionType.string
            if text and param.max_value is not None and len(raw) > param.max_value:
                raise ParseError(f"{param.name} takes at most {param.max_value} characters.")
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


def field_problem(label: str, field: dict[str, Any], value: str) -> str | None:
    """Why Discord's client would not send a form with this value in this text input, if it would not."""
    if not value:
        return f"{label} is required." if field.get("required", True) else None
    return length_problem(label, value, field.get("min_length"), field.get("max_length"))
