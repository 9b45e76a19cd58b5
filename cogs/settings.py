"""/settings editor-role|timezone|show: server managers configure the newsroom."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.client import NewsBot
from bot.core.errors import InvalidInput
from bot.options import bot_of, clean_timezone, requester_of, timezone_autocomplete
from bot.render import editor as render
from bot.services import alerts, settings


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SettingsCog(commands.GroupCog, group_name="settings", group_description="Server managers: newsroom settings"):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="editor-role", description="Set the role whose members may log and correct entries")
    @app_commands.describe(role="The editor role (members with Manage Server are always editors)")
    async def editor_role(self, interaction: discord.Interaction, role: discord.Role) -> None:
        if role.is_default():
            raise InvalidInput("@everyone can't be the editor role; pick or create a dedicated role.")
        newsroom = await settings.set_editor_role(
            bot_of(interaction).database, requester_of(interaction), role_id=role.id
        )
        await replies.reply(
            interaction, content="Editor role saved.", embeds=[render.settings_embed(newsroom)], ephemeral=True
        )

    @app_commands.command(name="timezone", description="Set the newsroom's time zone (dates and digests use it)")
    @app_commands.describe(timezone="IANA time zone, e.g. Europe/London")
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def timezone(self, interaction: discord.Interaction, timezone: app_commands.Range[str, 1, 64]) -> None:
        newsroom = await settings.set_timezone(
            bot_of(interaction).database, requester_of(interaction), timezone=clean_timezone(timezone)
        )
        await replies.reply(
            interaction, content="Time zone saved.", embeds=[render.settings_embed(newsroom)], ephemeral=True
        )

    @app_commands.command(name="alert-grace", description="Set how long a change waits before alerts post it")
    @app_commands.describe(seconds="Seconds, 0 to 3600 (default 60); an entry undone within it never alerts")
    async def alert_grace(self, interaction: discord.Interaction, seconds: app_commands.Range[int, 0, 3600]) -> None:
        newsroom = await alerts.set_grace(bot_of(interaction).database, requester_of(interaction), seconds=seconds)
        await replies.reply(
            interaction,
            content=f"Alerts now wait {seconds} s before posting a change.",
            embeds=[render.settings_embed(newsroom)],
            ephemeral=True,
        )

    @app_commands.command(name="show", description="Show the newsroom's settings")
    async def show(self, interaction: discord.Interaction) -> None:
        newsroom = await settings.newsroom_settings(bot_of(interaction).database, requester_of(interaction))
        await replies.reply(interaction, embeds=[render.settings_embed(newsroom)], ephemeral=True)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(SettingsCog(bot))
