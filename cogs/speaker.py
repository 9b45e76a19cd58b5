"""/speaker: what a person or an organisation said across every story, with its persistent pages."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.buttons import StatefulButton
from bot.client import NewsBot
from bot.core.questions import clean_question
from bot.options import bot_of, requester_of, topic_autocomplete
from bot.render import custom_ids
from bot.render.speakers import speaker_page
from bot.render.text import AUTOCOMPLETE_MAX, CHOICE_NAME_MAX, clip
from bot.services import speakers

PER_PAGE = 5


async def send_speaker(
    interaction: discord.Interaction,
    *,
    edit: bool,
    name: str,
    topic: str | None = None,
    topic_id: int | None = None,
    page: int = 0,
    private: bool = False,
) -> None:
    cleaned = clean_question(name, name="name", limit=custom_ids.SPEAKER_FILTER_MAX)
    result = await speakers.speaker_statements(
        bot_of(interaction).database,
        requester_of(interaction),
        name=cleaned,
        topic=topic,
        topic_id=topic_id,
        page=page,
        per_page=PER_PAGE,
    )
    embeds, view = speaker_page(result)
    await replies.page(interaction, edit=edit, embeds=embeds, view=view, ephemeral=private)


class SpeakerPageButton(
    StatefulButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.SPEAKER_TEMPLATE
):
    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        topic_id = custom_ids.number(groups, "topic", minimum=1) if groups["topic"] else None
        page = custom_ids.number(groups, "page")
        await send_speaker(interaction, edit=True, name=groups["name"], topic_id=topic_id, page=page)


class Speaker(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SpeakerPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SpeakerPageButton)

    @app_commands.command(name="speaker", description="What a person or organisation said, across every story")
    @app_commands.guild_only()
    @app_commands.describe(
        name="A name, part of one, a role or an organisation, e.g. Kirby or State Department",
        topic="Only this story: its short name, title or an alias",
        private="Only you see the answer (default: everyone in the channel)",
    )
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def speaker(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, custom_ids.SPEAKER_FILTER_MAX],
        topic: app_commands.Range[str, 1, 100] | None = None,
        private: bool = False,
    ) -> None:
        await send_speaker(interaction, edit=False, name=name, topic=topic, private=private)

    @speaker.autocomplete("name")
    async def _names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await speakers.speaker_choices(
            self.bot.database, requester_of(interaction), current=current, limit=AUTOCOMPLETE_MAX
        )
        # The value fills the option: a shortened one still matches, the match being "contains".
        return [
            app_commands.Choice(name=clip(value, CHOICE_NAME_MAX), value=value[: custom_ids.SPEAKER_FILTER_MAX])
            for value in found
        ]


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Speaker(bot))
