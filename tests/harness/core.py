"""``DiscordHarness``: fixture guilds and users, real dispatch through discord.py, recorded HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Final, Self

import discord
from discord import app_commands

from bot.simulation import dispatch, network
from bot.simulation.dispatch import DEFAULT_BACKGROUND_TASKS, GatewayCall
from bot.simulation.network import RecordedCall
from bot.simulation.payloads import SNOWFLAKES, ready_payload
from bot.simulation.recorder import Recorder
from bot.simulation.world import Channel, Guild, Role, User, World
from tests.harness.base import BotT
from tests.harness.interactions import Interactions
from tests.harness.reply import CURRENT_REPLY, HarnessError, LogCapture, Reply

# Fixed values (not random) so a second harness built for a "restarted" bot sees the same guilds,
# channels and users as the first one, exactly like a real restart would.
APPLICATION_ID: Final = 900_000_000_000_000_001  # also the bot user's id, as for every modern bot
GUILD_A_ID: Final = 111_111_111_111_111_111
GUILD_B_ID: Final = 222_222_222_222_222_222
EDITOR_ID, READER_ID, ADMIN_ID, OUTSIDER_ID = (300_000_000_000_000_000 + n for n in (1, 2, 3, 4))

# Permissions everybody gets in the fixture guilds (roughly Discord's defaults for a new server).
EVERYONE_PERMISSIONS: Final = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    use_external_emojis=True,
    use_application_commands=True,
).value
MANAGERS_PERMISSIONS: Final = discord.Permissions(manage_guild=True).value
BOT_ROLE_PERMISSIONS: Final = discord.Permissions(
    manage_messages=True, manage_roles=True, create_public_threads=True, manage_threads=True
).value


def _fixture_world(application_id: int) -> World:
    bot_user = User(application_id, "Newsdesk", None, bot=True)
    owner = User(300_000_000_000_000_009, "owner", "Olga Owner")
    world = World(bot_user, owner)
    editor = User(EDITOR_ID, "ed.itor", "Edie Editor")
    reader = User(READER_ID, "reader", "Rita Reader")
    admin = User(ADMIN_ID, "admin", "Adam Admin")
    outsider = User(OUTSIDER_ID, "outsider", "Otto Outsider")
    for user in (bot_user, editor, reader, admin, outsider, owner):
        world.add_user(user)

    def guild(gid: int, name: str, channel_names: Sequence[str], extra_roles: Sequence[Role]) -> Guild:
        roles = [
            Role(gid, "@everyone", EVERYONE_PERMISSIONS, position=0),
            Role(gid + 1, "Editors", 0, position=1),
            *extra_roles,
            Role(gid + 9, "Newsdesk", BOT_ROLE_PERMISSIONS, position=5, managed=True, bot_id=bot_user.id),
        ]
        channels = [Channel(gid + 10 + i, n, gid, position=i) for i, n in enumerate(channel_names)]
        return world.add_guild(Guild(gid, name, owner.id, roles, channels))

    managers = Role(GUILD_A_ID + 2, "Managers", MANAGERS_PERMISSIONS, 2)
    a = guild(GUILD_A_ID, "Newsroom A", ["newsroom", "desk-alerts"], [managers])
    b = guild(GUILD_B_ID, "Newsroom B", ["general"], [])
    a.members.update(
        {
            owner.id: [],
            bot_user.id: [a.role("Newsdesk").id],
            editor.id: [a.editors_role.id],
            reader.id: [],
            admin.id: [managers.id],
        }
    )
    # The editor of guild B lets tests prove guild A's data is not reachable from guild B.
    b.members.update({owner.id: [], bot_user.id: [b.role("Newsdesk").id], outsider.id: [b.editors_role.id]})
    return world


class DiscordHarness(Interactions[BotT]):
    """Drives ``bot`` offline: fixture guilds/users, real dispatch, recorded HTTP.

    ``bot`` must not have logged in. Use ``async with DiscordHarness(bot) as h`` or ``start()``/``close()``.
    """

    def __init__(
        self,
        bot: BotT,
        *,
        settle_timeout: float = 5.0,
        strict: bool = True,
        close_bot: bool = True,
        background_tasks: Iterable[str] = DEFAULT_BACKGROUND_TASKS,
    ) -> None:
        if not hasattr(bot, "tree"):
            raise TypeError("DiscordHarness needs a client with a command tree (.tree)")
        world = _fixture_world(bot.application_id or APPLICATION_ID)
        Recorder.__init__(self, bot, world)
        self.bot: BotT = bot
        self.tree: app_commands.CommandTree[Any] = bot.tree  # type: ignore[attr-defined]
        self.settle_timeout = settle_timeout
        #: raise after a dispatch that hit an unknown route or crashed a task (see Reply.raise_harness_errors)
        self.strict = strict
        self.close_bot = close_bot
        self._is_background = dispatch.background_matcher(background_tasks)
        self.gateway_calls: list[GatewayCall] = []
        self.last_reply: Reply | None = None
        self.bot_user = world.bot_user
        self.owner = world.owner
        self.editor, self.reader = world.users[EDITOR_ID], world.users[READER_ID]
        self.admin, self.other_guild_user = world.users[ADMIN_ID], world.users[OUTSIDER_ID]
        self.users, self.guilds, self.channels = world.users, world.guilds, world.channels
        self.guild_a, self.guild_b = world.guilds[GUILD_A_ID], world.guilds[GUILD_B_ID]
        self._closed = False
        self._listener_added = False
        self._log_capture = LogCapture(self)

    # -- fixtures -----------------------------------------------------------------------------------
    def guild(self, guild: Any) -> Guild:
        return self.world.guild(guild)

    def user(self, user: Any) -> User:
        return self.world.user(user)

    def channel(self, channel: Any) -> Channel:
        return self.world.channel(channel)

    def dm_channel(self, user: User) -> Channel:
        return self.world.dm_channel(user)

    def add_member(
        self, guild: Any, username: str, *, roles: Iterable[Any] = (), global_name: str | None = None
    ) -> User:
        """Create a user who is a member of ``guild`` (fed as GUILD_MEMBER_ADD if the bot has that intent)."""
        g = self.guild(guild)
        user = self.world.add_user(User(SNOWFLAKES.next(), username, global_name))
        self.world.set_roles(g, user, roles)
        if self.live and self.bot.intents.members:
            dispatch.member_add(self.bot, g.id, g.member_payload(user))
        return user

    def add_role(self, guild: Any, name: str, permissions: int | discord.Permissions = 0) -> Role:
        g = self.guild(guild)
        value = permissions.value if isinstance(permissions, discord.Permissions) else permissions
        role = Role(SNOWFLAKES.next(), name, value, position=len(g.roles))
        g.roles.append(role)
        if self.live:
            dispatch.role_create(self.bot, g.id, role.payload())
        return role

    def add_channel(self, guild: Any, name: str, **kind: Any) -> Channel:
        """A channel; `kind` sets its type and, for threads and forums, their fields (world.Channel).
        A thread is added before the harness starts: the guild's GUILD_CREATE carries it."""
        g = self.guild(guild)
        channel = Channel(SNOWFLAKES.next(), name, g.id, position=len(g.channels), **kind)
        g.channels.append(channel)
        self.world.channels[channel.id] = channel
        if self.live:
            dispatch.channel_create(self.bot, channel.payload())
        return channel

    # -- lifecycle ----------------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def start(self) -> Self:
        """Reproduce the offline half of ``Client.login`` + the gateway's READY/GUILD_CREATE sequence."""
        if self._closed:
            raise HarnessError("a closed harness cannot be restarted; build a new one (and a new bot)")
        if self.live:
            return self
        network.attach(self)
        logging.getLogger("discord").addHandler(self._log_capture)
        self.live = True
        try:
            before = set(asyncio.all_tasks())
            add_listener = getattr(self.bot, "add_listener", None)
            if add_listener is not None:
                add_listener(self._capture_interaction, "on_interaction")
                self._listener_added = True
            gateway = dispatch.FakeGateway(self.gateway_calls)
            await dispatch.log_in(self.bot, self.application_id, self.bot_user.payload(), gateway)
            ready = ready_payload(self.bot_user.payload(), self.application_id, self.world.guilds)
            guilds = (g.create_payload(self.world.users) for g in self.world.guilds.values())
            await dispatch.connect(self.bot, ready, guilds, ready_within=self.settle_timeout)
            await self._settle(before, self.settle_timeout, None)
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        """Close the bot (unloads cogs, stops loops) and restore the patched network entry points."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.live and self.close_bot and not self.bot.is_closed():
                await asyncio.wait_for(self.bot.close(), timeout=self.settle_timeout)
        finally:
            if self._listener_added:
                self.bot.remove_listener(self._capture_interaction, "on_interaction")  # type: ignore[attr-defined]
            logging.getLogger("discord").removeHandler(self._log_capture)
            network.detach(self)

    async def _capture_interaction(self, interaction: discord.Interaction[Any]) -> None:
        reply = CURRENT_REPLY.get()
        if reply is not None and reply.harness is self and reply.interaction_id == interaction.id:
            reply.interaction = interaction

    # -- attributing traffic to the dispatch that caused it -----------------------------------------
    def on_call(self, call: RecordedCall) -> None:
        reply = CURRENT_REPLY.get()
        if reply is not None and reply.harness is self:
            reply.calls.append(call)

    def on_unhandled(self, call: RecordedCall) -> None:
        reply = CURRENT_REPLY.get()
        if reply is not None and reply.harness is self:
            reply.unhandled.append(call)
