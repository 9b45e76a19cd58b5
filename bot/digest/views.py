"""Editor-facing rendering for /digest: a subscription, the list, the failure notice. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.core.digest_targets import Target
from bot.core.schedule import describe_days, load_zone, local_label
from bot.render import custom_ids
from bot.render.entries import COLOUR, pager
from bot.render.text import EMBED_TOTAL_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX, clip, pack_fields, plural
from bot.services.digest_edit import Settings
from bot.services.digests import Notice, SubscriptionView
from db.digest_models import DigestSubscription

PAUSED_COLOUR = discord.Colour.orange()


# After the channel: how a digest posts there, when it is not simply a message in a channel.
TARGET_NOTES = {
    Target.THREAD.value: " (in the thread)",
    Target.FORUM.value: " (a new forum post per digest)",
}


def schedule_text(sub: DigestSubscription) -> str:
    return f"{sub.local_time} {sub.timezone}, {describe_days(sub.weekdays)}"


def state_text(sub: DigestSubscription) -> str:
    if not sub.paused:
        return "\N{LARGE GREEN CIRCLE} active"
    # Reasons are written by the bot (never user text); their channel and user mentions should render,
    # and mentions inside embeds never ping.
    return f"\N{DOUBLE VERTICAL BAR}\N{VARIATION SELECTOR-16} paused: {clip(sub.paused_reason or 'by an editor', 300)}"


def _topics(view: SubscriptionView) -> str:
    if view.subscription.topic_ids is None:
        return "all topics"
    return ", ".join(f"`{s}`" for s in view.topics) or "none (its topics were removed)"


def subscription_value(view: SubscriptionView) -> str:
    sub = view.subscription
    zone = load_zone(sub.timezone)
    lines = [
        f"Channel: <#{sub.channel_id}>{TARGET_NOTES.get(sub.target, '')}",
        f"Topics: {_topics(view)}",
        f"State: {state_text(sub)}",
    ]
    if not sub.paused:
        lines.append(f"Next: {local_label(sub.next_due_at, zone)}")
    lines.append(f"Covers changes since: {local_label(sub.covered_until, zone)}")
    if sub.last_sent_at is not None:
        lines.append(f"Last posted: {local_label(sub.last_sent_at, zone)}")
    if sub.mention_role_id:
        lines.append(f"Mentions: <@&{sub.mention_role_id}>")
    if not sub.post_when_empty:
        lines.append("Quiet days: nothing is posted")
    if sub.publish:
        lines.append("Published to following servers")
    return clip("\n".join(lines), FIELD_VALUE_MAX)


def subscription_embed(view: SubscriptionView, *, title: str) -> discord.Embed:
    sub = view.subscription
    embed = discord.Embed(title=title, colour=PAUSED_COLOUR if sub.paused else COLOUR)
    embed.add_field(name=f"#{sub.id} · {schedule_text(sub)}", value=subscription_value(view), inline=False)
    return embed


def list_embed(views: Sequence[SubscriptionView], *, page: int = 0) -> tuple[discord.Embed, discord.ui.View | None]:
    """One page of the list: as many digests as fit one message (a digest's field can be ~1,300)."""
    embed = discord.Embed(title="Digests", colour=COLOUR)
    if not views:
        embed.description = "No digests yet. Add one with `/digest add`."
        return embed, None
    fields = [
        (
            clip(f"#{view.subscription.id} · {schedule_text(view.subscription)}", FIELD_NAME_MAX),
            subscription_value(view),
        )
        for view in views
    ]
    pages = pack_fields(fields, room=EMBED_TOTAL_MAX - 200)
    page = min(max(page, 0), len(pages) - 1)
    for name, value in pages[page]:
        embed.add_field(name=name, value=value, inline=False)
    where = f"page {page + 1} of {len(pages)} · " if len(pages) > 1 else ""
    embed.set_footer(
        text=f"{plural(len(views), 'digest')} · {where}/digest preview <id> shows what would be posted now"
    )
    return embed, (pager(page, len(pages), custom_ids.digests_id) if len(pages) > 1 else None)


def notice_line(notices: Sequence[Notice]) -> str:
    """One line for the next editor after a failure paused one or more digests."""
    if len(notices) == 1:
        n = notices[0]
        return (
            f"\N{WARNING SIGN}\N{VARIATION SELECTOR-16} Digest #{n.subscription_id} is paused: "
            f"{clip(n.reason, 300)} Fix it, then `/digest resume {n.subscription_id}`."
        )
    ids = ", ".join(f"#{n.subscription_id}" for n in notices[:10])
    return (
        f"\N{WARNING SIGN}\N{VARIATION SELECTOR-16} {len(notices)} digests ({ids}) are paused after delivery "
        "failures: see `/digest list`, fix the channels, then `/digest resume`."
    )


def _settings_labels(s: Settings) -> dict[str, str]:
    zone = load_zone(s.timezone)
    return {
        "Channel": f"<#{s.channel_id}>{TARGET_NOTES.get(s.target.value, '')}",
        "Time": f"{s.local_time} {s.timezone}",
        "Days": describe_days(s.weekdays),
        "Topics": ", ".join(f"`{t}`" for t in s.topics) if s.topics is not None else "all topics",
        "Mentions": f"<@&{s.mention_role_id}>" if s.mention_role_id else "nobody",
        "Quiet days": "one short line" if s.post_when_empty else "nothing is posted",
        "Published": "yes" if s.publish else "no",
        "Next": local_label(s.next_due_at, zone),
    }


def edit_lines(before: Settings, after: Settings) -> str:
    """What an edit changed, one `before → after` line per setting (mentions in it never ping)."""
    old, new = _settings_labels(before), _settings_labels(after)
    lines = [f"{name}: {old[name]} \N{RIGHTWARDS ARROW} {new[name]}" for name in old if old[name] != new[name]]
    return clip("\n".join(lines), FIELD_VALUE_MAX)
