"""A tiny bot (independent of the real Newsdesk cogs) for proving the test harness and the simulation."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import discord
import discord.http
import discord.webhook.async_
from discord import app_commands
from discord.ext import commands

TOPICS = ["atacms", "ukraine aid", "tariffs", "tiktok ban"]


# --------------------------------------------------------------------------------------------------
# The tiny bot
# --------------------------------------------------------------------------------------------------
class VoteButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"vote:(?P<story>\d+)"):
    """Persistent across restarts: the state lives in the custom_id, not in process memory."""

    def __init__(self, story: int) -> None:
        super().__init__(discord.ui.Button(label="Vote", style=discord.ButtonStyle.primary, custom_id=f"vote:{story}"))
        self.story = story

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(int(match["story"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        interaction.client.seen.append(("vote", self.story, interaction.user.id))
        await interaction.response.send_message(f"vote recorded for story {self.story}", ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    note: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(label="Note", custom_id="note")
    mood: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(label="Mood", custom_id="mood", default="fine")

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(f"thanks: {self.note.value} ({self.mood.value})")


class Picker(discord.ui.View):
    """An ordinary (non-persistent) view with the default 180 s timeout."""

    @discord.ui.select(custom_id="desk", options=[discord.SelectOption(label=d) for d in ("politics", "world")])
    async def desk(self, interaction: discord.Interaction[Any], select: discord.ui.Select[Picker]) -> None:
        await interaction.response.edit_message(content=f"desk: {', '.join(select.values)}", view=None)


class RecordingTree(app_commands.CommandTree["MiniBot"]):
    async def on_error(self, interaction: discord.Interaction[MiniBot], error: app_commands.AppCommandError) -> None:
        interaction.client.errors.append(error)
        if interaction.response.is_done():
            return
        # A redelivered interaction is already acknowledged on Discord's side: answering fails again.
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.send_message("Something went wrong.", ephemeral=True)


class Desk(commands.Cog):
    log = app_commands.Group(name="log", description="Story log")

    def __init__(self, bot: MiniBot) -> None:
        self.bot = bot

    @log.command(name="status", description="Log a status")
    @app_commands.rename(count="times")
    async def log_status(
        self,
        interaction: discord.Interaction[MiniBot],
        topic: str,
        count: int,
        urgent: bool,
        role: discord.Role,
        channel: discord.TextChannel,
    ) -> None:
        self.bot.seen.append(("log status", topic, count, urgent, role, channel))
        embed = discord.Embed(title=topic, description=f"{count} updates")
        await interaction.response.send_message(
            f"{role.mention} {topic} x{count}",
            embed=embed,
            ephemeral=urgent,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="status", description="Story status")
    async def status(self, interaction: discord.Interaction[MiniBot], topic: str) -> None:
        await interaction.response.send_message(f"status of {topic}")

    @status.autocomplete("topic")
    async def status_topic(
        self, interaction: discord.Interaction[MiniBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t.title(), value=t) for t in TOPICS if current.lower() in t]

    @app_commands.command(name="slow", description="Defers, then edits")
    async def slow(self, interaction: discord.Interaction[MiniBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content="done thinking")

    @app_commands.command(name="notify", description="Replies, then follows up")
    async def notify(self, interaction: discord.Interaction[MiniBot]) -> None:
        await interaction.response.send_message("queued")
        await interaction.followup.send("delivered", ephemeral=True)

    @app_commands.command(name="vote", description="Posts a vote button")
    async def vote(self, interaction: discord.Interaction[MiniBot], story: int) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(VoteButton(story))
        await interaction.response.send_message(f"Vote on story {story}", view=view)

    @app_commands.command(name="pick", description="Posts a select menu")
    async def pick(self, interaction: discord.Interaction[MiniBot]) -> None:
        await interaction.response.send_message("choose a desk", view=Picker())

    @app_commands.command(name="feedback", description="Opens a modal")
    async def feedback(self, interaction: discord.Interaction[MiniBot]) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @app_commands.command(name="boom", description="Always fails")
    async def boom(self, interaction: discord.Interaction[MiniBot]) -> None:
        raise RuntimeError("kaboom")

    @app_commands.command(name="settings", description="Managers only")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def settings(self, interaction: discord.Interaction[MiniBot]) -> None:
        await interaction.response.send_message("settings ok", ephemeral=True)

    @app_commands.command(name="post", description="Posts to the channel")
    async def post(self, interaction: discord.Interaction[MiniBot]) -> None:
        assert isinstance(interaction.channel, discord.TextChannel)
        try:
            await interaction.channel.send("bulletin")
        except discord.Forbidden:
            await interaction.response.send_message("cannot post here", ephemeral=True)
        else:
            await interaction.response.send_message("posted", ephemeral=True)

    @app_commands.command(name="emojis", description="Hits a route the harness does not model")
    async def emojis(self, interaction: discord.Interaction[MiniBot]) -> None:
        assert interaction.guild is not None
        emojis = await interaction.guild.fetch_emojis()
        await interaction.response.send_message(str(len(emojis)))

    @app_commands.command(name="whoami", description="Echo invoker data")
    async def whoami(self, interaction: discord.Interaction[MiniBot]) -> None:
        assert isinstance(interaction.user, discord.Member)
        roles = sorted(r.name for r in interaction.user.roles)
        perms = interaction.permissions
        await interaction.response.send_message(
            f"{interaction.guild_id}|{','.join(roles)}|{perms.manage_guild}|{interaction.app_permissions.manage_roles}"
        )


class MiniBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents(guilds=True),
            help_command=None,
            tree_cls=RecordingTree,
        )
        self.seen: list[Any] = []
        self.errors: list[app_commands.AppCommandError] = []
        self.ready_fired = False

    async def setup_hook(self) -> None:
        # What a real bot does at login: load cogs and register persistent/dynamic components.
        await self.add_cog(Desk(self))
        self.add_dynamic_items(VoteButton)

    async def on_ready(self) -> None:
        self.ready_fired = True
