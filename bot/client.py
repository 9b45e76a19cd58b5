"""The Discord client: intents, caches, extensions and deliberate command syncing."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import logging
from collections.abc import Callable

import discord
import yarl
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from sqlalchemy.orm import configure_mappers

from bot.buttons import refuse_unknown_button
from bot.failures import NewsTree
from bot.forms import Forms, is_form
from bot.pacing import make_pacer, tracing
from bot.render.text import NO_MENTIONS
from bot.services.newsrooms import NewsroomRegistry
from bot.settings import Settings
from db import app_state
from db.engine import Database

log = logging.getLogger(__name__)

EXTENSIONS = (
    "cogs.reader",
    "cogs.log",
    "cogs.topic",
    "cogs.entry",
    "cogs.settings",
    "cogs.digest",
    "cogs.alerts",
    "cogs.summary",
    "cogs.help",
    "cogs.reminders",
    "cogs.search",
    "cogs.speaker",
    "cogs.ask",
)

Clock = Callable[[], dt.datetime]


def utc_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def intents(*, members: bool = False) -> discord.Intents:
    # Slash commands need no message content and no member list; guilds gives channels and roles,
    # which the editor check and the digest's channel checks use. `members` (privileged, enabled in
    # the developer portal) lets the bot hear members leave, to stop their follows' DMs at once.
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.members = members
    return chosen


# Newsdesk never joins voice; silence the library's start-up warnings about missing voice extras.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


class NewsBot(commands.AutoShardedBot):
    def __init__(
        self,
        *,
        settings: Settings,
        database: Database,
        clock: Clock = utc_clock,
        extensions: tuple[str, ...] = EXTENSIONS,
        start_scheduler: bool = True,
        sync_commands: bool = False,
    ) -> None:
        # One pacer per process: every post the bot makes on its own waits for its slot there.
        pacer = make_pacer(settings, database)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(members=settings.members_intent),
            tree_cls=NewsTree,
            allowed_mentions=NO_MENTIONS,
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            max_messages=None,
            shard_count=settings.shard_count,
            # discord.py types shard_ids as List[int], yet None (its own default) means "all shards".
            shard_ids=settings.shard_ids,  # pyright: ignore[reportArgumentType]
            http_trace=tracing(pacer),
        )
        self.pacer = pacer
        self.settings = settings
        self.database = database
        self.newsrooms = NewsroomRegistry(database)
        self.forms = Forms()
        self.clock = clock
        self.start_scheduler = start_scheduler
        self.sync_commands = sync_commands
        self._extensions = extensions

    async def setup_hook(self) -> None:
        if self.user is not None:
            # One timeline per bot token: every process logged in as this bot shares it.
            self.pacer.source.key = f"bot:{self.user.id}"
        if self.settings.discord_api_base_url:
            await self._point_gateway_at_api_host()
        for name in self._extensions:
            await self.load_extension(name)
        if self.sync_commands:
            await self.sync_commands_if_changed()

    async def _point_gateway_at_api_host(self) -> None:
        """With a non-default API host, connect to the gateway that host names, not Discord's."""
        url = self.settings.discord_gateway_url
        if not url:
            _shards, url, _limits = await self.http.get_bot_gateway()
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        log.info("gateway: %s", url)

    def command_payload(self) -> list[dict[str, object]]:
        return [command.to_dict(self.tree) for command in self.tree.get_commands()]

    def command_fingerprint(self) -> str:
        blob = json.dumps(self.command_payload(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    async def sync_commands_if_changed(self) -> bool:
        """Sync only when the command tree differs from what was last synced to the same target."""
        guild_id = self.settings.newsdesk_dev_guild
        key = f"commands:{guild_id or 'global'}"
        fingerprint = self.command_fingerprint()
        if await app_state.get(self.database, key=key) == fingerprint:
            log.info("commands unchanged since last sync; not syncing")
            return False
        if guild_id:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        await app_state.put(self.database, key=key, value=fingerprint)
        log.info("synced %d commands to %s", len(synced), f"guild {guild_id}" if guild_id else "all guilds")
        return True

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """What no registered handler takes: our stored forms, and button ids no button of ours has."""
        if is_form(interaction):
            await self.forms.submit(interaction)
        elif interaction.type is discord.InteractionType.component:
            await refuse_unknown_button(interaction)

    async def on_ready(self) -> None:
        log.info("connected as %s to %d guilds", self.user, len(self.guilds))
        # The guild cache built at start-up lives for the whole process; moving it out of the
        # collector's view keeps full collections from scanning it (hundreds of ms at 10,000 guilds).
        # The ORM's mappers live as long, but are set up at their first use (the first digest tick,
        # say): set up now, they are frozen with the rest.
        configure_mappers()
        gc.collect()
        gc.freeze()
