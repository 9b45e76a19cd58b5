"""/help [command]: the command tree explained, only to whoever asks."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.client import NewsBot
from bot.core.errors import InvalidInput, echoed
from bot.render import help as render
from bot.render.text import AUTOCOMPLETE_MAX, CHOICE_NAME_MAX


class HelpCog(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What each command does, its options and an example")
    @app_commands.guild_only()
    @app_commands.describe(command="A command, e.g. status or log status (default: every command)")
    async def help(
        self, interaction: discord.Interaction, command: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        if command is None:
            embeds = render.overview(self.bot.tree)
        else:
            found = render.find_command(self.bot.tree, command)
            if found is None:
                raise InvalidInput(f"No command `/{echoed(command.lstrip('/'))}`. `/help` lists every command.")
            embeds = render.command_help(found)
        # One embed a message: each is sized to a message's whole allowance.
        for embed in embeds:
            await replies.reply(interaction, embeds=[embed], ephemeral=True)

    @help.autocomplete("command")
    async def _complete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = render.names_matching(self.bot.tree, current)[:AUTOCOMPLETE_MAX]
        return [app_commands.Choice(name=f"/{name}"[:CHOICE_NAME_MAX], value=name) for name in names]


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(HelpCog(bot))
