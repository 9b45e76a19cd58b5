"""The stand-in server: ties the parts together and owns the state they share."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import socket
from collections.abc import Iterable
from typing import Any, Self

from aiohttp import web

from bot.simulation import payloads
from bot.simulation.limits import DiscordLimits
from bot.simulation.payloads import Snowflakes
from tests.e2e.standin.builders import _Builders
from tests.e2e.standin.channels import _Channels
from tests.e2e.standin.commands import _Commands
from tests.e2e.standin.dms import _DMs
from tests.e2e.standin.gateway import _Gateway
from tests.e2e.standin.holds import _Holds
from tests.e2e.standin.http import _Http
from tests.e2e.standin.interactions import _Interactions
from tests.e2e.standin.model import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    API_PREFIX,
    BOT_ROLE_PERMISSIONS,
    EDITORS_PERMISSIONS,
    EVERYONE_PERMISSIONS,
    GATEWAY_PATH,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_PRESENCES,
    JOINED_AT,
    RESUME_GATEWAY_PATH,
    SNOWFLAKE,
    TOKEN,
    GuildFixture,
    StandInConfig,
)
from tests.e2e.standin.recording import _Recording


class DiscordStandIn(_Recording, _Http, _Holds, _Commands, _DMs, _Channels, _Interactions, _Gateway, _Builders):
    """Fake Discord: HTTP API under :attr:`base_url` and a gateway at :attr:`gateway_url`."""

    def __init__(self, config: StandInConfig | None = None) -> None:
        self.config = config or StandInConfig()
        self.requests = []
        self.violations = []
        self.unexpected = []
        self.gateway_connections = []
        self.gateway_frames = []
        self.identify_payloads = []
        self.presence_updates = []
        self.sessions = {}
        self.ack_heartbeats = True  # set False to simulate a zombied connection
        self.limits = DiscordLimits(self.config.limits) if self.config.limits is not None else None
        self._ids = Snowflakes()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._conns = []
        self._conn_ids = itertools.count(1)
        self._failures = []
        self._refuse_gateway = 0
        self._invalid_alarmed = False
        self._changed = asyncio.Event()
        self._timers = []
        self._tasks = set()
        self._interactions = {}
        self._tokens = {}
        self._messages = {}
        self._nonces = {}
        self._global_commands = []
        self._guild_commands = {}
        self._users = {
            u.id: u for u in (self.config.bot_user, self.config.owner, self.config.editor, self.config.reader)
        }
        self._guilds = {g.id: self._build_guild(g) for g in self.config.guilds}
        self._channels = {int(ch["id"]): ch for g in self._guilds.values() for ch in g["channels"]}
        self._dm_by_user = {}
        self._holds = []
        self.closed_dms = set()
        self._routes = []
        self._install_routes()

    # -----------------------------------------------------------------------------------------
    # Routes (the handlers live in the parts)
    # -----------------------------------------------------------------------------------------

    def _install_routes(self) -> None:
        app_cmds = rf"/applications/{SNOWFLAKE}/commands"
        guild_cmds = rf"/applications/{SNOWFLAKE}/guilds/{SNOWFLAKE}/commands"
        webhook = rf"/webhooks/{SNOWFLAKE}/{TOKEN}"
        r = self._route
        r("GET", r"/gateway", self._h_gateway, auth=False)
        r("GET", r"/gateway/bot", self._h_gateway_bot)
        r("GET", r"/users/@me", self._h_me)
        r("GET", rf"/users/{SNOWFLAKE}", self._h_user)
        r("GET", r"/oauth2/applications/@me", self._h_application)
        r("GET", r"/applications/@me", self._h_application)
        r("GET", app_cmds, self._h_list_commands)
        r("PUT", app_cmds, self._h_put_commands)
        r("POST", app_cmds, self._h_post_command)
        r("GET", app_cmds + rf"/{SNOWFLAKE}", self._h_get_command)
        r("PATCH", app_cmds + rf"/{SNOWFLAKE}", self._h_patch_command)
        r("DELETE", app_cmds + rf"/{SNOWFLAKE}", self._h_delete_command)
        r("GET", guild_cmds, self._h_list_commands)
        r("PUT", guild_cmds, self._h_put_commands)
        r("POST", guild_cmds, self._h_post_command)
        r("GET", guild_cmds + rf"/{SNOWFLAKE}", self._h_get_command)
        r("PATCH", guild_cmds + rf"/{SNOWFLAKE}", self._h_patch_command)
        r("DELETE", guild_cmds + rf"/{SNOWFLAKE}", self._h_delete_command)
        r("POST", rf"/interactions/{SNOWFLAKE}/{TOKEN}/callback", self._h_callback, auth=False)
        r("GET", webhook + r"/messages/@original", self._h_get_webhook_message, auth=False)
        r("PATCH", webhook + r"/messages/@original", self._h_edit_webhook_message, auth=False)
        r("DELETE", webhook + r"/messages/@original", self._h_delete_webhook_message, auth=False)
        r("POST", webhook, self._h_followup, auth=False)
        r("GET", webhook + rf"/messages/{SNOWFLAKE}", self._h_get_webhook_message, auth=False)
        r("PATCH", webhook + rf"/messages/{SNOWFLAKE}", self._h_edit_webhook_message, auth=False)
        r("DELETE", webhook + rf"/messages/{SNOWFLAKE}", self._h_delete_webhook_message, auth=False)
        r("POST", r"/users/@me/channels", self._h_create_dm)
        r("POST", rf"/channels/{SNOWFLAKE}/messages", self._h_create_message)
        r("GET", rf"/channels/{SNOWFLAKE}/messages", self._h_list_messages)
        r("GET", rf"/channels/{SNOWFLAKE}/messages/{SNOWFLAKE}", self._h_get_message)
        r("PATCH", rf"/channels/{SNOWFLAKE}/messages/{SNOWFLAKE}", self._h_edit_message)
        r("DELETE", rf"/channels/{SNOWFLAKE}/messages/{SNOWFLAKE}", self._h_delete_message)
        r("POST", rf"/channels/{SNOWFLAKE}/typing", self._h_typing)
        r("POST", rf"/channels/{SNOWFLAKE}/threads", self._h_start_forum_post)
        r("GET", rf"/guilds/{SNOWFLAKE}/threads/active", self._h_active_threads)
        r("GET", rf"/channels/{SNOWFLAKE}", self._h_get_channel)
        r("GET", rf"/guilds/{SNOWFLAKE}", self._h_get_guild)
        r("GET", rf"/guilds/{SNOWFLAKE}/channels", self._h_guild_channels)
        r("GET", rf"/guilds/{SNOWFLAKE}/roles", self._h_guild_roles)
        r("GET", rf"/guilds/{SNOWFLAKE}/members/{SNOWFLAKE}", self._h_guild_member)

    # -----------------------------------------------------------------------------------------
    # Lifecycle
    # -----------------------------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get(GATEWAY_PATH, self._gateway_handler)
        app.router.add_get(RESUME_GATEWAY_PATH, self._gateway_handler)
        app.router.add_route("*", "/{tail:.*}", self._http_handler)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        # Binding our own socket to port 0 gives a free port without touching aiohttp internals.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        self.release_holds()
        for timer in self._timers:
            timer.cancel()
        for conn in list(self._conns):
            if not conn.ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.ws.close(code=1001, message=b"stand-in stopping"), 1.0)
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("stand-in not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Value for ``discord.http.Route.BASE`` (the bot's DISCORD_API_BASE_URL)."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Value for ``DiscordWebSocket.DEFAULT_GATEWAY`` (also returned by GET /gateway/bot)."""
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{RESUME_GATEWAY_PATH}"

    # -----------------------------------------------------------------------------------------
    # Fixture data
    # -----------------------------------------------------------------------------------------

    def _member_roles(self, g: GuildFixture, user_id: int) -> list[int]:
        if user_id == self.config.editor.id:
            return [g.editors_role_id]
        if user_id == self.config.bot_user.id:
            return [g.bot_role_id]
        return []

    def _build_guild(self, g: GuildFixture) -> dict[str, Any]:
        def role(rid: int, name: str, perms: int, position: int, **extra: Any) -> dict[str, Any]:
            return payloads.role_payload(rid, name, perms, position, **extra)

        def channel(cid: int, name: str, position: int) -> dict[str, Any]:
            return payloads.channel_payload(cid, g.id, name, position)

        members = {
            u.id: payloads.member_payload(u.payload(), self._member_roles(g, u.id), JOINED_AT)
            for u in (self.config.editor, self.config.reader, self.config.bot_user)
        }
        return {
            "fixture": g,
            "roles": [
                role(g.id, "@everyone", EVERYONE_PERMISSIONS, 0),
                role(g.editors_role_id, "Editors", EDITORS_PERMISSIONS, 1, mentionable=True),
                role(
                    g.bot_role_id,
                    self.config.bot_user.username,
                    BOT_ROLE_PERMISSIONS,
                    2,
                    managed=True,
                    bot_id=self.config.bot_user.id,
                ),
            ],
            "channels": [
                channel(g.text_channel_id, g.text_channel_name, 0),
                channel(g.second_channel_id, g.second_channel_name, 1),
                *(channel(cid, f"desk-{n}", n + 1) for n, cid in enumerate(g.extra_channel_ids, start=1)),
                {
                    **payloads.channel_payload(g.forum_channel_id, g.id, g.forum_channel_name, 2, kind=payloads.FORUM),
                    "available_tags": [],
                },
            ],
            "members": members,
        }

    def _guild_rest_payload(self, gid: int) -> dict[str, Any]:
        g = self._guilds[gid]
        fx: GuildFixture = g["fixture"]
        roles = copy.deepcopy(g["roles"])
        data = payloads.guild_payload(gid, fx.name, self.config.owner.id, roles, fx.text_channel_id)
        # Fields only the REST guild carries (or that discord.py ignores but Discord still sends).
        data.update(
            icon_hash=None,
            region="deprecated",
            widget_channel_id=None,
            max_presences=None,
            nsfw=False,
            incidents_data=None,
        )
        return data

    def _guild_create_payload(self, gid: int, intents: int) -> dict[str, Any]:
        g = self._guilds[gid]
        data = self._guild_rest_payload(gid)
        all_members = list(g["members"].values())
        # Discord only includes other members up front when the client has the presences intent;
        # otherwise it sends the bot itself and the client must chunk (op 8) if it wants the rest.
        members = all_members if intents & INTENT_GUILD_PRESENCES else [g["members"][self.config.bot_user.id]]
        data = payloads.guild_create_payload(
            data,
            channels=copy.deepcopy(g["channels"]),
            members=copy.deepcopy(members),
            member_count=len(all_members),
            joined_at=JOINED_AT,
        )
        data.update(embedded_activities=[], application_command_counts={}, lazy=True, hub_type=None)
        return data

    def _member_permissions(self, gid: int, user_id: int) -> int:
        if user_id == self.config.owner.id:
            return ALL_PERMISSIONS
        g = self._guilds[gid]
        member = g["members"].get(user_id)
        role_ids = {str(gid)} | set(member["roles"] if member else [])
        perms = 0
        for r in g["roles"]:
            if r["id"] in role_ids:
                perms |= int(r["permissions"])
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def guild_of_channel(self, channel_id: int) -> int | None:
        ch = self._channels.get(int(channel_id))
        # A DM channel belongs to no guild.
        return int(ch["guild_id"]) if ch and ch.get("guild_id") else None

    def _user_payload(self, user_id: int) -> dict[str, Any]:
        fx = self._users.get(user_id)
        return fx.payload() if fx else payloads.user_payload(user_id, f"user{user_id}")

    async def set_member_roles(self, guild_id: int, user_id: int, role_ids: Iterable[int]) -> None:
        """Changes a member's roles and tells the bot (GUILD_MEMBER_UPDATE), e.g. to demote an editor."""
        member = self._guilds[guild_id]["members"][user_id]
        member["roles"] = [str(r) for r in role_ids]
        payload = {"guild_id": str(guild_id), **copy.deepcopy(member)}
        await self.dispatch_event(guild_id, "GUILD_MEMBER_UPDATE", payload, intent=INTENT_GUILD_MEMBERS)
