"""Print what Discord would show: content, embeds (title, fields, footer) and buttons, as plain text."""

from __future__ import annotations

import textwrap
from typing import Any

from bot.console.offline import Shown

WIDTH = 100


def _wrap(text: str, prefix: str) -> list[str]:
    lines: list[str] = []
    for raw in text.split("\n"):
        wrapped = textwrap.wrap(raw, WIDTH - len(prefix)) or [""]
        lines.extend(prefix + part for part in wrapped)
    return lines


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for row in message.get("components") or []:
        for item in row.get("components") or []:
            if item.get("type") == 2:
                found.append(item)
    return found


def format_shown(shown: Shown, *, first_button: int = 1) -> list[str]:
    data = shown.data
    if shown.kind == "choices":
        choices = data.get("choices") or []
        return ["Suggestions:"] + ([f"  {c['value']}  ({c['name']})" for c in choices] or ["  (none)"])
    if shown.kind == "modal":
        return [f"A form opened: {data.get('title', '')}"]
    lines: list[str] = []
    tag = "only you can see this" if shown.ephemeral else "posted in #newsroom"
    lines.append(f"── Newsdesk {'(updated) ' if shown.edited else ''}· {tag} " + "─" * 20)
    if data.get("content"):
        lines.extend(_wrap(data["content"], ""))
    for embed in data.get("embeds") or []:
        if embed.get("title"):
            lines.append(f"┃ {embed['title']}")
        if embed.get("description"):
            lines.extend(_wrap(embed["description"], "┃ "))
        for fld in embed.get("fields") or []:
            lines.append(f"┃ ▸ {fld['name']}")
            lines.extend(_wrap(fld["value"], "┃   "))
        if (embed.get("footer") or {}).get("text"):
            lines.append(f"┗ {embed['footer']['text']}")
    labels = []
    for n, button in enumerate(buttons(data), first_button):
        state = " (disabled)" if button.get("disabled") else ""
        labels.append(f"[{n}] {button.get('label', '')}{state}")
    if labels:
        lines.append("   ".join(labels) + "    (type: click N)")
    return lines
