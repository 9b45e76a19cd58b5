"""Offline Discord harness: drive a real discord.py bot through its real gateway entry points.

Every command test goes through this module. It never mocks the bot's own callbacks: interactions are
built as Discord would send them and fed to ``ConnectionState.parse_interaction_create`` (the function the
gateway websocket calls), so the command tree, transformers, checks, views, dynamic items and modals all
run exactly as in production. The only thing replaced is the network: ``HTTPClient.request`` (bot-token
REST calls) and ``AsyncWebhookAdapter.request`` (interaction callbacks, followups and ``@original``
edits, which discord.py sends through the webhook adapter, not through ``HTTPClient``) are swapped for
recorders that answer with realistic Discord JSON.

All use of private discord.py API is confined to this file, so a discord.py upgrade breaks one place.

Typical use::

    async with DiscordHarness(make_bot()) as h:
        reply = await h.slash("log status", {"topic": "atacms", "count": 2}, user=h.editor)
        assert reply.response_type == 4 and reply.ephemeral
        click = await h.click("vote:42", message=reply.final, user=h.reader)
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import copy
import enum
import inspect
import itertools
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final, Generic, Self, TypeAlias, TypeVar

import discord
import discord.client
import discord.http
import discord.state
import discord.webhook.async_
from discord import app_commands
from discord.http import Route

__all__ = [
    "APPLICATION_ID",
    "DEFAULT",
    "DM",
    "GUILD_A_ID",
    "GUILD_B_ID",
    "ChannelFixture",
    "DiscordHarness",
    "FakeHTTPResponse",
    "GatewayCall",
    "GuildFixture",
    "HarnessError",
    "HarnessTimeout",
    "RecordedCall",
    "RecordedFile",
    "Reply",
    "RoleFixture",
    "UnhandledRouteError",
    "UserFixture",
    "http_error",
]

JSON: TypeAlias = dict[str, Any]
BotT = TypeVar("BotT", bound=discord.Client)
Responder: TypeAlias = Callable[["RecordedCall"], Any]

# --------------------------------------------------------------------------------------------------
# Fixture identifiers. Fixed values (not random) so a second harness built for a "restarted" bot sees
# the same guilds/channels/users as the first one, exactly like a real restart would.
# --------------------------------------------------------------------------------------------------
APPLICATION_ID: Final = 900_000_000_000_000_001  # also the bot user's id, as for every modern bot
GUILD_A_ID: Final = 111_111_111_111_111_111
GUILD_B_ID: Final = 222_222_222_222_222_222

# Interaction callback types (Discord "InteractionCallbackType").
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE = 1, 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
# Message flags the harness models.
EPHEMERAL_FLAG: Final = 1 << 6
LOADING_FLAG: Final = 1 << 7

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

# Coroutines that legitimately outlive a dispatch (timers, loops). Waiting for them would stall every
# test for the view timeout / delete_after delay, so settling ignores tasks running them.
DEFAULT_BACKGROUND_TASKS: Final = (
    r"__timeout_task_impl$",  # View / Modal timeout timers (BaseView.__timeout_task_impl)
    r"\.inner_call$",  # delete_after= timers on interaction responses and webhook messages
    r"\.delete\.<locals>\.delete$",  # Message.delete(delay=...)
    r"^Loop\._loop$",  # discord.ext.tasks loops
)


class _Sentinel(enum.Enum):
    DEFAULT = "DEFAULT"
    DM = "DM"


#: Pass as ``guild=`` (or leave out) to use the user's first guild; return from a responder to fall back
#: to the harness' built-in answer.
DEFAULT: Final = _Sentinel.DEFAULT
#: Pass as ``guild=`` to deliver the interaction in the user's DM with the bot.
DM: Final = _Sentinel.DM


class HarnessError(RuntimeError):
    """The harness (not the bot) detected something a test must look at."""


class HarnessTimeout(HarnessError):
    """The bot's handling of a dispatch did not finish within the settle timeout."""


class UnhandledRouteError(HarnessError):
    """The bot called a Discord route the harness has no answer for (register one with ``respond``)."""


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class _Snowflakes:
    """Monotonic, time-based snowflakes shared by every harness in the process.

    Shared (module-level) so that ids minted by a harness for a "restarted" bot never collide with ids
    minted before the restart - Discord guarantees the same.
    """

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        now_ms = int(time.time() * 1000) - discord.utils.DISCORD_EPOCH
        self._last = max(now_ms << 22, self._last + 1)
        return self._last


_SNOWFLAKES: Final = _Snowflakes()


def _id_of(obj: Any) -> int:
    if isinstance(obj, bool):
        raise TypeError("a bool is not a snowflake")
    if isinstance(obj, int):
        return obj
    if isinstance(obj, str) and obj.isdigit():
        return int(obj)
    if isinstance(obj, Mapping) and "id" in obj:
        return int(obj["id"])
    if hasattr(obj, "id"):
        return int(obj.id)
    raise TypeError(f"cannot take a snowflake from {obj!r}")


def _roundtrip(payload: Any) -> Any:
    # Serialise exactly as a request body would be: catches payloads that could not go over the wire
    # and decouples the recording from objects discord.py may mutate later.
    return json.loads(json.dumps(payload))


# --------------------------------------------------------------------------------------------------
# Fixture data
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UserFixture:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "public_flags": 0,
            "flags": 0,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(frozen=True, slots=True)
class RoleFixture:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False
    bot_id: int | None = None  # set for the bot's managed integration role

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(frozen=True, slots=True)
class ChannelFixture:
    id: int
    name: str
    guild_id: int | None
    type: int = 0  # 0 = GUILD_TEXT, 1 = DM
    position: int = 0
    topic: str | None = None
    recipient: UserFixture | None = None  # DM channels only

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self, permissions: int | None = None) -> JSON:
        if self.type == 1:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.recipient.payload()],
            }
        data: JSON = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "parent_id": None,
            "topic": self.topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if permissions is not None:
            # Interaction payloads carry the invoking user's computed permissions in the channel.
            data["permissions"] = str(permissions)
        return data


@dataclass(slots=True)
class GuildFixture:
    id: int
    name: str
    owner_id: int
    roles: list[RoleFixture]
    channels: list[ChannelFixture]
    #: user id -> ids of the member's roles (never including @everyone, as in Discord payloads)
    members: dict[int, list[int]] = field(default_factory=dict)
    joined_at: str = field(default_factory=_now_iso)

    @property
    def everyone_role(self) -> RoleFixture:
        return self.role_by_id(self.id)  # Discord: the @everyone role's id is the guild's id

    @property
    def editors_role(self) -> RoleFixture:
        return self.role("Editors")

    @property
    def channel(self) -> ChannelFixture:
        """The guild's default text channel (the first one)."""
        return self.channels[0]

    def role(self, name: str) -> RoleFixture:
        for role in self.roles:
            if role.name == name:
                return role
        raise KeyError(f"guild {self.name} has no role {name!r}")

    def role_by_id(self, role_id: int) -> RoleFixture:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise KeyError(f"guild {self.name} has no role {role_id}")

    def channel_named(self, name: str) -> ChannelFixture:
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(f"guild {self.name} has no channel {name!r}")

    def is_member(self, user_id: int) -> bool:
        return user_id in self.members

    def permissions_for(self, user_id: int) -> int:
        """Base permissions as Discord computes them (no channel overwrites exist in the fixtures)."""
        if user_id == self.owner_id:
            return discord.Permissions.all().value
        value = self.everyone_role.permissions
        for role_id in self.members.get(user_id, []):
            value |= self.role_by_id(role_id).permissions
        if value & discord.Permissions(administrator=True).value:
            return discord.Permissions.all().value
        return value

    def member_payload(self, user: UserFixture, *, with_user: bool = True, with_permissions: bool = False) -> JSON:
        data: JSON = {
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.members.get(user.id, [])],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = user.payload()
        if with_permissions:
            data["permissions"] = str(self.permissions_for(user.id))
        return data


# --------------------------------------------------------------------------------------------------
# Recorded traffic
# --------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class RecordedFile:
    filename: str
    data: bytes
    description: str | None = None
    spoiler: bool = False


@dataclass(slots=True)
class RecordedCall:
    """One HTTP request discord.py tried to make."""

    method: str
    path: str  # formatted path without the API prefix, e.g. "/channels/111/messages"
    template: str  # the route template, e.g. "/channels/{channel_id}/messages"
    url: str
    json: Any  # the JSON body (``payload_json`` of a multipart body), or None
    files: list[RecordedFile]
    params: dict[str, Any] | None
    reason: str | None
    via: str  # "http" (bot token, HTTPClient) or "webhook" (interaction token, AsyncWebhookAdapter)
    response: Any = None  # the JSON the harness answered with
    error: BaseException | None = None  # the exception raised instead, if any

    @property
    def is_callback(self) -> bool:
        return self.method == "POST" and self.path.startswith("/interactions/") and self.path.endswith("/callback")

    def __repr__(self) -> str:
        outcome = f" -> {type(self.error).__name__}" if self.error else ""
        return f"<RecordedCall {self.method} {self.path} json={self.json!r}{outcome}>"


@dataclass(slots=True)
class GatewayCall:
    """Something the bot sent over the (fake) gateway, e.g. a presence change."""

    op: str
    data: JSON


@dataclass(slots=True)
class FakeHTTPResponse:
    """Just enough of ``aiohttp.ClientResponse`` for ``discord.HTTPException.__init__``."""

    status: int
    reason: str
    method: str = "GET"
    url: str = "https://discord.com/api/v10"
    headers: dict[str, str] = field(default_factory=dict)


_REASONS: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
}


def http_error(
    status: int, message: str = "", *, code: int = 0, method: str = "GET", url: str = ""
) -> discord.HTTPException:
    """Build the exception discord.py would raise for an HTTP error response with this status."""
    response = FakeHTTPResponse(
        status=status, reason=_REASONS.get(status, "Internal Server Error"), method=method, url=url or Route.BASE
    )
    body = {"message": message or response.reason, "code": code}
    cls: type[discord.HTTPException]
    if status == 403:
        cls = discord.Forbidden
    elif status == 404:
        cls = discord.NotFound
    elif status >= 500:
        cls = discord.DiscordServerError
    else:
        cls = discord.HTTPException
    return cls(response, body)  # duck-typed aiohttp response


@dataclass(slots=True)
class _RouteResponder:
    method: str  # "*" matches any method
    pattern: re.Pattern[str]
    fn: Responder
    remaining: int | None  # None = forever

    def matches(self, call: RecordedCall) -> bool:
        return (self.method in ("*", call.method)) and self.pattern.search(call.path) is not None


@dataclass(slots=True)
class _InteractionRecord:
    id: int
    token: str
    type: int
    channel_id: int
    user: UserFixture
    source_message_id: int | None = None  # the message a component lives on
    acknowledged: bool = False
    original_id: int | None = None  # the message @original refers to
    loading: bool = False  # deferred with a "thinking" placeholder still showing
    followup_ids: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Reply: what one dispatch produced
# --------------------------------------------------------------------------------------------------
_CURRENT_REPLY: contextvars.ContextVar[Reply | None] = contextvars.ContextVar("harness_reply", default=None)


@dataclass(eq=False)
class Reply:
    """Everything the bot did (over HTTP) while handling one dispatched interaction.

    Calls are attributed through a ContextVar that every task spawned while handling the interaction
    inherits, so concurrent background traffic never leaks into a reply.
    """

    harness: DiscordHarness[Any] = field(repr=False)
    kind: str
    interaction_id: int
    token: str
    payload: JSON = field(repr=False)  # the interaction payload that was dispatched
    calls: list[RecordedCall] = field(default_factory=list)
    task_errors: list[BaseException] = field(default_factory=list)
    unhandled: list[RecordedCall] = field(default_factory=list)
    #: ERROR records discord.py logged while handling it ("Ignoring exception in view ..." etc.):
    #: exceptions discord.py swallows by design, which would otherwise be invisible to a test
    logged_errors: list[logging.LogRecord] = field(default_factory=list)
    #: the ``discord.Interaction`` discord.py built (captured via ``on_interaction``; needs commands.Bot)
    interaction: discord.Interaction[Any] | None = field(default=None, repr=False)
    _final: JSON | None = field(default=None, repr=False)
    _final_allowed_mentions: Any = field(default=None, repr=False)

    # -- raw access ------------------------------------------------------------------------------
    def calls_to(self, method: str, path_regex: str) -> list[RecordedCall]:
        pattern = re.compile(path_regex)
        return [c for c in self.calls if method in ("*", c.method) and pattern.search(c.path)]

    @property
    def callback(self) -> RecordedCall | None:
        """The (first successful) interaction callback, i.e. the initial response."""
        callbacks = [c for c in self.calls if c.is_callback]
        ok = [c for c in callbacks if c.error is None]
        candidates = ok or callbacks
        return candidates[0] if candidates else None

    @property
    def response_type(self) -> int | None:
        cb = self.callback
        return None if cb is None else cb.json["type"]

    @property
    def callback_data(self) -> JSON | None:
        cb = self.callback
        return None if cb is None else cb.json.get("data")

    @property
    def responded(self) -> bool:
        return self.callback is not None and self.callback.error is None

    @property
    def followups(self) -> list[JSON]:
        """Messages returned by followup sends (``interaction.followup.send``), in order."""
        return [
            c.response
            for c in self.calls
            if c.method == "POST"
            and c.via == "webhook"
            and c.path.startswith("/webhooks/")
            and c.error is None
            and isinstance(c.response, dict)
        ]

    @property
    def channel_messages(self) -> list[JSON]:
        """Messages created with the bot token (``channel.send`` and friends)."""
        return [
            c.response
            for c in self.calls
            if c.method == "POST" and re.fullmatch(r"/channels/\d+/messages", c.path) and c.error is None
        ]

    @property
    def modal(self) -> JSON | None:
        return self.callback_data if self.response_type == MODAL else None

    @property
    def choices(self) -> list[JSON] | None:
        if self.response_type != AUTOCOMPLETE_RESULT:
            return None
        return list((self.callback_data or {}).get("choices", []))

    # -- the effective message -------------------------------------------------------------------
    @property
    def final(self) -> JSON | None:
        """The message the user ends up seeing for this interaction (snapshot taken when it settled).

        The initial response message (type 4), or the placeholder of a deferral (type 5) as later edited
        through ``@original`` or filled by the first followup, or the component's message for type 6/7.
        Falls back to the last followup when there is no original response. ``None`` if nothing was sent.
        """
        return self._final

    def _message_field(self, key: str, default: Any) -> Any:
        if self._final is not None:
            return self._final.get(key, default)
        data = self.callback_data
        if data is not None and self.response_type in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            return data.get(key, default)
        return default

    @property
    def content(self) -> str | None:
        return self._message_field("content", None)

    @property
    def embeds(self) -> list[JSON]:
        return list(self._message_field("embeds", []) or [])

    @property
    def components(self) -> list[JSON]:
        return list(self._message_field("components", []) or [])

    @property
    def flags(self) -> int:
        return int(self._message_field("flags", 0) or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL_FLAG)

    @property
    def allowed_mentions(self) -> Any:
        """``allowed_mentions`` of the request that last wrote the final message (None if not sent)."""
        return self._final_allowed_mentions

    @property
    def interaction_failed(self) -> bool:
        """True when the user would see "This interaction failed" (no acknowledgement at all)."""
        return not self.responded

    def raise_harness_errors(self) -> None:
        if self.unhandled:
            routes = ", ".join(f"{c.method} {c.path}" for c in self.unhandled)
            raise UnhandledRouteError(f"{self.kind}: the bot called routes the harness cannot answer: {routes}")
        if self.task_errors:
            raise HarnessError(f"{self.kind}: a task spawned while handling it crashed") from self.task_errors[0]

    def __repr__(self) -> str:
        return (
            f"<Reply {self.kind} type={self.response_type} content={self.content!r} "
            f"embeds={len(self.embeds)} calls={[f'{c.method} {c.path}' for c in self.calls]}>"
        )


# --------------------------------------------------------------------------------------------------
# Network interception (shared by all live harnesses)
# --------------------------------------------------------------------------------------------------
class _Interceptor:
    """Installs the class-level patches once and routes each request to the harness that owns it.

    Two harnesses may be alive at once (the restart tests keep the old one open); patching per harness
    would make restore order matter, so there is one patch and a registry instead.
    """

    def __init__(self) -> None:
        self.harnesses: list[DiscordHarness[Any]] = []
        self._saved: list[tuple[type, str, Any]] = []

    def attach(self, harness: DiscordHarness[Any]) -> None:
        if not self.harnesses:
            self._install()
        self.harnesses.append(harness)

    def detach(self, harness: DiscordHarness[Any]) -> None:
        if harness in self.harnesses:
            self.harnesses.remove(harness)
            if not self.harnesses:
                self._restore()

    def _install(self) -> None:
        interceptor = self

        async def http_request(http: discord.http.HTTPClient, route: Route, **kwargs: Any) -> Any:
            return await interceptor.for_http(http)._intercept("http", route, kwargs)

        async def webhook_request(_adapter: Any, route: Route, session: Any = None, **kwargs: Any) -> Any:
            return await interceptor.for_webhook(route)._intercept("webhook", route, kwargs)

        async def get_from_cdn(http: discord.http.HTTPClient, url: str) -> bytes:
            return interceptor.for_http(http)._cdn(url)

        patches = [
            (discord.http.HTTPClient, "request", http_request),
            (discord.webhook.async_.AsyncWebhookAdapter, "request", webhook_request),
            (discord.http.HTTPClient, "get_from_cdn", get_from_cdn),
        ]
        for owner, name, replacement in patches:
            self._saved.append((owner, name, owner.__dict__[name]))
            setattr(owner, name, replacement)

    def _restore(self) -> None:
        while self._saved:
            owner, name, original = self._saved.pop()
            setattr(owner, name, original)

    def for_http(self, http: discord.http.HTTPClient) -> DiscordHarness[Any]:
        for harness in reversed(self.harnesses):
            if harness.bot.http is http:
                return harness
        # Never fall through to the real network while any harness is alive.
        raise HarnessError("HTTP request from a discord.Client that no live DiscordHarness drives")

    def for_webhook(self, route: Route) -> DiscordHarness[Any]:
        token = route.webhook_token
        for harness in reversed(self.harnesses):
            if token is not None and token in harness._interactions_by_token:
                return harness
        for harness in reversed(self.harnesses):
            if route.webhook_id is not None and int(route.webhook_id) == harness.application_id:
                return harness
        return self.harnesses[-1]


_INTERCEPTOR: Final = _Interceptor()


class _LogCapture(logging.Handler):
    """Attributes discord.py's ERROR log records to the dispatch (task context) that produced them."""

    def __init__(self, harness: DiscordHarness[Any]) -> None:
        super().__init__(level=logging.ERROR)
        self._harness = harness

    def emit(self, record: logging.LogRecord) -> None:
        reply = _CURRENT_REPLY.get()
        if reply is not None and reply.harness is self._harness:
            reply.logged_errors.append(record)


class _FakeGateway:
    """Stands in for ``Client.ws`` so presence changes etc. are recorded instead of crashing on None."""

    open = False  # makes Client.close() skip the websocket close handshake
    latency = 0.0

    def __init__(self, harness: DiscordHarness[Any]) -> None:
        self._harness = harness

    def is_ratelimited(self) -> bool:
        return False

    async def change_presence(
        self, *, activity: discord.BaseActivity | None = None, status: str | None = None, since: float = 0.0
    ) -> None:
        data = {"activities": [activity.to_dict()] if activity else [], "status": status, "since": since}
        self._harness.gateway_calls.append(GatewayCall("PRESENCE_UPDATE", data))

    async def request_chunks(self, guild_id: int, query: str | None = None, **kwargs: Any) -> None:
        # Members are all delivered in GUILD_CREATE, so chunking has nothing to add.
        self._harness.gateway_calls.append(GatewayCall("REQUEST_GUILD_MEMBERS", {"guild_id": guild_id, **kwargs}))


# --------------------------------------------------------------------------------------------------
# The harness
# --------------------------------------------------------------------------------------------------
class DiscordHarness(Generic[BotT]):
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
        self.bot = bot
        self.tree: app_commands.CommandTree[Any] = bot.tree
        self.application_id: int = bot.application_id or APPLICATION_ID
        self.settle_timeout = settle_timeout
        #: raise after a dispatch that hit an unknown route or crashed a task (see Reply.raise_harness_errors)
        self.strict = strict
        self.close_bot = close_bot
        self.background_tasks: list[re.Pattern[str]] = [re.compile(p) for p in background_tasks]

        self.calls: list[RecordedCall] = []  # every request, whichever dispatch (or none) made it
        self.gateway_calls: list[GatewayCall] = []
        #: message id -> message JSON for every message the bot created (live, updated by edits)
        self.message_by_id: dict[int, JSON] = {}
        self.deleted_message_ids: set[int] = set()
        self.cdn_files: dict[str, bytes] = {}  # attachment url -> bytes (served to Attachment.read())
        self.unhandled: list[RecordedCall] = []
        self.last_reply: Reply | None = None
        #: modal custom_id -> modal data last sent by the bot (used to shape submissions)
        self.modals_by_custom_id: dict[str, JSON] = {}

        self._responders: list[_RouteResponder] = []
        self._allowed_mentions: dict[int, Any] = {}
        self._interactions_by_token: dict[str, _InteractionRecord] = {}
        self._token_by_interaction_id: dict[int, str] = {}
        self._command_ids: dict[tuple[str, int | None], int] = {}
        self._started = False
        self._closed = False
        self._listener_added = False
        self._log_capture = _LogCapture(self)

        self._build_fixtures()
        self._routes = self._default_routes()

    # ---------------------------------------------------------------------------------------------
    # Fixtures
    # ---------------------------------------------------------------------------------------------
    def _build_fixtures(self) -> None:
        self.bot_user = UserFixture(self.application_id, "Newsdesk", None, bot=True)
        self.editor = UserFixture(300_000_000_000_000_001, "ed.itor", "Edie Editor")
        self.reader = UserFixture(300_000_000_000_000_002, "reader", "Rita Reader")
        self.admin = UserFixture(300_000_000_000_000_003, "admin", "Adam Admin")
        self.other_guild_user = UserFixture(300_000_000_000_000_004, "outsider", "Otto Outsider")
        self.owner = UserFixture(300_000_000_000_000_009, "owner", "Olga Owner")
        self.users: dict[int, UserFixture] = {
            u.id: u for u in (self.bot_user, self.editor, self.reader, self.admin, self.other_guild_user, self.owner)
        }

        def guild(
            gid: int, name: str, channel_names: Sequence[str], extra_roles: Sequence[RoleFixture]
        ) -> GuildFixture:
            roles = [
                RoleFixture(gid, "@everyone", EVERYONE_PERMISSIONS, position=0),
                RoleFixture(gid + 1, "Editors", 0, position=1),
                *extra_roles,
                RoleFixture(
                    gid + 9, "Newsdesk", BOT_ROLE_PERMISSIONS, position=5, managed=True, bot_id=self.bot_user.id
                ),
            ]
            channels = [ChannelFixture(gid + 10 + i, n, gid, position=i) for i, n in enumerate(channel_names)]
            return GuildFixture(gid, name, self.owner.id, roles, channels)

        self.guild_a = guild(
            GUILD_A_ID,
            "Newsroom A",
            ["newsroom", "desk-alerts"],
            [RoleFixture(GUILD_A_ID + 2, "Managers", MANAGERS_PERMISSIONS, 2)],
        )
        self.guild_b = guild(GUILD_B_ID, "Newsroom B", ["general"], [])
        a, b = self.guild_a, self.guild_b
        a.members.update(
            {
                self.owner.id: [],
                self.bot_user.id: [a.role("Newsdesk").id],
                self.editor.id: [a.editors_role.id],
                self.reader.id: [],
                self.admin.id: [a.role("Managers").id],
            }
        )
        b.members.update(
            {
                self.owner.id: [],
                self.bot_user.id: [b.role("Newsdesk").id],
                # Editor of guild B: lets tests prove guild A's data is not reachable from guild B.
                self.other_guild_user.id: [b.editors_role.id],
            }
        )
        self.guilds: dict[int, GuildFixture] = {a.id: a, b.id: b}
        self.channels: dict[int, ChannelFixture] = {c.id: c for g in self.guilds.values() for c in g.channels}

    def guild(self, guild: Any) -> GuildFixture:
        return self.guilds[_id_of(guild)]

    def user(self, user: Any) -> UserFixture:
        return self.users[_id_of(user)]

    def channel(self, channel: Any) -> ChannelFixture:
        return self.channels[_id_of(channel)]

    def dm_channel(self, user: UserFixture) -> ChannelFixture:
        for channel in self.channels.values():
            if channel.type == 1 and channel.recipient == user:
                return channel
        channel = ChannelFixture(_SNOWFLAKES.next(), "", None, type=1, recipient=user)
        self.channels[channel.id] = channel
        return channel

    def add_member(
        self, guild: Any, username: str, *, roles: Iterable[Any] = (), global_name: str | None = None
    ) -> UserFixture:
        """Create a user who is a member of ``guild`` (fed as GUILD_MEMBER_ADD if the bot has that intent)."""
        g = self.guild(guild)
        user = UserFixture(_SNOWFLAKES.next(), username, global_name)
        self.users[user.id] = user
        g.members[user.id] = [_id_of(r) for r in roles]
        if self._started and self.bot.intents.members:
            event: Any = {**g.member_payload(user), "guild_id": str(g.id)}
            self.bot._connection.parse_guild_member_add(event)
        return user

    def set_member_roles(self, guild: Any, user: Any, roles: Iterable[Any]) -> None:
        """Change a member's roles (fed as GUILD_MEMBER_UPDATE if the bot has the members intent)."""
        g, u = self.guild(guild), self.user(user)
        g.members[u.id] = [_id_of(r) for r in roles]
        if self._started and self.bot.intents.members:
            event: Any = {**g.member_payload(u), "guild_id": str(g.id)}
            self.bot._connection.parse_guild_member_update(event)

    def add_role(self, guild: Any, name: str, permissions: int | discord.Permissions = 0) -> RoleFixture:
        g = self.guild(guild)
        value = permissions.value if isinstance(permissions, discord.Permissions) else permissions
        role = RoleFixture(_SNOWFLAKES.next(), name, value, position=len(g.roles))
        g.roles.append(role)
        if self._started:
            self.bot._connection.parse_guild_role_create({"guild_id": str(g.id), "role": role.payload()})
        return role

    def add_channel(self, guild: Any, name: str) -> ChannelFixture:
        g = self.guild(guild)
        channel = ChannelFixture(_SNOWFLAKES.next(), name, g.id, position=len(g.channels))
        g.channels.append(channel)
        self.channels[channel.id] = channel
        if self._started:
            self.bot._connection.parse_channel_create(channel.payload())
        return channel

    def _guild_create_payload(self, g: GuildFixture) -> JSON:
        return {
            "id": str(g.id),
            "name": g.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(g.owner_id),
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
            "system_channel_id": str(g.channel.id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "widget_enabled": False,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "features": [],
            "roles": [r.payload() for r in g.roles],
            "emojis": [],
            "stickers": [],
            "application_id": None,
            # GUILD_CREATE-only fields
            "joined_at": g.joined_at,
            "large": False,
            "unavailable": False,
            # Member count == members sent, so discord.py treats the guild as chunked and never tries
            # to request members over the (non-existent) websocket.
            "member_count": len(g.members),
            "members": [g.member_payload(self.users[uid]) for uid in g.members],
            "channels": [c.payload() for c in g.channels],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    # ---------------------------------------------------------------------------------------------
    # Lifecycle
    # ---------------------------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def start(self) -> Self:
        """Reproduce the offline half of ``Client.login`` + the gateway's READY/GUILD_CREATE sequence."""
        if self._started:
            return self
        if self._closed:
            raise HarnessError("a closed harness cannot be restarted; build a new one (and a new bot)")
        _INTERCEPTOR.attach(self)
        logging.getLogger("discord").addHandler(self._log_capture)
        self._started = True
        try:
            before = set(asyncio.all_tasks())
            bot = self.bot
            state = bot._connection
            # login(): bind asyncio objects to the running loop (only once, like login does) ...
            if bot.loop is discord.client._loop:
                await bot._async_setup_hook()
            # ... then what static_login()/application_info() would have filled in ...
            if state.application_id is None:
                state.application_id = self.application_id
            if not state.application_flags:
                state.application_flags = discord.ApplicationFlags()
            me: Any = self.bot_user.payload()
            state.user = discord.ClientUser(state=state, data=me)
            if bot.ws is None:
                bot.ws = _FakeGateway(self)  # stands in for the DiscordWebSocket
            if hasattr(bot, "add_listener"):
                bot.add_listener(self._capture_interaction, "on_interaction")
                self._listener_added = True
            # ... and finally setup_hook, where cogs load and persistent views / dynamic items register.
            await bot.setup_hook()
            await self._feed_ready()
            await self._settle(before, self.settle_timeout, None)
        except BaseException:
            await self.close()
            raise
        return self

    async def _feed_ready(self) -> None:
        state = self.bot._connection
        ready: Any = {
            "v": 10,
            "user": self.bot_user.payload(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds.values()],
            "session_id": uuid.uuid4().hex,
            "resume_gateway_url": "wss://gateway.invalid",
            "shard": [0, 1],
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
        }
        # READY starts a task that waits guild_ready_timeout (2s) after the last GUILD_CREATE before it
        # dispatches on_ready; shrink it so startup stays fast while using the real code path.
        saved_timeout = state.guild_ready_timeout
        state.guild_ready_timeout = 0.01
        if isinstance(state, discord.state.AutoShardedConnectionState) and not state.shard_ids:
            # What AutoShardedClient.connect() would have set before the shard's READY arrived.
            state.shard_ids = [0]
            state.shard_count = 1
        try:
            state.parse_ready(ready)
            for g in self.guilds.values():
                state.parse_guild_create(self._guild_create_payload(g))
            await asyncio.wait_for(self.bot.wait_until_ready(), timeout=self.settle_timeout)
        finally:
            state.guild_ready_timeout = saved_timeout

    async def close(self) -> None:
        """Close the bot (unloads cogs, stops loops) and restore the patched network entry points."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._started and self.close_bot and not self.bot.is_closed():
                await asyncio.wait_for(self.bot.close(), timeout=self.settle_timeout)
        finally:
            if self._listener_added:
                self.bot.remove_listener(self._capture_interaction, "on_interaction")  # type: ignore[attr-defined]
            logging.getLogger("discord").removeHandler(self._log_capture)
            _INTERCEPTOR.detach(self)

    async def _capture_interaction(self, interaction: discord.Interaction[Any]) -> None:
        reply = _CURRENT_REPLY.get()
        if reply is not None and reply.harness is self and reply.interaction_id == interaction.id:
            reply.interaction = interaction

    # ---------------------------------------------------------------------------------------------
    # Test hooks for HTTP behaviour
    # ---------------------------------------------------------------------------------------------
    def respond(self, method: str, path_regex: str, responder: Responder, *, times: int | None = None) -> None:
        """Answer matching requests with ``responder(call)`` (sync or async) instead of the default.

        The responder may return JSON, raise (e.g. ``http_error(403)``), or return ``DEFAULT`` to use the
        built-in answer. Later registrations win. ``times`` limits how often it fires.
        """
        self._responders.insert(0, _RouteResponder(method.upper(), re.compile(path_regex), responder, times))

    def fail_next(self, method: str, path_regex: str, exc: BaseException | int, *, times: int = 1) -> None:
        """Make the next matching request(s) raise ``exc`` (an exception, or an HTTP status code)."""

        def fail(call: RecordedCall) -> Any:
            error = http_error(exc, method=call.method, url=call.url) if isinstance(exc, int) else exc
            raise error

        self.respond(method, path_regex, fail, times=times)

    def calls_to(self, method: str, path_regex: str) -> list[RecordedCall]:
        pattern = re.compile(path_regex)
        return [c for c in self.calls if method in ("*", c.method) and pattern.search(c.path)]

    def messages_in(self, channel: Any) -> list[JSON]:
        cid = str(_id_of(channel))
        return [m for m in self.message_by_id.values() if m["channel_id"] == cid]

    # ---------------------------------------------------------------------------------------------
    # Dispatch: public entry points
    # ---------------------------------------------------------------------------------------------
    async def slash(
        self,
        command: str,
        options: Mapping[str, Any] | None = None,
        /,
        *,
        user: Any = None,
        guild: Any = DEFAULT,
        channel: Any = None,
        interaction_id: int | None = None,
        token: str | None = None,
        locale: str = "en-US",
        settle_timeout: float | None = None,
    ) -> Reply:
        """Invoke ``/command`` ("group sub" for subcommands) with ``options`` (python or display names)."""
        u, g, ch = self._who_where(user, guild, channel)
        data = self._command_data(command, options or {}, g, u)
        payload, rec = self._interaction_payload(2, data, u, g, ch, interaction_id, token, locale)
        return await self._dispatch(f"/{command}", payload, rec, settle_timeout)

    async def autocomplete(
        self,
        command: str,
        option: str,
        value: Any,
        other_options: Mapping[str, Any] | None = None,
        *,
        user: Any = None,
        guild: Any = DEFAULT,
        channel: Any = None,
        locale: str = "en-US",
        settle_timeout: float | None = None,
    ) -> list[JSON]:
        """Ask for completions of ``option`` typed as ``value``; returns the choices the bot sent."""
        u, g, ch = self._who_where(user, guild, channel)
        data = self._command_data(command, other_options or {}, g, u, focused=(option, value))
        payload, rec = self._interaction_payload(4, data, u, g, ch, None, None, locale)
        reply = await self._dispatch(f"autocomplete /{command} {option}", payload, rec, settle_timeout)
        return reply.choices or []

    async def context_menu(
        self,
        name: str,
        target: Any,
        *,
        user: Any = None,
        guild: Any = DEFAULT,
        channel: Any = None,
        settle_timeout: float | None = None,
    ) -> Reply:
        """Invoke a user command (target = user) or message command (target = message JSON)."""
        u, g, ch = self._who_where(user, guild, channel)
        resolved: JSON = {}
        if isinstance(target, Mapping) and "channel_id" in target:
            kind, target_id = 3, int(target["id"])
            resolved["messages"] = {str(target_id): _roundtrip(target)}
        else:
            kind, target_id = 2, _id_of(target)
            self._resolve_user(resolved, target_id, g, u)
        cmd = self.tree.get_command(name, guild=discord.Object(g.id) if g else None, type=discord.AppCommandType(kind))
        data: JSON = {
            "id": str(self._command_id(name, g.id if cmd is not None and g else None)),
            "name": name,
            "type": kind,
            "target_id": str(target_id),
            "resolved": resolved,
        }
        if cmd is not None and g is not None:
            data["guild_id"] = str(g.id)
        payload, rec = self._interaction_payload(2, data, u, g, ch, None, None, "en-US")
        return await self._dispatch(f"context menu {name}", payload, rec, settle_timeout)

    async def click(
        self,
        custom_id: str,
        *,
        message: Mapping[str, Any] | int | None = None,
        user: Any = None,
        values: Sequence[Any] | None = None,
        component_type: int | None = None,
        guild: Any = DEFAULT,
        channel: Any = None,
        interaction_id: int | None = None,
        token: str | None = None,
        settle_timeout: float | None = None,
    ) -> Reply:
        """Press a button (or choose ``values`` in a select) with ``custom_id`` on ``message``.

        ``message`` may be a recorded message dict (also one recorded by another harness, e.g. before a
        simulated restart), a message id known to this harness, or None to use the latest known message
        containing ``custom_id`` (a minimal message is synthesised if there is none).
        """
        msg = self._known_message(custom_id, message)
        if channel is None and msg is not None:
            channel = int(msg["channel_id"])
        u, g, ch = self._who_where(user, guild, channel)
        if msg is None:
            msg = self._synthesize_message(custom_id, ch, values, component_type)
        found = _find_component(msg.get("components", []), custom_id)
        ctype = component_type or (found["type"] if found else (3 if values is not None else 2))
        data: JSON = {"custom_id": custom_id, "component_type": ctype}
        if found is not None and "id" in found:
            data["id"] = found["id"]
        if ctype != 2:
            data["values"], resolved = self._select_values(ctype, values or [], g, u)
            if resolved:
                data["resolved"] = resolved
        # Keep the store coherent: the message (maybe from a previous bot run) now exists for us too.
        self.message_by_id.setdefault(int(msg["id"]), copy.deepcopy(dict(msg)))
        payload, rec = self._interaction_payload(3, data, u, g, ch, interaction_id, token, "en-US", message=msg)
        return await self._dispatch(f"click {custom_id}", payload, rec, settle_timeout)

    async def submit_modal(
        self,
        custom_id: str,
        values: Mapping[str, str | Sequence[str]],
        *,
        user: Any = None,
        guild: Any = DEFAULT,
        channel: Any = None,
        message: Mapping[str, Any] | None = None,
        settle_timeout: float | None = None,
    ) -> Reply:
        """Submit the modal ``custom_id`` with ``{field custom_id: text (or list of select values)}``.

        The submission mirrors the layout of the modal the bot last sent (action rows or labels), the
        way Discord echoes it; fields not given are submitted with their pre-filled value.
        """
        u, g, ch = self._who_where(user, guild, channel)
        sent = self.modals_by_custom_id.get(custom_id)
        remaining = dict(values)
        if sent is not None:
            components = [_submitted(c, remaining) for c in sent.get("components", [])]
            if remaining:
                raise ValueError(f"modal {custom_id!r} has no fields {sorted(remaining)}")
        else:
            components = [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in remaining.items()
            ]
        data: JSON = {"custom_id": custom_id, "components": components}
        payload, rec = self._interaction_payload(5, data, u, g, ch, None, None, "en-US", message=message)
        return await self._dispatch(f"modal {custom_id}", payload, rec, settle_timeout)

    async def dispatch(self, payload: JSON, *, settle_timeout: float | None = None) -> Reply:
        """Dispatch a hand-built INTERACTION_CREATE payload (escape hatch for odd cases)."""
        interaction_id = int(payload["id"])
        raw_user = (payload.get("member") or {}).get("user") or payload.get("user") or {}
        rec = _InteractionRecord(
            id=interaction_id,
            token=payload["token"],
            type=int(payload["type"]),
            channel_id=int(payload.get("channel_id") or (payload.get("channel") or {}).get("id") or 0),
            user=self.users.get(int(raw_user.get("id", 0))) or self.editor,
        )
        self._interactions_by_token.setdefault(rec.token, rec)
        self._token_by_interaction_id.setdefault(interaction_id, rec.token)
        return await self._dispatch("raw", payload, self._interactions_by_token[rec.token], settle_timeout)

    # ---------------------------------------------------------------------------------------------
    # Dispatch: internals
    # ---------------------------------------------------------------------------------------------
    def _require_started(self) -> None:
        if not self._started or self._closed:
            raise HarnessError("harness is not running: use `async with DiscordHarness(bot)` or await start()")

    def _who_where(
        self, user: Any, guild: Any, channel: Any
    ) -> tuple[UserFixture, GuildFixture | None, ChannelFixture]:
        self._require_started()
        u = self.editor if user is None else self.user(user)
        if channel is not None and guild is DEFAULT:
            ch = self.channel(channel)
            guild = DM if ch.guild_id is None else ch.guild_id
        if guild is DM:
            return u, None, self.dm_channel(u)
        if guild is DEFAULT:
            g = next((g for g in self.guilds.values() if g.is_member(u.id)), None)
            if g is None:
                raise ValueError(f"{u.username} is in no fixture guild; pass guild=DM for a DM interaction")
        else:
            g = self.guild(guild)
        if not g.is_member(u.id):
            raise ValueError(f"{u.username} is not a member of {g.name}; Discord would never deliver that")
        ch = g.channel if channel is None else self.channel(channel)
        if ch.guild_id != g.id:
            raise ValueError(f"channel {ch.name} is not in {g.name}")
        return u, g, ch

    def _interaction_payload(
        self,
        itype: int,
        data: JSON,
        user: UserFixture,
        guild: GuildFixture | None,
        channel: ChannelFixture,
        interaction_id: int | None,
        token: str | None,
        locale: str,
        *,
        message: Mapping[str, Any] | None = None,
    ) -> tuple[JSON, _InteractionRecord]:
        if interaction_id is None:
            interaction_id = _SNOWFLAKES.next()
        if token is None:
            # A redelivery of the same interaction carries the same token.
            token = self._token_by_interaction_id.get(interaction_id) or f"itok-{uuid.uuid4().hex}"
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(channel.id),
        }
        if guild is not None:
            perms = guild.permissions_for(user.id)
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                channel=channel.payload(permissions=perms),
                member=guild.member_payload(user, with_permissions=True),
                app_permissions=str(guild.permissions_for(self.bot_user.id)),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            payload.update(
                channel=channel.payload(),
                user=user.payload(),
                app_permissions=str(EVERYONE_PERMISSIONS),
                authorizing_integration_owners={"0": "0"},  # "0" = a DM with the bot
                context=1,
            )
        if message is not None:
            payload["message"] = _roundtrip(dict(message))
        rec = self._interactions_by_token.get(token)
        if rec is None:
            rec = _InteractionRecord(
                id=interaction_id,
                token=token,
                type=itype,
                channel_id=channel.id,
                user=user,
                source_message_id=int(message["id"]) if message is not None else None,
            )
            self._interactions_by_token[token] = rec
            self._token_by_interaction_id[interaction_id] = token
        return payload, rec

    async def _dispatch(self, kind: str, payload: JSON, rec: _InteractionRecord, settle_timeout: float | None) -> Reply:
        self._require_started()
        reply = Reply(harness=self, kind=kind, interaction_id=rec.id, token=rec.token, payload=payload)
        self.last_reply = reply
        before = set(asyncio.all_tasks())
        ctx = _CURRENT_REPLY.set(reply)
        try:
            # The exact function DiscordWebSocket calls for an INTERACTION_CREATE event. A copy, because
            # discord.py mutates parts of the payload while resolving options.
            self.bot._connection.parse_interaction_create(copy.deepcopy(payload))  # type: ignore[arg-type]
        finally:
            _CURRENT_REPLY.reset(ctx)
        await self._settle(before, self.settle_timeout if settle_timeout is None else settle_timeout, reply)
        self._finish(reply, rec)
        if self.strict:
            reply.raise_harness_errors()
        return reply

    def _is_background(self, task: asyncio.Task[Any]) -> bool:
        code = getattr(task.get_coro(), "cr_code", None)
        qualname = getattr(code, "co_qualname", "")
        return any(p.search(qualname) for p in self.background_tasks)

    async def _settle(self, before: set[asyncio.Task[Any]], limit: float, reply: Reply | None) -> None:
        """Wait until every task created since ``before`` (transitively) is done.

        discord.py hands each interaction to fresh tasks (tree invoker, view/modal dispatch, event
        listeners) which may spawn more; waiting for "no new unfinished task left" covers all of them
        without knowing their names. Timers/loops (``background_tasks``) are exempt.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        me = asyncio.current_task()
        seen: set[asyncio.Task[Any]] = set()
        while True:
            pending = {t for t in asyncio.all_tasks() if t not in before and t is not me and not self._is_background(t)}
            seen |= pending
            if not pending:
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                names = sorted(t.get_name() for t in pending)
                raise HarnessTimeout(f"bot still busy after {limit}s: {names} (is it waiting for an event?)")
            await asyncio.wait(pending, timeout=remaining)
        for task in seen:
            if task.done() and not task.cancelled() and (exc := task.exception()) is not None and reply is not None:
                reply.task_errors.append(exc)

    def _finish(self, reply: Reply, rec: _InteractionRecord) -> None:
        final_id: int | None = None
        if rec.original_id is not None and rec.original_id in self.message_by_id:
            final_id = rec.original_id
        elif rec.followup_ids:
            final_id = rec.followup_ids[-1]
        if final_id is not None and final_id in self.message_by_id:
            reply._final = copy.deepcopy(self.message_by_id[final_id])
            reply._final_allowed_mentions = copy.deepcopy(self._allowed_mentions.get(final_id))

    # ---------------------------------------------------------------------------------------------
    # Building command options
    # ---------------------------------------------------------------------------------------------
    def _command_id(self, name: str, guild_id: int | None) -> int:
        return self._command_ids.setdefault((name, guild_id), _SNOWFLAKES.next())

    def _command_data(
        self,
        path: str,
        values: Mapping[str, Any],
        guild: GuildFixture | None,
        user: UserFixture,
        *,
        focused: tuple[str, Any] | None = None,
    ) -> JSON:
        parts = path.split()
        if not parts:
            raise ValueError("empty command name")
        root_name = parts[0]
        guild_obj = discord.Object(guild.id) if guild is not None else None
        node: Any = self.tree.get_command(root_name, guild=guild_obj) if guild_obj else None
        command_guild_id = guild.id if node is not None and guild is not None else None
        if node is None:
            node = self.tree.get_command(root_name)
        if node is None:
            known = sorted(c.qualified_name for c in self.tree.walk_commands(guild=guild_obj))
            known += sorted(c.qualified_name for c in self.tree.walk_commands())
            raise ValueError(f"no slash command {root_name!r} (known: {known})")
        chain = [node]
        for part in parts[1:]:
            child = node.get_command(part) if isinstance(node, app_commands.Group) else None
            if child is None:
                raise ValueError(f"{node.qualified_name!r} has no subcommand {part!r}")
            node = child
            chain.append(node)
        if not isinstance(node, app_commands.Command):
            raise ValueError(f"{path!r} is a group; name a subcommand")

        resolved: JSON = {}
        leaf_options = self._leaf_options(node, values, guild, user, resolved, focused)
        # Wrap the leaf options into SUB_COMMAND (1) / SUB_COMMAND_GROUP (2) levels, innermost first.
        options = leaf_options
        for depth in range(len(chain) - 1, 0, -1):
            level = chain[depth]
            options = [{"type": 1 if depth == len(chain) - 1 else 2, "name": level.name, "options": options}]
        data: JSON = {
            "id": str(self._command_id(root_name, command_guild_id)),
            "name": root_name,
            "type": 1,
            "options": options,
        }
        if resolved and focused is None:  # Discord sends no resolved data with autocomplete
            data["resolved"] = resolved
        if command_guild_id is not None:
            data["guild_id"] = str(command_guild_id)
        return data

    def _leaf_options(
        self,
        command: app_commands.Command[Any, ..., Any],
        values: Mapping[str, Any],
        guild: GuildFixture | None,
        user: UserFixture,
        resolved: JSON,
        focused: tuple[str, Any] | None,
    ) -> list[JSON]:
        params = command.parameters
        by_name: dict[str, app_commands.Parameter] = {}
        for p in params:
            by_name[p.display_name] = p
            by_name[p.name] = p
        given = dict(values)
        if focused is not None:
            if focused[0] not in by_name:
                raise ValueError(f"/{command.qualified_name} has no option {focused[0]!r}")
            given.pop(focused[0], None)
        unknown = [k for k in given if k not in by_name]
        if unknown:
            raise ValueError(
                f"/{command.qualified_name} has no options {unknown}; it takes {[p.display_name for p in params]}"
            )
        chosen = {by_name[k].display_name: (by_name[k], v) for k, v in given.items()}
        if focused is None:
            missing = [p.display_name for p in params if p.required and p.display_name not in chosen]
            if missing:
                raise ValueError(f"/{command.qualified_name} requires {missing} (Discord would not let it be sent)")
        options: list[JSON] = []
        for p in params:  # Discord sends options in declaration order
            if focused is not None and by_name[focused[0]] is p:
                # The focused value is whatever text the user has typed so far, always a string.
                options.append(
                    {"type": p.type.value, "name": p.display_name, "value": str(focused[1]), "focused": True}
                )
            elif p.display_name in chosen:
                value = self._option_value(p, chosen[p.display_name][1], guild, user, resolved)
                options.append({"type": p.type.value, "name": p.display_name, "value": value})
        return options

    def _option_value(
        self, p: app_commands.Parameter, value: Any, guild: GuildFixture | None, user: UserFixture, resolved: JSON
    ) -> Any:
        t = p.type
        T = discord.AppCommandOptionType
        if isinstance(value, app_commands.Choice):
            value = value.value
        elif isinstance(value, enum.Enum):
            value = next((c.value for c in p.choices if c.name == value.name), value.value)
        if t is T.string:
            out: Any = str(value)
        elif t is T.integer:
            out = int(value)
        elif t is T.number:
            out = float(value)
        elif t is T.boolean:
            if not isinstance(value, bool):
                raise TypeError(f"option {p.display_name} is a boolean, got {value!r}")
            out = value
        elif t is T.user:
            out = str(self._resolve_user(resolved, _id_of(value), guild, user))
        elif t is T.role:
            out = str(self._resolve_role(resolved, _id_of(value), guild))
        elif t is T.channel:
            out = str(self._resolve_channel(resolved, _id_of(value), user, guild))
        elif t is T.mentionable:
            target = _id_of(value)
            if target in self.users:
                self._resolve_user(resolved, target, guild, user)
            else:
                self._resolve_role(resolved, target, guild)
            out = str(target)
        elif t is T.attachment:
            out = str(self._resolve_attachment(resolved, value))
        else:
            raise TypeError(f"unsupported option type {t!r}")
        # Discord enforces choices and ranges client-side, so such values can never reach the bot.
        if p.choices and out not in [c.value for c in p.choices]:
            raise ValueError(f"{out!r} is not a choice of {p.display_name}: {[c.value for c in p.choices]}")
        measured = len(out) if t is T.string else out
        if t in (T.string, T.integer, T.number):
            if p.min_value is not None and measured < p.min_value:
                raise ValueError(f"{p.display_name}={out!r} is below the minimum {p.min_value}")
            if p.max_value is not None and measured > p.max_value:
                raise ValueError(f"{p.display_name}={out!r} is above the maximum {p.max_value}")
        return out

    def _user_payload_any(self, user_id: int) -> JSON:
        if user_id in self.users:
            return self.users[user_id].payload()
        cached = self.bot.get_user(user_id)
        if cached is None:
            raise ValueError(f"unknown user {user_id}")
        return {
            "id": str(cached.id),
            "username": cached.name,
            "global_name": cached.global_name,
            "discriminator": cached.discriminator,
            "avatar": None,
            "bot": cached.bot,
            "public_flags": 0,
        }

    def _resolve_user(self, resolved: JSON, user_id: int, guild: GuildFixture | None, invoker: UserFixture) -> int:
        resolved.setdefault("users", {})[str(user_id)] = self._user_payload_any(user_id)
        if guild is not None and guild.is_member(user_id):
            member = guild.member_payload(self.users[user_id], with_user=False, with_permissions=True)
            resolved.setdefault("members", {})[str(user_id)] = member
        return user_id

    def _resolve_role(self, resolved: JSON, role_id: int, guild: GuildFixture | None) -> int:
        payload: JSON | None = None
        for g in self.guilds.values():
            with contextlib.suppress(KeyError):
                payload = g.role_by_id(role_id).payload()
        if payload is None:
            role = guild and (bot_guild := self.bot.get_guild(guild.id)) and bot_guild.get_role(role_id)
            if not role:
                raise ValueError(f"unknown role {role_id}")
            payload = {
                "id": str(role.id),
                "name": role.name,
                "color": role.color.value,
                "hoist": role.hoist,
                "position": role.position,
                "permissions": str(role.permissions.value),
                "managed": role.managed,
                "mentionable": role.mentionable,
                "flags": 0,
            }
        resolved.setdefault("roles", {})[str(role_id)] = payload
        return role_id

    def _resolve_channel(self, resolved: JSON, channel_id: int, user: UserFixture, guild: GuildFixture | None) -> int:
        if channel_id in self.channels:
            ch = self.channels[channel_id]
            perms = self.guilds[ch.guild_id].permissions_for(user.id) if ch.guild_id in self.guilds else 0
            payload = ch.payload(permissions=perms)
        else:
            cached: Any = self.bot.get_channel(channel_id)
            if cached is None:
                raise ValueError(f"unknown channel {channel_id}")
            perms = guild.permissions_for(user.id) if guild else 0
            payload = {
                "id": str(cached.id),
                "name": getattr(cached, "name", ""),
                "type": cached.type.value,
                "permissions": str(perms),
                "parent_id": str(cached.category_id) if getattr(cached, "category_id", None) else None,
            }
        resolved.setdefault("channels", {})[str(channel_id)] = payload
        return channel_id

    def _resolve_attachment(self, resolved: JSON, value: Any) -> int:
        """``value``: an attachment JSON dict, or ``(filename, bytes)`` which the CDN will serve."""
        if isinstance(value, Mapping):
            payload = _roundtrip(dict(value))
        else:
            filename, data = value
            att_id = _SNOWFLAKES.next()
            url = f"https://cdn.discordapp.com/ephemeral-attachments/{att_id}/{filename}"
            self.cdn_files[url] = bytes(data)
            payload = {"id": str(att_id), "filename": filename, "size": len(data), "url": url, "proxy_url": url}
        resolved.setdefault("attachments", {})[payload["id"]] = payload
        return int(payload["id"])

    def _select_values(
        self, ctype: int, values: Sequence[Any], guild: GuildFixture | None, user: UserFixture
    ) -> tuple[list[str], JSON]:
        resolved: JSON = {}
        if ctype == 3:  # string select
            return [str(v) for v in values], resolved
        out: list[str] = []
        for v in values:
            target = _id_of(v)
            if ctype == 5 or (ctype == 7 and target in self.users):
                self._resolve_user(resolved, target, guild, user)
            elif ctype == 6 or ctype == 7:
                self._resolve_role(resolved, target, guild)
            elif ctype == 8:
                self._resolve_channel(resolved, target, user, guild)
            out.append(str(target))
        return out, resolved

    def _known_message(self, custom_id: str, message: Mapping[str, Any] | int | None) -> Mapping[str, Any] | None:
        if isinstance(message, int):
            return self._stored(message)
        if message is not None:
            return message
        for msg in reversed(list(self.message_by_id.values())):
            if _find_component(msg.get("components", []), custom_id) is not None:
                return msg
        return None

    def _synthesize_message(
        self, custom_id: str, channel: ChannelFixture, values: Sequence[Any] | None, component_type: int | None
    ) -> JSON:
        """A bot message carrying just this component, for buttons posted by a previous process."""
        ctype = component_type or (3 if values is not None else 2)
        component: JSON = {"type": ctype, "custom_id": custom_id}
        if ctype == 2:
            component.update(style=1, label=custom_id)
        else:
            component.update(min_values=1, max_values=max(1, len(values or [])))
            if ctype == 3:
                component["options"] = [{"label": str(v), "value": str(v)} for v in values or []]
        body = {"content": "", "components": [{"type": 1, "components": [component]}]}
        return self._create_message(channel.id, body, None)

    # ---------------------------------------------------------------------------------------------
    # HTTP interception and default Discord behaviour
    # ---------------------------------------------------------------------------------------------
    async def _intercept(self, via: str, route: Route, kwargs: dict[str, Any]) -> Any:
        body: Any = kwargs.get("json", kwargs.get("payload"))
        form = kwargs.get("form", kwargs.get("multipart"))
        if form:
            for part in form:
                if part.get("name") == "payload_json":
                    body = json.loads(part["value"])
        files: list[RecordedFile] = []
        for f in kwargs.get("files") or []:
            data = f.fp.read()
            f.reset()  # discord.py re-seeks before sending; leave the file as we found it
            files.append(RecordedFile(f.filename or "", data, f.description, f.spoiler))
        call = RecordedCall(
            method=route.method,
            path=_path_of(route),
            template=route.path,
            url=route.url,
            json=_roundtrip(body) if body is not None else None,
            files=files,
            params=dict(kwargs["params"]) if kwargs.get("params") else None,
            reason=kwargs.get("reason"),
            via=via,
        )
        self.calls.append(call)
        reply = _CURRENT_REPLY.get()
        if reply is not None and reply.harness is self:
            reply.calls.append(call)
        try:
            result = await self._answer(call)
        except Exception as exc:
            call.error = exc
            raise
        call.response = _roundtrip(result) if result is not None else None
        # Hand discord.py its own copy: it mutates payloads while parsing them.
        return copy.deepcopy(call.response)

    async def _answer(self, call: RecordedCall) -> Any:
        for responder in self._responders:
            if not responder.matches(call):
                continue
            if responder.remaining is not None:
                responder.remaining -= 1
                if responder.remaining <= 0:
                    self._responders.remove(responder)
            result = responder.fn(call)
            if inspect.isawaitable(result):
                result = await result
            if result is not DEFAULT:
                return result
            break
        for method, pattern, handler in self._routes:
            if method == call.method and (m := pattern.fullmatch(call.path)):
                return handler(call, m)
        if call.method in ("PUT", "DELETE"):
            return None  # typically 204 No Content; recorded for assertions all the same
        self.unhandled.append(call)
        reply = _CURRENT_REPLY.get()
        if reply is not None and reply.harness is self:
            reply.unhandled.append(call)
        raise UnhandledRouteError(f"no harness answer for {call.method} {call.path}; use harness.respond()")

    def _cdn(self, url: str) -> bytes:
        try:
            return self.cdn_files[url]
        except KeyError:
            raise http_error(404, "asset not found", url=url) from None

    def _default_routes(self) -> list[tuple[str, re.Pattern[str], Callable[[RecordedCall, re.Match[str]], Any]]]:
        table: list[tuple[str, str, Callable[[RecordedCall, re.Match[str]], Any]]] = [
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._on_callback),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self._on_followup),
            ("GET", r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", self._on_webhook_message),
            ("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", self._on_webhook_message),
            ("DELETE", r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", self._on_webhook_message),
            ("POST", r"/channels/(\d+)/messages", self._on_channel_send),
            ("GET", r"/channels/(\d+)/messages", self._on_channel_history),
            ("GET", r"/channels/(\d+)/messages/(\d+)", self._on_channel_message),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", self._on_channel_message),
            ("DELETE", r"/channels/(\d+)/messages/(\d+)", self._on_channel_message),
            ("GET", r"/channels/(\d+)", self._on_get_channel),
            ("POST", r"/channels/(\d+)/typing", lambda c, m: None),
            ("POST", r"/users/@me/channels", self._on_create_dm),
            ("GET", r"/users/(\d+)", self._on_get_user),
            ("GET", r"/guilds/(\d+)/members/(\d+)", self._on_get_member),
            ("PUT", r"/guilds/(\d+)/members/(\d+)/roles/(\d+)", self._on_member_role),
            ("DELETE", r"/guilds/(\d+)/members/(\d+)/roles/(\d+)", self._on_member_role),
            ("PUT", r"/applications/(\d+)/commands", self._on_sync),
            ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self._on_sync),
            ("GET", r"/applications/(\d+)/commands", lambda c, m: []),
            ("GET", r"/applications/(\d+)/guilds/(\d+)/commands", lambda c, m: []),
            ("GET", r"/oauth2/applications/@me", self._on_app_info),
        ]
        return [(method, re.compile(rx), fn) for method, rx, fn in table]

    # -- message store -----------------------------------------------------------------------------
    def _attachments(self, call: RecordedCall, channel_id: int, body: JSON, existing: list[JSON]) -> list[JSON]:
        keep_ids = {str(a.get("id")) for a in body.get("attachments", []) or []}
        out = [a for a in existing if a["id"] in keep_ids]
        for f in call.files:
            att_id = _SNOWFLAKES.next()
            url = f"https://cdn.discordapp.com/attachments/{channel_id}/{att_id}/{f.filename}"
            self.cdn_files[url] = f.data
            out.append(
                {
                    "id": str(att_id),
                    "filename": f.filename,
                    "size": len(f.data),
                    "url": url,
                    "proxy_url": url,
                    "description": f.description,
                }
            )
        return out

    def _create_message(
        self,
        channel_id: int,
        body: JSON,
        call: RecordedCall | None,
        *,
        rec: _InteractionRecord | None = None,
        extra_flags: int = 0,
    ) -> JSON:
        message_id = _SNOWFLAKES.next()
        msg: JSON = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": 0,
            "author": self.bot_user.payload(),
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": _number_components(body.get("components") or []),
            "attachments": self._attachments(call, channel_id, body, []) if call is not None else [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(body.get("tts", False)),
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "flags": int(body.get("flags") or 0) | extra_flags,
            "sticker_items": [],
        }
        if body.get("message_reference"):
            ref = dict(body["message_reference"])
            ref.setdefault("channel_id", str(channel_id))
            msg["type"] = 19  # REPLY
            msg["message_reference"] = ref
            ref_id = ref.get("message_id")
            msg["referenced_message"] = self.message_by_id.get(int(ref_id)) if ref_id else None
        if rec is not None:
            # Interaction responses are posted through the application's webhook.
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
            msg["type"] = 20 if rec.type == 2 else 0
            msg["interaction_metadata"] = {
                "id": str(rec.id),
                "type": rec.type,
                "user": rec.user.payload(),
                "authorizing_integration_owners": {},
            }
        self.message_by_id[message_id] = msg
        self._allowed_mentions[message_id] = body.get("allowed_mentions")
        return msg

    def _edit_message(self, msg: JSON, body: JSON, call: RecordedCall) -> JSON:
        for key in ("content", "embeds", "components"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        msg["components"] = _number_components(msg["components"])
        if "flags" in body and body["flags"] is not None:
            # Ephemerality (and the loading state) cannot be changed by an edit.
            msg["flags"] = (msg["flags"] & (EPHEMERAL_FLAG | LOADING_FLAG)) | (int(body["flags"]) & ~EPHEMERAL_FLAG)
        if "attachments" in body or call.files:
            msg["attachments"] = self._attachments(call, int(msg["channel_id"]), body, msg["attachments"])
        msg["edited_timestamp"] = _now_iso()
        if "allowed_mentions" in body:
            self._allowed_mentions[int(msg["id"])] = body["allowed_mentions"]
        return msg

    def _stored(self, message_id: int) -> JSON:
        try:
            return self.message_by_id[message_id]
        except KeyError:
            raise http_error(404, "Unknown Message", code=10008) from None

    def _delete(self, message_id: int) -> None:
        self._stored(message_id)
        del self.message_by_id[message_id]
        self.deleted_message_ids.add(message_id)

    # -- interaction routes ------------------------------------------------------------------------
    def _record_for(self, token: str) -> _InteractionRecord:
        try:
            return self._interactions_by_token[token]
        except KeyError:
            raise http_error(404, "Unknown Webhook", code=10015) from None

    def _on_callback(self, call: RecordedCall, m: re.Match[str]) -> Any:
        rec = self._interactions_by_token.get(m[2])
        if rec is None or rec.id != int(m[1]):
            raise http_error(404, "Unknown interaction", code=10062)
        if rec.acknowledged:
            # What Discord answers when a (re)delivered interaction is answered twice.
            raise http_error(400, "Interaction has already been acknowledged.", code=40060)
        body = call.json or {}
        ctype = int(body["type"])
        data = body.get("data") or {}
        rec.acknowledged = True
        if ctype in (PONG, AUTOCOMPLETE_RESULT):
            return None  # 204
        info: JSON = {"id": str(rec.id), "type": rec.type}
        result: JSON = {"interaction": info}
        if ctype in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            loading = LOADING_FLAG if ctype == DEFERRED_CHANNEL_MESSAGE else 0
            msg = self._create_message(rec.channel_id, data, call, rec=rec, extra_flags=loading)
            rec.original_id, rec.loading = int(msg["id"]), bool(loading)
            info.update(
                response_message_id=msg["id"],
                response_message_loading=bool(loading),
                response_message_ephemeral=bool(msg["flags"] & EPHEMERAL_FLAG),
            )
            result["resource"] = {"type": ctype, "message": msg}
        elif ctype in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            rec.original_id = rec.source_message_id
            if ctype == UPDATE_MESSAGE and rec.source_message_id is not None:
                msg = self._edit_message(self._stored(rec.source_message_id), data, call)
                info["response_message_id"] = msg["id"]
                result["resource"] = {"type": ctype, "message": msg}
        elif ctype == MODAL:
            self.modals_by_custom_id[data["custom_id"]] = data
        return result

    def _on_followup(self, call: RecordedCall, m: re.Match[str]) -> Any:
        rec = self._record_for(m[2])
        if not rec.acknowledged:
            raise http_error(404, "Unknown Webhook", code=10015)  # followups need an initial response
        body = call.json or {}
        if rec.loading and rec.original_id in self.message_by_id:
            # Discord: the first followup after a deferral replaces the "thinking" placeholder (and keeps
            # the deferral's ephemerality, whatever the followup asked for).
            msg = self._edit_message(self.message_by_id[rec.original_id], body, call)
            msg["flags"] &= ~LOADING_FLAG
            msg["edited_timestamp"] = None
            rec.loading = False
        else:
            msg = self._create_message(rec.channel_id, body, call, rec=rec)
            rec.followup_ids.append(int(msg["id"]))
        if call.params and str(call.params.get("wait", "1")) in ("0", "False", "false"):
            return None
        return msg

    def _on_webhook_message(self, call: RecordedCall, m: re.Match[str]) -> Any:
        rec = self._record_for(m[2])
        if m[3] == "@original":
            if rec.original_id is None:
                raise http_error(404, "Unknown Message", code=10008)
            message_id = rec.original_id
        else:
            message_id = int(m[3])
        if call.method == "GET":
            return self._stored(message_id)
        if call.method == "DELETE":
            self._delete(message_id)
            return None
        msg = self._edit_message(self._stored(message_id), call.json or {}, call)
        if message_id == rec.original_id and rec.loading:
            msg["flags"] &= ~LOADING_FLAG
            rec.loading = False
        return msg

    # -- bot-token routes --------------------------------------------------------------------------
    def _known_channel(self, channel_id: int) -> None:
        if channel_id not in self.channels and self.bot.get_channel(channel_id) is None:
            raise http_error(404, "Unknown Channel", code=10003)

    def _on_channel_send(self, call: RecordedCall, m: re.Match[str]) -> Any:
        self._known_channel(int(m[1]))
        return self._create_message(int(m[1]), call.json or {}, call)

    def _on_channel_history(self, call: RecordedCall, m: re.Match[str]) -> Any:
        limit = int((call.params or {}).get("limit", 50))
        msgs = [msg for msg in self.messages_in(int(m[1])) if not msg["flags"] & EPHEMERAL_FLAG]
        return list(reversed(msgs))[:limit]  # newest first, like Discord

    def _on_channel_message(self, call: RecordedCall, m: re.Match[str]) -> Any:
        msg = self._stored(int(m[2]))
        if msg["channel_id"] != m[1] or msg["flags"] & EPHEMERAL_FLAG:
            # Ephemeral messages are invisible to the bot-token API.
            raise http_error(404, "Unknown Message", code=10008)
        if call.method == "GET":
            return msg
        if call.method == "DELETE":
            self._delete(int(m[2]))
            return None
        return self._edit_message(msg, call.json or {}, call)

    def _on_get_channel(self, call: RecordedCall, m: re.Match[str]) -> Any:
        channel = self.channels.get(int(m[1]))
        if channel is None:
            raise http_error(404, "Unknown Channel", code=10003)
        return channel.payload()

    def _on_create_dm(self, call: RecordedCall, m: re.Match[str]) -> Any:
        user = self.users.get(int((call.json or {}).get("recipient_id", 0)))
        if user is None:
            raise http_error(400, "Invalid Recipient(s)", code=50033)
        return self.dm_channel(user).payload()

    def _on_get_user(self, call: RecordedCall, m: re.Match[str]) -> Any:
        user = self.users.get(int(m[1]))
        if user is None:
            raise http_error(404, "Unknown User", code=10013)
        return user.payload()

    def _on_get_member(self, call: RecordedCall, m: re.Match[str]) -> Any:
        g = self.guilds.get(int(m[1]))
        if g is None or not g.is_member(int(m[2])):
            raise http_error(404, "Unknown Member", code=10007)
        return g.member_payload(self.users[int(m[2])])

    def _on_member_role(self, call: RecordedCall, m: re.Match[str]) -> Any:
        g = self.guilds.get(int(m[1]))
        if g is None or not g.is_member(int(m[2])):
            raise http_error(404, "Unknown Member", code=10007)
        roles = [r for r in g.members[int(m[2])] if r != int(m[3])]
        if call.method == "PUT":
            roles.append(int(m[3]))
        self.set_member_roles(g.id, int(m[2]), roles)
        return None

    def _on_sync(self, call: RecordedCall, m: re.Match[str]) -> Any:
        guild_id = m[2] if m.lastindex and m.lastindex >= 2 else None
        out = []
        for cmd in call.json or []:
            key = (cmd["name"], int(guild_id) if guild_id else None)
            entry = {
                "id": str(self._command_id(*key)),
                "application_id": str(self.application_id),
                "version": str(_SNOWFLAKES.next()),
                "default_member_permissions": None,
                "type": 1,
                "description": "",
                "options": [],
                **cmd,
            }
            if guild_id:
                entry["guild_id"] = guild_id
            out.append(entry)
        return out

    def _on_app_info(self, call: RecordedCall, m: re.Match[str]) -> Any:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": False,
            "bot_require_code_grant": False,
            "bot": self.bot_user.payload(),
            "owner": self.owner.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "summary": "",
        }


# --------------------------------------------------------------------------------------------------
# Component helpers
# --------------------------------------------------------------------------------------------------
def _walk_components(components: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for c in components:
        yield c
        yield from _walk_components(c.get("components", []) or [])
        for key in ("accessory", "component"):  # sections and labels nest a single child
            if isinstance(c.get(key), Mapping):
                yield from _walk_components([c[key]])


def _number_components(components: list[JSON]) -> list[JSON]:
    """Give every component without one a numeric ``id``, as the API does when it stores a message."""
    nodes = [c for c in _walk_components(components) if isinstance(c, dict)]
    used = {c["id"] for c in nodes if isinstance(c.get("id"), int)}
    fresh = (n for n in itertools.count(1) if n not in used)
    for c in nodes:
        if c.get("id") is None:
            c["id"] = next(fresh)
    return components


def _find_component(components: Iterable[Mapping[str, Any]], custom_id: str) -> JSON | None:
    for c in _walk_components(components):
        if c.get("custom_id") == custom_id:
            return dict(c)
    return None


def _submitted(component: Mapping[str, Any], values: dict[str, Any]) -> JSON:
    """Turn one component of a sent modal into what Discord submits for it."""
    ctype = component.get("type")
    if ctype == 1:
        return {"type": 1, "components": [_submitted(c, values) for c in component.get("components", [])]}
    if ctype == 18:  # label wrapping one input
        out: JSON = {"type": 18, "component": _submitted(component["component"], values)}
        if "id" in component:
            out["id"] = component["id"]
        return out
    custom_id = component.get("custom_id")
    out = {"type": ctype}
    if "id" in component:
        out["id"] = component["id"]
    if custom_id is None:
        return out
    out["custom_id"] = custom_id
    if ctype == 4:
        out["value"] = str(values.pop(custom_id, component.get("value") or ""))
    else:
        given = values.pop(custom_id, [])
        out["values"] = [given] if isinstance(given, str) else [str(v) for v in given]
    return out


def _path_of(route: Route) -> str:
    """The formatted request path without the ``/api/vN`` prefix."""
    base = Route.BASE
    url = route.url
    path = url[len(base) :] if url.startswith(base) else re.sub(r"^https?://[^/]+(/api/v\d+)?", "", url)
    return path.split("?", 1)[0]
