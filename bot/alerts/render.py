"""Rendering an alert, and the edit of a posted alert, as the JSON parts the runner stores. Pure.

An alert is a digest of one tick's window: the same lines, packed within the same limits, with its
own heading and footer. The footer keeps the digest's reference (`ref <nonce>.<part>`) so a retry finds
parts already posted the same way. An edit keeps the posted part and adds the updates to its content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.digest.render import render_digest
from bot.render.text import CONTENT_MAX, clip, plural
from bot.services.digest_content import DigestContent

MAX_PARTS = 2  # an alert that needs more points to /chronology, as a digest does
DIGEST_LABEL, ALERT_LABEL = "Newsdesk digest", "Newsdesk alert"
UPDATE = "\N{WARNING SIGN}\N{VARIATION SELECTOR-16}"


def _relabelled(embed: dict[str, Any]) -> dict[str, Any]:
    footer = embed.get("footer")
    if not footer or "text" not in footer:
        return embed
    return {**embed, "footer": {**footer, "text": str(footer["text"]).replace(DIGEST_LABEL, ALERT_LABEL, 1)}}


class AlertRenderer:
    def parts(self, content: DigestContent, *, zone: ZoneInfo, heading: str, ref: str | None) -> list[dict[str, Any]]:
        if content.is_empty:
            return []
        # An alert is about what changed: no line for the topics that did not.
        content = DigestContent(content.window_start, content.window_end, content.changed, [])
        day = content.window_end.astimezone(zone).date()
        rendered = render_digest(content, zone=zone, period_day=day, ref=ref, max_parts=MAX_PARTS)
        head = clip(f"**{heading}** · {plural(content.item_count, 'change')}", CONTENT_MAX)
        return [
            {"content": head if index == 0 else None, "embeds": [_relabelled(e) for e in part.embeds]}
            for index, part in enumerate(rendered)
        ]

    def edited(self, part: Mapping[str, Any], notes: Sequence[str]) -> dict[str, Any]:
        updates = "\n".join(f"{UPDATE} {note}" for note in dict.fromkeys(notes))
        base = str(part.get("content") or "")
        room = max(CONTENT_MAX - len(updates) - 1, 0)
        content = f"{clip(base, room)}\n{updates}" if base else updates
        return {"content": clip(content, CONTENT_MAX), "embeds": list(part.get("embeds") or [])}
