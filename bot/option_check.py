"""Every option of an interaction payload checked against the command's declaration, before any command code.

Discord's client only sends values that fit a command's declared options, but a forged request can
send anything: a string where a number belongs, a number past 64 bits, text over its maximum, a
choice that was never offered, a lone UTF-16 surrogate. discord.py passes such values on unchecked,
so the check is here, derived from the command tree (``app_commands.Command.parameters``): a new
command or option is covered as soon as it is declared.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.core.errors import echoed

T = discord.AppCommandOptionType
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
SNOWFLAKE_MAX = 2**64 - 1
# Discord's own maximum for a text option without a declared max_length.
STRING_MAX = 6000
SUBCOMMAND_TYPES = (T.subcommand.value, T.subcommand_group.value)
# Where an entity option's id must appear in the payload's resolved data.
_RESOLVED = {
    T.user: ("users",),
    T.role: ("roles",),
    T.channel: ("channels",),
    T.mentionable: ("users", "roles"),
    T.attachment: ("attachments",),
}
_CHOICES_SHOWN = 10


class InvalidOption(app_commands.CheckFailure):
    """A payload that does not fit its command's declaration: refused before the command runs."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"{problem.rstrip('.')}. Nothing was changed.")


def unencodable(text: str) -> bool:
    """True for text that is not valid Unicode (a lone UTF-16 surrogate): nothing can store or send it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _shown(number: float | None) -> str:
    """A bound as typed: whole numbers in full (never 9.22337e+18), fractions shortest."""
    return str(int(number)) if number is not None and number == int(number) else f"{number:g}"


def length_problem(name: str, text: str, low: float | None, high: float | None) -> str | None:
    """Lengths count characters (code points), as Discord counts an option's length."""
    if high is not None and len(text) > high:
        return f"{name} is {len(text)} characters; the maximum is {_shown(high)}."
    if low is not None and len(text) < low:
        return f"{name} is {len(text)} characters; the minimum is {_shown(low)}."
    return None


def range_problem(name: str, number: float, low: float | None, high: float | None, what: str) -> str | None:
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            return f"{name} must be {what} from {_shown(low)} to {_shown(high)}."
        bound = f"at least {_shown(low)}" if low is not None else f"at most {_shown(high)}"
        return f"{name} must be {what} {bound}."
    return None


def _bounds(param: app_commands.Parameter, low: int, high: int) -> tuple[int, int]:
    """The declared range, never wider than what a 64-bit integer holds."""
    declared_low = low if param.min_value is None else max(low, math.ceil(param.min_value))
    declared_high = high if param.max_value is None else min(high, math.floor(param.max_value))
    return declared_low, declared_high


def text_problem(name: str, value: object) -> str | None:
    if not isinstance(value, str):
        return f"{name} must be text."
    if unencodable(value):
        return f"{name} contains a character that is not valid text (a lone UTF-16 surrogate); retype it."
    return None


def value_problem(param: app_commands.Parameter, value: object) -> str | None:
    """Why ``value`` (as it came in the payload's JSON) does not fit the declared option, if it does not."""
    name, kind = f"`{param.display_name}`", param.type
    if kind is T.string:
        problem = text_problem(name, value)
        if problem is None and isinstance(value, str):
            # For text options discord.py keeps min_length/max_length as min_value/max_value.
            high = STRING_MAX if param.max_value is None else param.max_value
            problem = length_problem(name, value, param.min_value, high)
    elif kind is T.integer:
        low, high = _bounds(param, INT64_MIN, INT64_MAX)
        # bool is an int in Python, never in JSON; a float such as 2.0 is not a whole number on the wire.
        if type(value) is not int:
            problem = f"{name} must be a whole number from {low} to {high}."
        else:
            problem = range_problem(name, value, low, high, "a whole number")
    elif kind is T.number:
        number = _finite(value)
        if number is None:
            problem = f"{name} must be a number"
        else:
            problem = range_problem(name, number, param.min_value, param.max_value, "a number")
    elif kind is T.boolean:
        problem = None if isinstance(value, bool) else f"{name} must be true or false"
    else:
        problem = _snowflake_problem(name, value)
    if problem is None and param.choices and value not in [c.value for c in param.choices]:
        shown = ", ".join(str(c.value) for c in param.choices[:_CHOICES_SHOWN])
        problem = f"{name} must be one of: {shown}" + (", …" if len(param.choices) > _CHOICES_SHOWN else "")
    return problem


def _finite(value: object) -> float | None:
    """A JSON number as a finite float; None for anything else (bool, text, infinity, an int past floats)."""
    if type(value) not in (int, float):
        return None
    try:
        number = float(value)  # pyright: ignore[reportArgumentType]
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _snowflake_problem(name: str, value: object) -> str | None:
    if (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) <= 20
        and int(value) <= SNOWFLAKE_MAX
    ):
        return None
    return f"{name} must name a member, role or channel of this server."


def _leaf_options(data: Mapping[str, Any]) -> list[Any] | str:
    """The options of the subcommand invoked, or why the payload's shape is not Discord's."""
    options: object = data.get("options", [])
    for _depth in range(3):
        if not isinstance(options, list):
            return "The command's options are malformed."
        if not all(isinstance(o, dict) and isinstance(o.get("name"), str) for o in options):
            return "The command's options are malformed."
        if options and options[0].get("type") in SUBCOMMAND_TYPES:
            if len(options) != 1:
                return "The command's options are malformed."
            options = options[0].get("options", [])
            continue
        return options
    return "The command's options are malformed."


def payload_problem(interaction: discord.Interaction) -> str | None:
    """Why a slash command or autocomplete payload does not fit its command's declaration, if it does not.

    A payload naming no known command is left to discord.py, which reports it as out of date."""
    data = interaction.data
    if not isinstance(data, dict) or data.get("type", 1) != 1:
        return None
    if not isinstance(data.get("name"), str):
        return "The command is malformed."
    leaf = _leaf_options(data)
    if isinstance(leaf, str):
        return leaf
    command = interaction.command
    if not isinstance(command, app_commands.Command):
        return None
    return _options_problem(command, leaf, data, autocomplete=interaction.type is discord.InteractionType.autocomplete)


def _options_problem(
    command: app_commands.Command[Any, ..., Any],
    options: Sequence[dict[str, Any]],
    data: Mapping[str, Any],
    *,
    autocomplete: bool,
) -> str | None:
    params = {p.display_name: p for p in command.parameters}
    where = f"/{command.qualified_name}"
    seen: set[str] = set()
    focused: list[str] = []
    for option in options:
        name = option["name"]
        param = params.get(name)
        if param is None:
            return f"{where} has no option `{echoed(name, 32)}`. Its options: {', '.join(params) or 'none'}."
        shown = f"`{name}`"
        if name in seen:
            return f"{shown} is given twice; {where} takes it once."
        seen.add(name)
        if option.get("type") != param.type.value:
            return f"{shown} has the wrong type for {where}; reload Discord and try again."
        if "value" not in option:
            return f"{shown} has no value."
        value = option["value"]
        if autocomplete and option.get("focused") is True:
            # What has been typed so far, as text whatever the option's type; only its length is capped.
            focused.append(name)
            problem = text_problem(shown, value)
            if problem is None and isinstance(value, str):
                problem = length_problem(shown, value, None, STRING_MAX if param.max_value is None else param.max_value)
            if problem is None and not param.autocomplete:
                problem = f"{shown} has no suggestions."
        else:
            problem = value_problem(param, value) or _resolved_problem(param, value, data)
        if problem is not None:
            return problem
    if autocomplete:
        return None if len(focused) == 1 else "Autocomplete needs exactly one option being typed."
    missing = [p.display_name for p in command.parameters if p.required and p.display_name not in seen]
    return f"{where} needs {', '.join(f'`{m}`' for m in missing)}." if missing else None


def _resolved_problem(param: app_commands.Parameter, value: object, data: Mapping[str, Any]) -> str | None:
    """An entity option names something the payload describes (discord.py would otherwise hand the command
    a bare id in place of a role or channel)."""
    kinds = _RESOLVED.get(param.type)
    if kinds is None:
        return None
    resolved = data.get("resolved")
    if isinstance(resolved, dict) and any(isinstance(resolved.get(k), dict) and value in resolved[k] for k in kinds):
        return None
    return _snowflake_problem(f"`{param.display_name}`", None)
