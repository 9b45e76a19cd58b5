"""The Update summary button on a status change's reply, and the form it opens.

The button's custom_id carries only the topic id, so it works after a restart; who may use it is
checked when it is pressed and again when the form is submitted. The form is stored (bot.forms), so
it can be submitted after a restart too: its state is the topic and the summary and next step it was
prefilled with, so a change someone else saved in between is not silently overwritten.
"""

from __future__ import annotations

from typing import Any

import discord
from discord.ext import commands

from bot import replies
from bot.buttons import StatefulButton
from bot.client import NewsBot
from bot.core.validation import LIMITS, clean_text, require_text
from bot.forms import FormKind, State, Values
from bot.options import bot_of, requester_of
from bot.render import custom_ids
from bot.render import editor as render
from bot.render.text import clip
from bot.services import topics

SUMMARY_FORM = "summary"


def _prefilled(label: str, field: str, value: str) -> discord.ui.TextInput[Any]:
    return discord.ui.TextInput(
        label=label,
        style=discord.TextStyle.paragraph,
        max_length=LIMITS[field],
        required=False,
        default=value or None,
        # Fixed, not discord.py's random default: a form submitted after a restart must still match it.
        custom_id=field,
    )


class SummaryModal(discord.ui.Modal):
    """The summary and next step, prefilled with the ones the topic had when the form opened, and why
    they change."""

    def __init__(self, state: State) -> None:
        super().__init__(title=clip(f"Summary: {state['title']}", 45))
        self.add_item(_prefilled("Summary", "summary", str(state["summary"])))
        self.add_item(_prefilled("Next step", "next_step", str(state["next_step"])))
        self.add_item(
            discord.ui.TextInput(
                label="Reason",
                max_length=LIMITS["reason"],
                required=True,
                placeholder="e.g. Updated after the approval was announced",
                custom_id="reason",
            )
        )


async def submit_summary(interaction: discord.Interaction, state: State, values: Values) -> None:
    saved = await topics.update_summary(
        bot_of(interaction).database,
        requester_of(interaction),
        topic_id=int(state["topic"]),
        summary=clean_text("summary", values["summary"]) or "",
        next_step=clean_text("next_step", values["next_step"]) or "",
        reason=require_text("reason", values["reason"]),
        opened_with=(str(state["summary"]), str(state["next_step"])),
    )
    content, embed = render.topic_saved(saved, verb="Updated the summary and next step of")
    await replies.reply(interaction, content=content, embeds=[embed])


class SummaryButton(
    StatefulButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.SUMMARY_TEMPLATE
):
    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        bot = bot_of(interaction)
        topic = await topics.summary_form(bot.database, requester_of(interaction), topic_id=int(groups["topic"]))
        state = {"topic": topic.id, "title": topic.title, "summary": topic.summary, "next_step": topic.next_step}
        await bot.forms.open(interaction, SUMMARY_FORM, state)


class Summary(commands.Cog):
    """No commands: it keeps the Update summary button and its form answering, whenever they were sent."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SummaryButton)
        self.bot.forms.register(FormKind(SUMMARY_FORM, SummaryModal, submit_summary))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SummaryButton)
        self.bot.forms.unregister(SUMMARY_FORM)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Summary(bot))
