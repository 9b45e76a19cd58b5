"""Pure rendering for editors: a logged entry as readers will see it, audit history, settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.render import custom_ids
from bot.render.entries import COLOUR, RETRACTED_COLOUR, entry_summary, short_id, when
from bot.render.text import EMBED_DESCRIPTION_MAX, FIELD_VALUE_MAX, clip, inline
from db.models import Entry, Newsroom, Topic

ACTION_LABELS = {
    "entry.create": "Logged",
    "entry.edit": "Corrected",
    "entry.retract": "Retracted",
    "entry.undo": "Undone",
    "entry.restore": "Restored",
    "entry.outcome": "Outcome recorded",
    "entry.outcome.cleared": "Outcome cleared",
    "topic.create": "Created",
    "topic.edit": "Edited",
    "topic.archive": "Archived",
    "topic.unarchive": "Unarchived",
    "topic.summary": "Summary updated",
    "topic.summary.confirm": "Summary confirmed as current",
    "topic.fact.add": "Background fact added",
    "topic.fact.edit": "Background fact corrected",
    "topic.fact.remove": "Background fact removed",
}


def logged_entry(
    entry: Entry,
    topic: Topic,
    *,
    timezone: str,
    created: bool,
    undo_expires: Any = None,
    notes: Sequence[str] = (),
) -> tuple[str, discord.Embed, discord.ui.View | None]:
    verb = "Logged" if created else "Already logged (this request was delivered twice)"
    dated = f" dated **{when(entry)}**" if entry.date is not None else f", **{when(entry)}**,"
    head = f"{verb} `{short_id(entry)}`{dated} on **{inline(topic.title)}**."
    content = "\n".join([head, *notes, "This is how readers will see it:"])
    embed = discord.Embed(
        colour=COLOUR, description=entry_summary(entry, budget=EMBED_DESCRIPTION_MAX - 10, timezone=timezone)
    )
    embed.set_footer(text=f"{topic.slug} · entry {short_id(entry)} · undo within 10 minutes, or /entry retract")
    view = None
    if created and undo_expires is not None and entry.id is not None:
        view = discord.ui.View(timeout=None)
        view.add_item(
            discord.ui.Button(
                label="Undo",
                style=discord.ButtonStyle.danger,
                custom_id=custom_ids.undo_id(entry.id, entry.created_by, undo_expires),
            )
        )
        if entry.kind == "status":
            # The card marks the summary as older than this status until an editor updates or confirms it.
            view.add_item(
                discord.ui.Button(
                    label="Update summary",
                    style=discord.ButtonStyle.primary,
                    custom_id=custom_ids.summary_id(entry.topic_id),
                )
            )
    return content, embed, view


def changed_entry(
    entry: Entry, topic: Topic, *, timezone: str, action: str, date_changed: bool = False, notes: Sequence[str] = ()
) -> tuple[str, discord.Embed]:
    colour = RETRACTED_COLOUR if entry.retracted_at else COLOUR
    embed = discord.Embed(
        colour=colour, description=entry_summary(entry, budget=EMBED_DESCRIPTION_MAX - 10, timezone=timezone)
    )
    if entry.retracted_at is not None:
        embed.add_field(name="Retracted", value=clip(inline(entry.retraction_reason or ""), FIELD_VALUE_MAX) or "—")
    embed.set_footer(text=f"{topic.slug} · entry {short_id(entry)} · /entry history {entry.id} shows every change")
    dated = f", now dated **{when(entry)}**," if date_changed else ""
    label = ACTION_LABELS.get(action, action)
    return "\n".join([f"{label} `{short_id(entry)}`{dated} on **{inline(topic.title)}**.", *notes]), embed


def settings_embed(newsroom: Newsroom) -> discord.Embed:
    embed = discord.Embed(title="Newsroom settings", colour=COLOUR)
    role = f"<@&{newsroom.editor_role_id}>" if newsroom.editor_role_id else "not set (only Manage Server can edit)"
    embed.add_field(name="Editor role", value=role, inline=False)
    embed.add_field(name="Timezone", value=inline(newsroom.timezone), inline=False)
    channel = f"<#{newsroom.editors_channel_id}>" if newsroom.editors_channel_id else "not set (no reminders)"
    embed.add_field(name="Editors' channel", value=channel, inline=False)
    embed.add_field(name="Stale after", value=f"{newsroom.stale_after_days} days without a change", inline=False)
    embed.add_field(name="Alert grace", value=f"{newsroom.alert_grace_seconds} s before alerts post a change")
    embed.set_footer(text="Members with Manage Server are always editors.")
    return embed


def topic_saved(topic: Topic, *, verb: str) -> tuple[str, discord.Embed]:
    embed = discord.Embed(title=clip(inline(topic.title), 256), colour=COLOUR)
    embed.add_field(name="Slug", value=f"`{topic.slug}`")
    embed.add_field(name="State", value="archived" if topic.archived else "active")
    if topic.aliases:
        embed.add_field(
            name="Aliases", value=clip(", ".join(inline(a) for a in topic.aliases), FIELD_VALUE_MAX), inline=False
        )
    if topic.summary:
        embed.add_field(name="Summary", value=clip(inline(topic.summary), FIELD_VALUE_MAX), inline=False)
    if topic.next_step:
        embed.add_field(name="Next step", value=clip(inline(topic.next_step), FIELD_VALUE_MAX), inline=False)
    return f"{verb} topic `{topic.slug}`.", embed
