"""/entry edit|retract|restore|history: corrections in the open, each one recorded in the audit log."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.buttons import StatefulButton
from bot.client import NewsBot
from bot.core.errors import InvalidInput
from bot.core.expected import NotAnnounced, read_expectation, says_undated
from bot.core.status_axes import STATUS_FIELDS, status_changes
from bot.core.validation import LIMITS, clean_text, clean_url, parse_entry_ref, require_text
from bot.core.vocabulary import StatementKind
from bot.options import bot_of, newsroom_today, parse_entry_dates, requester_of
from bot.render import custom_ids
from bot.render import editor as render
from bot.render import history as history_render
from bot.render.expected import knock_on_notes
from bot.services import entries, outcomes

Str = app_commands.Range
OptReason = app_commands.Range[str, 1, LIMITS["reason"]]
OptText = app_commands.Range[str, 1, LIMITS["text"]]


# Field name shown to editors -> (column, which kinds it applies to).
EDITABLE: dict[str, tuple[str, frozenset[str]]] = {
    "date": ("date", frozenset({"status", "statement", "event"})),
    "end": ("end_date", frozenset({"event"})),
    "source": ("source_name", frozenset({"status", "statement", "event"})),
    "url": ("source_url", frozenset({"status", "statement", "event"})),
    "unsourced": ("unsourced_reason", frozenset({"status", "statement", "event"})),
    "decision": ("decision", frozenset({"status"})),
    "delivery": ("delivery", frozenset({"status"})),
    "committed": ("committed", frozenset({"status"})),
    "delivered": ("delivered", frozenset({"status"})),
    "unit": ("unit", frozenset({"status"})),
    "note": ("note", frozenset({"status"})),
    "speaker": ("speaker", frozenset({"statement"})),
    "role": ("speaker_role", frozenset({"statement"})),
    "organisation": ("speaker_org", frozenset({"statement"})),
    "kind": ("statement_kind", frozenset({"statement"})),
    "text": ("text", frozenset({"statement"})),
    "context": ("context", frozenset({"statement"})),
    "headline": ("headline", frozenset({"event"})),
    "details": ("details", frozenset({"event"})),
    "expected": ("expected", frozenset({"status", "event"})),
}
REQUIRED = frozenset({"note", "speaker", "text", "headline", "kind", "date"})


def parse_field_value(field: str, value: str) -> Any:
    """The new value for a field other than a date, validated exactly as when it was first logged."""
    if field == "url":
        return None if value.strip() == "-" else clean_url(value)
    if field == "unsourced":
        return None if value.strip() == "-" else require_text("reason", value, label="unsourced")
    if field == "expected":
        return read_expectation(value)
    if field == "kind":
        try:
            return StatementKind(value.strip().lower()).value
        except ValueError:
            raise InvalidInput("`kind` must be quote, paraphrase or summary.") from None
    if field in REQUIRED:
        return require_text(field, value)
    if value.strip() == "-":
        return "" if field == "source" else None
    cleaned = clean_text(field, value)
    return cleaned if cleaned is not None or field != "source" else ""


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class EntryCog(commands.GroupCog, group_name="entry", group_description="Editors: correct, retract or inspect"):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="edit", description="Correct one field of an entry; readers see it marked corrected")
    @app_commands.describe(
        id="The entry id, e.g. #42",
        field="Which field to correct",
        value="Corrected value ('-' clears; a date may be 'not announced'; expected: a kind or 'none')",
        reason="Why it was corrected (max 500)",
    )
    @app_commands.choices(field=[app_commands.Choice(name=name, value=name) for name in EDITABLE])
    async def edit(
        self,
        interaction: discord.Interaction,
        id: Str[str, 1, 20],
        field: app_commands.Choice[str],
        value: OptText,
        reason: OptReason | None = None,
    ) -> None:
        entry_id = parse_entry_ref(id)
        column, kinds = EDITABLE[field.value]
        notes: dict[str, str] = {}
        changes: dict[str, Any]
        if field.value == "end" and value.strip() == "-":
            changes = {column: None}
        elif field.value == "date" and says_undated(value):
            # Checked on the locked row (bot.services.expectation): only an expected entry may be undated.
            changes = {column: NotAnnounced()}
        elif field.value in ("date", "end"):
            # Checked and read exactly as when logged: never after today unless expected, yearless
            # forms read back (forward for what is expected).
            expected = await outcomes.is_expected(bot_of(interaction).database, requester_of(interaction), entry_id)
            dates, notes = await parse_entry_dates(interaction, expected=expected, **{field.value: value})
            changes = {column: dates[field.value]}
        elif field.value in STATUS_FIELDS:
            changes = status_changes(field.value, value)
        else:
            changes = {column: parse_field_value(field.value, value)}
        # A change of expectation or date is judged against the newsroom's today.
        today = await newsroom_today(interaction) if field.value in ("date", "expected") else None
        changed = await entries.edit_entry(
            bot_of(interaction).database,
            requester_of(interaction),
            entry_id=entry_id,
            changes=changes,
            reason=clean_text("reason", reason),
            allowed_kinds=kinds,
            field_label=field.value,
            today=today,
        )
        content, embed = render.changed_entry(
            changed.entry,
            changed.topic,
            timezone=changed.timezone,
            action="entry.edit",
            date_changed=field.value in ("date", "end"),
            notes=list(notes.values()),
        )
        await replies.reply(interaction, content=content, embeds=[embed])

    @app_commands.command(name="retract", description="Withdraw an entry from reader views; it stays in history")
    @app_commands.describe(id="The entry id, e.g. #42", reason="Why it is retracted (shown in history, max 500)")
    async def retract(self, interaction: discord.Interaction, id: Str[str, 1, 20], reason: OptReason) -> None:
        changed = await entries.retract_entry(
            bot_of(interaction).database,
            requester_of(interaction),
            entry_id=parse_entry_ref(id),
            reason=require_text("reason", reason),
        )
        content, embed = render.changed_entry(
            changed.entry,
            changed.topic,
            timezone=changed.timezone,
            action="entry.retract",
            notes=knock_on_notes(changed.knock_on, later=changed.entry),
        )
        await replies.reply(interaction, content=content, embeds=[embed])

    @app_commands.command(name="restore", description="Bring a retracted entry back into reader views")
    @app_commands.describe(id="The entry id, e.g. #42", reason="Why it is restored (max 500)")
    async def restore(
        self,
        interaction: discord.Interaction,
        id: Str[str, 1, 20],
        reason: OptReason | None = None,
    ) -> None:
        changed = await entries.restore_entry(
            bot_of(interaction).database,
            requester_of(interaction),
            entry_id=parse_entry_ref(id),
            reason=clean_text("reason", reason),
        )
        content, embed = render.changed_entry(
            changed.entry,
            changed.topic,
            timezone=changed.timezone,
            action="entry.restore",
            notes=knock_on_notes(changed.knock_on, later=changed.entry),
        )
        await replies.reply(interaction, content=content, embeds=[embed])

    @app_commands.command(name="history", description="Every change to an entry: who, when, before and after")
    @app_commands.describe(id="The entry id, e.g. #42", private="Only you see the answer")
    async def history(self, interaction: discord.Interaction, id: Str[str, 1, 20], private: bool = True) -> None:
        await send_history(interaction, entry_id=parse_entry_ref(id), edit=False, private=private)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(HistoryPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(HistoryPageButton)


async def send_history(
    interaction: discord.Interaction, *, entry_id: int, edit: bool, page: int = 0, private: bool = True
) -> None:
    # Every page is read afresh in the clicker's own newsroom: a button's entry id leads nowhere else.
    history = await entries.entry_history(bot_of(interaction).database, requester_of(interaction), entry_id=entry_id)
    embed, view = history_render.entry_history(
        history.entry, history.topic, history.records, timezone=history.timezone, page=page
    )
    await replies.page(interaction, edit=edit, embeds=[embed], view=view, ephemeral=private)


class HistoryPageButton(
    StatefulButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.HISTORY_TEMPLATE
):
    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        await send_history(
            interaction,
            entry_id=custom_ids.number(groups, "entry"),
            edit=True,
            page=custom_ids.number(groups, "page"),
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(EntryCog(bot))
