"""Discord's limits, checked on every message, modal and autocomplete answer the bot sent; reading a reply."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from bot.failures import GENERIC_FAILURE
from tests.harness import Reply

# --------------------------------------------------------------------------------------------------
# Discord's limits, checked on every message body the bot sent
# --------------------------------------------------------------------------------------------------
CONTENT_MAX = 2000
EMBEDS_MAX = 10
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ROWS_MAX = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
CHOICES_MAX = 25
CHOICE_MAX = 100
MODAL_TITLE_MAX = 45
MODAL_FIELDS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
PLACEHOLDER_MAX = 100
# "@everyone"/"@here" as Discord reads them: not escaped by a zero-width character after the "@".
UNESCAPED_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)
GENERIC_MARKER = GENERIC_FAILURE.split("{", 1)[0].split(".")[0]  # "Something went wrong on our side ..."


# Followups and @original/message edits (interaction token), and bot-token channel messages.
MESSAGE_ROUTE = re.compile(r"/webhooks/\d+/[^/]+(/messages/[^/]+)?|/channels/\d+/messages(/\d+)?")


def message_bodies(reply: Reply) -> list[tuple[str, dict[str, Any]]]:
    """Every message the bot created or edited while handling the interaction: (what, body)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for call in reply.calls:
        body = call.json
        if call.error is not None or not isinstance(body, dict):
            continue
        if call.is_callback:
            if body.get("type") in (4, 7):
                out.append((f"callback type {body['type']}", body.get("data") or {}))
        elif call.method in ("POST", "PATCH") and MESSAGE_ROUTE.fullmatch(call.path):
            out.append((f"{call.method} {call.template}", body))
    return out


def _embed_problems(embeds: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(embeds) > EMBEDS_MAX:
        problems.append(f"{len(embeds)} embeds")
    total = 0
    for i, embed in enumerate(embeds):
        title = embed.get("title") or ""
        description = embed.get("description") or ""
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        fields = embed.get("fields") or []
        for what, text, limit in (
            ("title", title, TITLE_MAX),
            ("description", description, DESCRIPTION_MAX),
            ("footer", footer, FOOTER_MAX),
            ("author", author, AUTHOR_MAX),
        ):
            if len(text) > limit:
                problems.append(f"embed {i} {what} is {len(text)} > {limit}")
        if len(fields) > FIELDS_MAX:
            problems.append(f"embed {i} has {len(fields)} fields")
        total += len(title) + len(description) + len(footer) + len(author)
        for j, f in enumerate(fields):
            name, value = f.get("name") or "", f.get("value") or ""
            if not name.strip() or len(name) > FIELD_NAME_MAX:
                problems.append(f"embed {i} field {j} name has length {len(name)} (blank or > {FIELD_NAME_MAX})")
            if not value.strip() or len(value) > FIELD_VALUE_MAX:
                problems.append(f"embed {i} field {j} value has length {len(value)} (blank or > {FIELD_VALUE_MAX})")
            total += len(name) + len(value)
    if total > EMBED_TOTAL_MAX:
        problems.append(f"embeds total {total} > {EMBED_TOTAL_MAX}")
    return problems


def _component_problems(rows: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(rows) > ROWS_MAX:
        problems.append(f"{len(rows)} action rows")
    seen: set[str] = set()
    for r, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(children) <= BUTTONS_PER_ROW:
            problems.append(f"row {r} is type {row.get('type')} with {len(children)} components")
        for c in children:
            custom_id = c.get("custom_id")
            if c.get("type") == 2 and c.get("style") != 5:
                if not custom_id or len(custom_id) > CUSTOM_ID_MAX:
                    problems.append(f"button custom_id {custom_id!r} missing or over {CUSTOM_ID_MAX}")
                if custom_id in seen:
                    problems.append(f"duplicate custom_id {custom_id!r}")
                seen.add(custom_id or "")
            if len(c.get("label") or "") > BUTTON_LABEL_MAX:
                problems.append(f"button label over {BUTTON_LABEL_MAX}")
    return problems


def _mention_problems(body: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    allowed = body.get("allowed_mentions")
    if not isinstance(allowed, dict):
        problems.append(f"no allowed_mentions (Discord would parse every mention): {allowed!r}")
    else:
        if allowed.get("parse") != []:
            problems.append(f"allowed_mentions.parse is {allowed.get('parse')!r}")
        for key in ("users", "roles"):
            if allowed.get(key):
                problems.append(f"allowed_mentions.{key} lists {allowed[key]!r}")
        if allowed.get("replied_user"):
            problems.append("allowed_mentions.replied_user is true")
    content = body.get("content") or ""
    if UNESCAPED_EVERYONE.search(content):
        problems.append(f"unescaped @everyone/@here in content: {content!r}")
    return problems


def message_problems(body: dict[str, Any]) -> list[str]:
    content = body.get("content")
    problems: list[str] = []
    if content is not None and len(content) > CONTENT_MAX:
        problems.append(f"content is {len(content)} > {CONTENT_MAX}")
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    if "content" in body and not (content or embeds or components):
        problems.append("empty message (no content, embeds or components)")
    problems += _embed_problems(embeds)
    problems += _component_problems(components)
    problems += _mention_problems(body)
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        problems.append("text that is not valid Unicode (a lone surrogate), which Discord refuses")
    if GENERIC_MARKER in (content or "") or "Something went wrong" in (content or ""):
        problems.append(f"generic failure shown (an unexpected exception): {content!r}")
    return problems


def modal_problems(modal: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if not 1 <= len(modal.get("title") or "") <= MODAL_TITLE_MAX:
        problems.append(f"modal title {modal.get('title')!r} not 1..{MODAL_TITLE_MAX}")
    if len(modal.get("custom_id") or "") > CUSTOM_ID_MAX:
        problems.append("modal custom_id too long")
    inputs = list(text_inputs(modal))
    if not 1 <= len(modal.get("components") or []) <= MODAL_FIELDS_MAX:
        problems.append("modal has no fields or too many")
    for c in inputs:
        if len(c.get("label") or "") > TEXT_INPUT_LABEL_MAX or len(c.get("placeholder") or "") > PLACEHOLDER_MAX:
            problems.append(f"text input {c.get('custom_id')} label/placeholder too long")
        if len(c.get("value") or "") > TEXT_INPUT_VALUE_MAX or (c.get("max_length") or 0) > TEXT_INPUT_VALUE_MAX:
            problems.append(f"text input {c.get('custom_id')} value/max_length over {TEXT_INPUT_VALUE_MAX}")
    return problems


def text_inputs(modal: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = list(modal.get("components") or [])
    while stack:
        c = stack.pop(0)
        if c.get("type") == 4:
            yield c
        stack[:0] = list(c.get("components") or []) + ([c["component"]] if isinstance(c.get("component"), dict) else [])


def choice_problems(choices: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(choices) > CHOICES_MAX:
        problems.append(f"{len(choices)} autocomplete choices")
    for c in choices:
        name, value = c.get("name"), c.get("value")
        if not isinstance(name, str) or not 1 <= len(name) <= CHOICE_MAX:
            problems.append(f"choice name {name!r} not 1..{CHOICE_MAX} characters")
        if isinstance(value, str) and not len(value) <= CHOICE_MAX:
            problems.append(f"choice value {value!r} over {CHOICE_MAX} characters")
    return problems


def clickable(message: dict[str, Any] | None) -> list[str]:
    """custom_ids of the enabled, non-link buttons on a message."""
    if not message:
        return []
    return [
        c["custom_id"]
        for row in message.get("components") or []
        for c in row.get("components") or []
        if c.get("type") == 2 and c.get("custom_id") and not c.get("disabled")
    ]


def is_refusal(reply: Reply) -> bool:
    """An ephemeral text-only answer: how the bot refuses (and how it reports a no-op)."""
    return bool(reply.final) and reply.ephemeral and bool(reply.content) and not reply.embeds and not reply.components


def entry_id_for(message: dict[str, Any] | None) -> int:
    """The entry id a "Logged `#12` ..." reply names."""
    match = re.search(r"`#(\d+)`", (message or {}).get("content") or "")
    assert match, f"no entry id in {message!r}"
    return int(match.group(1))
