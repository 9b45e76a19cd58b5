"""/digest add|edit|list|remove|pause|resume|preview|send-now, the scheduler loop, and the failure notice."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.buttons import StatefulButton
from bot.client import NewsBot
from bot.core.errors import InvalidInput
from bot.core.schedule import load_zone, local_label
from bot.digest import edit_options, targets, views
from bot.digest import options as digest_options
from bot.digest.delivery import DiscordPoster
from bot.digest.render import DigestPart, render_payload
from bot.options import bot_of, clean_timezone, guild_id_of, requester_of, timezone_autocomplete
from bot.render import custom_ids
from bot.render.text import NO_MENTIONS
from bot.scheduling import TickLoop
from bot.services import digest_edit, digests
from bot.services.digest_runner import DigestRunner
from bot.services.digest_sending import Outcome

log = logging.getLogger(__name__)

DigestId = app_commands.Range[int, 1, 2**31 - 1]  # the id column is a 32-bit integer
_ID_HELP = "The digest's number, as shown by /digest list"


# What /digest add and /digest edit say about the settings they share; add also names the defaults.
HELP = {
    "channel": "The channel, thread or forum to post in",
    "time": "Local time, 24-hour HH:MM, e.g. 09:00",
    "timezone": "IANA time zone, e.g. Europe/London",
    "topics": "Topic slugs, comma-separated, e.g. atacms,tariffs",
    "days": "daily, weekdays, weekends, mon-fri or mon,wed,fri",
    "mention": "A role to mention in each digest",
    "post_when_empty": "On days with no changes, post one short line",
    "publish": "In an announcement channel, publish each digest to the servers following it",
}
ADD_DEFAULTS = {
    "timezone": "the newsroom's time zone",
    "topics": "every topic",
    "days": "daily",
    "mention": "no one is mentioned",
    "post_when_empty": "yes",
    "publish": "no",
}
ADD_HELP = {
    name: f"{text} (default: {ADD_DEFAULTS[name]})" if name in ADD_DEFAULTS else text for name, text in HELP.items()
}


def _channel_label(channel_id: int) -> str:
    return f"<#{channel_id}>"


def _mention_id(interaction: discord.Interaction, mention: discord.Role | None) -> int | None:
    if mention is not None and (mention.is_default() or mention.id == guild_id_of(interaction)):
        raise InvalidInput("A digest can't mention the everyone role; pick another role, or leave `mention` empty.")
    return mention.id if mention is not None else None


async def send_list(interaction: discord.Interaction, *, edit: bool, page: int = 0) -> None:
    found = await digests.list_subscriptions(bot_of(interaction).database, requester_of(interaction))
    embed, view = views.list_embed(found, page=page)
    await replies.page(interaction, edit=edit, embeds=[embed], view=view, ephemeral=True)


class DigestsPageButton(
    StatefulButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.DIGESTS_TEMPLATE
):
    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        await send_list(interaction, edit=True, page=custom_ids.number(groups, "page"))


def runner_for(bot: NewsBot) -> DigestRunner:
    return DigestRunner(bot.database, poster=DiscordPoster(bot), clock=bot.clock, render=render_payload)


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class DigestCog(commands.GroupCog, group_name="digest", group_description="Editors: digests of what changed"):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.service = runner_for(bot)
        self.scheduler = TickLoop(bot, name="digest scheduler", work=self._run_due)
        super().__init__()

    # -- the scheduler -----------------------------------------------------------------------------

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(DigestsPageButton)
        self.scheduler.start()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(DigestsPageButton)
        await self.scheduler.stop()

    async def _run_due(self) -> None:
        await self.service.run_due(self.bot.clock())

    # -- the notice after a failure ----------------------------------------------------------------

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command | app_commands.ContextMenu
    ) -> None:
        """After any command in a newsroom whose digest a failure paused, tell the first editor."""
        guild_id = interaction.guild_id
        if guild_id is None:
            return
        board = self.service.notices
        try:
            await board.refresh_if_stale(self.bot.database, self.bot.clock(), self.service.config.notice_max_age)
            if guild_id not in board.guilds or interaction.response.type is discord.InteractionResponseType.modal:
                return  # nothing to say, or a modal was opened (it cannot take a followup)
            notices = await digests.take_notices(self.bot.database, requester_of(interaction))
            if notices is None:
                return  # not an editor: the notice waits for one
            board.guilds.discard(guild_id)
            if notices:
                await interaction.followup.send(
                    replies.safe_content(views.notice_line(notices)), ephemeral=True, allowed_mentions=NO_MENTIONS
                )
        except Exception:
            log.exception("could not show the digest failure notice in guild %s", guild_id)

    # -- commands ----------------------------------------------------------------------------------

    @app_commands.command(name="add", description="Post a digest of what changed to a channel at a set local time")
    @app_commands.describe(**ADD_HELP)
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def add(
        self,
        interaction: discord.Interaction,
        channel: targets.Postable,
        time: app_commands.Range[str, 4, 5],
        timezone: app_commands.Range[str, 1, 64] | None = None,
        topics: app_commands.Range[str, 1, 900] | None = None,
        days: app_commands.Range[str, 1, 60] | None = None,
        mention: discord.Role | None = None,
        post_when_empty: bool = True,
        publish: bool = False,
    ) -> None:
        bot = bot_of(interaction)
        if (problem := targets.refusal(channel, publish=publish)) is not None:
            raise InvalidInput(problem)
        try:
            view = await digests.add_subscription(
                bot.database,
                requester_of(interaction),
                channel_id=channel.id,
                local_time=digest_options.clean_time(time),
                timezone=clean_timezone(timezone) if timezone else None,
                topic_slugs=digest_options.clean_topics(topics),
                weekdays=digest_options.clean_days(days),
                mention_role_id=_mention_id(interaction, mention),
                post_when_empty=post_when_empty,
                missing_permissions=targets.missing_permissions(channel),
                now=bot.clock(),
                settle=self.service.config.settle,
                target=targets.target_of(channel),
                publish=publish,
            )
        except digests.CannotPost as exc:
            raise targets.cannot_post(channel, exc.missing) from exc
        sub = view.subscription
        await replies.reply(
            interaction,
            content=f"Digest `#{sub.id}` will post in {channel.mention}. `/digest preview {sub.id}` shows it now.",
            embeds=[views.subscription_embed(view, title="Digest added")],
            ephemeral=True,
        )

    @app_commands.command(name="edit", description="Change a digest's channel, time, days, topics or mention")
    @app_commands.describe(
        id=_ID_HELP,
        **{**HELP, "topics": "Topic slugs, comma-separated, or `all` for every topic"},
        no_mention="Stop mentioning a role",
    )
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def edit(
        self,
        interaction: discord.Interaction,
        id: DigestId,
        channel: targets.Postable | None = None,
        time: app_commands.Range[str, 4, 5] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        topics: app_commands.Range[str, 1, 900] | None = None,
        days: app_commands.Range[str, 1, 60] | None = None,
        mention: discord.Role | None = None,
        no_mention: bool = False,
        post_when_empty: bool | None = None,
        publish: bool | None = None,
    ) -> None:
        if mention is not None and no_mention:
            raise InvalidInput("Give either `mention` or `no_mention`, not both.")
        bot = bot_of(interaction)
        checked = await edit_options.checked_channel(interaction, id, channel, publish=publish)
        changes = edit_options.changes(
            channel=channel,
            publish=publish,
            time=time,
            timezone=timezone,
            topics=topics,
            days=days,
            mention_role_id=_mention_id(interaction, mention),
            no_mention=no_mention,
            post_when_empty=post_when_empty,
        )
        try:
            edited = await digest_edit.edit_subscription(
                bot.database,
                requester_of(interaction),
                id,
                changes,
                missing_permissions=targets.missing_permissions(checked) if checked is not None else [],
                now=bot.clock(),
                settle=self.service.config.settle,
            )
        except digests.CannotPost as exc:
            assert checked is not None  # only a checked channel can be missing permissions
            raise targets.cannot_post(checked, exc.missing) from exc
        text = (
            f"Edited digest `#{id}`; its number and history are kept.\n{views.edit_lines(edited.before, edited.after)}"
            if edited.changed
            else f"Digest `#{id}` already had those settings; nothing changed."
        )
        await replies.reply(
            interaction,
            content=text,
            embeds=[views.subscription_embed(edited.view, title="Digest edited")],
            ephemeral=True,
        )

    @app_commands.command(name="list", description="This newsroom's digests, their schedule and health")
    async def list_(self, interaction: discord.Interaction) -> None:
        await send_list(interaction, edit=False)

    @app_commands.command(name="remove", description="Stop and delete a digest")
    @app_commands.describe(id=_ID_HELP)
    async def remove(self, interaction: discord.Interaction, id: DigestId) -> None:
        sub = await digests.remove_subscription(bot_of(interaction).database, requester_of(interaction), id)
        await replies.reply(
            interaction, content=f"Removed digest `#{id}` ({_channel_label(sub.channel_id)}).", ephemeral=True
        )

    @app_commands.command(name="pause", description="Stop posting a digest until it is resumed")
    @app_commands.describe(id=_ID_HELP)
    async def pause(self, interaction: discord.Interaction, id: DigestId) -> None:
        bot = bot_of(interaction)
        await digests.set_paused(
            bot.database,
            requester_of(interaction),
            id,
            paused=True,
            now=bot.clock(),
            settle=self.service.config.settle,
        )
        await replies.reply(
            interaction, content=f"Paused digest `#{id}`. `/digest resume {id}` restarts it.", ephemeral=True
        )

    @app_commands.command(name="resume", description="Resume a paused digest (after fixing what stopped it)")
    @app_commands.describe(id=_ID_HELP)
    async def resume(self, interaction: discord.Interaction, id: DigestId) -> None:
        bot = bot_of(interaction)
        requester = requester_of(interaction)
        sub = await digests.editor_subscription(bot.database, requester, id)
        channel = targets.in_guild(interaction.guild, sub.channel_id)
        try:
            sub = await digests.set_paused(
                bot.database,
                requester,
                id,
                paused=False,
                now=bot.clock(),
                settle=self.service.config.settle,
                missing_permissions=targets.missing_permissions(channel),
            )
        except digests.CannotPost as exc:
            raise InvalidInput(
                f"Digest `#{id}` stays paused: I still can't post in {_channel_label(sub.channel_id)} "
                f"(missing {', '.join(exc.missing)})."
            ) from exc
        self.service.notices.guilds.discard(requester.guild_id)
        zone = load_zone(sub.timezone)
        await replies.reply(
            interaction,
            content=f"Resumed digest `#{id}`. Next: {local_label(sub.next_due_at, zone)}, covering everything "
            f"since {local_label(sub.covered_until, zone)}.",
            ephemeral=True,
        )

    @app_commands.command(name="preview", description="Show, only to you, exactly what the digest would post now")
    @app_commands.describe(id=_ID_HELP)
    async def preview(self, interaction: discord.Interaction, id: DigestId) -> None:
        bot = bot_of(interaction)
        sub = await digests.editor_subscription(bot.database, requester_of(interaction), id)
        parts = [DigestPart.from_json(p) for p in await self.service.preview(sub, bot.clock())]
        for part in parts:
            await replies.reply(interaction, content=part.content, embeds=part.discord_embeds(), ephemeral=True)

    @app_commands.command(name="send-now", description="Post the digest now; it counts as this period's digest")
    @app_commands.describe(id=_ID_HELP)
    async def send_now(self, interaction: discord.Interaction, id: DigestId) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        claim, result = await self.service.send_now(requester_of(interaction), id)
        channel = _channel_label(claim.channel_id)
        if result.outcome in (Outcome.SENT, Outcome.RECONCILED):
            count = len(result.message_ids)
            text = (
                f"Posted digest `#{id}` in {channel} ({count} message{'s' if count != 1 else ''}). "
                f"It counts as the digest for {claim.period_key}."
            )
        elif result.outcome is Outcome.SKIPPED:
            text = f"Nothing new for digest `#{id}`, and it is set not to post on quiet days; nothing was posted."
        elif result.outcome is Outcome.PAUSED:
            text = (
                f"Discord refused the digest: {result.error} "
                f"Digest `#{id}` is paused; fix it, then `/digest resume {id}`."
            )
        elif result.outcome is Outcome.LOST:
            text = f"Another bot process took over digest `#{id}`; it will be posted once."
        else:
            text = f"Discord had a problem posting digest `#{id}`; it will be retried automatically."
        await replies.reply(interaction, content=text, ephemeral=True)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(DigestCog(bot))
