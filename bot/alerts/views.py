"""What /alert and /following show. Pure: from the use cases' results to text and embeds."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.core.alert_rules import kinds_label
from bot.render.entries import COLOUR
from bot.render.text import EMBED_DESCRIPTION_MAX, clip
from bot.services.alerts import AlertView, Following
from db.digest_models import DigestSubscription

LINE_MAX = 300


def where(sub: DigestSubscription) -> str:
    return f"<#{sub.channel_id}>"


def alert_line(view: AlertView) -> str:
    sub = view.subscription
    topics = ", ".join(f"`{s}`" for s in view.topics) if view.topics else "every topic"
    state = f" · \N{DOUBLE VERTICAL BAR} paused: {sub.paused_reason or 'paused'}" if sub.paused else ""
    return clip(f"`#{sub.id}` · {where(sub)} · {kinds_label(sub.kinds)} · {topics}{state}", LINE_MAX)


def list_embed(views: Sequence[AlertView], *, grace_seconds: int | None = None) -> discord.Embed:
    embed = discord.Embed(title="Alerts", colour=COLOUR)
    if not views:
        embed.description = "No alerts yet. Add one with `/alert add`."
    else:
        embed.description = clip("\n".join(alert_line(v) for v in views), EMBED_DESCRIPTION_MAX)
    if grace_seconds is not None:
        embed.set_footer(text=f"Changes post after a {grace_seconds} s grace (/settings alert-grace)")
    return embed


def following_text(found: Following) -> str:
    if not found.follows:
        return "You don't follow any topic here. `/follow <topic>` sends you its changes by direct message."
    lines = [f"`{f.slug}` · {kinds_label(f.kinds)}" for f in found.follows]
    head = "You follow (by direct message):"
    if found.paused_reason is not None:
        head = (
            "Your follows here are **paused** (I couldn't send you a direct message); "
            "`/follow` a topic again to resume. You follow:"
        )
    return clip("\n".join([head, *lines]), 1900)


def alert_notice(subs: Sequence[DigestSubscription]) -> str:
    ids = ", ".join(f"#{s.id}" for s in subs[:10])
    reason = clip(subs[0].paused_reason or "delivery failed", 300) if len(subs) == 1 else "delivery failures"
    return (
        f"\N{WARNING SIGN}\N{VARIATION SELECTOR-16} Alert{'s' if len(subs) != 1 else ''} {ids} "
        f"paused: {reason} Fix it, then `/alert resume`."
    )


def done_embed(title: str, text: str) -> discord.Embed:
    """What a change that went through shows (a bare line of text is how the bot refuses)."""
    return discord.Embed(title=title, colour=COLOUR, description=clip(text, EMBED_DESCRIPTION_MAX))
