"""Checks on application command bodies: names, options, choices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.e2e.contracts.problems import (
    COMMAND_NAME_RE,
    MAX_CHOICES,
    MAX_COMMANDS,
    MAX_OPTIONS,
    SUBCOMMAND,
    SUBCOMMAND_GROUP,
    Problem,
    _check_len,
    _join,
    _p,
)

# ---------------------------------------------------------------------------------------------
# Application commands
# ---------------------------------------------------------------------------------------------


def check_command_list(commands: Any) -> list[Problem]:
    """Checks a bulk-overwrite (PUT) body: a list of application commands."""
    if not isinstance(commands, list):
        return [_p("command.body", "", "bulk overwrite body must be a JSON array")]
    out: list[Problem] = []
    if len(commands) > MAX_COMMANDS:
        out.append(_p("command.count", "", f"{len(commands)} commands > {MAX_COMMANDS}"))
    seen: set[tuple[str, int]] = set()
    for i, cmd in enumerate(commands):
        out.extend(check_command(cmd, str(i)))
        if isinstance(cmd, Mapping):
            key = (str(cmd.get("name")), int(cmd.get("type") or 1))
            if key in seen:
                out.append(_p("command.duplicate", _join(str(i), "name"), f"duplicate command name {key[0]!r}"))
            seen.add(key)
    return out


def check_command(cmd: Any, prefix: str = "") -> list[Problem]:
    if not isinstance(cmd, Mapping):
        return [_p("command.body", prefix, "command must be an object")]
    out: list[Problem] = []
    ctype = int(cmd.get("type") or 1)
    name = cmd.get("name")
    if ctype == 1:
        _check_name(out, "command.name", _join(prefix, "name"), name)
        _check_len(
            out, "command.description", _join(prefix, "description"), cmd.get("description"), 1, 100, required=True
        )
    else:
        # User / message context menus: free-form 1-32 char names and an empty description.
        _check_len(out, "command.name", _join(prefix, "name"), name, 1, 32, required=True)
        if cmd.get("description"):
            out.append(
                _p(
                    "command.description",
                    _join(prefix, "description"),
                    "context menu commands must have an empty description",
                )
            )
    for loc, value in (cmd.get("name_localizations") or {}).items():
        if ctype == 1:
            _check_name(out, "command.name", _join(prefix, f"name_localizations.{loc}"), value)
    for loc, value in (cmd.get("description_localizations") or {}).items():
        _check_len(out, "command.description", _join(prefix, f"description_localizations.{loc}"), value, 1, 100)
    options = cmd.get("options") or []
    if options and ctype != 1:
        out.append(_p("command.options", _join(prefix, "options"), "only chat input commands take options"))
    out.extend(_check_options(options, _join(prefix, "options"), depth=0))
    return out


def _check_name(out: list[Problem], rule: str, field: str, name: Any) -> None:
    if not isinstance(name, str) or not COMMAND_NAME_RE.fullmatch(name):
        out.append(_p(rule, field, f"{field}={name!r} does not match {COMMAND_NAME_RE.pattern}"))
    elif name != name.lower():
        out.append(_p(rule, field, f"{field}={name!r} must be lowercase"))


def _check_options(options: Any, prefix: str, *, depth: int) -> list[Problem]:
    out: list[Problem] = []
    if not isinstance(options, list):
        return [_p("command.options", prefix, "options must be an array")]
    if len(options) > MAX_OPTIONS:
        out.append(_p("command.options.count", prefix, f"{len(options)} options > {MAX_OPTIONS}"))
    kinds = {int(o.get("type", 0)) in (SUBCOMMAND, SUBCOMMAND_GROUP) for o in options if isinstance(o, Mapping)}
    if len(kinds) > 1:
        out.append(_p("command.options.mixed", prefix, "subcommands cannot be mixed with plain options"))
    seen_optional = False
    names: set[str] = set()
    for i, opt in enumerate(options):
        field = _join(prefix, i)
        if not isinstance(opt, Mapping):
            out.append(_p("command.options", field, "option must be an object"))
            continue
        otype = int(opt.get("type", 0))
        _check_name(out, "command.option.name", _join(field, "name"), opt.get("name"))
        _check_len(
            out,
            "command.option.description",
            _join(field, "description"),
            opt.get("description"),
            1,
            100,
            required=True,
        )
        if opt.get("name") in names:
            out.append(_p("command.option.duplicate", _join(field, "name"), f"duplicate option {opt.get('name')!r}"))
        names.add(str(opt.get("name")))
        if not 1 <= otype <= 11:
            out.append(_p("command.option.type", _join(field, "type"), f"unknown option type {otype}"))
        if otype in (SUBCOMMAND, SUBCOMMAND_GROUP):
            if otype == SUBCOMMAND_GROUP and depth > 0:
                out.append(_p("command.option.nesting", field, "subcommand groups can only be top level"))
            if otype == SUBCOMMAND and depth > 1:
                out.append(_p("command.option.nesting", field, "subcommands nested too deeply"))
            children = opt.get("options") or []
            if otype == SUBCOMMAND_GROUP and any(
                isinstance(c, Mapping) and int(c.get("type", 0)) != SUBCOMMAND for c in children
            ):
                out.append(_p("command.option.nesting", field, "subcommand groups may only contain subcommands"))
            out.extend(_check_options(children, _join(field, "options"), depth=depth + 1))
            continue
        # Discord enforces "required options first" only among plain options at one level.
        if opt.get("required"):
            if seen_optional:
                out.append(_p("command.option.order", field, "required option after an optional one"))
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if len(choices) > MAX_CHOICES:
            out.append(_p("command.option.choices", _join(field, "choices"), f"{len(choices)} choices > {MAX_CHOICES}"))
        if choices and opt.get("autocomplete"):
            out.append(_p("command.option.autocomplete", field, "autocomplete cannot be combined with choices"))
        for j, choice in enumerate(choices):
            out.extend(_check_choice(choice, _join(_join(field, "choices"), j), "command.option.choice"))
    return out


def _check_choice(choice: Any, field: str, rule: str) -> list[Problem]:
    out: list[Problem] = []
    if not isinstance(choice, Mapping):
        return [_p(rule, field, "choice must be an object")]
    _check_len(out, rule, _join(field, "name"), choice.get("name"), 1, 100, required=True)
    value = choice.get("value")
    if isinstance(value, str) and len(value) > 100:
        out.append(_p(rule, _join(field, "value"), f"choice value length {len(value)} > 100"))
    if value is None:
        out.append(_p(rule, _join(field, "value"), "choice value is required"))
    return out
