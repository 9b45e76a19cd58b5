"""/alert add|list|remove|pause|resume for editors, /follow, /unfollow and /following for every member,
the alert scheduler loop, and the notices after a refusal paused an alert (editors) or a follow (the
member). The two cogs share one runner and one notice board, so they live in one extension.
"""

from __future__ import annotations

import datetime as dt
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.alerts import views
from bot.alerts.delivery import DiscordAlertPoster
from bot.alerts.notices import AlertNotices
from bot.alerts.render import AlertRenderer
from bot.client import NewsBot
from bot.core import alert_rules
from bot.core.errors import InvalidInput
from bot.digest import options as digest_options
from bot.digest import targets
from bot.options import bot_of, requester_of, topic_autocomplete
from bot.render.text import NO_MENTIONS
from bot.scheduling import TickLoop
from bot.services import alerts, digests
from bot.services.alert_runner import AlertRunner
from bot.services.digest_sending import DigestConfig

log = logging.getLogger(__name__)

AlertId = app_commands.Range[int, 1, 2**31 - 1]
_ID_HELP = "The alert's number, as shown by /alert list"
_KINDS_HELP = "status, statement, event, correction (comma-separated) or all (default: status)"


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class AlertCog(commands.GroupCog, group_name="alert", group_description="Editors: instant alerts of changes"):
    def __init__(self, bot: NewsBot, runner: AlertRunner, notices: AlertNotices) -> None:
        self.bot, self.runner, self.notices = bot, runner, notices
        self.scheduler = TickLoop(bot, name="alert scheduler", work=self._run_due)
        super().__init__()

    async def cog_load(self) -> None:
        self.scheduler.start()

    async def cog_unload(self) -> None:
        await self.scheduler.stop()

    async def _run_due(self) -> None:
        await self.runner.run_due(self.bot.clock())
        await self.notices.refresh(self.bot.database, self.bot.clock())

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command | app_commands.ContextMenu
    ) -> None:
        """After any command: tell the first editor about alerts a refusal paused, and a member about
        their follows a refused direct message paused (once, only to them)."""
        guild_id = interaction.guild_id
        if guild_id is None or interaction.response.type is discord.InteractionResponseType.modal:
            return
        db = self.bot.database
        try:
            await self.notices.refresh_if_stale(db, self.bot.clock())
            requester = requester_of(interaction)
            if (guild_id, requester.user_id) in self.notices.members:
                topics = await alerts.take_follow_notice(db, requester)
                self.notices.members.discard((guild_id, requester.user_id))
                if topics is not None:
                    await interaction.followup.send(
                        alert_rules.dm_paused_notice(topics), ephemeral=True, allowed_mentions=NO_MENTIONS
                    )
            if guild_id in self.notices.editors:
                subs = await alerts.take_alert_notices(db, requester)
                if subs is not None:
                    self.notices.editors.discard(guild_id)
                    if subs:
                        await interaction.followup.send(
                            replies.safe_content(views.alert_notice(subs)),
                            ephemeral=True,
                            allowed_mentions=NO_MENTIONS,
                        )
        except Exception:
            log.exception("could not show the alert notice in guild %s", guild_id)

    @app_commands.command(name="add", description="Post changes to a channel as they happen, after a short grace")
    @app_commands.describe(
        channel="The text or announcement channel, or thread, to post in",
        topics="Topic slugs, comma-separated (default: every topic)",
        kinds=_KINDS_HELP,
    )
    async def add(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | discord.Thread,
        topics: app_commands.Range[str, 1, 900] | None = None,
        kinds: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        bot = bot_of(interaction)
        if (problem := targets.refusal(channel, publish=False)) is not None:
            raise InvalidInput(problem)
        try:
            view = await alerts.add_alert(
                bot.database,
                requester_of(interaction),
                channel_id=channel.id,
                target=targets.target_of(channel),
                topic_slugs=digest_options.clean_topics(topics),
                kinds=alert_rules.parse_kinds(kinds),
                missing_permissions=targets.missing_permissions(channel),
                now=bot.clock(),
            )
        except digests.CannotPost as exc:
            raise targets.cannot_post(channel, exc.missing) from exc
        await replies.reply(
            interaction,
            content=f"Alert `#{view.subscription.id}` will post changes in {channel.mention}.",
            embeds=[views.done_embed("Alert added", views.alert_line(view))],
            ephemeral=True,
        )

    @app_commands.command(name="edit", description="Change the topics or kinds of changes an alert posts")
    @app_commands.describe(
        id=_ID_HELP, topics="Topic slugs, comma-separated, or `all` for every topic", kinds=_KINDS_HELP
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        id: AlertId,
        topics: app_commands.Range[str, 1, 900] | None = None,
        kinds: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        if topics is None and kinds is None:
            raise InvalidInput("Give `topics` or `kinds` to change; to move an alert, remove it and add it again.")
        every = topics is not None and topics.strip().lower() == "all"
        view = await alerts.edit_alert(
            bot_of(interaction).database,
            requester_of(interaction),
            id,
            topic_slugs=[] if every else digest_options.clean_topics(topics),
            kinds=alert_rules.parse_kinds(kinds) if kinds is not None else None,
        )
        await replies.reply(
            interaction,
            content=f"Edited alert `#{id}`.",
            embeds=[views.done_embed("Alert edited", views.alert_line(view))],
            ephemeral=True,
        )

    @app_commands.command(name="list", description="This newsroom's alerts and their health")
    async def list_(self, interaction: discord.Interaction) -> None:
        found = await alerts.list_alerts(bot_of(interaction).database, requester_of(interaction))
        await replies.reply(interaction, embeds=[views.list_embed(found)], ephemeral=True)

    @app_commands.command(name="remove", description="Stop and delete an alert")
    @app_commands.describe(id=_ID_HELP)
    async def remove(self, interaction: discord.Interaction, id: AlertId) -> None:
        sub = await alerts.remove_alert(bot_of(interaction).database, requester_of(interaction), id)
        text = f"Removed alert `#{id}` ({views.where(sub)})."
        await replies.reply(interaction, content=text, embeds=[views.done_embed("Alert removed", text)], ephemeral=True)

    @app_commands.command(name="pause", description="Stop posting an alert until it is resumed")
    @app_commands.describe(id=_ID_HELP)
    async def pause(self, interaction: discord.Interaction, id: AlertId) -> None:
        bot = bot_of(interaction)
        await alerts.set_alert_paused(bot.database, requester_of(interaction), id, paused=True, now=bot.clock())
        text = f"Paused alert `#{id}`. `/alert resume {id}` restarts it."
        await replies.reply(interaction, content=text, embeds=[views.done_embed("Alert paused", text)], ephemeral=True)

    @app_commands.command(name="resume", description="Resume a paused alert (after fixing what stopped it)")
    @app_commands.describe(id=_ID_HELP)
    async def resume(self, interaction: discord.Interaction, id: AlertId) -> None:
        bot = bot_of(interaction)
        requester = requester_of(interaction)
        listed = {v.subscription.id: v.subscription for v in await alerts.list_alerts(bot.database, requester)}
        channel = targets.in_guild(interaction.guild, listed[id].channel_id) if id in listed else None
        try:
            await alerts.set_alert_paused(
                bot.database,
                requester,
                id,
                paused=False,
                now=bot.clock(),
                missing_permissions=targets.missing_permissions(channel) if id in listed else [],
            )
        except digests.CannotPost as exc:
            raise InvalidInput(
                f"Alert `#{id}` stays paused: I still can't post there (missing {', '.join(exc.missing)})."
            ) from exc
        self.notices.editors.discard(requester.guild_id)
        text = f"Resumed alert `#{id}`: it posts changes from now on."
        await replies.reply(interaction, content=text, embeds=[views.done_embed("Alert resumed", text)], ephemeral=True)


class FollowCog(commands.Cog):
    """Any member: follow topics and get their changes by direct message."""

    def __init__(self, bot: NewsBot, notices: AlertNotices) -> None:
        self.bot, self.notices = bot, notices
        super().__init__()

    @app_commands.command(name="follow", description="Get a topic's changes by direct message as they happen")
    @app_commands.describe(topic="The topic to follow", kinds=_KINDS_HELP)
    @app_commands.autocomplete(topic=topic_autocomplete)
    @app_commands.guild_only()
    async def follow(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 100],
        kinds: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        bot = bot_of(interaction)
        requester = requester_of(interaction)
        followed, resumed = await alerts.follow(
            bot.database,
            requester,
            slug=topic.strip(),
            kinds=alert_rules.parse_kinds(kinds),
            now=bot.clock(),
        )
        self.notices.members.discard((requester.guild_id, requester.user_id))
        text = (
            f"You follow `{followed.slug}` ({alert_rules.kinds_label(followed.kinds)}): its changes come to you "
            "by direct message. `/unfollow` stops them."
        )
        if resumed:
            text += " Your paused follows here are resumed."
        await replies.reply(interaction, content=text, embeds=[views.done_embed("Following", text)], ephemeral=True)

    @app_commands.command(name="unfollow", description="Stop getting a topic's changes by direct message")
    @app_commands.describe(topic="The topic to stop following")
    @app_commands.autocomplete(topic=topic_autocomplete)
    @app_commands.guild_only()
    async def unfollow(self, interaction: discord.Interaction, topic: app_commands.Range[str, 1, 100]) -> None:
        slug = await alerts.unfollow(bot_of(interaction).database, requester_of(interaction), slug=topic.strip())
        text = f"You no longer follow `{slug}`."
        await replies.reply(interaction, content=text, embeds=[views.done_embed("Unfollowed", text)], ephemeral=True)

    @app_commands.command(name="following", description="The topics you follow by direct message here")
    @app_commands.guild_only()
    async def following(self, interaction: discord.Interaction) -> None:
        found = await alerts.following(bot_of(interaction).database, requester_of(interaction))
        await replies.reply(interaction, content=views.following_text(found), ephemeral=True)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A member who left gets no more direct messages from this newsroom."""
        try:
            await alerts.member_left(self.bot.database, guild_id=payload.guild_id, user_id=payload.user.id)
        except Exception:
            log.exception("could not remove the follows of a member who left guild %s", payload.guild_id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        try:
            await alerts.member_left(self.bot.database, guild_id=guild.id)
        except Exception:
            log.exception("could not remove the follows of guild %s", guild.id)


def runner_for(bot: NewsBot) -> AlertRunner:
    config = DigestConfig(lease=dt.timedelta(seconds=bot.settings.alert_lease_seconds))
    return AlertRunner(
        bot.database, poster=DiscordAlertPoster(bot), clock=bot.clock, render=AlertRenderer(), config=config
    )


async def setup(bot: NewsBot) -> None:
    notices = AlertNotices()
    await bot.add_cog(AlertCog(bot, runner_for(bot), notices))
    await bot.add_cog(FollowCog(bot, notices))
