"""Reminders in the editors' channel: the scheduler loop, and the buttons and form that answer the
question about an expected entry whose date has passed.

The loop posts through `ReminderRunner` (bot.services.reminders). The buttons carry the entry and the
answer in their custom_id, so they work after a restart; who may use them, and whether the entry still
awaits its outcome, is checked on the click and again when the form is submitted.
"""

from __future__ import annotations

from typing import Any

import discord
from discord.ext import commands

from bot import replies
from bot.buttons import StatefulButton
from bot.client import NewsBot
from bot.core.expected import OUTCOME_LABELS, Outcome
from bot.core.sourcing import require_sourced, sourcing
from bot.core.validation import LIMITS, clean_text
from bot.forms import FormKind, State, Values
from bot.options import bot_of, requester_of
from bot.reminders.delivery import DiscordReminderPoster
from bot.render import custom_ids
from bot.render import editor as render
from bot.render.expected import settled_note
from bot.render.text import clip
from bot.scheduling import TickLoop
from bot.services import reminder_questions
from bot.services.entries import UNDO_WINDOW
from bot.services.reminders import ReminderRunner

ANSWER_FORM = "expected-answer"
OUTCOMES = {"h": Outcome.HAPPENED, "n": Outcome.DID_NOT_HAPPEN}


def runner_for(bot: NewsBot) -> ReminderRunner:
    return ReminderRunner(bot.database, poster=DiscordReminderPoster(bot), clock=bot.clock)


class AnswerModal(discord.ui.Modal):
    """Where the answer comes from (required, as for any entry), a link, and an optional note."""

    def __init__(self, state: State) -> None:
        label = OUTCOME_LABELS[Outcome(state["outcome"])]
        super().__init__(title=clip(f"{label}: #{int(state['entry'])}", 45))
        self.add_item(
            discord.ui.TextInput(
                label="Source", max_length=LIMITS["source"], placeholder="e.g. Reuters", custom_id="source"
            )
        )
        self.add_item(discord.ui.TextInput(label="Link", max_length=LIMITS["url"], required=False, custom_id="url"))
        self.add_item(
            discord.ui.TextInput(
                label="Note",
                style=discord.TextStyle.paragraph,
                max_length=LIMITS["details"],
                required=False,
                custom_id="note",
            )
        )


async def submit_answer(interaction: discord.Interaction, state: State, values: Values) -> None:
    bot = bot_of(interaction)
    source = sourcing(values.get("source"), values.get("url") or None, None)
    require_sourced(source.source_name, source.source_url, None)
    logged = await reminder_questions.answer(
        bot.database,
        requester_of(interaction),
        entry_id=int(state["entry"]),
        outcome=Outcome(state["outcome"]),
        source=source.source_name,
        url=source.source_url,
        note=clean_text("details", values.get("note") or None),
        now=bot.clock(),
    )
    notes = [settled_note(logged.settled)] if logged.settled is not None else []
    content, embed, view = render.logged_entry(
        logged.entry,
        logged.topic,
        timezone=logged.timezone,
        created=logged.created,
        undo_expires=bot.clock() + UNDO_WINDOW,
        notes=notes,
    )
    await replies.reply(interaction, content=content, embeds=[embed], view=view, ephemeral=not logged.created)


class ExpectedAnswerButton(
    StatefulButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.EXPECTED_QUESTION_TEMPLATE
):
    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        bot = bot_of(interaction)
        question = await reminder_questions.open_question(
            bot.database,
            requester_of(interaction),
            entry_id=custom_ids.number(groups, "entry", minimum=1),
            outcome=OUTCOMES[groups["outcome"]],
        )
        state = {"entry": question.entry_id, "outcome": question.outcome.value}
        await bot.forms.open(interaction, ANSWER_FORM, state)


class Reminders(commands.Cog):
    """No commands: the reminder loop, and the question's buttons and form."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.service = runner_for(bot)
        self.scheduler = TickLoop(bot, name="reminder", work=self._run_due)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ExpectedAnswerButton)
        self.bot.forms.register(FormKind(ANSWER_FORM, AnswerModal, submit_answer))
        self.scheduler.start()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ExpectedAnswerButton)
        self.bot.forms.unregister(ANSWER_FORM)
        await self.scheduler.stop()

    async def _run_due(self) -> None:
        await self.service.run_due(self.bot.clock())


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Reminders(bot))
