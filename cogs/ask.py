"""/ask: a question in plain English, answered from the newsroom's own stories."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.client import NewsBot
from bot.core.questions import QUESTION_MAX
from bot.options import requester_of
from bot.render.ask import answer_embed
from bot.services import ask as asking


class Ask(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Ask about a story in plain English; answered from the record")
    @app_commands.guild_only()
    @app_commands.describe(
        question="e.g. Has ATACMS been approved? What did Kirby say? What changed since 1 Sep 2023?",
        private="Only you see the answer (default: everyone in the channel)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, QUESTION_MAX],
        private: bool = False,
    ) -> None:
        answer = await asking.ask(self.bot.database, requester_of(interaction), question=question, now=self.bot.clock())
        await replies.reply(interaction, embeds=[answer_embed(answer)], ephemeral=private)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ask(bot))
