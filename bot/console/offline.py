"""Run the real bot without Discord: feed it interaction payloads, capture what it would send.

The simulation (:mod:`bot.simulation`) delivers interactions through discord.py's own gateway entry
point, so the command tree, checks, views and modals are the production code paths, and answers the
bot's requests the way Discord would. This module only turns what the bot sent into what a user
would see: messages (possibly ephemeral or edited), modals and autocomplete choices.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.client import NewsBot
from bot.simulation import dispatch, network
from bot.simulation.network import RecordedCall
from bot.simulation.payloads import AUTOCOMPLETE_RESULT, EPHEMERAL_FLAG, JSON, MODAL, UPDATE_MESSAGE
from bot.simulation.recorder import Recorder
from bot.simulation.world import Channel, Guild, Role, User, World

# Fixed ids for the demo newsroom: stable across runs, so data logged in one session reads back in the next.
DEMO_GUILD_ID = 100000000000000001
DEMO_CHANNEL_ID = DEMO_GUILD_ID + 10
DEMO_EDITOR_ROLE_ID = DEMO_GUILD_ID + 1
DEMO_USER_ID = 100000000000000100
DEMO_OWNER_ID = 100000000000000101
BOT_USER_ID = 100000000000000900
READER_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, read_message_history=True, use_application_commands=True
).value
EDITOR_PERMISSIONS = discord.Permissions(manage_guild=True).value
_CHANNEL_POST = re.compile(r"/channels/\d+/messages")


@dataclass(slots=True)
class Shown:
    """One thing the bot showed: a message (possibly ephemeral), a modal, or autocomplete choices."""

    kind: str  # "message" | "modal" | "choices"
    data: dict[str, Any]
    ephemeral: bool = False
    edited: bool = False


@dataclass(slots=True)
class Outcome:
    shown: list[Shown] = field(default_factory=list)


def shown_by(call: RecordedCall) -> Shown | None:
    """What a user would see because of one answered request, if anything."""
    body, response = call.json or {}, call.response
    if call.is_callback:
        kind, data = body.get("type"), body.get("data") or {}
        if kind == AUTOCOMPLETE_RESULT:
            return Shown("choices", data)
        if kind == MODAL:
            return Shown("modal", data)
        message = (response or {}).get("resource", {}).get("message")
        if message is None:
            return None  # a deferral: nothing to see yet
        return Shown(
            "message", message, ephemeral=bool(message["flags"] & EPHEMERAL_FLAG), edited=kind == UPDATE_MESSAGE
        )
    if not isinstance(response, dict) or "id" not in response:
        return None
    if call.via == "webhook" and call.method == "PATCH":
        return Shown("message", response, edited=True)
    if (call.via == "webhook" and call.method == "POST") or _CHANNEL_POST.fullmatch(call.path):
        return Shown("message", response, ephemeral=bool(response.get("flags", 0) & EPHEMERAL_FLAG))
    return None


def demo_world(guild_name: str, *, editor: bool) -> World:
    world = World(User(BOT_USER_ID, "Newsdesk", bot=True), User(DEMO_OWNER_ID, "owner"))
    you = world.add_user(User(DEMO_USER_ID, "console", "You"))
    world.add_user(world.bot_user)
    world.add_user(world.owner)
    roles = [
        Role(DEMO_GUILD_ID, "@everyone", READER_PERMISSIONS, 0),
        Role(DEMO_EDITOR_ROLE_ID, "Editors", EDITOR_PERMISSIONS, 1),
    ]
    channel = Channel(DEMO_CHANNEL_ID, "newsroom", DEMO_GUILD_ID)
    guild = world.add_guild(
        Guild(DEMO_GUILD_ID, guild_name, DEMO_OWNER_ID, roles, [channel], joined_at="2023-01-01T00:00:00+00:00")
    )
    guild.members.update({world.bot_user.id: [], you.id: [DEMO_EDITOR_ROLE_ID] if editor else []})
    return world


class _Recorder(Recorder):
    def __init__(self, bot: NewsBot, world: World) -> None:
        super().__init__(bot, world)
        self.current: Outcome | None = None
        self.fallback = lambda call: {}  # the console has no opinion on routes a demo never needs

    def on_answered(self, call: RecordedCall) -> None:
        if self.current is not None and (shown := shown_by(call)) is not None:
            self.current.shown.append(shown)


class OfflineDiscord:
    def __init__(self, bot: NewsBot, *, guild_name: str = "Demo newsroom", editor: bool = True) -> None:
        self.bot = bot
        self.editor = editor
        self.world = demo_world(guild_name, editor=editor)
        self.recorder = _Recorder(bot, self.world)
        self._is_background = dispatch.background_matcher()

    # ---- start-up: what login() and the gateway's GUILD_CREATE would do ----
    async def start(self) -> None:
        network.attach(self.recorder)
        await dispatch.log_in(self.bot, BOT_USER_ID, self.world.bot_user.payload())
        self.recorder.live = True
        guild = self.world.guilds[DEMO_GUILD_ID]
        dispatch.guild_create(self.bot, guild.create_payload(self.world.users))

    # ---- dispatch ----
    def base_payload(self, kind: int, data: dict[str, Any]) -> JSON:
        guild = self.world.guilds[DEMO_GUILD_ID]
        you = self.world.users[DEMO_USER_ID]
        return self.world.interaction(kind, data, you, guild, guild.channel, locale="en-GB", guild_locale="en-GB")

    async def dispatch(self, payload: dict[str, Any], *, limit: float = 30.0) -> Outcome:
        """Deliver one interaction and wait until everything it started has finished."""
        if (message := payload.get("message")) is not None:
            # The message a button lives on may come from an earlier run: it exists for us too.
            self.recorder.message_by_id.setdefault(int(message["id"]), copy.deepcopy(message))
        self.recorder.register(payload)
        outcome = Outcome()
        self.recorder.current = outcome
        before = asyncio.all_tasks()
        try:
            dispatch.interaction_create(self.bot, payload)
            await dispatch.settle(before, limit, self._is_background)
        finally:
            self.recorder.current = None
        return outcome

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.bot.close()
        network.detach(self.recorder)
