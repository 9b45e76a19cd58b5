"""/settings editor-role|timezone|editors-channel|stale-after|show: server managers configure the newsroom."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.client import NewsBot
from bot.core.errors import InvalidInput
from bot.core.reminders import STALE_DAYS_MAX, STALE_DAYS_MIN
from bot.digest import targets
from bot.options import bot_of, clean_timezone, requester_of, timezone_autocomplete
from bot.render import editor as render
from bot.services import alerts, digests, editor_settings, settings


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

    @app_commands.command(name="editors-channel", description="Set where I post reminders for editors, or turn it off")
    @app_commands.describe(
        channel="The channel or thread for reminders and pause notices", off="Stop posting reminders for editors"
    )
    async def editors_channel(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | discord.Thread | None = None,
        off: bool = False,
    ) -> None:
        if (channel is None) == (not off):
            raise InvalidInput("Give a `channel`, or `off: True` to stop reminders; not both.")
        if channel is not None and channel.guild.id != interaction.guild_id:
            raise InvalidInput("That channel is not in this server; pick one of this server's channels.")
        if channel is not None and (problem := targets.refusal(channel, publish=False)) is not None:
            raise InvalidInput(problem)
        try:
            newsroom = await editor_settings.set_editors_channel(
                bot_of(interaction).database,
                requester_of(interaction),
                channel_id=channel.id if channel is not None else None,
                missing_permissions=targets.missing_permissions(channel) if channel is not None else [],
            )
        except digests.CannotPost as exc:
            assert channel is not None
            missing = ", ".join(exc.missing)
            raise InvalidInput(
                f"I can't post in {channel.mention}: I'm missing {missing} there. Grant it and try again."
            ) from exc
        said = f"Reminders for editors will be posted in {channel.mention}." if channel else "Reminders are off."
        await replies.reply(interaction, content=said, embeds=[render.settings_embed(newsroom)], ephemeral=True)

    @app_commands.command(name="stale-after", description="Remind editors of a story after this many quiet days")
    @app_commands.describe(days=f"Days without a new entry or change ({STALE_DAYS_MIN}-{STALE_DAYS_MAX}, default 30)")
    async def stale_after(
        self, interaction: discord.Interaction, days: app_commands.Range[int, STALE_DAYS_MIN, STALE_DAYS_MAX]
    ) -> None:
        newsroom = await editor_settings.set_stale_after(
            bot_of(interaction).database, requester_of(interaction), days=days
        )
        await replies.reply(
            interaction, content="Stale threshold saved.", embeds=[render.settings_embed(newsroom)], ephemeral=True
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
