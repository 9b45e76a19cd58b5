"""/log status|statement|event: editors record developments. Also the Undo button and statement modal."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.client import NewsBot
from bot.core.drafts import EntryDraft
from bot.core.errors import InvalidInput
from bot.core.status_axes import QUANTITY_MAX
from bot.core.validation import LIMITS, clean_text, clean_url, require_text
from bot.core.vocabulary import DECISION_INFO, DELIVERY_INFO, EntryKind, StatementKind
from bot.failures import report
from bot.options import (
    bot_of,
    parse_entry_dates,
    requester_of,
    speaker_name_autocomplete,
    topic_autocomplete,
)
from bot.render import custom_ids
from bot.render import editor as render
from bot.render.text import clip
from bot.services import entries
from bot.services.entries import UNDO_WINDOW

DECISION_CHOICES = [app_commands.Choice(name=info.label, value=value.value) for value, info in DECISION_INFO.items()]
DELIVERY_CHOICES = [app_commands.Choice(name=info.label, value=value.value) for value, info in DELIVERY_INFO.items()]
KIND_CHOICES = [app_commands.Choice(name=k.value.capitalize(), value=k.value) for k in StatementKind]

Str = app_commands.Range
OptContext = app_commands.Range[str, 1, LIMITS["context"]]
OptDate = app_commands.Range[str, 1, LIMITS["date"]]
OptDetails = app_commands.Range[str, 1, LIMITS["details"]]
OptHeadline = app_commands.Range[str, 1, LIMITS["headline"]]
OptNote = app_commands.Range[str, 1, LIMITS["note"]]
OptOrganisation = app_commands.Range[str, 1, LIMITS["organisation"]]
OptRole = app_commands.Range[str, 1, LIMITS["role"]]
OptSource = app_commands.Range[str, 1, LIMITS["source"]]
OptSpeaker = app_commands.Range[str, 1, LIMITS["speaker"]]
OptText = app_commands.Range[str, 1, LIMITS["text"]]
OptUrl = app_commands.Range[str, 1, LIMITS["url"]]
OptUnit = app_commands.Range[str, 1, LIMITS["unit"]]
OptQuantity = app_commands.Range[float, 0.0, QUANTITY_MAX]


async def _dates(
    interaction: discord.Interaction, date: str | None, end: str | None = None
) -> tuple[Any, Any, list[str]]:
    """The entry's dates and how any yearless or relative one was read (not the default: no date
    typed means today, which the reply's date already says)."""
    dates, notes = await parse_entry_dates(interaction, date=date or "today", end=end)
    start, finish = dates["date"], dates["end"]
    assert start is not None
    if finish is not None and finish.latest < start.earliest:
        raise InvalidInput("`end` is before `date`.")
    if date is None:
        notes.pop("date", None)
    return start, finish, list(notes.values())


async def store_and_reply(
    interaction: discord.Interaction, *, topic: str, draft: EntryDraft, notes: list[str] | None = None
) -> None:
    bot = bot_of(interaction)
    logged = await entries.log_entry(
        bot.database,
        requester_of(interaction),
        topic_query=topic,
        draft=draft,
    )
    content, embed, view = render.logged_entry(
        logged.entry,
        logged.topic,
        timezone=logged.timezone,
        created=logged.created,
        undo_expires=bot.clock() + UNDO_WINDOW,
        notes=notes or (),
    )
    await replies.reply(interaction, content=content, embeds=[embed], view=view, ephemeral=not logged.created)


class StatementTextModal(discord.ui.Modal):
    """Opened when /log statement has no `text`: a long field is easier to write in than an option."""

    text: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="What was said",
        style=discord.TextStyle.paragraph,
        max_length=LIMITS["text"],
        required=True,
        placeholder="The quote, paraphrase or summary, as you want readers to see it",
    )

    def __init__(self, *, topic: str, draft: EntryDraft, notes: list[str]) -> None:
        super().__init__(title=clip(f"Statement by {draft.speaker}", 45), timeout=15 * 60)
        self.topic = topic
        self.draft = draft
        self.notes = notes

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.draft.text = require_text("text", self.text.value)
        await store_and_reply(interaction, topic=self.topic, draft=self.draft, notes=self.notes)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report(interaction, error, submitted=self.text.value)


def undo_deadline(timestamp: int) -> dt.datetime:
    """The deadline a button carries; a forged, out-of-range one counts as long expired."""
    try:
        return dt.datetime.fromtimestamp(timestamp, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return dt.datetime.min.replace(tzinfo=dt.UTC)


class UndoButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.UNDO_TEMPLATE):
    def __init__(self, entry_id: int, author_id: int, expires: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Undo",
                style=discord.ButtonStyle.danger,
                custom_id=f"{custom_ids.PREFIX}:undo:{entry_id}:{author_id}:{expires}",
            )
        )
        self.entry_id, self.author_id, self.expires = entry_id, author_id, expires

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> UndoButton:
        return cls(int(match["entry"]), int(match["author"]), int(match["expires"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            bot = bot_of(interaction)
            changed = await entries.undo_entry(
                bot.database,
                requester_of(interaction),
                entry_id=self.entry_id,
                author_id=self.author_id,
                expires=undo_deadline(self.expires),
                now=bot.clock(),
            )
            content, embed = render.changed_entry(
                changed.entry, changed.topic, timezone=changed.timezone, action="entry.undo"
            )
            await replies.update(interaction, content=content, embeds=[embed], view=None)
        except Exception as exc:
            await report(interaction, exc)


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class Log(commands.GroupCog, group_name="log", group_description="Editors: record a development on a story"):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(UndoButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(UndoButton)

    @app_commands.command(name="status", description="Record a change in a story's decision, delivery or both")
    @app_commands.describe(
        topic="The story",
        note="Why: what was decided or said (max 1000)",
        decision="Where the decision now stands (give this, delivery, or both)",
        delivery="What has now been delivered (give this, decision, or both)",
        committed="How much has been committed in all, e.g. 300 (needs unit)",
        delivered="How much has been delivered so far, e.g. 100 (needs unit)",
        unit="What the quantities count, e.g. missiles (max 50)",
        date="When it took effect, e.g. 2023-09-11, Sep 2023, autumn 2023 (default: today)",
        source="Who or what reported it (max 200)",
        url="Link to the source (http or https)",
    )
    @app_commands.choices(decision=DECISION_CHOICES, delivery=DELIVERY_CHOICES)
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def log_status(
        self,
        interaction: discord.Interaction,
        topic: Str[str, 1, 100],
        note: OptNote,
        decision: app_commands.Choice[str] | None = None,
        delivery: app_commands.Choice[str] | None = None,
        committed: OptQuantity | None = None,
        delivered: OptQuantity | None = None,
        unit: OptUnit | None = None,
        date: OptDate | None = None,
        source: OptSource | None = None,
        url: OptUrl | None = None,
    ) -> None:
        start, _, notes = await _dates(interaction, date)
        draft = EntryDraft(
            kind=EntryKind.STATUS,
            date=start,
            decision=decision.value if decision else None,
            delivery=delivery.value if delivery else None,
            committed=committed,
            delivered=delivered,
            unit=clean_text("unit", unit),
            note=require_text("note", note),
            source_name=clean_text("source", source) or "",
            source_url=clean_url(url),
        )
        await store_and_reply(interaction, topic=topic, draft=draft, notes=notes)

    @app_commands.command(name="statement", description="Record an official statement (leave text empty to type it)")
    @app_commands.describe(
        topic="The story",
        speaker="Who said it (suggestions: speakers already logged)",
        role="Their role at the time (default: their last logged role)",
        organisation="Their organisation at the time (default: their last logged one)",
        kind="Quote (exact words), paraphrase or summary (default: quote)",
        text="What was said; leave empty to write it in a larger box (max 4000)",
        date="When it was said, e.g. 2023-09-11, 11 Sep 2023, Sep 2023 (default: today)",
        context="Where: e.g. interview with a British newspaper (max 200)",
        source="Who or what reported it (max 200)",
        url="Link to the source (http or https)",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @app_commands.autocomplete(topic=topic_autocomplete, speaker=speaker_name_autocomplete)
    async def log_statement(
        self,
        interaction: discord.Interaction,
        topic: Str[str, 1, 100],
        speaker: OptSpeaker,
        role: OptRole | None = None,
        organisation: OptOrganisation | None = None,
        kind: app_commands.Choice[str] | None = None,
        text: OptText | None = None,
        date: OptDate | None = None,
        context: OptContext | None = None,
        source: OptSource | None = None,
        url: OptUrl | None = None,
    ) -> None:
        start, _, notes = await _dates(interaction, date)
        draft = EntryDraft(
            kind=EntryKind.STATEMENT,
            date=start,
            speaker=require_text("speaker", speaker),
            speaker_role=clean_text("role", role),
            speaker_org=clean_text("organisation", organisation),
            statement_kind=(kind.value if kind else StatementKind.QUOTE.value),
            context=clean_text("context", context),
            source_name=clean_text("source", source) or "",
            source_url=clean_url(url),
        )
        if text is None:
            await entries.check_can_log(self.bot.database, requester_of(interaction), topic_query=topic)
            await interaction.response.send_modal(StatementTextModal(topic=topic, draft=draft, notes=notes))
            return
        draft.text = require_text("text", text)
        await store_and_reply(interaction, topic=topic, draft=draft, notes=notes)

    @app_commands.command(name="event", description="Record an event in a story's chronology")
    @app_commands.describe(
        topic="The story",
        headline="What happened, in a line (max 200)",
        details="More detail (max 1000)",
        date="When, e.g. 2023-09-11, Sep 2023, autumn 2023 (default: today)",
        end="When it ended, for events that span time",
        source="Who or what reported it (max 200)",
        url="Link to the source (http or https)",
    )
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def log_event(
        self,
        interaction: discord.Interaction,
        topic: Str[str, 1, 100],
        headline: OptHeadline,
        details: OptDetails | None = None,
        date: OptDate | None = None,
        end: OptDate | None = None,
        source: OptSource | None = None,
        url: OptUrl | None = None,
    ) -> None:
        start, finish, notes = await _dates(interaction, date, end)
        draft = EntryDraft(
            kind=EntryKind.EVENT,
            date=start,
            end_date=finish,
            headline=require_text("headline", headline),
            details=clean_text("details", details),
            source_name=clean_text("source", source) or "",
            source_url=clean_url(url),
        )
        await store_and_reply(interaction, topic=topic, draft=draft, notes=notes)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Log(bot))
