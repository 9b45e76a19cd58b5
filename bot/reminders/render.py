"""What a reminder message looks like: pure functions from the stored notice to Discord's shapes.

Each message carries its nonce in the embed footer (`ref …`): bot messages read back from a channel
carry no nonce, and the footer is how a process that took over a message finds it already posted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import discord

from bot.core.expected import expectation_label
from bot.core.reminders import Kind
from bot.render import custom_ids
from bot.render.text import clip, inline

COLOUR = discord.Colour.orange()
DESCRIPTION_MAX = 4096
FOOTER = "Newsdesk reminder"
REF_RE = re.compile(r"\bref (\S+)$")


def footer(nonce: str | None) -> str:
    return f"{FOOTER} · ref {nonce}" if nonce else FOOTER


def ref_of(message_embeds: list[dict[str, Any]]) -> str | None:
    for embed in message_embeds:
        text = ((embed or {}).get("footer") or {}).get("text") or ""
        if (match := REF_RE.search(text)) is not None:
            return match[1]
    return None


def _stamp(iso: str) -> str:
    moment = dt.datetime.fromisoformat(iso)
    return f"<t:{int(moment.timestamp())}:D> (<t:{int(moment.timestamp())}:R>)"


def _stale(payload: Mapping[str, Any]) -> tuple[str, discord.Embed]:
    topics = list(payload.get("topics") or [])
    days = int(payload.get("stale_after_days") or 0)
    lines = [
        f"• **{clip(inline(str(t['title'])), 200)}** (`{t['slug']}`): last change {_stamp(str(t['last_change']))}"
        for t in topics
    ]
    many = len(topics) != 1
    content = (
        f"{len(topics)} {'stories have' if many else 'story has'} had no new entry or change for {days} days or more. "
        "Log what happened since, or `/topic archive` a story that is over."
    )
    embed = discord.Embed(
        title="Stories gone quiet", colour=COLOUR, description=clip("\n".join(lines), DESCRIPTION_MAX)
    )
    return content, embed


def _question(payload: Mapping[str, Any]) -> tuple[str, discord.Embed, discord.ui.View]:
    entry_id = int(payload["entry_id"])
    expected = expectation_label(payload.get("expected"))
    date = str(payload.get("date") or "")
    description = "\n".join(
        [
            f"**{clip(inline(str(payload.get('topic_title', ''))), 200)}** (`{payload.get('topic_slug', '')}`)",
            f"#{entry_id}: {clip(inline(str(payload.get('what', ''))), 600)}",
            f"{expected or 'Expected'} for **{inline(date)}**.",
        ]
    )
    content = f"The date of expected entry #{entry_id} has passed. Did it happen? Editors can answer below."
    embed = discord.Embed(title="Did it happen?", colour=COLOUR, description=description)
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label="Happened",
            style=discord.ButtonStyle.success,
            custom_id=custom_ids.expected_question_id(entry_id, happened=True),
        )
    )
    view.add_item(
        discord.ui.Button(
            label="Did not happen",
            style=discord.ButtonStyle.danger,
            custom_id=custom_ids.expected_question_id(entry_id, happened=False),
        )
    )
    return content, embed, view


def _pause(payload: Mapping[str, Any]) -> tuple[str, discord.Embed]:
    sub_id = int(payload["subscription_id"])
    reason = clip(str(payload.get("reason") or "a delivery failed"), 300)
    since = f"**Since:** {_stamp(str(payload['paused_at']))}"
    # Notices stored before subscriptions had modes are digests'.
    mode = str(payload.get("mode") or "digest")
    if mode == "follow":
        member = f"<@{int(payload['recipient_id'])}>" if payload.get("recipient_id") else "A member"
        content = f"{member}'s follows are paused: Discord refused a direct message to them."
        description = "\n".join(
            [
                f"**Why:** {reason}",
                since,
                "**To fix:** nothing for editors to do. They are told at their next command here, and "
                "their follows resume when they open their DMs and run `/follow` again.",
            ]
        )
        return content, discord.Embed(title="Follows paused", colour=COLOUR, description=description)
    channel = f"<#{int(payload['channel_id'])}>"
    if mode == "alert":
        content = f"Alert #{sub_id} stopped posting in {channel} and is paused."
        fix = (
            "give me View Channel, Send Messages and Embed Links there, then "
            f"`/alert resume {sub_id}`; to use another channel, `/alert remove {sub_id}` and `/alert add` it there."
        )
        title = f"Alert #{sub_id} is paused"
    else:
        content = f"Digest #{sub_id} stopped posting in {channel} and is paused."
        fix = (
            "give me View Channel, Send Messages and Embed Links there, or pick another channel "
            f"with `/digest edit {sub_id} channel:`, then `/digest resume {sub_id}`."
        )
        title = f"Digest #{sub_id} is paused"
    description = "\n".join([f"**Why:** {reason}", since, f"**To fix:** {fix}"])
    return content, discord.Embed(title=title, colour=COLOUR, description=description)


def render(notice: Mapping[str, Any], nonce: str | None) -> tuple[str, discord.Embed, discord.ui.View | None]:
    """The message for a stored notice (`kind` and `payload`), with its reference in the footer."""
    kind = Kind(str(notice["kind"]))
    payload: Mapping[str, Any] = notice.get("payload") or {}
    view: discord.ui.View | None = None
    if kind is Kind.STALE:
        content, embed = _stale(payload)
    elif kind is Kind.QUESTION:
        content, embed, view = _question(payload)
    else:
        content, embed = _pause(payload)
    embed.set_footer(text=footer(nonce))
    return content, embed, view
