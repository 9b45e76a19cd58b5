"""Body checks the Discord stand-in applies to every request it receives.

Each check returns a list of :class:`Problem`. A problem is either something Discord itself
rejects with ``400 Invalid Form Body`` (``rejects=True``; the stand-in answers the same way so
the bot sees a realistic error) or a project policy that Discord would accept but Newsdesk must
not do (``rejects=False``; recorded only, e.g. missing ``allowed_mentions``).

Limits follow Discord's developer documentation / OpenAPI description for API v10. They are
written out here by hand; nothing is read from the spec at runtime.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Discord's documented chat-input name pattern is broader (it also admits some scripts and "'"),
# but the project standard is this simpler, stricter form.
COMMAND_NAME_RE = re.compile(r"^[-_\w]{1,32}$")

MAX_COMMANDS = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER_TEXT = 2048
MAX_AUTHOR_NAME = 256
MAX_EMBED_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_ROW_WIDTH = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_SELECT_OPTIONS = 25
MAX_MODAL_TITLE = 45
MAX_TEXT_INPUT_LABEL = 45
MAX_NONCE = 25
MAX_ATTACHMENTS = 10
MAX_V2_COMPONENTS = 40

FLAG_IS_COMPONENTS_V2 = 1 << 15
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2


@dataclass(frozen=True)
class Problem:
    rule: str
    field: str
    message: str
    rejects: bool = True


def _p(rule: str, field: str, message: str, *, rejects: bool = True) -> Problem:
    return Problem(rule=rule, field=field, message=message, rejects=rejects)


def _join(prefix: str, key: str | int) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _text_len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _check_len(
    out: list[Problem], rule: str, field: str, value: Any, lo: int, hi: int, *, required: bool = False
) -> None:
    if value is None:
        if required:
            out.append(_p(rule, field, f"{field} is required"))
        return
    if not isinstance(value, str):
        out.append(_p(rule, field, f"{field} must be a string, got {type(value).__name__}"))
        return
    if not lo <= len(value) <= hi:
        out.append(_p(rule, field, f"{field} length {len(value)} not in [{lo}, {hi}]"))


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


# ---------------------------------------------------------------------------------------------
# Messages, embeds, components
# ---------------------------------------------------------------------------------------------


def message_is_empty(body: Mapping[str, Any], *, has_files: bool) -> bool:
    """Discord refuses (50006) to create a message with nothing to show."""
    return not (
        body.get("content")
        or body.get("embeds")
        or body.get("components")
        or body.get("sticker_ids")
        or body.get("poll")
        or body.get("attachments")
        or has_files
    )


def check_message_body(body: Any, prefix: str = "", *, policy: bool = True) -> list[Problem]:
    """Checks a message create/edit body (channel message, callback data, webhook follow-up)."""
    if not isinstance(body, Mapping):
        return [_p("message.body", prefix, "message body must be an object")]
    out: list[Problem] = []
    content = body.get("content")
    if content is not None:
        if not isinstance(content, str):
            out.append(_p("message.content", _join(prefix, "content"), "content must be a string"))
        elif len(content) > MAX_CONTENT:
            msg = f"content length {len(content)} > {MAX_CONTENT}"
            out.append(_p("message.content", _join(prefix, "content"), msg))
    out.extend(check_embeds(body.get("embeds"), _join(prefix, "embeds")))
    out.extend(check_components(body.get("components"), _join(prefix, "components"), int(body.get("flags") or 0)))
    nonce = body.get("nonce")
    if isinstance(nonce, str) and len(nonce) > MAX_NONCE:
        out.append(_p("message.nonce", _join(prefix, "nonce"), f"nonce length {len(nonce)} > {MAX_NONCE}"))
    attachments = body.get("attachments")
    if isinstance(attachments, list) and len(attachments) > MAX_ATTACHMENTS:
        out.append(_p("message.attachments", _join(prefix, "attachments"), f"{len(attachments)} attachments > 10"))
    if policy:
        out.extend(check_allowed_mentions(body, prefix))
    return out


def check_allowed_mentions(body: Mapping[str, Any], prefix: str = "") -> list[Problem]:
    """Project policy: anything that shows text must carry allowed_mentions that parse nothing.

    Discord would accept these bodies, so the problems do not reject the request.
    """
    if not (body.get("content") or body.get("embeds")):
        return []
    field = _join(prefix, "allowed_mentions")
    am = body.get("allowed_mentions")
    if not isinstance(am, Mapping):
        return [
            _p("allowed_mentions.missing", field, "message with content/embeds has no allowed_mentions", rejects=False)
        ]
    parse = am.get("parse")
    if parse:
        return [
            _p(
                "allowed_mentions.parse",
                _join(field, "parse"),
                f"allowed_mentions.parse={parse!r} must be empty",
                rejects=False,
            )
        ]
    if parse is None and not (isinstance(am.get("users"), list) and isinstance(am.get("roles"), list)):
        # Without "parse" the safe form spells out the (empty or explicit) user and role lists.
        return [
            _p(
                "allowed_mentions.implicit",
                field,
                "allowed_mentions without parse must list users and roles explicitly",
                rejects=False,
            )
        ]
    return []


def embed_total_length(embeds: Sequence[Any]) -> int:
    total = 0
    for embed in embeds:
        if not isinstance(embed, Mapping):
            continue
        total += _text_len(embed.get("title")) + _text_len(embed.get("description"))
        for f in embed.get("fields") or []:
            if isinstance(f, Mapping):
                total += _text_len(f.get("name")) + _text_len(f.get("value"))
        total += _text_len((embed.get("footer") or {}).get("text"))
        total += _text_len((embed.get("author") or {}).get("name"))
    return total


def check_embeds(embeds: Any, prefix: str = "embeds") -> list[Problem]:
    if embeds is None:
        return []
    if not isinstance(embeds, list):
        return [_p("embed.body", prefix, "embeds must be an array")]
    out: list[Problem] = []
    if len(embeds) > MAX_EMBEDS:
        out.append(_p("embed.count", prefix, f"{len(embeds)} embeds > {MAX_EMBEDS}"))
    for i, embed in enumerate(embeds):
        field = _join(prefix, i)
        if not isinstance(embed, Mapping):
            out.append(_p("embed.body", field, "embed must be an object"))
            continue
        _check_len(out, "embed.title", _join(field, "title"), embed.get("title"), 0, MAX_EMBED_TITLE)
        _check_len(
            out, "embed.description", _join(field, "description"), embed.get("description"), 0, MAX_EMBED_DESCRIPTION
        )
        fields = embed.get("fields") or []
        if len(fields) > MAX_EMBED_FIELDS:
            out.append(_p("embed.fields.count", _join(field, "fields"), f"{len(fields)} fields > {MAX_EMBED_FIELDS}"))
        for j, f in enumerate(fields):
            ff = _join(_join(field, "fields"), j)
            if not isinstance(f, Mapping):
                out.append(_p("embed.field", ff, "field must be an object"))
                continue
            _check_len(out, "embed.field.name", _join(ff, "name"), f.get("name"), 1, MAX_FIELD_NAME, required=True)
            _check_len(out, "embed.field.value", _join(ff, "value"), f.get("value"), 1, MAX_FIELD_VALUE, required=True)
        footer = embed.get("footer")
        if isinstance(footer, Mapping):
            _check_len(out, "embed.footer.text", _join(field, "footer.text"), footer.get("text"), 0, MAX_FOOTER_TEXT)
        author = embed.get("author")
        if isinstance(author, Mapping):
            _check_len(out, "embed.author.name", _join(field, "author.name"), author.get("name"), 0, MAX_AUTHOR_NAME)
    total = embed_total_length(embeds)
    if total > MAX_EMBED_TOTAL:
        out.append(_p("embed.total", prefix, f"embeds total {total} characters > {MAX_EMBED_TOTAL}"))
    return out


def _count_components(components: Sequence[Any]) -> int:
    n = 0
    for c in components:
        if isinstance(c, Mapping):
            n += 1
            n += _count_components(c.get("components") or [])
            if isinstance(c.get("component"), Mapping):
                n += _count_components([c["component"]])
            if isinstance(c.get("accessory"), Mapping):
                n += 1
    return n


def check_components(components: Any, prefix: str = "components", flags: int = 0) -> list[Problem]:
    if components is None:
        return []
    if not isinstance(components, list):
        return [_p("component.body", prefix, "components must be an array")]
    out: list[Problem] = []
    custom_ids: list[str] = []
    if flags & FLAG_IS_COMPONENTS_V2:
        # Components V2 layouts are only checked for the overall budget and interactive items.
        total = _count_components(components)
        if total > MAX_V2_COMPONENTS:
            out.append(_p("component.count", prefix, f"{total} components > {MAX_V2_COMPONENTS}"))
        _walk_interactive(components, prefix, out, custom_ids)
    else:
        if len(components) > MAX_ACTION_ROWS:
            out.append(_p("component.rows", prefix, f"{len(components)} action rows > {MAX_ACTION_ROWS}"))
        for i, row in enumerate(components):
            field = _join(prefix, i)
            if not isinstance(row, Mapping) or row.get("type") != 1:
                out.append(_p("component.row", field, "top-level components must be action rows (type 1)"))
                continue
            children = row.get("components") or []
            if not 1 <= len(children) <= MAX_ROW_WIDTH:
                out.append(_p("component.row.width", field, f"action row has {len(children)} components (1-5)"))
            if any(isinstance(c, Mapping) and c.get("type") in SELECT_TYPES for c in children) and len(children) > 1:
                out.append(_p("component.row.select", field, "a select menu must be alone in its action row"))
            _walk_interactive(children, _join(field, "components"), out, custom_ids)
    dupes = {c for c in custom_ids if custom_ids.count(c) > 1}
    for c in sorted(dupes):
        out.append(_p("component.custom_id.duplicate", prefix, f"custom_id {c!r} used more than once"))
    return out


def _walk_interactive(items: Sequence[Any], prefix: str, out: list[Problem], custom_ids: list[str]) -> None:
    for i, comp in enumerate(items):
        field = _join(prefix, i)
        if not isinstance(comp, Mapping):
            continue
        ctype = comp.get("type")
        if ctype == 2:
            _check_button(comp, field, out, custom_ids)
        elif ctype in SELECT_TYPES:
            _check_select(comp, field, out, custom_ids)
        for key in ("components",):
            if isinstance(comp.get(key), list):
                _walk_interactive(comp[key], _join(field, key), out, custom_ids)
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), Mapping):
                _walk_interactive([comp[key]], _join(field, key), out, custom_ids)


def _check_button(comp: Mapping[str, Any], field: str, out: list[Problem], custom_ids: list[str]) -> None:
    style = comp.get("style")
    _check_len(out, "component.button.label", _join(field, "label"), comp.get("label"), 0, MAX_BUTTON_LABEL)
    if style == 5:
        if not comp.get("url"):
            out.append(_p("component.button.url", field, "link buttons need a url"))
        if comp.get("custom_id") is not None:
            out.append(_p("component.button.custom_id", field, "link buttons cannot have a custom_id"))
    elif style == 6:
        if not comp.get("sku_id"):
            out.append(_p("component.button.sku", field, "premium buttons need a sku_id"))
    else:
        _check_len(
            out,
            "component.custom_id",
            _join(field, "custom_id"),
            comp.get("custom_id"),
            1,
            MAX_CUSTOM_ID,
            required=True,
        )
        if isinstance(comp.get("custom_id"), str):
            custom_ids.append(comp["custom_id"])
    if style not in (1, 2, 3, 4, 5, 6):
        out.append(_p("component.button.style", _join(field, "style"), f"invalid button style {style!r}"))


def _check_select(comp: Mapping[str, Any], field: str, out: list[Problem], custom_ids: list[str]) -> None:
    _check_len(
        out, "component.custom_id", _join(field, "custom_id"), comp.get("custom_id"), 1, MAX_CUSTOM_ID, required=True
    )
    if isinstance(comp.get("custom_id"), str):
        custom_ids.append(comp["custom_id"])
    _check_len(out, "component.select.placeholder", _join(field, "placeholder"), comp.get("placeholder"), 0, 150)
    if comp.get("type") == 3:
        options = comp.get("options") or []
        if not 1 <= len(options) <= MAX_SELECT_OPTIONS:
            out.append(
                _p(
                    "component.select.options",
                    _join(field, "options"),
                    f"string select has {len(options)} options (1-{MAX_SELECT_OPTIONS})",
                )
            )
        for j, opt in enumerate(options):
            of = _join(_join(field, "options"), j)
            if not isinstance(opt, Mapping):
                continue
            _check_len(out, "component.select.option", _join(of, "label"), opt.get("label"), 1, 100, required=True)
            _check_len(out, "component.select.option", _join(of, "value"), opt.get("value"), 1, 100, required=True)
            _check_len(out, "component.select.option", _join(of, "description"), opt.get("description"), 0, 100)
    lo, hi = comp.get("min_values"), comp.get("max_values")
    if isinstance(lo, int) and not 0 <= lo <= 25:
        out.append(_p("component.select.values", _join(field, "min_values"), "min_values must be 0-25"))
    if isinstance(hi, int) and not 1 <= hi <= 25:
        out.append(_p("component.select.values", _join(field, "max_values"), "max_values must be 1-25"))


# ---------------------------------------------------------------------------------------------
# Interaction callback payloads
# ---------------------------------------------------------------------------------------------


def check_modal(data: Any, prefix: str = "data") -> list[Problem]:
    if not isinstance(data, Mapping):
        return [_p("modal.body", prefix, "modal data must be an object")]
    out: list[Problem] = []
    _check_len(out, "modal.title", _join(prefix, "title"), data.get("title"), 1, MAX_MODAL_TITLE, required=True)
    _check_len(
        out, "modal.custom_id", _join(prefix, "custom_id"), data.get("custom_id"), 1, MAX_CUSTOM_ID, required=True
    )
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        out.append(_p("modal.components", _join(prefix, "components"), f"modal has {len(components)} components (1-5)"))
    for i, comp in enumerate(components):
        field = _join(_join(prefix, "components"), i)
        if not isinstance(comp, Mapping):
            continue
        if comp.get("type") == 1:
            for j, child in enumerate(comp.get("components") or []):
                if isinstance(child, Mapping) and child.get("type") == 4:
                    _check_text_input(child, _join(_join(field, "components"), j), out, in_label=False)
        elif comp.get("type") == 18:
            # Label wrapper (newer modal layout): the label text lives here, not on the input.
            _check_len(
                out, "modal.label", _join(field, "label"), comp.get("label"), 1, MAX_TEXT_INPUT_LABEL, required=True
            )
            _check_len(out, "modal.label", _join(field, "description"), comp.get("description"), 0, 100)
            child = comp.get("component")
            if isinstance(child, Mapping) and child.get("type") == 4:
                _check_text_input(child, _join(field, "component"), out, in_label=True)
    return out


def _check_text_input(comp: Mapping[str, Any], field: str, out: list[Problem], *, in_label: bool) -> None:
    _check_len(
        out,
        "modal.text_input.custom_id",
        _join(field, "custom_id"),
        comp.get("custom_id"),
        1,
        MAX_CUSTOM_ID,
        required=True,
    )
    if not in_label:
        _check_len(
            out,
            "modal.text_input.label",
            _join(field, "label"),
            comp.get("label"),
            1,
            MAX_TEXT_INPUT_LABEL,
            required=True,
        )
    _check_len(out, "modal.text_input.placeholder", _join(field, "placeholder"), comp.get("placeholder"), 0, 100)
    _check_len(out, "modal.text_input.value", _join(field, "value"), comp.get("value"), 0, 4000)
    for key, lo, hi in (("min_length", 0, 4000), ("max_length", 1, 4000)):
        v = comp.get(key)
        if isinstance(v, int) and not lo <= v <= hi:
            out.append(_p("modal.text_input.length", _join(field, key), f"{key}={v} not in [{lo}, {hi}]"))


def check_autocomplete(data: Any, prefix: str = "data") -> list[Problem]:
    if not isinstance(data, Mapping):
        return [_p("autocomplete.body", prefix, "autocomplete data must be an object")]
    out: list[Problem] = []
    choices = data.get("choices")
    if not isinstance(choices, list):
        return [_p("autocomplete.choices", _join(prefix, "choices"), "choices must be an array")]
    if len(choices) > MAX_CHOICES:
        out.append(_p("autocomplete.choices", _join(prefix, "choices"), f"{len(choices)} choices > {MAX_CHOICES}"))
    for i, choice in enumerate(choices):
        out.extend(_check_choice(choice, _join(_join(prefix, "choices"), i), "autocomplete.choice"))
    return out


def errors_tree(problems: Sequence[Problem]) -> dict[str, Any]:
    """Builds Discord's nested ``errors`` object (``{"a": {"0": {"_errors": [...]}}}``)."""
    tree: dict[str, Any] = {}
    for prob in problems:
        node = tree
        for part in [p for p in prob.field.split(".") if p]:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": prob.rule.upper().replace(".", "_"), "message": prob.message})
    return tree
