"""A NewsBot brought up offline: real dispatch in, a recorder where the network would be.

The simulation (:mod:`bot.simulation`) does the discord.py side: interactions enter where the gateway
hands them over, so the command tree, option transformers, checks, dynamic items and the cogs all run
as in production, and requests leave through discord.py's HTTP layer into the simulation's network.
Here the requests are answered by a deliberately light endpoint: it notes the instant a request is
handed over, then answers with the JSON Discord would return (built by the simulation's payload
builders), so discord.py's own post-processing runs and is part of the load. It keeps nothing it does
not need, so the memory and latency figures are the bot's, not the recorder's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import discord

from bench.dataset import NewsroomSpec
from bot.client import NewsBot
from bot.settings import Settings
from bot.simulation import dispatch as sim
from bot.simulation import network, payloads
from bot.simulation.limits import RATE_LIMITED, DiscordLimits
from bot.simulation.network import RecordedCall
from bot.simulation.payloads import (
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    JSON,
    LOADING_FLAG,
    SNOWFLAKES,
    UPDATE_MESSAGE,
    now_iso,
)
from db.engine import Database

APPLICATION_ID = 900_000_000_000_000_777
OWNER_ID = 600_000_000_000_099_999
READER_ID = 600_000_000_000_099_998
EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    use_application_commands=True,
).value
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | discord.Permissions(manage_messages=True).value
EPHEMERAL = payloads.EPHEMERAL_FLAG
__all__ = ["AUTOCOMPLETE_RESULT", "CHANNEL_MESSAGE", "DEFERRED_CHANNEL_MESSAGE", "UPDATE_MESSAGE"]


def user_payload(user_id: int, name: str, *, bot: bool = False) -> JSON:
    return payloads.user_payload(user_id, name, name.title(), bot=bot)


BOT_USER = user_payload(APPLICATION_ID, "newsdesk", bot=True)
JOINED_AT = "2024-01-01T00:00:00+00:00"
CHANNEL_NAMES = ("newsroom", "desk-alerts", "general", "digest")


def guild_create_payload(newsroom: NewsroomSpec, joined_at: str) -> JSON:
    """A GUILD_CREATE as the bot receives it with only the guilds intent: a few channels and roles,
    and the bot as the only member (no member list intent, no presences)."""
    gid = newsroom.id
    roles = [
        payloads.role_payload(gid, "@everyone", EVERYONE_PERMISSIONS, 0),
        payloads.role_payload(newsroom.editor_role_id, "Editors", 0, 1),
        payloads.role_payload(gid + 2, "Managers", discord.Permissions(manage_guild=True).value, 2),
        payloads.role_payload(
            newsroom.bot_role_id, "Newsdesk", BOT_PERMISSIONS, 3, managed=True, bot_id=APPLICATION_ID
        ),
    ]
    channels = [
        payloads.channel_payload(cid, gid, CHANNEL_NAMES[i % len(CHANNEL_NAMES)], i)
        for i, cid in enumerate(newsroom.channel_ids)
    ]
    guild = payloads.guild_payload(gid, newsroom.name, OWNER_ID, roles, newsroom.channel_ids[0])
    bot_member = payloads.member_payload(BOT_USER, [newsroom.bot_role_id], joined_at)
    # Only the bot is sent (no members intent), so the member count is higher than the list.
    return payloads.guild_create_payload(
        guild, channels=channels, members=[bot_member], member_count=40, joined_at=joined_at
    )


# -- the recorder -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Handed:
    """One request handed to discord.py's HTTP layer."""

    at: float  # time.perf_counter() when it was handed over
    method: str
    path: str  # the route template
    body: Any


@dataclass(eq=False)
class Recorder:
    """The simulation endpoint for the benchmark's bot: notes when requests arrive, answers like Discord."""

    application_id: int = APPLICATION_ID
    #: interaction token -> future resolved with the first callback for it
    waiting: dict[str, asyncio.Future[Handed]] = field(default_factory=dict)
    #: channel id -> number of messages posted with the bot token (digests)
    channel_posts: dict[int, int] = field(default_factory=dict)
    channel_post_times: list[float] = field(default_factory=list)
    #: DM channel id -> the member it reaches, for every DM channel the bot opened (alert follows)
    dm_channels: dict[int, int] = field(default_factory=dict)
    dm_opened: int = 0
    #: channel id -> bodies posted there, only while `keep_bodies` (the fan-out's exactly-once check)
    bodies: dict[int, list[str]] = field(default_factory=dict)
    keep_bodies: bool = False
    unexpected: list[str] = field(default_factory=list)
    #: Discord's request limits, enforced on bot-token requests as Discord would
    limits: DiscordLimits = field(default_factory=DiscordLimits)
    #: another process's limits (bench.shared_limits.RemoteLimits), asked instead of `limits`
    remote: Any = None

    def expect(self, token: str) -> asyncio.Future[Handed]:
        future: asyncio.Future[Handed] = asyncio.get_running_loop().create_future()
        self.waiting[token] = future
        return future

    def owns_http(self, http: Any) -> bool:
        return True  # the benchmark runs one bot

    def knows_token(self, token: str) -> bool:
        return token in self.waiting

    def cdn(self, url: str) -> bytes:
        raise network.http_error(404, "asset not found", url=url)

    def _message(self, channel_id: int | str, body: JSON, *, interaction: bool, flags: int = 0) -> JSON:
        message = payloads.message_payload(SNOWFLAKES.next(), channel_id, BOT_USER, body)
        message.update(type=20 if interaction else 0, application_id=str(APPLICATION_ID))
        message["flags"] |= flags
        return message

    async def answer(self, call: RecordedCall) -> Any:
        if call.via == "webhook":
            return self._webhook(call)
        await self._admitted(call)
        return self._http(call)

    async def _admitted(self, call: RecordedCall) -> None:
        """What discord.py does with a 429 (the simulation replaces its HTTP layer, retries included):
        wait the time Discord gave and ask again, five times at most."""
        for _ in range(5):
            if self.remote is not None:
                allowed, retry_after = await self.remote.admit(call.method, call.path)
            else:
                verdict = self.limits.admit(call.method, call.path)
                self.limits.answered(200 if verdict.allowed else 429)
                allowed, retry_after = verdict.allowed, float((verdict.body or {}).get("retry_after", 0.0))
            if allowed:
                return
            await asyncio.sleep(retry_after)
        raise network.http_error(429, RATE_LIMITED, method=call.method)

    def _webhook(self, call: RecordedCall) -> Any:
        body = call.json
        future = self.waiting.pop(call.webhook_token or "", None)
        if future is not None and not future.done():
            future.set_result(Handed(call.at, call.method, call.template, body))
        if call.template.endswith("/callback"):
            ctype = int((body or {}).get("type", 0))
            data = (body or {}).get("data") or {}
            info: JSON = {"id": call.path.split("/")[2], "type": 2}
            if ctype in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, UPDATE_MESSAGE):
                loading = LOADING_FLAG if ctype == DEFERRED_CHANNEL_MESSAGE else 0
                message = self._message(0, data, interaction=True, flags=loading)
                return payloads.callback_result(info, ctype, message)
            if ctype == AUTOCOMPLETE_RESULT:
                return None  # Discord answers 204
            return {"interaction": info}
        if call.method in ("POST", "PATCH"):
            return self._message(0, body or {}, interaction=True)  # follow-ups and @original edits
        return None

    def _http(self, call: RecordedCall) -> Any:
        if call.method == "POST" and call.template == "/channels/{channel_id}/messages":
            channel_id = int(call.path.split("/")[2])
            self.channel_posts[channel_id] = self.channel_posts.get(channel_id, 0) + 1
            self.channel_post_times.append(time.perf_counter())  # accepted, after any 429s
            if self.keep_bodies:
                self.bodies.setdefault(channel_id, []).append(json.dumps(call.json or {}, ensure_ascii=False))
            return self._message(channel_id, call.json or {}, interaction=False)
        if call.method == "GET" and call.template == "/channels/{channel_id}/messages":
            return []  # digest reconciliation: nothing was posted before
        if call.method == "POST" and call.template == "/users/@me/channels":
            # Opening a member's DM channel: a request like any other against the global limit.
            user_id = int((call.json or {})["recipient_id"])
            channel_id = SNOWFLAKES.next()
            self.dm_channels[channel_id] = user_id
            self.dm_opened += 1
            return payloads.dm_channel_payload(channel_id, user_payload(user_id, f"member{user_id % 100_000}"))
        self.unexpected.append(f"{call.method} {call.template}")
        return None

    @contextmanager
    def installed(self) -> Iterator[Recorder]:
        network.attach(self)
        try:
            yield self
        finally:
            network.detach(self)


def make_bot(database: Database, *, start_scheduler: bool = False) -> NewsBot:
    settings = Settings(_env_file=None, discord_token=None, database_url=database.url.render_as_string())  # type: ignore[call-arg]
    return NewsBot(settings=settings, database=database, start_scheduler=start_scheduler)


async def prepare(bot: NewsBot) -> None:
    """What login() does, minus the network: bind to the running loop, then load the cogs."""
    await sim.log_in(bot, APPLICATION_ID, BOT_USER)


async def connect(bot: NewsBot, newsrooms: Sequence[NewsroomSpec]) -> None:
    """What the gateway sends on connect: READY listing every guild as unavailable, then one
    GUILD_CREATE per guild. Payloads are built one at a time, as they would arrive."""
    ready = payloads.ready_payload(BOT_USER, APPLICATION_ID, [n.id for n in newsrooms])
    before = asyncio.all_tasks()
    joined = now_iso(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    guilds = (guild_create_payload(newsroom, joined) for newsroom in newsrooms)
    await sim.connect(bot, ready, guilds, ready_within=120)
    # Let the start-up event handlers (on_ready and friends) finish, so their one-off work is not
    # counted against the first command measured. Handlers can start more handlers: a few rounds.
    for _ in range(5):
        await asyncio.sleep(0)
        handlers = [t for t in asyncio.all_tasks() - before if t.get_name().startswith("discord.py: on_")]
        pending = [t for t in handlers if not t.done()]
        if not pending:
            break
        await asyncio.wait(pending, timeout=60)


async def start(bot: NewsBot, newsrooms: Sequence[NewsroomSpec]) -> None:
    await prepare(bot)
    await connect(bot, newsrooms)


dispatch = sim.interaction_create
view_store_size = sim.view_store_size


# -- interaction payloads -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    name: str
    role_ids: tuple[int, ...]


def editor_of(newsroom: NewsroomSpec, index: int = 0) -> Member:
    return Member(newsroom.editor_ids[index % len(newsroom.editor_ids)], "editor", (newsroom.editor_role_id,))


def reader_of(_newsroom: NewsroomSpec) -> Member:
    return Member(READER_ID, "reader", ())


def interaction_payload(
    itype: int, data: JSON, newsroom: NewsroomSpec, member: Member, *, message: JSON | None = None
) -> JSON:
    """An INTERACTION_CREATE as Discord sends it for a guild member."""
    user = user_payload(member.user_id, member.name)
    channel = payloads.channel_payload(
        newsroom.channel_ids[0], newsroom.id, "newsroom", permissions=EVERYONE_PERMISSIONS
    )
    return payloads.interaction_payload(
        itype,
        data,
        application_id=APPLICATION_ID,
        channel=channel,
        guild_id=newsroom.id,
        member=payloads.member_payload(
            user, member.role_ids, "2024-01-01T00:00:00+00:00", permissions=EVERYONE_PERMISSIONS
        ),
        app_permissions=BOT_PERMISSIONS,
        message=message,
    )


def slash(
    command: str, options: dict[str, Any], newsroom: NewsroomSpec, member: Member, *, focused: str | None = None
) -> JSON:
    """/command (or "group sub") with options; `focused` makes it an autocomplete (type 4) request."""
    leaf = [payloads.option_payload(k, v, focused=k == focused) for k, v in options.items()]
    data = payloads.command_data(hash(command.split()[0]) & 0x7FFFFFFFFFFFFFFF, command, leaf)
    return interaction_payload(4 if focused else 2, data, newsroom, member)


def click(custom_id: str, newsroom: NewsroomSpec, member: Member) -> JSON:
    """A button press on a message the bot posted earlier (maybe before a restart)."""
    row = {"type": 1, "components": [{"type": 2, "style": 2, "label": "Next", "custom_id": custom_id}]}
    message = {**payloads.message_payload(SNOWFLAKES.next(), newsroom.channel_ids[0], BOT_USER, {"components": [row]})}
    message.update(type=20, application_id=str(APPLICATION_ID))
    data = {"custom_id": custom_id, "component_type": 2}
    return interaction_payload(3, data, newsroom, member, message=message)
