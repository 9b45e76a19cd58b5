"""A NewsBot brought up offline: real dispatch in, a recorder where the network would be.

Interactions enter exactly where the gateway hands them over, ``ConnectionState.parse_interaction_create``,
so the command tree, option transformers, checks, dynamic items and the cogs all run as in production.
Responses leave through discord.py's HTTP layer, whose two entry points are replaced by a recorder:
``AsyncWebhookAdapter.request`` (interaction callbacks and follow-ups) and ``HTTPClient.request``
(bot-token calls such as channel messages). The recorder notes the instant a request is handed over,
then answers with the JSON Discord would return, so discord.py's own post-processing (building the
response message, storing views) runs too and is part of the load.

This is deliberately a small, self-contained cousin of ``tests/harness.py``: the benchmark must not
depend on the test suite, and it needs only the happy path, measured with as little overhead as
possible. All use of private discord.py API in the benchmark is confined to this module.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import discord
import discord.http
import discord.webhook.async_
from discord.http import Route

from bench.dataset import NewsroomSpec
from bot.client import NewsBot
from bot.settings import Settings
from db.engine import Database

JSON = dict[str, Any]
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
# Interaction callback types.
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = 4, 5, 7, 8
EPHEMERAL = 1 << 6


class Snowflakes:
    """Time-based ids, strictly increasing, like the ones Discord mints."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        now = (time.time_ns() // 1_000_000 - discord.utils.DISCORD_EPOCH) << 22
        self._last = max(now, self._last + 1)
        return self._last


SNOWFLAKES = Snowflakes()


def _iso(at: dt.datetime | None = None) -> str:
    return (at or dt.datetime.now(dt.UTC)).isoformat()


def user_payload(user_id: int, name: str, *, bot: bool = False) -> JSON:
    data: JSON = {
        "id": str(user_id),
        "username": name,
        "global_name": name.title(),
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
    }
    if bot:
        data["bot"] = True
    return data


BOT_USER = user_payload(APPLICATION_ID, "newsdesk", bot=True)


def role_payload(role_id: int, name: str, permissions: int, position: int, *, bot_id: int | None = None) -> JSON:
    data: JSON = {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": bot_id is not None,
        "mentionable": False,
        "flags": 0,
    }
    if bot_id is not None:
        data["tags"] = {"bot_id": str(bot_id)}
    return data


def channel_payload(channel_id: int, guild_id: int, name: str, position: int) -> JSON:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "parent_id": None,
        "topic": None,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


CHANNEL_NAMES = ("newsroom", "desk-alerts", "general", "digest")


def guild_create_payload(newsroom: NewsroomSpec, joined_at: str) -> JSON:
    """A GUILD_CREATE as the bot receives it with only the guilds intent: a few channels and roles,
    and the bot as the only member (no member list intent, no presences)."""
    gid = newsroom.id
    bot_member = {
        "user": BOT_USER,
        "nick": None,
        "avatar": None,
        "roles": [str(newsroom.bot_role_id)],
        "joined_at": joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }
    return {
        "id": str(gid),
        "name": newsroom.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(OWNER_ID),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "system_channel_id": str(newsroom.channel_ids[0]),
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "widget_enabled": False,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "features": [],
        "roles": [
            role_payload(gid, "@everyone", EVERYONE_PERMISSIONS, 0),
            role_payload(newsroom.editor_role_id, "Editors", 0, 1),
            role_payload(gid + 2, "Managers", discord.Permissions(manage_guild=True).value, 2),
            role_payload(newsroom.bot_role_id, "Newsdesk", BOT_PERMISSIONS, 3, bot_id=APPLICATION_ID),
        ],
        "emojis": [],
        "stickers": [],
        "application_id": None,
        "joined_at": joined_at,
        "large": False,
        "unavailable": False,
        # Only the bot is sent (no members intent), so the member count is higher than the list.
        "member_count": 40,
        "members": [bot_member],
        "channels": [
            channel_payload(cid, gid, CHANNEL_NAMES[i % len(CHANNEL_NAMES)], i)
            for i, cid in enumerate(newsroom.channel_ids)
        ],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


# -- the recorder -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Handed:
    """One request handed to discord.py's HTTP layer."""

    at: float  # time.perf_counter() when it was handed over
    method: str
    path: str
    body: Any


@dataclass
class Recorder:
    """Stands in for the network below discord.py's HTTP layer and notes when requests arrive."""

    #: interaction token -> future resolved with the first callback for it
    waiting: dict[str, asyncio.Future[Handed]] = field(default_factory=dict)
    #: channel id -> number of messages posted with the bot token (digests)
    channel_posts: dict[int, int] = field(default_factory=dict)
    channel_post_times: list[float] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    _message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(SNOWFLAKES.next()))

    def expect(self, token: str) -> asyncio.Future[Handed]:
        future: asyncio.Future[Handed] = asyncio.get_running_loop().create_future()
        self.waiting[token] = future
        return future

    def _message(self, channel_id: int | str, body: JSON, *, interaction: bool) -> JSON:
        return {
            "id": str(next(self._message_ids)),
            "channel_id": str(channel_id),
            "author": BOT_USER,
            "content": body.get("content") or "",
            "timestamp": _iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 20 if interaction else 0,
            "flags": int(body.get("flags") or 0),
            "components": body.get("components") or [],
            "application_id": str(APPLICATION_ID),
        }

    async def webhook_request(self, route: Route, kwargs: dict[str, Any]) -> Any:
        at = time.perf_counter()
        body = kwargs.get("payload")
        token = route.webhook_token or ""
        path = route.path
        future = self.waiting.pop(token, None)
        if future is not None and not future.done():
            future.set_result(Handed(at, route.method, path, body))
        if path.endswith("/callback"):
            ctype = int((body or {}).get("type", 0))
            data = (body or {}).get("data") or {}
            info: JSON = {"id": str(route.webhook_id), "type": 2}
            if ctype in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, UPDATE_MESSAGE):
                message = self._message(0, data, interaction=True)
                info.update(
                    response_message_id=message["id"],
                    response_message_loading=ctype == DEFERRED_CHANNEL_MESSAGE,
                    response_message_ephemeral=bool(message["flags"] & EPHEMERAL),
                )
                return {"interaction": info, "resource": {"type": ctype, "message": message}}
            if ctype == AUTOCOMPLETE_RESULT:
                return None  # Discord answers 204
            return {"interaction": info}
        if route.method in ("POST", "PATCH"):
            return self._message(0, body or {}, interaction=True)  # follow-ups and @original edits
        return None

    async def http_request(self, route: Route, kwargs: dict[str, Any]) -> Any:
        at = time.perf_counter()
        if route.method == "POST" and route.path == "/channels/{channel_id}/messages":
            channel_id = int(route.channel_id or 0)
            self.channel_posts[channel_id] = self.channel_posts.get(channel_id, 0) + 1
            self.channel_post_times.append(at)
            return self._message(channel_id, kwargs.get("json") or {}, interaction=False)
        if route.method == "GET" and route.path == "/channels/{channel_id}/messages":
            return []  # digest reconciliation: nothing was posted before
        self.unexpected.append(f"{route.method} {route.path}")
        return None

    @contextmanager
    def installed(self) -> Iterator[Recorder]:
        recorder = self

        async def webhook_request(_adapter: Any, route: Route, session: Any = None, **kwargs: Any) -> Any:
            return await recorder.webhook_request(route, kwargs)

        async def http_request(_http: Any, route: Route, **kwargs: Any) -> Any:
            return await recorder.http_request(route, kwargs)

        patches = [
            (discord.webhook.async_.AsyncWebhookAdapter, "request", webhook_request),
            (discord.http.HTTPClient, "request", http_request),
        ]
        saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in patches]
        for owner, name, replacement in patches:
            setattr(owner, name, replacement)
        try:
            yield self
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)


class _Gateway:
    """Stands in for the websocket: the bot never talks to the gateway during the benchmark."""

    open = False
    latency = 0.0

    def is_ratelimited(self) -> bool:
        return False

    async def change_presence(self, **_kwargs: Any) -> None:
        return None


def make_bot(database: Database, *, start_scheduler: bool = False) -> NewsBot:
    settings = Settings(_env_file=None, discord_token=None, database_url=database.url.render_as_string())  # type: ignore[call-arg]
    return NewsBot(settings=settings, database=database, start_scheduler=start_scheduler)


async def prepare(bot: NewsBot) -> None:
    """What login() does, minus the network: bind to the running loop, then load the cogs."""
    await bot._async_setup_hook()
    state = bot._connection
    state.application_id = APPLICATION_ID
    state.application_flags = discord.ApplicationFlags()
    state.user = discord.ClientUser(state=state, data=BOT_USER)  # type: ignore[arg-type]
    bot.ws = _Gateway()  # type: ignore[assignment]
    await bot.setup_hook()


async def connect(bot: NewsBot, newsrooms: Sequence[NewsroomSpec]) -> None:
    """What the gateway sends on connect: READY listing every guild as unavailable, then one
    GUILD_CREATE per guild. Payloads are built one at a time, as they would arrive."""
    state = bot._connection
    # AutoShardedClient.connect() would have assigned the shards before READY.
    state.shard_ids = [0]  # type: ignore[attr-defined]
    state.shard_count = 1
    # READY waits this long after the last GUILD_CREATE before on_ready; there is no network to wait for.
    state.guild_ready_timeout = 0.01
    ready: Any = {
        "v": 10,
        "user": BOT_USER,
        "guilds": [{"id": str(n.id), "unavailable": True} for n in newsrooms],
        "session_id": uuid.uuid4().hex,
        "resume_gateway_url": "wss://gateway.invalid",
        "shard": [0, 1],
        "application": {"id": str(APPLICATION_ID), "flags": 0},
        "private_channels": [],
    }
    before = asyncio.all_tasks()
    state.parse_ready(ready)
    joined = _iso(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    for newsroom in newsrooms:
        state.parse_guild_create(guild_create_payload(newsroom, joined))  # type: ignore[arg-type]
    await asyncio.wait_for(bot.wait_until_ready(), timeout=120)
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


def dispatch(bot: NewsBot, payload: JSON) -> None:
    """Hand an INTERACTION_CREATE to the bot exactly as the gateway reader does."""
    bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]


def view_store_size(bot: NewsBot) -> tuple[int, int]:
    """(message ids with stored view items, views kept per message) in discord.py's view store."""
    store = bot._connection._view_store
    return len(store._views), len(store._synced_message_views)


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


def _member_payload(member: Member, permissions: int) -> JSON:
    return {
        "user": user_payload(member.user_id, member.name),
        "nick": None,
        "avatar": None,
        "roles": [str(r) for r in member.role_ids],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
        "permissions": str(permissions),
    }


def interaction_payload(
    itype: int, data: JSON, newsroom: NewsroomSpec, member: Member, *, message: JSON | None = None
) -> JSON:
    """An INTERACTION_CREATE as Discord sends it for a guild member."""
    permissions = EVERYONE_PERMISSIONS
    channel_id = newsroom.channel_ids[0]
    payload: JSON = {
        "id": str(SNOWFLAKES.next()),
        "application_id": str(APPLICATION_ID),
        "type": itype,
        "data": data,
        "token": f"itok-{uuid.uuid4().hex}",
        "version": 1,
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
        "channel_id": str(channel_id),
        "guild_id": str(newsroom.id),
        "guild": {"id": str(newsroom.id), "locale": "en-US", "features": []},
        "channel": {**channel_payload(channel_id, newsroom.id, "newsroom", 0), "permissions": str(permissions)},
        "member": _member_payload(member, permissions),
        "app_permissions": str(BOT_PERMISSIONS),
        "authorizing_integration_owners": {"0": str(newsroom.id)},
        "context": 0,
    }
    if message is not None:
        payload["message"] = message
    return payload


def _option(name: str, value: Any, *, focused: bool = False) -> JSON:
    kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
    option: JSON = {"type": kind, "name": name, "value": value}
    if focused:
        option["focused"] = True
    return option


def slash(
    command: str, options: dict[str, Any], newsroom: NewsroomSpec, member: Member, *, focused: str | None = None
) -> JSON:
    """/command (or "group sub") with options; `focused` makes it an autocomplete (type 4) request."""
    names = command.split()
    leaf = [_option(k, v, focused=k == focused) for k, v in options.items()]
    if len(names) == 2:
        leaf = [{"type": 1, "name": names[1], "options": leaf}]
    data = {"id": str(hash(names[0]) & 0x7FFFFFFFFFFFFFFF), "name": names[0], "type": 1, "options": leaf}
    return interaction_payload(4 if focused else 2, data, newsroom, member)


def click(custom_id: str, newsroom: NewsroomSpec, member: Member) -> JSON:
    """A button press on a message the bot posted earlier (maybe before a restart)."""
    message = {
        "id": str(SNOWFLAKES.next()),
        "channel_id": str(newsroom.channel_ids[0]),
        "author": BOT_USER,
        "content": "",
        "timestamp": _iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 20,
        "flags": 0,
        "components": [{"type": 1, "components": [{"type": 2, "style": 2, "label": "Next", "custom_id": custom_id}]}],
        "application_id": str(APPLICATION_ID),
    }
    data = {"custom_id": custom_id, "component_type": 2}
    return interaction_payload(3, data, newsroom, member, message=message)
