"""Checks on message bodies: content, allowed mentions, embeds and components."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tests.e2e.contracts.problems import (
    FLAG_IS_COMPONENTS_V2,
    MAX_ACTION_ROWS,
    MAX_ATTACHMENTS,
    MAX_AUTHOR_NAME,
    MAX_BUTTON_LABEL,
    MAX_CONTENT,
    MAX_CUSTOM_ID,
    MAX_EMBED_DESCRIPTION,
    MAX_EMBED_FIELDS,
    MAX_EMBED_TITLE,
    MAX_EMBED_TOTAL,
    MAX_EMBEDS,
    MAX_FIELD_NAME,
    MAX_FIELD_VALUE,
    MAX_FOOTER_TEXT,
    MAX_NONCE,
    MAX_ROW_WIDTH,
    MAX_SELECT_OPTIONS,
    MAX_V2_COMPONENTS,
    SELECT_TYPES,
    Problem,
    _check_len,
    _join,
    _p,
    _text_len,
)

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
