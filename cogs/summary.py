"""The Update summary button on a status change's reply, and the form it opens.

The button's custom_id carries only the topic id, so it works after a restart; who may use it is
checked when it is pressed and again when the form is submitted. The form's state is the topic id and
what is typed in it, nothing else.
"""

from __future__ import annotations

from typing import Any

import discord
from discord.ext import commands

from bot import replies
from bot.buttons import StatefulButton
from bot.client import NewsBot
from bot.core.validation import LIMITS, clean_text, require_text
from bot.failures import report
from bot.options import bot_of, requester_of
from bot.render import custom_ids
from bot.render import editor as render
from bot.render.text import clip
from bot.services import topics


def _prefilled(label: str, field: str, value: str) -> discord.ui.TextInput[Any]:
    return discord.ui.TextInput(
        label=label, style=discord.TextStyle.paragraph, max_length=LIMITS[field], required=False, default=value or None
    )


class SummaryModal(discord.ui.Modal):
    """The summary and next step, prefilled with the current ones, and why they change."""

    def __init__(self, *, topic_id: int, title: str, summary: str, next_step: str) -> None:
        super().__init__(title=clip(f"Summary: {title}", 45), timeout=15 * 60)
        self.topic_id = topic_id
        self.summary = _prefilled("Summary", "summary", summary)
        self.next_step = _prefilled("Next step", "next_step", next_step)
        self.reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Reason",
            max_length=LIMITS["reason"],
            required=True,
            placeholder="e.g. Updated after the approval was announced",
        )
        for item in (self.summary, self.next_step, self.reason):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        saved = await topics.update_summary(
            bot_of(interaction).database,
            requester_of(interaction),
            topic_id=self.topic_id,
            summary=clean_text("summary", self.summary.value) or "",
            next_step=clean_text("next_step", self.next_step.value) or "",
            reason=require_text("reason", self.reason.value),
        )
        content, embed = render.topic_saved(saved, verb="Updated the summary and next step of")
        await replies.reply(interaction, content=content, embeds=[embed])

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        typed = "\n\n".join(v for v in (self.summary.value, self.next_step.value) if v)
        await report(interaction, error, submitted=typed or None)


class SummaryButton(
    StatefulButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.SUMMARY_TEMPLATE
):
    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        topic = await topics.summary_form(
            bot_of(interaction).database, requester_of(interaction), topic_id=int(groups["topic"])
        )
        assert topic.id is not None
        modal = SummaryModal(topic_id=topic.id, title=topic.title, summary=topic.summary, next_step=topic.next_step)
        await interaction.response.send_modal(modal)


class Summary(commands.Cog):
    """No commands: it keeps the Update summary button answering, whenever its message was sent."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SummaryButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SummaryButton)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Summary(bot))
