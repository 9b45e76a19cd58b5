"""The stand-in's fixtures, limits and records: what scenarios refer to and assert on."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from bot.simulation.limits import LimitConfig
from bot.simulation.world import User as UserFixture

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway-ws"
# READY's resume_gateway_url points at a different path so tests can see that the client
# resumed where it was told to rather than at the default gateway.
RESUME_GATEWAY_PATH = "/gateway-ws-resume"
DISCORD_EPOCH_MS = 1420070400000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
ALL_PERMISSIONS = (1 << 53) - 1
EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
)
EDITORS_PERMISSIONS = EVERYONE_PERMISSIONS | MANAGE_MESSAGES
SEND_MESSAGES_IN_THREADS = 1 << 38
BOT_ROLE_PERMISSIONS = EVERYONE_PERMISSIONS | MANAGE_MESSAGES | SEND_MESSAGES_IN_THREADS

# Gateway intents.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Application flags: the "limited" (i.e. enabled, unverified app) privileged intent flags.
APPLICATION_FLAGS = (1 << 13) | (1 << 15) | (1 << 19) | (1 << 23)

MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7

INTERACTION_PING, INTERACTION_COMMAND, INTERACTION_COMPONENT = 1, 2, 3
INTERACTION_AUTOCOMPLETE, INTERACTION_MODAL_SUBMIT = 4, 5

# Which callback types Discord accepts for each interaction type.
ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    INTERACTION_PING: frozenset({1}),
    INTERACTION_COMMAND: frozenset({4, 5, 9, 12}),
    INTERACTION_COMPONENT: frozenset({4, 5, 6, 7, 9, 12}),
    INTERACTION_AUTOCOMPLETE: frozenset({8}),
    INTERACTION_MODAL_SUBMIT: frozenset({4, 5, 6, 7}),
}

JOINED_AT = "2024-01-02T00:00:00+00:00"


# ---------------------------------------------------------------------------------------------
# Fixtures: fixed ids so scenarios can refer to them. Ids are real-looking snowflakes; the two
# guilds differ in their timestamp bits so that with shard_count=2 guild A lands on shard 0 and
# guild B on shard 1 ((guild_id >> 22) % shard_count).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuildFixture:
    id: int
    name: str
    text_channel_id: int
    second_channel_id: int
    editors_role_id: int
    bot_role_id: int
    text_channel_name: str = "news-desk"
    second_channel_name: str = "news-archive"
    # More text channels, named desk-1, desk-2, ... (a newsroom with many digest channels).
    extra_channel_ids: tuple[int, ...] = ()
    forum_channel_name: str = "desk-forum"

    @property
    def forum_channel_id(self) -> int:
        """A forum channel (posts, no plain messages), next to the two text channels."""
        return self.id + 9

    @property
    def everyone_role_id(self) -> int:
        # Discord's @everyone role shares the guild's id.
        return self.id


APPLICATION_ID = 1191168914227200001
BOT_USER = UserFixture(1191168914231394305, "newsdesk", "Newsdesk", bot=True)
OWNER_USER = UserFixture(1191168914235588609, "olive_owner", "Olive Owner")
EDITOR_USER = UserFixture(1191168914239782913, "edith_editor", "Edith Editor")
READER_USER = UserFixture(1191168914243977217, "rory_reader", "Rory Reader")

GUILD_A = GuildFixture(
    id=1191168914646630400,
    name="Newsroom A",
    text_channel_id=1191168914646630401,
    second_channel_id=1191168914646630402,
    editors_role_id=1191168914646630403,
    bot_role_id=1191168914646630404,
)
GUILD_B = GuildFixture(
    id=1191168914650824704,
    name="Newsroom B",
    text_channel_id=1191168914650824705,
    second_channel_id=1191168914650824706,
    editors_role_id=1191168914650824707,
    bot_role_id=1191168914650824708,
)


@dataclass
class StandInConfig:
    application_id: int = APPLICATION_ID
    bot_user: UserFixture = BOT_USER
    owner: UserFixture = OWNER_USER
    editor: UserFixture = EDITOR_USER
    reader: UserFixture = READER_USER
    guilds: tuple[GuildFixture, ...] = (GUILD_A, GUILD_B)
    # What GET /gateway/bot recommends (used by AutoShardedClient without an explicit count).
    shard_count: int = 1
    heartbeat_interval_ms: int = 41250
    ack_deadline_s: float = 3.0
    # Discord documents "a few minutes" for enforce_nonce de-duplication.
    nonce_window_s: float = 180.0
    # None accepts any non-empty bot token.
    token: str | None = None
    # Answer Discord-limit violations with 400 Invalid Form Body, as Discord does.
    reject_invalid_bodies: bool = True
    # Privileged intents enabled for the application in the (imaginary) developer portal.
    privileged_intents: int = PRIVILEGED_INTENTS
    # Echo MESSAGE_CREATE/UPDATE/DELETE to sessions with the GUILD_MESSAGES intent, like Discord.
    echo_message_events: bool = True
    # Discord's request limits (global 50/s, 5 messages per 5 s per channel, invalid requests);
    # None answers every request as if no limit existed.
    limits: LimitConfig | None = None


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


@dataclass
class RecordedFile:
    field: str
    filename: str | None
    size: int
    content_type: str | None


@dataclass
class RecordedRequest:
    index: int
    method: str
    path: str  # relative to the API base, e.g. "/channels/123/messages"
    query: dict[str, str]
    json: Any
    headers: CIMultiDict[str]
    time: float  # event-loop clock (monotonic)
    files: list[RecordedFile] = field(default_factory=list)
    status: int | None = None
    response: Any = None
    injected: bool = False  # the response came from fail_next()
    completed: bool = False


@dataclass(frozen=True)
class ContractViolation:
    rule: str
    message: str
    field: str = ""
    method: str = ""
    path: str = ""
    interaction_id: int | None = None
    rejected: bool = False  # the stand-in answered with an error, as Discord would
    time: float = 0.0


@dataclass(frozen=True)
class Unexpected:
    reason: str
    method: str = ""
    path: str = ""
    request: RecordedRequest | None = None


@dataclass
class InteractionResponseRecord:
    kind: str  # callback | edit_original | delete_original | get_original | followup | edit_followup | ...
    time: float
    body: Any
    callback_type: int | None = None
    message: dict[str, Any] | None = None
    status: int = 200


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int | None
    payload: dict[str, Any]
    dispatched_at: float
    acked_at: float | None = None
    callback_type: int | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    responses: list[InteractionResponseRecord] = field(default_factory=list)
    autocomplete_choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    ack_request: RecordedRequest | None = None

    @property
    def latency(self) -> float | None:
        return None if self.acked_at is None else self.acked_at - self.dispatched_at


@dataclass
class GatewayConnection:
    id: int
    path: str
    query: dict[str, str]
    compress: str | None
    opened_at: float
    closed_at: float | None = None
    close_code: int | None = None  # the code the stand-in closed with, else the one the client sent
    mode: str | None = None  # "identify" | "resume" once the client said which
    shard: tuple[int, int] | None = None
    session_id: str | None = None
    resume_seq: int | None = None
    dropped: bool = False  # closed by drop_gateway()


@dataclass
class GatewayFrame:
    direction: str  # "send" (stand-in -> bot) | "recv" (bot -> stand-in)
    connection_id: int
    op: int | None
    t: str | None
    s: int | None
    d: Any
    time: float


@dataclass
class GatewaySession:
    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    identify: dict[str, Any]
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    conn: _Conn | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    invalid: bool = False


@dataclass
class _Conn:
    record: GatewayConnection
    ws: web.WebSocketResponse
    request: web.Request
    compressor: Any  # zlib compress object or None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: GatewaySession | None = None


@dataclass
class _Failure:
    method: str
    path_re: re.Pattern[str]
    status: int
    remaining: int
    body: Any
    retry_after: float | None
    is_global: bool
    commit: bool
    headers: dict[str, str]


@dataclass
class _Stored:
    msg: dict[str, Any]
    guild_id: int | None
    author_id: int
    created_at: float
    nonce: str | int | None = None
    deleted: bool = False
    interaction_id: int | None = None

    @property
    def id(self) -> int:
        return int(self.msg["id"])

    @property
    def channel_id(self) -> int:
        return int(self.msg["channel_id"])

    @property
    def ephemeral(self) -> bool:
        return bool(self.msg.get("flags", 0) & MESSAGE_FLAG_EPHEMERAL)


@dataclass
class _Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None  # non-JSON body (e.g. an HTML 502 page)
    arranged: bool = False  # a refusal the test set up (e.g. a user's closed DMs): counts as injected


@dataclass
class _Call:
    rec: RecordedRequest
    match: re.Match[str]
    body: Any
    files: list[RecordedFile]
    route: str  # the route template, used for the rate-limit bucket hash


_Handler = Callable[[_Call], Awaitable[_Reply]]


def _error(status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> _Reply:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return _Reply(status, body)


SNOWFLAKE = r"(\d{1,20})"
TOKEN = r"([^/]+)"
