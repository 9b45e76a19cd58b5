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
from bot.core.dates import read_entry_date
from bot.core.drafts import EntryDraft, draft_from_json, draft_to_json
from bot.core.errors import InvalidInput
from bot.core.expected import (
    OUTCOME_LABELS,
    EntryDate,
    Expectation,
    Settlement,
    expectation_label,
    read_logged_date,
    read_settlement,
)
from bot.core.sourcing import sourcing
from bot.core.status_axes import QUANTITY_MAX
from bot.core.validation import LIMITS, clean_text, require_text
from bot.core.vocabulary import DECISION_INFO, DELIVERY_INFO, EntryKind, StatementKind
from bot.failures import report
from bot.forms import FormKind
from bot.options import (
    bot_of,
    newsroom_today,
    requester_of,
    speaker_name_autocomplete,
    topic_autocomplete,
)
from bot.render import custom_ids
from bot.render import editor as render
from bot.render.expected import knock_on_notes, settled_note
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
OptUnsourced = app_commands.Range[str, 1, LIMITS["reason"]]
UNSOURCED_HELP = "Instead of a source: why there is none, shown to readers (max 500)"
OptEntryRef = app_commands.Range[str, 1, 20]
EXPECTED_CHOICES = [app_commands.Choice(name=expectation_label(e), value=e.value) for e in Expectation]
OUTCOME_CHOICES = [app_commands.Choice(name=label, value=o.value) for o, label in OUTCOME_LABELS.items()]
# Shared by /log status and /log event: what marks an entry expected, and what settles one.
EXPECTED_DESCRIPTIONS = {
    "expected": "Not happened yet (anticipated, scheduled, promised): date may be later than today, or omitted",
    "reported": "For an expected entry with no date announced: when it was reported (default: today)",
    "outcome_of": "This settles an expected entry: its id, e.g. #12",
    "outcome": "With outcome_of: whether the expected entry happened (default: happened)",
}


def _value(choice: app_commands.Choice[str] | None) -> str | None:
    return choice.value if choice is not None else None


def _dates(
    today: dt.date,
    date: str | None,
    end: str | None = None,
    *,
    expected: app_commands.Choice[str] | None = None,
    reported: str | None = None,
) -> tuple[EntryDate, Any, tuple[str, ...]]:
    """The entry's dates, read against the newsroom's `today`, and how any yearless or relative one
    was read (not the default: no date typed means today, which the reply's date already says). Only
    an expected entry may be dated after today, or not dated (bot.core.expected)."""
    # A forged choice value never gets here: the choices are checked before the command runs.
    logged = read_logged_date(
        date=date, reported=reported, expected=Expectation(expected.value) if expected else None, today=today
    )
    notes = list(logged.notes)
    finish = None
    if end is not None:
        if not logged.announced:
            raise InvalidInput("`end`: an entry whose date is not announced has no end date.")
        finish, note = read_entry_date("end", end, today=today, expected=expected is not None)
        notes += [note] if note else []
        if finish.latest < logged.date.earliest:
            raise InvalidInput("`end` is before `date`.")
    return logged, finish, tuple(notes)


async def store_and_reply(
    interaction: discord.Interaction,
    *,
    topic: str,
    compose: entries.Compose,
    settles: Settlement | None = None,
) -> None:
    bot = bot_of(interaction)
    logged = await entries.log_entry(
        bot.database, requester_of(interaction), topic_query=topic, compose=compose, now=bot.clock(), settles=settles
    )
    notes = list(logged.notes)
    if logged.settled is not None:
        notes.append(settled_note(logged.settled))
    content, embed, view = render.logged_entry(
        logged.entry,
        logged.topic,
        timezone=logged.timezone,
        created=logged.created,
        undo_expires=bot.clock() + UNDO_WINDOW,
        notes=notes,
    )
    await replies.reply(interaction, content=content, embeds=[embed], view=view, ephemeral=not logged.created)


STATEMENT_FORM = "statement"


class StatementTextModal(discord.ui.Modal):
    """Opened when /log statement has no `text`: a long field is easier to write in than an option.

    Its state (the topic, the rest of the statement and how its date was read) is stored with the form
    (bot.forms), so it can be submitted after a restart."""

    text: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="What was said",
        style=discord.TextStyle.paragraph,
        max_length=LIMITS["text"],
        required=True,
        placeholder="The quote, paraphrase or summary, as you want readers to see it",
        # Fixed, not discord.py's random default: a form submitted after a restart must still match it.
        custom_id="text",
    )

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__(title=clip(f"Statement by {state['draft']['speaker']}", 45))


async def submit_statement(interaction: discord.Interaction, state: dict[str, Any], values: dict[str, str]) -> None:
    draft = draft_from_json(state["draft"])
    draft.text = require_text("text", values["text"])
    # Its dates were read when the form was opened, against that day's today.
    notes = tuple(state["notes"])
    await store_and_reply(interaction, topic=state["topic"], compose=lambda _today: (draft, notes))


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
                changed.entry,
                changed.topic,
                timezone=changed.timezone,
                action="entry.undo",
                notes=knock_on_notes(changed.knock_on, later=changed.entry),
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
        self.bot.forms.register(FormKind(STATEMENT_FORM, StatementTextModal, submit_statement))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(UndoButton)
        self.bot.forms.unregister(STATEMENT_FORM)

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
        source="Who or what reported it (max 200); required unless `unsourced` is given",
        url="Link to the source (http or https)",
        **EXPECTED_DESCRIPTIONS,
        unsourced=UNSOURCED_HELP,
    )
    @app_commands.choices(
        decision=DECISION_CHOICES, delivery=DELIVERY_CHOICES, expected=EXPECTED_CHOICES, outcome=OUTCOME_CHOICES
    )
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
        unsourced: OptUnsourced | None = None,
        expected: app_commands.Choice[str] | None = None,
        reported: OptDate | None = None,
        outcome_of: OptEntryRef | None = None,
        outcome: app_commands.Choice[str] | None = None,
    ) -> None:
        settles = read_settlement(outcome_of=outcome_of, outcome=_value(outcome), expected=_value(expected))

        def compose(today: dt.date) -> tuple[EntryDraft, tuple[str, ...]]:
            start, _, notes = _dates(today, date, expected=expected, reported=reported)
            draft = EntryDraft(
                kind=EntryKind.STATUS,
                date=start.date,
                decision=_value(decision),
                delivery=_value(delivery),
                committed=committed,
                delivered=delivered,
                unit=clean_text("unit", unit),
                note=require_text("note", note),
                **sourcing(source, url, unsourced).fields(),
                expected=_value(expected),
                date_announced=start.announced,
            )
            return draft, notes

        await store_and_reply(interaction, topic=topic, compose=compose, settles=settles)

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
        source="Who or what reported it (max 200); required unless `unsourced` is given",
        url="Link to the source (http or https)",
        unsourced=UNSOURCED_HELP,
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
        unsourced: OptUnsourced | None = None,
    ) -> None:

        def compose(today: dt.date) -> tuple[EntryDraft, tuple[str, ...]]:
            start, _, notes = _dates(today, date)
            draft = EntryDraft(
                kind=EntryKind.STATEMENT,
                date=start.date,
                speaker=require_text("speaker", speaker),
                speaker_role=clean_text("role", role),
                speaker_org=clean_text("organisation", organisation),
                statement_kind=(kind.value if kind else StatementKind.QUOTE.value),
                context=clean_text("context", context),
                **sourcing(source, url, unsourced).fields(),
            )
            if text is not None:
                draft.text = require_text("text", text)
            return draft, notes

        if text is None:
            draft, notes = compose(await newsroom_today(interaction))
            await entries.check_can_log(self.bot.database, requester_of(interaction), topic_query=topic, draft=draft)
            state = {"topic": topic, "draft": draft_to_json(draft), "notes": list(notes)}
            await self.bot.forms.open(interaction, STATEMENT_FORM, state)
            return
        await store_and_reply(interaction, topic=topic, compose=compose)

    @app_commands.command(name="event", description="Record an event in a story's chronology")
    @app_commands.describe(
        topic="The story",
        headline="What happened, in a line (max 200)",
        details="More detail (max 1000)",
        date="When, e.g. 2023-09-11, Sep 2023, autumn 2023 (default: today)",
        end="When it ended, for events that span time",
        source="Who or what reported it (max 200); required unless `unsourced` is given",
        url="Link to the source (http or https)",
        **EXPECTED_DESCRIPTIONS,
        unsourced=UNSOURCED_HELP,
    )
    @app_commands.choices(expected=EXPECTED_CHOICES, outcome=OUTCOME_CHOICES)
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
        unsourced: OptUnsourced | None = None,
        expected: app_commands.Choice[str] | None = None,
        reported: OptDate | None = None,
        outcome_of: OptEntryRef | None = None,
        outcome: app_commands.Choice[str] | None = None,
    ) -> None:
        settles = read_settlement(outcome_of=outcome_of, outcome=_value(outcome), expected=_value(expected))

        def compose(today: dt.date) -> tuple[EntryDraft, tuple[str, ...]]:
            start, finish, notes = _dates(today, date, end, expected=expected, reported=reported)
            draft = EntryDraft(
                kind=EntryKind.EVENT,
                date=start.date,
                end_date=finish,
                headline=require_text("headline", headline),
                details=clean_text("details", details),
                **sourcing(source, url, unsourced).fields(),
                expected=_value(expected),
                date_announced=start.announced,
            )
            return draft, notes

        await store_and_reply(interaction, topic=topic, compose=compose, settles=settles)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Log(bot))
