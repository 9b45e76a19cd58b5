"""A local stand-in for the parts of Discord's HTTP API and gateway a discord.py bot uses.

End-to-end tests run the real bot against this server because Discord itself is unreachable
from CI. The stand-in aims to behave like Discord where a bot could tell the difference:

* HTTP responses carry the headers discord.py relies on (exact ``Content-Type:
  application/json``, ``X-RateLimit-*``, and ``Via`` -- discord.py treats a 429 *without* ``Via``
  as a Cloudflare ban and does not retry it).
* The gateway speaks JSON with zlib-stream transport compression (discord.py 2.7 asks for it
  unless ``zstandard`` is installed), sequences every dispatch, and replays missed events on
  RESUME.
* Interaction rules: 3 second acknowledgement deadline, exactly-once acknowledgement, follow-ups
  only after the acknowledgement, the first follow-up after a deferral replacing the "thinking"
  message.
* Message ``nonce``/``enforce_nonce`` de-duplication, and the nonce is not stored: fetching
  messages later does not return it (as on Discord).

Everything is recorded so tests can assert on it; bodies are checked against Discord's limits and
the project's policies (see :mod:`tests.e2e.contracts`); unknown routes answer 404 and are listed
in :attr:`DiscordStandIn.unexpected`.

Usage::

    async with DiscordStandIn() as standin:
        discord.http.Route.BASE = standin.base_url
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(standin.gateway_url)  # see note below
        ...

Note: a plain ``discord.Client`` never asks ``/gateway/bot`` for the gateway URL; it connects to
``DiscordWebSocket.DEFAULT_GATEWAY`` directly, so setting ``Route.BASE`` alone is not enough.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import itertools
import json
import math
import re
import secrets
import socket
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import WSMsgType, web
from multidict import CIMultiDict

from bot.simulation import payloads
from bot.simulation.payloads import Snowflakes, now_iso
from bot.simulation.world import User as UserFixture
from tests.e2e import contracts
from tests.e2e.contracts import Problem

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
BOT_ROLE_PERMISSIONS = EVERYONE_PERMISSIONS | MANAGE_MESSAGES

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


class DiscordStandIn:
    """Fake Discord: HTTP API under :attr:`base_url` and a gateway at :attr:`gateway_url`."""

    def __init__(self, config: StandInConfig | None = None) -> None:
        self.config = config or StandInConfig()
        self.requests: list[RecordedRequest] = []
        self.violations: list[ContractViolation] = []
        self.unexpected: list[Unexpected] = []
        self.gateway_connections: list[GatewayConnection] = []
        self.gateway_frames: list[GatewayFrame] = []
        self.identify_payloads: list[dict[str, Any]] = []
        self.presence_updates: list[dict[str, Any]] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.ack_heartbeats = True  # set False to simulate a zombied connection
        self._ids = Snowflakes()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._conns: list[_Conn] = []
        self._conn_ids = itertools.count(1)
        self._failures: list[_Failure] = []
        self._refuse_gateway = 0
        self._changed = asyncio.Event()
        self._timers: list[asyncio.TimerHandle] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._interactions: dict[int, InteractionRecord] = {}
        self._tokens: dict[str, int] = {}
        self._messages: dict[int, _Stored] = {}
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self._global_commands: list[dict[str, Any]] = []
        self._guild_commands: dict[int, list[dict[str, Any]]] = {}
        self._users: dict[int, UserFixture] = {
            u.id: u for u in (self.config.bot_user, self.config.owner, self.config.editor, self.config.reader)
        }
        self._guilds: dict[int, dict[str, Any]] = {g.id: self._build_guild(g) for g in self.config.guilds}
        self._channels: dict[int, dict[str, Any]] = {
            int(ch["id"]): ch for g in self._guilds.values() for ch in g["channels"]
        }
        self._routes: list[tuple[str, re.Pattern[str], _Handler, bool, str]] = []
        self._install_routes()

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
        return int(ch["guild_id"]) if ch else None

    def _user_payload(self, user_id: int) -> dict[str, Any]:
        fx = self._users.get(user_id)
        return fx.payload() if fx else payloads.user_payload(user_id, f"user{user_id}")

    async def set_member_roles(self, guild_id: int, user_id: int, role_ids: Iterable[int]) -> None:
        """Changes a member's roles and tells the bot (GUILD_MEMBER_UPDATE), e.g. to demote an editor."""
        member = self._guilds[guild_id]["members"][user_id]
        member["roles"] = [str(r) for r in role_ids]
        payload = {"guild_id": str(guild_id), **copy.deepcopy(member)}
        await self.dispatch_event(guild_id, "GUILD_MEMBER_UPDATE", payload, intent=INTENT_GUILD_MEMBERS)

    # -----------------------------------------------------------------------------------------
    # Recording helpers and waiting
    # -----------------------------------------------------------------------------------------

    def _notify(self) -> None:
        # Wake every waiter; each re-checks its own predicate.
        self._changed.set()
        self._changed = asyncio.Event()

    # The public wait_* helpers take ``timeout=`` (the suite's agreed API) instead of making every
    # caller wrap them in asyncio.timeout(); hence the ASYNC109 suppressions below.
    async def _wait_until(self, probe: Callable[[], Any], timeout: float, what: str) -> Any:  # noqa: ASYNC109
        try:
            async with asyncio.timeout(timeout):
                while True:
                    found = probe()
                    if found is not None:
                        return found
                    await self._changed.wait()
        except TimeoutError:
            recent = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests[-8:])
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}; recent requests: {recent}") from None

    def mark(self) -> int:
        """Index to pass as ``since=`` so later waits ignore what already happened."""
        return len(self.requests)

    def requests_matching(
        self,
        method: str | None = None,
        path_regex: str | None = None,
        *,
        since: int = 0,
        status: int | None = None,
    ) -> list[RecordedRequest]:
        """Recorded requests (completed or not); ``path_regex`` must match the whole API-relative path."""
        pattern = re.compile(path_regex) if path_regex else None
        return [
            r
            for r in self.requests[since:]
            if (method is None or r.method == method.upper())
            and (pattern is None or pattern.fullmatch(r.path))
            and (status is None or r.status == status)
        ]

    async def wait_for_request(
        self,
        method: str | None,
        path_regex: str | None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        since: int = 0,
        status: int | None = None,
    ) -> RecordedRequest:
        """First *completed* request matching, recorded at index >= ``since``."""

        def probe() -> RecordedRequest | None:
            for r in self.requests_matching(method, path_regex, since=since, status=status):
                if r.completed:
                    return r
            return None

        return await self._wait_until(probe, timeout, f"{method} {path_regex}")

    async def wait_for_gateway(
        self,
        *,
        op: int | None = None,
        t: str | None = None,
        direction: str = "recv",
        since: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> GatewayFrame:
        """First gateway frame (index >= ``since`` in :attr:`gateway_frames`) matching op/t/direction."""

        def probe() -> GatewayFrame | None:
            for f in self.gateway_frames[since:]:
                if f.direction == direction and (op is None or f.op == op) and (t is None or f.t == t):
                    return f
            return None

        return await self._wait_until(probe, timeout, f"gateway {direction} op={op} t={t}")

    async def wait_for_ack(self, interaction_id: int, *, timeout: float = 5.0) -> InteractionRecord:  # noqa: ASYNC109
        def probe() -> InteractionRecord | None:
            rec = self._interactions.get(int(interaction_id))
            # Wait for the callback's HTTP response to be written too, so the bot has at least been
            # told the outcome (discord.py registers a message's View only after reading it).
            done = rec is not None and rec.ack_request is not None and rec.ack_request.completed
            return rec if done else None

        return await self._wait_until(probe, timeout, f"ack of interaction {interaction_id}")

    async def wait_for_identify(
        self,
        count: int = 1,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        def probe() -> list[dict[str, Any]] | None:
            return self.identify_payloads if len(self.identify_payloads) >= count else None

        return await self._wait_until(probe, timeout, f"{count} IDENTIFY")

    def _violate(
        self,
        problems: Iterable[Problem],
        *,
        method: str = "",
        path: str = "",
        interaction_id: int | None = None,
    ) -> list[Problem]:
        """Records problems; returns those Discord itself would reject."""
        rejected: list[Problem] = []
        now = asyncio.get_running_loop().time()
        for prob in problems:
            rejects = prob.rejects and self.config.reject_invalid_bodies
            self.violations.append(
                ContractViolation(
                    rule=prob.rule,
                    message=prob.message,
                    field=prob.field,
                    method=method,
                    path=path,
                    interaction_id=interaction_id,
                    rejected=rejects,
                    time=now,
                )
            )
            if rejects:
                rejected.append(prob)
        if problems:
            self._notify()
        return rejected

    def _violation(
        self, call: _Call | None, rule: str, message: str, *, interaction_id: int | None = None, rejected: bool = False
    ) -> None:
        self.violations.append(
            ContractViolation(
                rule=rule,
                message=message,
                method=call.rec.method if call else "",
                path=call.rec.path if call else "",
                interaction_id=interaction_id,
                rejected=rejected,
                time=asyncio.get_running_loop().time(),
            )
        )
        self._notify()

    def _unexpected(self, reason: str, rec: RecordedRequest | None = None) -> None:
        self.unexpected.append(Unexpected(reason, rec.method if rec else "", rec.path if rec else "", rec))
        self._notify()

    def assert_clean(self) -> None:
        """Fails if anything was unexpected or violated a contract."""
        problems = [f"unexpected: {u.reason} ({u.method} {u.path})" for u in self.unexpected]
        problems += [f"violation {v.rule}: {v.message} ({v.method} {v.path})" for v in self.violations]
        assert not problems, "stand-in saw problems:\n" + "\n".join(problems)

    # -----------------------------------------------------------------------------------------
    # Failure injection
    # -----------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        body: Any = None,
        retry_after: float | None = None,
        is_global: bool = False,
        commit: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Make the next ``times`` matching requests fail with ``status``.

        ``method`` may be ``"*"``. ``path_regex`` must match the whole API-relative path, e.g.
        ``r"/channels/\\d+/messages"``. ``commit=True`` applies the request first and then fails,
        which is what makes idempotency (nonce) handling observable: Discord can create the
        message and still answer 5xx.
        """
        self._failures.append(
            _Failure(
                method=method.upper(),
                path_re=re.compile(path_regex),
                status=status,
                remaining=times,
                body=body,
                retry_after=retry_after,
                is_global=is_global,
                commit=commit,
                headers=dict(headers or {}),
            )
        )

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.remaining > 0 and failure.method in ("*", method) and failure.path_re.fullmatch(path):
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _failure_reply(self, failure: _Failure, bucket: str) -> _Reply:
        status = failure.status
        headers = dict(failure.headers)
        if status == 429:
            retry_after = 0.25 if failure.retry_after is None else failure.retry_after
            body = failure.body or {
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": failure.is_global,
            }
            headers.update(
                {
                    "Retry-After": str(math.ceil(retry_after)),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": bucket,
                    "X-RateLimit-Scope": "global" if failure.is_global else "user",
                }
            )
            if failure.is_global:
                headers["X-RateLimit-Global"] = "true"
            return _Reply(429, body, headers)
        if status == 502 and failure.body is None:
            # Discord's 502s come from the edge as HTML, not JSON.
            return _Reply(502, headers=headers, text="<html><body><h1>502 Bad Gateway</h1></body></html>")
        defaults = {
            400: (50035, "Invalid Form Body"),
            401: (0, "401: Unauthorized"),
            403: (50013, "Missing Permissions"),
            404: (10003, "Unknown Channel"),
            500: (0, "500: Internal Server Error"),
            503: (0, "503: Service Unavailable"),
            504: (0, "504: Gateway Timeout"),
        }
        code, message = defaults.get(status, (0, f"{status}: Error"))
        return _Reply(status, failure.body if failure.body is not None else {"message": message, "code": code}, headers)

    # -----------------------------------------------------------------------------------------
    # HTTP plumbing
    # -----------------------------------------------------------------------------------------

    def _route(self, method: str, pattern: str, handler: _Handler, *, auth: bool = True) -> None:
        self._routes.append((method, re.compile(pattern), handler, auth, pattern))

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
        r("POST", rf"/channels/{SNOWFLAKE}/messages", self._h_create_message)
        r("GET", rf"/channels/{SNOWFLAKE}/messages", self._h_list_messages)
        r("GET", rf"/channels/{SNOWFLAKE}/messages/{SNOWFLAKE}", self._h_get_message)
        r("PATCH", rf"/channels/{SNOWFLAKE}/messages/{SNOWFLAKE}", self._h_edit_message)
        r("DELETE", rf"/channels/{SNOWFLAKE}/messages/{SNOWFLAKE}", self._h_delete_message)
        r("POST", rf"/channels/{SNOWFLAKE}/typing", self._h_typing)
        r("GET", rf"/channels/{SNOWFLAKE}", self._h_get_channel)
        r("GET", rf"/guilds/{SNOWFLAKE}", self._h_get_guild)
        r("GET", rf"/guilds/{SNOWFLAKE}/channels", self._h_guild_channels)
        r("GET", rf"/guilds/{SNOWFLAKE}/roles", self._h_guild_roles)
        r("GET", rf"/guilds/{SNOWFLAKE}/members/{SNOWFLAKE}", self._h_guild_member)

    def _token_ok(self, token: Any) -> bool:
        if not isinstance(token, str) or not token.strip():
            return False
        return self.config.token is None or token == self.config.token

    async def _read_body(self, request: web.Request) -> tuple[Any, list[RecordedFile], str | None]:
        """Returns (json body, files, error). Multipart bodies carry JSON in ``payload_json``."""
        files: list[RecordedFile] = []
        if request.content_type.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            async for part in reader:
                if part is None or not isinstance(part, web.BodyPartReader):
                    continue
                if part.name == "payload_json":
                    try:
                        body = json.loads(await part.text())
                    except ValueError:
                        return None, files, "payload_json is not valid JSON"
                else:
                    data = await part.read(decode=False)
                    files.append(
                        RecordedFile(part.name or "", part.filename, len(data), part.headers.get("Content-Type"))
                    )
            return body, files, None
        raw = await request.read()
        if not raw:
            return None, files, None
        try:
            return json.loads(raw), files, None
        except ValueError:
            return None, files, "The request body contains invalid JSON."

    def _standard_headers(self, bucket: str) -> dict[str, str]:
        # Generous, never-exhausted buckets: discord.py then never pre-emptively sleeps.
        return {
            "Via": "1.1 google",
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": bucket,
        }

    def _to_response(self, reply: _Reply, bucket: str) -> web.Response:
        headers = self._standard_headers(bucket)
        headers.update(reply.headers)
        if reply.text is not None:
            return web.Response(status=reply.status, text=reply.text, content_type="text/html", headers=headers)
        if reply.status == 204 or reply.body is None:
            return web.Response(status=reply.status, headers=headers)
        # discord.py compares Content-Type to exactly "application/json"; aiohttp's json_response
        # would add "; charset=utf-8" and make discord.py treat the body as text.
        headers["Content-Type"] = "application/json"
        return web.Response(status=reply.status, body=json.dumps(reply.body).encode(), headers=headers)

    async def _http_handler(self, request: web.Request) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        full_path = request.path
        api_path = full_path[len(API_PREFIX) :] if full_path.startswith(API_PREFIX + "/") else full_path
        body, files, body_error = await self._read_body(request)
        rec = RecordedRequest(
            index=len(self.requests),
            method=request.method,
            path=api_path,
            query=dict(request.query),
            json=body,
            headers=CIMultiDict(request.headers),
            time=loop.time(),
            files=files,
        )
        self.requests.append(rec)
        reply, bucket, injected = await self._dispatch_http(request, rec, body, files, body_error)
        rec.status, rec.response, rec.injected, rec.completed = reply.status, reply.body, injected, True
        self._notify()
        return self._to_response(reply, bucket)

    async def _dispatch_http(
        self,
        request: web.Request,
        rec: RecordedRequest,
        body: Any,
        files: list[RecordedFile],
        body_error: str | None,
    ) -> tuple[_Reply, str, bool]:
        route_hit: tuple[_Handler, bool, str, re.Match[str]] | None = None
        if request.path.startswith(API_PREFIX + "/"):
            for method, pattern, handler, auth, template in self._routes:
                m = pattern.fullmatch(rec.path)
                if m and method == rec.method:
                    route_hit = (handler, auth, template, m)
                    break
        if route_hit is None:
            self._unexpected(f"no such route: {rec.method} {request.path}", rec)
            return _error(404, 0, "404: Not Found"), "unknown", False
        handler, auth, template, match = route_hit
        bucket = hashlib.sha1(f"{rec.method} {template}".encode()).hexdigest()[:32]
        if auth:
            header = rec.headers.get("Authorization", "")
            if not (header.startswith("Bot ") and self._token_ok(header[4:])):
                self._unexpected("missing or invalid bot token", rec)
                return _error(401, 0, "401: Unauthorized"), bucket, False
        failure = self._take_failure(rec.method, rec.path)
        if failure is not None and not failure.commit:
            return self._failure_reply(failure, bucket), bucket, True
        if body_error is not None:
            self._unexpected(body_error, rec)
            return _error(400, 50109, body_error), bucket, False
        try:
            reply = await handler(_Call(rec=rec, match=match, body=body, files=files, route=template))
        except Exception as exc:
            # A stand-in bug (or a body shape it did not foresee) must fail the test visibly,
            # not just appear as a 500 that discord.py silently retries.
            self._unexpected(f"stand-in error handling {rec.method} {rec.path}: {exc!r}", rec)
            return _error(500, 0, "500: Internal Server Error (stand-in error)"), bucket, False
        if failure is not None:
            return self._failure_reply(failure, bucket), bucket, True
        return reply, bucket, False

    # -----------------------------------------------------------------------------------------
    # HTTP handlers: identity and gateway discovery
    # -----------------------------------------------------------------------------------------

    async def _h_gateway(self, call: _Call) -> _Reply:
        return _Reply(200, {"url": self.gateway_url})

    async def _h_gateway_bot(self, call: _Call) -> _Reply:
        return _Reply(
            200,
            {
                "url": self.gateway_url,
                "shards": self.config.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            },
        )

    async def _h_me(self, call: _Call) -> _Reply:
        data = self.config.bot_user.payload()
        data.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None, "bio": ""})
        return _Reply(200, data)

    async def _h_user(self, call: _Call) -> _Reply:
        uid = int(call.match[1])
        if uid not in self._users:
            return _error(404, 10013, "Unknown User")
        return _Reply(200, self._users[uid].payload())

    async def _h_application(self, call: _Call) -> _Reply:
        cfg = self.config
        return _Reply(
            200,
            {
                "id": str(cfg.application_id),
                "name": cfg.bot_user.global_name or cfg.bot_user.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": APPLICATION_FLAGS,
                "owner": cfg.owner.payload(),
                "team": None,
                "bot": cfg.bot_user.payload(),
                "hook": True,
                "redirect_uris": [],
                "rpc_origins": [],
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "tags": [],
                "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
                "integration_types_config": {"0": {}},
                "approximate_guild_count": len(self._guilds),
                "approximate_user_install_count": 0,
                "event_webhooks_url": None,
                "event_webhooks_status": 1,
                "event_webhooks_types": [],
                "custom_install_url": None,
                "terms_of_service_url": None,
                "privacy_policy_url": None,
                "cover_image": None,
                "guild_id": None,
                "primary_sku_id": None,
                "slug": None,
                "storefront_available": False,
                "is_monetized": False,
                "is_verified": False,
                "is_discoverable": False,
                "redirect_uris_count": 0,
            },
        )

    # -----------------------------------------------------------------------------------------
    # HTTP handlers: application commands
    # -----------------------------------------------------------------------------------------

    def _command_scope(self, call: _Call) -> tuple[list[dict[str, Any]] | None, int | None, _Reply | None]:
        if int(call.match[1]) != self.config.application_id:
            return None, None, _error(404, 10002, "Unknown Application")
        if "/guilds/" in call.rec.path:
            gid = int(call.match[2])
            if gid not in self._guilds:
                # Discord answers 403 Missing Access for guilds the app is not in.
                return None, gid, _error(403, 50001, "Missing Access")
            return self._guild_commands.setdefault(gid, []), gid, None
        return self._global_commands, None, None

    def _materialise_command(
        self,
        body: Mapping[str, Any],
        gid: int | None,
        existing: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        perms = body.get("default_member_permissions")
        cmd: dict[str, Any] = {
            "id": existing["id"] if existing else str(self._ids.next()),
            "application_id": str(self.config.application_id),
            "version": str(self._ids.next()),
            "type": int(body.get("type") or 1),
            "name": body.get("name"),
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description") or "",
            "description_localizations": body.get("description_localizations"),
            "default_member_permissions": None if perms is None else str(perms),
            "dm_permission": body.get("dm_permission", True),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
            "nsfw": bool(body.get("nsfw", False)),
        }
        if body.get("options"):
            cmd["options"] = copy.deepcopy(body["options"])
        if gid is not None:
            cmd["guild_id"] = str(gid)
        return cmd

    async def _h_list_commands(self, call: _Call) -> _Reply:
        store, _gid, err = self._command_scope(call)
        if err:
            return err
        return _Reply(200, copy.deepcopy(store))

    async def _h_put_commands(self, call: _Call) -> _Reply:
        store, gid, err = self._command_scope(call)
        if err or store is None:
            return err or _error(500, 0, "unreachable")
        rejected = self._violate(contracts.check_command_list(call.body), method="PUT", path=call.rec.path)
        if rejected:
            return _error(400, 50035, "Invalid Form Body", contracts.errors_tree(rejected))
        # Bulk overwrite keeps the ids of commands whose (name, type) survive, like Discord.
        by_key = {(c["name"], c["type"]): c for c in store}
        new = [
            self._materialise_command(b, gid, by_key.get((b.get("name"), int(b.get("type") or 1)))) for b in call.body
        ]
        store[:] = new
        return _Reply(200, copy.deepcopy(new))

    async def _h_post_command(self, call: _Call) -> _Reply:
        store, gid, err = self._command_scope(call)
        if err or store is None:
            return err or _error(500, 0, "unreachable")
        rejected = self._violate(contracts.check_command(call.body), method="POST", path=call.rec.path)
        if rejected:
            return _error(400, 50035, "Invalid Form Body", contracts.errors_tree(rejected))
        key = (call.body.get("name"), int(call.body.get("type") or 1))
        existing = next((c for c in store if (c["name"], c["type"]) == key), None)
        cmd = self._materialise_command(call.body, gid, existing)
        if existing:
            store[store.index(existing)] = cmd
        else:
            if len(store) >= contracts.MAX_COMMANDS:
                self._violation(call, "command.count", "more than 100 commands", rejected=True)
                return _error(400, 30032, "Maximum number of application commands reached (100)")
            store.append(cmd)
        # Discord answers 201 for a new command and 200 for an upsert of an existing one.
        return _Reply(200 if existing else 201, copy.deepcopy(cmd))

    def _find_stored_command(
        self, call: _Call
    ) -> tuple[list[dict[str, Any]] | None, dict[str, Any] | None, _Reply | None]:
        store, _gid, err = self._command_scope(call)
        if err or store is None:
            return None, None, err
        cid = call.match.groups()[-1]
        cmd = next((c for c in store if c["id"] == cid), None)
        if cmd is None:
            return store, None, _error(404, 10063, "Unknown application command")
        return store, cmd, None

    async def _h_get_command(self, call: _Call) -> _Reply:
        _store, cmd, err = self._find_stored_command(call)
        return err or _Reply(200, copy.deepcopy(cmd))

    async def _h_patch_command(self, call: _Call) -> _Reply:
        store, cmd, err = self._find_stored_command(call)
        if err or store is None or cmd is None:
            return err or _error(500, 0, "unreachable")
        merged = {**cmd, **(call.body or {})}
        rejected = self._violate(contracts.check_command(merged), method="PATCH", path=call.rec.path)
        if rejected:
            return _error(400, 50035, "Invalid Form Body", contracts.errors_tree(rejected))
        gid = int(cmd["guild_id"]) if "guild_id" in cmd else None
        new = self._materialise_command(merged, gid, cmd)
        store[store.index(cmd)] = new
        return _Reply(200, copy.deepcopy(new))

    async def _h_delete_command(self, call: _Call) -> _Reply:
        store, cmd, err = self._find_stored_command(call)
        if err or store is None or cmd is None:
            return err or _error(500, 0, "unreachable")
        store.remove(cmd)
        return _Reply(204)

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Registered commands: global ones, or those of ``guild_id``."""
        store = self._global_commands if guild_id is None else self._guild_commands.get(guild_id, [])
        return copy.deepcopy(store)

    # -----------------------------------------------------------------------------------------
    # Messages (storage shared by channel sends, interaction responses and follow-ups)
    # -----------------------------------------------------------------------------------------

    def _attachments_from(self, channel_id: int, files: Sequence[RecordedFile]) -> list[dict[str, Any]]:
        out = []
        for f in files:
            aid = self._ids.next()
            name = f.filename or "file"
            url = f"https://cdn.discordapp.com/attachments/{channel_id}/{aid}/{name}"
            out.append(
                {
                    "id": str(aid),
                    "filename": name,
                    "size": f.size,
                    "url": url,
                    "proxy_url": url,
                    "content_type": f.content_type,
                }
            )
        return out

    def _embeds_from(self, embeds: Any) -> list[dict[str, Any]]:
        out = []
        for e in embeds or []:
            if isinstance(e, Mapping):
                # Discord stores every bot embed as "rich" and echoes the rest back.
                out.append({"type": "rich", **copy.deepcopy(dict(e)), "content_scan_version": 0})
        return out

    def _store_message(
        self,
        *,
        channel_id: int,
        author: UserFixture | dict[str, Any],
        body: Mapping[str, Any],
        files: Sequence[RecordedFile] = (),
        mtype: int = 0,
        flags: int = 0,
        webhook: bool = False,
        interaction: InteractionRecord | None = None,
        nonce: str | int | None = None,
    ) -> _Stored:
        author_payload = author.payload() if isinstance(author, UserFixture) else dict(author)
        msg: dict[str, Any] = {
            "id": str(self._ids.next()),
            "channel_id": str(channel_id),
            "type": mtype,
            "content": body.get("content") or "",
            "author": author_payload,
            "attachments": self._attachments_from(channel_id, files),
            "embeds": self._embeds_from(body.get("embeds")),
            "components": copy.deepcopy(body.get("components") or []),
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(body.get("tts")),
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "flags": flags,
        }
        if body.get("poll"):
            msg["poll"] = copy.deepcopy(body["poll"])
        if isinstance(body.get("message_reference"), Mapping):
            ref = body["message_reference"]
            msg["message_reference"] = {
                "type": 0,
                "channel_id": str(ref.get("channel_id", channel_id)),
                "message_id": str(ref.get("message_id")),
                "guild_id": str(self.guild_of_channel(channel_id)),
            }
        if webhook:
            msg["webhook_id"] = str(self.config.application_id)
            msg["application_id"] = str(self.config.application_id)
        if interaction is not None:
            msg["interaction_metadata"] = self._interaction_metadata(interaction)
            if interaction.type == INTERACTION_COMMAND:
                msg["interaction"] = {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "name": (interaction.payload.get("data") or {}).get("name", ""),
                    "user": self._interaction_user(interaction.payload),
                }
        stored = _Stored(
            msg=msg,
            guild_id=self.guild_of_channel(channel_id),
            author_id=int(author_payload["id"]),
            created_at=asyncio.get_running_loop().time(),
            nonce=nonce,
            interaction_id=interaction.id if interaction else None,
        )
        self._messages[stored.id] = stored
        return stored

    @staticmethod
    def _interaction_user(payload: Mapping[str, Any]) -> dict[str, Any]:
        if "member" in payload:
            return copy.deepcopy(payload["member"]["user"])
        return copy.deepcopy(payload.get("user") or {})

    def _interaction_metadata(self, inter: InteractionRecord) -> dict[str, Any]:
        data = inter.payload.get("data") or {}
        meta: dict[str, Any] = {
            "id": str(inter.id),
            "type": inter.type,
            "user": self._interaction_user(inter.payload),
            "authorizing_integration_owners": copy.deepcopy(inter.payload.get("authorizing_integration_owners", {})),
        }
        if inter.type == INTERACTION_COMMAND:
            meta["name"] = data.get("name", "")
            meta["command_type"] = data.get("type", 1)
        if inter.original_message_id is not None:
            meta["original_response_message_id"] = str(inter.original_message_id)
        if "message" in inter.payload:
            meta["interacted_message_id"] = inter.payload["message"]["id"]
        return meta

    def _apply_edit(self, stored: _Stored, body: Mapping[str, Any], files: Sequence[RecordedFile]) -> None:
        msg = stored.msg
        if "content" in body:
            msg["content"] = body["content"] or ""
        if "embeds" in body:
            msg["embeds"] = self._embeds_from(body["embeds"])
        if "components" in body:
            msg["components"] = copy.deepcopy(body["components"] or [])
        if "attachments" in body or files:
            keep_ids = {str(a.get("id")) for a in body.get("attachments") or [] if isinstance(a, Mapping)}
            kept = [a for a in msg["attachments"] if a["id"] in keep_ids]
            msg["attachments"] = kept + self._attachments_from(stored.channel_id, files)
        # Editing a deferred ("thinking") response turns it into a normal message.
        msg["flags"] = int(msg.get("flags", 0)) & ~MESSAGE_FLAG_LOADING
        msg["edited_timestamp"] = now_iso()

    def _render(self, stored: _Stored, *, with_nonce: bool = False) -> dict[str, Any]:
        msg = copy.deepcopy(stored.msg)
        # Discord does not persist nonces: only the create response (and MESSAGE_CREATE) carry it.
        if with_nonce and stored.nonce is not None:
            msg["nonce"] = stored.nonce
        return msg

    async def _emit_message(self, stored: _Stored, event: str, *, with_nonce: bool = False) -> None:
        if not self.config.echo_message_events or stored.guild_id is None or stored.ephemeral:
            return
        if event == "MESSAGE_DELETE":
            data: dict[str, Any] = {
                "id": str(stored.id),
                "channel_id": str(stored.channel_id),
                "guild_id": str(stored.guild_id),
            }
        else:
            data = self._render(stored, with_nonce=with_nonce)
            data["guild_id"] = str(stored.guild_id)
            member = self._guilds[stored.guild_id]["members"].get(stored.author_id)
            if member is not None:
                data["member"] = {k: copy.deepcopy(v) for k, v in member.items() if k != "user"}
        session = self._session_for_guild(stored.guild_id)
        if session is None or not session.intents & INTENT_GUILD_MESSAGES:
            return
        if (
            event != "MESSAGE_DELETE"
            and stored.author_id != self.config.bot_user.id
            and not (session.intents & INTENT_MESSAGE_CONTENT)
        ):
            # Without MESSAGE_CONTENT, other users' content is blanked (the bot's own is not).
            data.update({"content": "", "embeds": [], "attachments": [], "components": []})
        await self._dispatch(session, event, data)

    def messages_in(
        self,
        channel_id: int,
        *,
        include_deleted: bool = False,
        include_ephemeral: bool = True,
    ) -> list[dict[str, Any]]:
        """Messages in a channel, oldest first (copies). Deleted/ephemeral ones are optional."""
        out = []
        for stored in sorted(self._messages.values(), key=lambda s: s.id):
            if stored.channel_id != int(channel_id):
                continue
            if (stored.deleted and not include_deleted) or (stored.ephemeral and not include_ephemeral):
                continue
            msg = self._render(stored)
            msg["_deleted"] = stored.deleted  # stand-in bookkeeping, not a Discord field
            out.append(msg)
        return out

    def message(self, message_id: int) -> dict[str, Any] | None:
        stored = self._messages.get(int(message_id))
        return None if stored is None else self._render(stored)

    async def add_user_message(self, channel_id: int, user: int | UserFixture, content: str) -> dict[str, Any]:
        """A message posted by a human (e.g. the reader) -- delivered to the bot as MESSAGE_CREATE."""
        fx = user if isinstance(user, UserFixture) else self._users[int(user)]
        stored = self._store_message(channel_id=channel_id, author=fx, body={"content": content})
        await self._emit_message(stored, "MESSAGE_CREATE")
        return self._render(stored)

    # -----------------------------------------------------------------------------------------
    # HTTP handlers: channels, guilds, messages
    # -----------------------------------------------------------------------------------------

    def _channel_or_404(self, call: _Call) -> tuple[dict[str, Any] | None, _Reply | None]:
        ch = self._channels.get(int(call.match[1]))
        if ch is None:
            return None, _error(404, 10003, "Unknown Channel")
        return ch, None

    def _message_problems(self, call: _Call, body: Any, *, creating: bool) -> _Reply | None:
        if not isinstance(body, Mapping):
            self._violation(call, "message.body", "message body must be a JSON object", rejected=True)
            return _error(400, 50109, "The request body contains invalid JSON.")
        rejected = self._violate(contracts.check_message_body(body), method=call.rec.method, path=call.rec.path)
        if rejected:
            return _error(400, 50035, "Invalid Form Body", contracts.errors_tree(rejected))
        if creating and contracts.message_is_empty(body, has_files=bool(call.files)):
            self._violation(call, "message.empty", "cannot send an empty message", rejected=True)
            return _error(400, 50006, "Cannot send an empty message")
        return None

    async def _h_create_message(self, call: _Call) -> _Reply:
        ch, err = self._channel_or_404(call)
        if err or ch is None:
            return err or _error(500, 0, "unreachable")
        body = call.body or {}
        if err := self._message_problems(call, body, creating=True):
            return err
        loop_now = asyncio.get_running_loop().time()
        nonce = body.get("nonce")
        author_id = self.config.bot_user.id
        if nonce is not None and body.get("enforce_nonce"):
            key = (author_id, str(nonce))
            seen = self._nonces.get(key)
            if seen is not None and loop_now - seen[1] <= self.config.nonce_window_s:
                existing = self._messages[seen[0]]
                # Same author + nonce inside the window: Discord returns the original message.
                return _Reply(200, self._render(existing, with_nonce=True))
        stored = self._store_message(
            channel_id=int(ch["id"]),
            author=self.config.bot_user,
            body=body,
            files=call.files,
            flags=int(body.get("flags") or 0) & ~MESSAGE_FLAG_EPHEMERAL,
            nonce=nonce,
        )
        if nonce is not None:
            self._nonces[(author_id, str(nonce))] = (stored.id, loop_now)
        ch["last_message_id"] = str(stored.id)
        await self._emit_message(stored, "MESSAGE_CREATE", with_nonce=True)
        return _Reply(200, self._render(stored, with_nonce=True))

    def _visible(self, stored: _Stored | None, channel_id: int) -> bool:
        return stored is not None and not stored.deleted and not stored.ephemeral and stored.channel_id == channel_id

    async def _h_list_messages(self, call: _Call) -> _Reply:
        ch, err = self._channel_or_404(call)
        if err or ch is None:
            return err or _error(500, 0, "unreachable")
        q = call.rec.query
        try:
            limit = int(q.get("limit", "50"))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 100:
            self._violation(call, "messages.limit", f"limit={q.get('limit')!r} must be 1-100", rejected=True)
            return _error(400, 50035, "Invalid Form Body")
        cid = int(ch["id"])
        visible = sorted((s for s in self._messages.values() if self._visible(s, cid)), key=lambda s: s.id)
        if "before" in q:
            visible = [s for s in visible if s.id < int(q["before"])][-limit:]
        elif "after" in q:
            visible = [s for s in visible if s.id > int(q["after"])][:limit]
        elif "around" in q:
            pivot = int(q["around"])
            older = [s for s in visible if s.id < pivot]
            newer = [s for s in visible if s.id >= pivot]
            visible = older[-(limit // 2) :] + newer[: limit - limit // 2] if limit > 1 else newer[:1]
        else:
            visible = visible[-limit:]
        # Discord lists newest first.
        return _Reply(200, [self._render(s) for s in reversed(visible)])

    async def _h_get_message(self, call: _Call) -> _Reply:
        ch, err = self._channel_or_404(call)
        if err or ch is None:
            return err or _error(500, 0, "unreachable")
        stored = self._messages.get(int(call.match[2]))
        if stored is None or not self._visible(stored, int(ch["id"])):
            return _error(404, 10008, "Unknown Message")
        return _Reply(200, self._render(stored))

    async def _h_edit_message(self, call: _Call) -> _Reply:
        ch, err = self._channel_or_404(call)
        if err or ch is None:
            return err or _error(500, 0, "unreachable")
        stored = self._messages.get(int(call.match[2]))
        if stored is None or not self._visible(stored, int(ch["id"])):
            return _error(404, 10008, "Unknown Message")
        if stored.author_id != self.config.bot_user.id:
            return _error(403, 50005, "Cannot edit a message authored by another user")
        body = call.body or {}
        if err := self._message_problems(call, body, creating=False):
            return err
        self._apply_edit(stored, body, call.files)
        await self._emit_message(stored, "MESSAGE_UPDATE")
        return _Reply(200, self._render(stored))

    async def _h_delete_message(self, call: _Call) -> _Reply:
        ch, err = self._channel_or_404(call)
        if err or ch is None:
            return err or _error(500, 0, "unreachable")
        stored = self._messages.get(int(call.match[2]))
        if stored is None or not self._visible(stored, int(ch["id"])):
            return _error(404, 10008, "Unknown Message")
        stored.deleted = True
        await self._emit_message(stored, "MESSAGE_DELETE")
        return _Reply(204)

    async def _h_typing(self, call: _Call) -> _Reply:
        _ch, err = self._channel_or_404(call)
        return err or _Reply(204)

    async def _h_get_channel(self, call: _Call) -> _Reply:
        ch, err = self._channel_or_404(call)
        return err or _Reply(200, copy.deepcopy(ch))

    def _guild_or_404(self, call: _Call) -> tuple[int | None, _Reply | None]:
        gid = int(call.match[1])
        if gid not in self._guilds:
            return None, _error(404, 10004, "Unknown Guild")
        return gid, None

    async def _h_get_guild(self, call: _Call) -> _Reply:
        gid, err = self._guild_or_404(call)
        if err or gid is None:
            return err or _error(500, 0, "unreachable")
        data = self._guild_rest_payload(gid)
        if call.rec.query.get("with_counts") in ("true", "1", "True"):
            data["approximate_member_count"] = len(self._guilds[gid]["members"])
            data["approximate_presence_count"] = 0
        return _Reply(200, data)

    async def _h_guild_channels(self, call: _Call) -> _Reply:
        gid, err = self._guild_or_404(call)
        if err or gid is None:
            return err or _error(500, 0, "unreachable")
        return _Reply(200, copy.deepcopy(self._guilds[gid]["channels"]))

    async def _h_guild_roles(self, call: _Call) -> _Reply:
        gid, err = self._guild_or_404(call)
        if err or gid is None:
            return err or _error(500, 0, "unreachable")
        return _Reply(200, copy.deepcopy(self._guilds[gid]["roles"]))

    async def _h_guild_member(self, call: _Call) -> _Reply:
        gid, err = self._guild_or_404(call)
        if err or gid is None:
            return err or _error(500, 0, "unreachable")
        member = self._guilds[gid]["members"].get(int(call.match[2]))
        if member is None:
            return _error(404, 10007, "Unknown Member")
        return _Reply(200, copy.deepcopy(member))

    # -----------------------------------------------------------------------------------------
    # HTTP handlers: interactions
    # -----------------------------------------------------------------------------------------

    def _respond_record(
        self,
        inter: InteractionRecord,
        kind: str,
        call: _Call,
        *,
        callback_type: int | None = None,
        message: dict[str, Any] | None = None,
        status: int = 200,
    ) -> None:
        inter.responses.append(
            InteractionResponseRecord(
                kind=kind,
                time=call.rec.time,
                body=copy.deepcopy(call.body),
                callback_type=callback_type,
                message=copy.deepcopy(message),
                status=status,
            )
        )

    async def _h_callback(self, call: _Call) -> _Reply:
        iid, token = int(call.match[1]), call.match[2]
        inter = self._interactions.get(iid)
        if inter is None or inter.token != token:
            self._violation(call, "interaction.unknown", f"callback for unknown interaction {iid}", rejected=True)
            return _error(404, 10062, "Unknown interaction")
        body = call.body if isinstance(call.body, Mapping) else {}
        ctype = body.get("type")
        latency = call.rec.time - inter.dispatched_at
        if inter.acked_at is not None:
            self._violation(
                call,
                "interaction.double_ack",
                f"interaction {iid} acknowledged twice",
                interaction_id=iid,
                rejected=True,
            )
            self._respond_record(inter, "callback", call, callback_type=ctype, status=400)
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if latency > self.config.ack_deadline_s:
            # After the deadline Discord has already shown "The application did not respond".
            self._violation(
                call,
                "interaction.ack_deadline",
                f"interaction {iid} acknowledged after {latency:.2f}s (> {self.config.ack_deadline_s}s)",
                interaction_id=iid,
                rejected=True,
            )
            self._respond_record(inter, "callback", call, callback_type=ctype, status=404)
            return _error(404, 10062, "Unknown interaction")
        # Updating "the message" (6/7) needs one: a modal opened from a slash command has none.
        no_message = ctype in (6, 7) and "message" not in inter.payload
        if ctype not in ALLOWED_CALLBACKS.get(inter.type, frozenset()) or no_message:
            self._violation(
                call,
                "interaction.callback_type",
                f"callback type {ctype!r} is not valid for interaction type {inter.type}",
                interaction_id=iid,
                rejected=True,
            )
            return _error(
                400,
                50035,
                "Invalid Form Body",
                {
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                "message": "Interaction response type is invalid",
                            }
                        ]
                    }
                },
            )
        data = body.get("data") if isinstance(body.get("data"), Mapping) else None
        problems: list[Problem] = []
        if ctype in (4, 7) and data is not None:
            problems = contracts.check_message_body(data, "data")
        elif ctype == 8:
            problems = contracts.check_autocomplete(data, "data")
        elif ctype == 9:
            problems = contracts.check_modal(data, "data")
        rejected = self._violate(problems, method="POST", path=call.rec.path, interaction_id=iid)
        if rejected:
            return _error(400, 50035, "Invalid Form Body", contracts.errors_tree(rejected))
        if ctype == 4 and contracts.message_is_empty(data or {}, has_files=bool(call.files)):
            self._violation(call, "message.empty", "cannot send an empty message", interaction_id=iid, rejected=True)
            return _error(400, 50006, "Cannot send an empty message")

        inter.acked_at = call.rec.time
        inter.ack_request = call.rec
        inter.callback_type = ctype
        stored: _Stored | None = None
        flags = int((data or {}).get("flags") or 0)
        if ctype in (4, 5):
            mtype = 20 if inter.type == INTERACTION_COMMAND else 0
            msg_flags = flags & MESSAGE_FLAG_EPHEMERAL
            if ctype == 5:
                msg_flags |= MESSAGE_FLAG_LOADING
            stored = self._store_message(
                channel_id=inter.channel_id or 0,
                author=self.config.bot_user,
                body=(data or {}) if ctype == 4 else {},
                files=call.files,
                mtype=mtype,
                flags=msg_flags,
                webhook=True,
                interaction=inter,
            )
            inter.original_message_id = stored.id
            await self._emit_message(stored, "MESSAGE_CREATE")
        elif ctype in (6, 7) and "message" in inter.payload:
            stored = self._messages.get(int(inter.payload["message"]["id"]))
            inter.original_message_id = int(inter.payload["message"]["id"])
            if ctype == 7 and stored is not None and data is not None:
                self._apply_edit(stored, data, call.files)
                await self._emit_message(stored, "MESSAGE_UPDATE")
        elif ctype == 8:
            inter.autocomplete_choices = copy.deepcopy(list((data or {}).get("choices") or []))
        elif ctype == 9:
            inter.modal = copy.deepcopy(dict(data or {}))
        rendered = self._render(stored) if stored is not None else None
        self._respond_record(inter, "callback", call, callback_type=ctype, message=rendered)
        self._notify()
        if call.rec.query.get("with_response") not in ("1", "true", "True"):
            return _Reply(204)
        response: dict[str, Any] = {
            "interaction": {
                "id": str(iid),
                "type": inter.type,
                "activity_instance_id": None,
                "response_message_id": str(inter.original_message_id) if inter.original_message_id else None,
                "response_message_loading": ctype == 5,
                "response_message_ephemeral": bool(stored and stored.ephemeral),
            }
        }
        if rendered is not None and ctype in (4, 5, 7):
            response["resource"] = {"type": ctype, "message": rendered}
        return _Reply(200, response)

    def _webhook_interaction(self, call: _Call) -> tuple[InteractionRecord | None, _Reply | None]:
        if int(call.match[1]) != self.config.application_id:
            return None, _error(404, 10015, "Unknown Webhook")
        iid = self._tokens.get(call.match[2])
        inter = self._interactions.get(iid) if iid is not None else None
        if inter is None:
            return None, _error(404, 10015, "Unknown Webhook")
        if inter.acked_at is None:
            self._violation(
                call,
                "interaction.webhook_before_ack",
                f"webhook used for interaction {inter.id} before the initial response",
                interaction_id=inter.id,
                rejected=True,
            )
            return None, _error(404, 10015, "Unknown Webhook")
        return inter, None

    def _webhook_target(self, call: _Call, inter: InteractionRecord) -> _Stored | None:
        if call.rec.path.endswith("/@original"):
            mid = inter.original_message_id
        else:
            mid = int(call.match[3])
            if mid != inter.original_message_id and mid not in inter.followup_ids:
                return None
        stored = self._messages.get(mid) if mid is not None else None
        return None if stored is None or stored.deleted else stored

    async def _h_followup(self, call: _Call) -> _Reply:
        inter, err = self._webhook_interaction(call)
        if err or inter is None:
            return err or _error(500, 0, "unreachable")
        body = call.body or {}
        if err := self._message_problems(call, body, creating=True):
            return err
        original = self._messages.get(inter.original_message_id or 0)
        if (
            inter.callback_type == 5
            and original is not None
            and not original.deleted
            and original.msg.get("flags", 0) & MESSAGE_FLAG_LOADING
        ):
            # Discord: the first follow-up after a deferred response replaces the "thinking" message.
            self._apply_edit(original, body, call.files)
            stored = original
            await self._emit_message(stored, "MESSAGE_UPDATE")
        else:
            stored = self._store_message(
                channel_id=inter.channel_id or 0,
                author=self.config.bot_user,
                body=body,
                files=call.files,
                flags=int(body.get("flags") or 0) & MESSAGE_FLAG_EPHEMERAL,
                webhook=True,
                interaction=inter,
            )
            inter.followup_ids.append(stored.id)
            await self._emit_message(stored, "MESSAGE_CREATE")
        rendered = self._render(stored)
        self._respond_record(inter, "followup", call, message=rendered)
        self._notify()
        if call.rec.query.get("wait") in ("true", "1", "True"):
            return _Reply(200, rendered)
        return _Reply(204)

    async def _h_get_webhook_message(self, call: _Call) -> _Reply:
        inter, err = self._webhook_interaction(call)
        if err or inter is None:
            return err or _error(500, 0, "unreachable")
        stored = self._webhook_target(call, inter)
        if stored is None:
            return _error(404, 10008, "Unknown Message")
        return _Reply(200, self._render(stored))

    async def _h_edit_webhook_message(self, call: _Call) -> _Reply:
        inter, err = self._webhook_interaction(call)
        if err or inter is None:
            return err or _error(500, 0, "unreachable")
        stored = self._webhook_target(call, inter)
        if stored is None:
            return _error(404, 10008, "Unknown Message")
        body = call.body or {}
        if err := self._message_problems(call, body, creating=False):
            return err
        self._apply_edit(stored, body, call.files)
        await self._emit_message(stored, "MESSAGE_UPDATE")
        rendered = self._render(stored)
        kind = "edit_original" if call.rec.path.endswith("/@original") else "edit_followup"
        self._respond_record(inter, kind, call, message=rendered)
        self._notify()
        return _Reply(200, rendered)

    async def _h_delete_webhook_message(self, call: _Call) -> _Reply:
        inter, err = self._webhook_interaction(call)
        if err or inter is None:
            return err or _error(500, 0, "unreachable")
        stored = self._webhook_target(call, inter)
        if stored is None:
            return _error(404, 10008, "Unknown Message")
        stored.deleted = True
        await self._emit_message(stored, "MESSAGE_DELETE")
        kind = "delete_original" if call.rec.path.endswith("/@original") else "delete_followup"
        self._respond_record(inter, kind, call, message=self._render(stored))
        self._notify()
        return _Reply(204)

    def interaction(self, interaction_id: int) -> InteractionRecord:
        return self._interactions[int(interaction_id)]

    def interaction_responses(self, interaction_id: int) -> list[InteractionResponseRecord]:
        """Callback, original-message edits/deletes and follow-ups, in arrival order."""
        return list(self._interactions[int(interaction_id)].responses)

    @property
    def ack_latencies(self) -> dict[int, float]:
        """Interaction id -> seconds from dispatch_interaction() to the (accepted) callback."""
        return {i.id: i.latency for i in self._interactions.values() if i.latency is not None}

    # -----------------------------------------------------------------------------------------
    # Gateway
    # -----------------------------------------------------------------------------------------

    def _frame(self, direction: str, conn: _Conn, payload: Mapping[str, Any]) -> None:
        self.gateway_frames.append(
            GatewayFrame(
                direction=direction,
                connection_id=conn.record.id,
                op=payload.get("op"),
                t=payload.get("t"),
                s=payload.get("s"),
                d=payload.get("d"),
                time=asyncio.get_running_loop().time(),
            )
        )
        self._notify()

    async def _send(self, conn: _Conn, payload: Mapping[str, Any]) -> bool:
        data = json.dumps(payload, separators=(",", ":"))
        async with conn.lock:
            if conn.ws.closed:
                return False
            try:
                if conn.compressor is not None:
                    # zlib-stream: one shared deflate context per connection, every message ends
                    # with a Z_SYNC_FLUSH (00 00 ff ff), which is what discord.py looks for.
                    chunk = conn.compressor.compress(data.encode()) + conn.compressor.flush(zlib.Z_SYNC_FLUSH)
                    await conn.ws.send_bytes(chunk)
                else:
                    await conn.ws.send_str(data)
            except (ConnectionError, RuntimeError):
                return False
        self._frame("send", conn, payload)
        return True

    async def _close(self, conn: _Conn, code: int, reason: str) -> None:
        # Remember the code we sent: aiohttp reports the peer's reply code once the handshake ends.
        if conn.record.close_code is None:
            conn.record.close_code = code
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.ws.close(code=code, message=reason.encode()), 2.0)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _gateway_handler(self, request: web.Request) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        query = dict(request.query)
        if self._refuse_gateway > 0:
            self._refuse_gateway -= 1
            return web.Response(status=503, text="gateway unavailable (stand-in outage)")
        ws = web.WebSocketResponse(compress=False, max_msg_size=0, autoping=True)
        await ws.prepare(request)
        record = GatewayConnection(
            id=next(self._conn_ids),
            path=request.path,
            query=query,
            compress=query.get("compress"),
            opened_at=loop.time(),
        )
        self.gateway_connections.append(record)
        compressor = zlib.compressobj() if record.compress == "zlib-stream" else None
        conn = _Conn(record=record, ws=ws, request=request, compressor=compressor)
        self._conns.append(conn)
        self._notify()
        try:
            if query.get("v") != "10":
                self._unexpected(f"gateway connected with v={query.get('v')!r}")
                await self._close(conn, 4012, "Invalid API version")
                return ws
            if query.get("encoding", "json") != "json":
                self._unexpected(f"gateway encoding {query.get('encoding')!r} not supported by the stand-in")
                await self._close(conn, 4002, "Decode error")
                return ws
            if record.compress not in (None, "zlib-stream"):
                # discord.py picks zstd-stream when `zstandard` is importable; the stand-in only
                # implements zlib-stream, so fail loudly rather than garble the stream.
                self._unexpected(f"gateway compress={record.compress!r} not supported by the stand-in")
                await self._close(conn, 4000, "Unsupported compression")
                return ws
            await self._send(
                conn,
                {
                    "op": 10,
                    "d": {"heartbeat_interval": self.config.heartbeat_interval_ms, "_trace": ['["stand-in"]']},
                    "s": None,
                    "t": None,
                },
            )
            async for msg in ws:
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    text = msg.data if isinstance(msg.data, str) else msg.data.decode("utf-8", "replace")
                    try:
                        await self._on_gateway_message(conn, text)
                    except Exception as exc:
                        self._unexpected(f"stand-in error handling gateway payload: {exc!r}")
                        await self._close(conn, 4000, "stand-in error")
                        break
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            record.closed_at = loop.time()
            if record.close_code is None:
                record.close_code = ws.close_code
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            self._conns.remove(conn)
            self._notify()
        return ws

    async def _on_gateway_message(self, conn: _Conn, text: str) -> None:
        try:
            payload = json.loads(text)
            op = payload["op"]
        except (ValueError, KeyError, TypeError):
            self._unexpected(f"undecodable gateway payload: {text[:200]!r}")
            await self._close(conn, 4002, "Decode error")
            return
        self._frame("recv", conn, payload)
        d = payload.get("d")
        if op == 1:
            if self.ack_heartbeats:
                await self._send(conn, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, d or {})
        elif op == 6:
            await self._resume(conn, d or {})
        elif conn.session is None:
            self._unexpected(f"gateway op {op} before IDENTIFY/RESUME")
            await self._close(conn, 4003, "Not authenticated")
        elif op == 3:
            self.presence_updates.append(d)
        elif op == 4:
            pass  # voice state updates: the bot has no voice features; nothing to do
        elif op == 8:
            await self._request_members(conn.session, d or {})
        else:
            self._unexpected(f"unknown gateway opcode {op}")
            await self._close(conn, 4001, "Unknown opcode")

    def _guilds_for_shard(self, shard_id: int, shard_count: int) -> list[int]:
        return [gid for gid in self._guilds if (gid >> 22) % shard_count == shard_id]

    async def _identify(self, conn: _Conn, d: Mapping[str, Any]) -> None:
        if conn.session is not None:
            self._unexpected("second IDENTIFY on one connection")
            await self._close(conn, 4005, "Already authenticated")
            return
        self.identify_payloads.append(copy.deepcopy(dict(d)))
        if not self._token_ok(d.get("token")):
            await self._close(conn, 4004, "Authentication failed")
            return
        shard = d.get("shard") or [0, 1]
        shard_id, shard_count = int(shard[0]), int(shard[1])
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            await self._close(conn, 4010, "Invalid shard")
            return
        intents = d.get("intents")
        if not isinstance(intents, int):
            await self._close(conn, 4013, "Invalid intent(s)")
            return
        if intents & PRIVILEGED_INTENTS & ~self.config.privileged_intents:
            await self._close(conn, 4014, "Disallowed intent(s)")
            return
        session = GatewaySession(
            session_id=secrets.token_hex(16),
            shard_id=shard_id,
            shard_count=shard_count,
            intents=intents,
            identify=copy.deepcopy(dict(d)),
        )
        self.sessions[session.session_id] = session
        conn.session = session
        conn.record.mode, conn.record.shard, conn.record.session_id = (
            "identify",
            (shard_id, shard_count),
            session.session_id,
        )
        guild_ids = self._guilds_for_shard(shard_id, shard_count)
        ready = {
            "v": 10,
            "user": {**self.config.bot_user.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(self.config.application_id), "flags": APPLICATION_FLAGS},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": ["us-east"],
            "auth_session_id_hash": "",
            "_trace": ['["stand-in"]'],
        }
        async with session.lock:
            session.conn = conn
            await self._dispatch_locked(session, "READY", ready)
            for gid in guild_ids:
                await self._dispatch_locked(session, "GUILD_CREATE", self._guild_create_payload(gid, intents))

    async def _resume(self, conn: _Conn, d: Mapping[str, Any]) -> None:
        session = self.sessions.get(str(d.get("session_id")))
        conn.record.mode, conn.record.resume_seq = "resume", d.get("seq")
        if session is None or session.invalid or not self._token_ok(d.get("token")):
            # Not resumable: Discord answers INVALID_SESSION(false) and expects a fresh IDENTIFY.
            await self._send(conn, {"op": 9, "d": False, "s": None, "t": None})
            return
        previous = session.conn
        conn.session = session
        conn.record.shard, conn.record.session_id = (session.shard_id, session.shard_count), session.session_id
        since = int(d.get("seq") or 0)
        async with session.lock:
            session.conn = conn
            if previous is not None and previous is not conn:
                self._spawn(self._close(previous, 4000, "Session resumed elsewhere"))
            for frame in session.log:
                if frame["s"] > since:
                    await self._send(conn, frame)
            await self._dispatch_locked(session, "RESUMED", {"_trace": ['["stand-in"]']})

    async def _request_members(self, session: GatewaySession, d: Mapping[str, Any]) -> None:
        gids = d.get("guild_id")
        for gid in gids if isinstance(gids, list) else [gids]:
            guild = self._guilds.get(int(gid)) if gid is not None else None
            if guild is None:
                continue
            members = list(guild["members"].values())
            query = d.get("query")
            if d.get("user_ids"):
                wanted = {int(u) for u in d["user_ids"]}
                members = [m for m in members if int(m["user"]["id"]) in wanted]
            elif query:
                members = [m for m in members if m["user"]["username"].lower().startswith(str(query).lower())]
            if d.get("limit"):
                members = members[: int(d["limit"])]
            chunk: dict[str, Any] = {
                "guild_id": str(gid),
                "members": copy.deepcopy(members),
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            if d.get("presences"):
                chunk["presences"] = []
            await self._dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _dispatch_locked(self, session: GatewaySession, event: str, data: Any) -> None:
        # Sequence numbers are assigned under the session lock so the log order is the wire order.
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.log.append(frame)
        conn = session.conn
        if conn is not None and not await self._send(conn, frame) and session.conn is conn:
            session.conn = None

    async def _dispatch(self, session: GatewaySession, event: str, data: Any) -> None:
        async with session.lock:
            await self._dispatch_locked(session, event, data)

    def _session_for_guild(self, guild_id: int | None) -> GatewaySession | None:
        # The newest valid session whose shard owns the guild (DMs belong to shard 0).
        for session in reversed(list(self.sessions.values())):
            if session.invalid:
                continue
            shard = 0 if guild_id is None else (int(guild_id) >> 22) % session.shard_count
            if shard == session.shard_id:
                return session
        return None

    async def dispatch_event(self, guild_id: int | None, event: str, data: Any, *, intent: int | None = None) -> bool:
        """Sends an arbitrary dispatch to the shard owning ``guild_id``. False if nobody gets it."""
        session = self._session_for_guild(guild_id)
        if session is None or (intent is not None and not session.intents & intent):
            return False
        await self._dispatch(session, event, data)
        return True

    async def dispatch_interaction(self, payload: Mapping[str, Any]) -> int:
        """Sends INTERACTION_CREATE to the owning shard and starts the acknowledgement clock.

        If that shard's connection is down, the event is queued and delivered when it RESUMEs.
        Returns the interaction id.
        """
        gid = int(payload["guild_id"]) if payload.get("guild_id") else None
        session = self._session_for_guild(gid)
        if session is None:
            raise RuntimeError(f"no gateway session owns guild {gid}; has the bot connected?")
        loop = asyncio.get_running_loop()
        iid = int(payload["id"])
        record = InteractionRecord(
            id=iid,
            token=str(payload["token"]),
            type=int(payload["type"]),
            guild_id=gid,
            channel_id=int(payload["channel_id"]) if payload.get("channel_id") else None,
            payload=copy.deepcopy(dict(payload)),
            dispatched_at=loop.time(),
        )
        # Registered before sending: a fast bot may answer before dispatch() returns.
        self._interactions[iid] = record
        self._tokens[record.token] = iid
        self._timers.append(loop.call_later(self.config.ack_deadline_s, self._check_acked, iid))
        await self._dispatch(session, "INTERACTION_CREATE", copy.deepcopy(dict(payload)))
        return iid

    def _check_acked(self, iid: int) -> None:
        record = self._interactions[iid]
        if record.acked_at is None:
            self.violations.append(
                ContractViolation(
                    rule="interaction.not_acknowledged",
                    message=f"interaction {iid} not acknowledged within {self.config.ack_deadline_s}s",
                    interaction_id=iid,
                    time=asyncio.get_running_loop().time(),
                )
            )
            self._notify()

    async def drop_gateway(
        self,
        *,
        shard_id: int | None = None,
        mode: str = "close",
        code: int = 4000,
        refuse_reconnects: int = 0,
    ) -> int:
        """Kills the bot's gateway connection(s) so the client must reconnect and RESUME.

        ``mode="close"`` sends a close frame with ``code`` (4000 "unknown error" is resumable);
        ``mode="abort"`` drops the TCP connection without a close frame. ``refuse_reconnects``
        answers that many following gateway connection attempts with HTTP 503 (an outage),
        which pushes discord.py into its randomised back-off. Events dispatched meanwhile are
        queued and replayed on RESUME. Returns the number of connections dropped.
        """
        self._refuse_gateway += refuse_reconnects
        dropped = 0
        for conn in list(self._conns):
            if conn.ws.closed or (shard_id is not None and (conn.session is None or conn.session.shard_id != shard_id)):
                continue
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None  # from now on, dispatches are only logged
            conn.record.dropped = True
            dropped += 1
            if mode == "abort":
                transport = conn.request.transport
                if transport is not None:
                    transport.abort()
            else:
                self._spawn(self._close(conn, code, "stand-in drop"))
        return dropped

    async def request_reconnect(self, *, shard_id: int | None = None) -> None:
        """Sends op 7 RECONNECT (Discord asking the client to reconnect and resume)."""
        for conn in list(self._conns):
            if conn.session is not None and (shard_id is None or conn.session.shard_id == shard_id):
                await self._send(conn, {"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self, *, resumable: bool = False, shard_id: int | None = None) -> None:
        """Sends op 9 INVALID_SESSION; with ``resumable=False`` the session can no longer be resumed."""
        for conn in list(self._conns):
            session = conn.session
            if session is not None and (shard_id is None or session.shard_id == shard_id):
                if not resumable:
                    session.invalid = True
                await self._send(conn, {"op": 9, "d": resumable, "s": None, "t": None})

    def connected_shards(self) -> list[int]:
        return sorted({c.session.shard_id for c in self._conns if c.session is not None and not c.ws.closed})

    # -----------------------------------------------------------------------------------------
    # Interaction payload builders
    # -----------------------------------------------------------------------------------------

    def _resolve_user(self, user: int | UserFixture | Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        if isinstance(user, UserFixture):
            return user.id, user.payload()
        if isinstance(user, Mapping):
            return int(user["id"]), dict(user)
        return int(user), self._user_payload(int(user))

    def _member_for(self, gid: int, uid: int, user_payload: dict[str, Any], permissions: int | None) -> dict[str, Any]:
        member = copy.deepcopy(self._guilds[gid]["members"].get(uid)) or payloads.member_payload(None, [], JOINED_AT)
        member["user"] = user_payload
        member["permissions"] = str(self._member_permissions(gid, uid) if permissions is None else permissions)
        return member

    def _base_interaction(
        self,
        itype: int,
        guild_id: int | None,
        channel_id: int | None,
        user: int | UserFixture | Mapping[str, Any],
        data: dict[str, Any] | None,
        *,
        permissions: int | None = None,
        locale: str = "en-US",
        message: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        gid = int(guild_id) if guild_id is not None else self.config.guilds[0].id
        fx: GuildFixture = self._guilds[gid]["fixture"]
        cid = int(channel_id) if channel_id is not None else fx.text_channel_id
        uid, user_payload = self._resolve_user(user)
        iid = self._ids.next()
        payload = payloads.interaction_payload(
            itype,
            data or {},
            application_id=self.config.application_id,
            channel=copy.deepcopy(self._channels[cid]),
            guild_id=gid,
            member=self._member_for(gid, uid, user_payload, permissions),
            app_permissions=self._member_permissions(gid, self.config.bot_user.id),
            interaction_id=iid,
            token=f"aW50ZXJhY3Rpb246{iid}:{secrets.token_urlsafe(48)}",
            locale=locale,
            message=message,
        )
        payload["entitlement_sku_ids"] = []
        if data is None:
            del payload["data"]
        return payload

    def _find_command(self, gid: int, name: str, ctype: int = 1) -> dict[str, Any] | None:
        for cmd in self._guild_commands.get(gid, []) + self._global_commands:
            if cmd["name"] == name and cmd["type"] == ctype:
                return cmd
        return None

    @staticmethod
    def _infer_type(value: Any) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        return 3

    def _option_value(self, otype: int, value: Any, gid: int, resolved: dict[str, Any]) -> Any:
        if otype in (6, 7, 8, 9):
            sid = int(value.id if isinstance(value, UserFixture) else value)
            if otype in (6, 9) and (sid in self._users or sid in self._guilds[gid]["members"]):
                user_payload = self._user_payload(sid)
                resolved.setdefault("users", {})[str(sid)] = user_payload
                member = self._member_for(gid, sid, user_payload, None)
                member.pop("user")
                resolved.setdefault("members", {})[str(sid)] = member
            elif otype in (8, 9) and any(r["id"] == str(sid) for r in self._guilds[gid]["roles"]):
                role = next(r for r in self._guilds[gid]["roles"] if r["id"] == str(sid))
                resolved.setdefault("roles", {})[str(sid)] = copy.deepcopy(role)
            elif otype == 7 and sid in self._channels:
                ch = self._channels[sid]
                resolved.setdefault("channels", {})[str(sid)] = {
                    "id": ch["id"],
                    "name": ch["name"],
                    "type": ch["type"],
                    "permissions": str(self._member_permissions(gid, self.config.bot_user.id)),
                    "parent_id": None,
                    "flags": 0,
                }
            return str(sid)
        if otype == 4:
            return int(value)
        if otype == 10:
            return float(value)
        if otype == 5:
            return bool(value)
        return str(value)

    def _build_options(
        self,
        schema: Sequence[Mapping[str, Any]] | None,
        values: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        gid: int,
        resolved: dict[str, Any],
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        if values is None:
            return []
        if not isinstance(values, Mapping):
            return [dict(v) for v in values]  # raw option list: used verbatim
        out: list[dict[str, Any]] = []
        for name, value in values.items():
            decl = next((o for o in schema or [] if o.get("name") == name), None)
            if schema is not None and decl is None:
                raise ValueError(f"option {name!r} is not declared by the registered command")
            otype = int(decl["type"]) if decl else self._infer_type(value)
            if name == focused:
                # Autocomplete sends what the user has typed so far, as a string.
                out.append({"name": name, "type": otype, "value": str(value), "focused": True})
            else:
                out.append({"name": name, "type": otype, "value": self._option_value(otype, value, gid, resolved)})
        return out

    def _command_data(
        self,
        gid: int,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        subcommand: Sequence[str],
        focused: str | None,
    ) -> dict[str, Any]:
        parts = name.split()
        name, path = parts[0], list(parts[1:]) + list(subcommand)
        cmd = self._find_command(gid, name)
        resolved: dict[str, Any] = {}
        schema: list[dict[str, Any]] | None = cmd.get("options", []) if cmd else None
        chain: list[tuple[str, int]] = []
        for part in path:
            decl = next((o for o in schema or [] if o.get("name") == part), None)
            if schema is not None and decl is None:
                raise ValueError(f"subcommand {part!r} of /{name} is not registered")
            chain.append((part, int(decl["type"]) if decl else (2 if len(chain) + 1 < len(path) else 1)))
            schema = decl.get("options", []) if decl else None
        leaf = self._build_options(schema, options, gid, resolved, focused)
        for part, ptype in reversed(chain):
            leaf = [{"name": part, "type": ptype, "options": leaf}]
        data: dict[str, Any] = {
            "id": cmd["id"] if cmd else str(self._ids.next()),
            "name": name,
            "type": 1,
            "options": leaf,
        }
        if cmd and "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def make_slash(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user: int | UserFixture | Mapping[str, Any],
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        subcommand: Sequence[str] = (),
        *,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND (type 2) interaction for ``/name [subcommand...] options``.

        ``name`` may include the subcommand path (``"story create"``). With a Mapping of
        options, types come from the registered command (so values are coerced like Discord
        would send them, and user/role/channel options get ``resolved`` data); unknown option
        names raise ValueError. A sequence of raw option dicts is sent verbatim.
        """
        gid = int(guild_id) if guild_id is not None else self.config.guilds[0].id
        data = self._command_data(gid, name, options, subcommand, None)
        return self._base_interaction(
            INTERACTION_COMMAND, gid, channel_id, user, data, permissions=permissions, locale=locale
        )

    def make_autocomplete(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user: int | UserFixture | Mapping[str, Any],
        name: str,
        options: Mapping[str, Any],
        focused: str,
        subcommand: Sequence[str] = (),
        *,
        permissions: int | None = None,
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND_AUTOCOMPLETE (type 4) interaction; ``focused`` names the option being typed."""
        if focused not in options:
            raise ValueError(f"focused option {focused!r} must be among the options")
        gid = int(guild_id) if guild_id is not None else self.config.guilds[0].id
        data = self._command_data(gid, name, options, subcommand, focused)
        return self._base_interaction(INTERACTION_AUTOCOMPLETE, gid, channel_id, user, data, permissions=permissions)

    def _message_for(self, message: int | Mapping[str, Any]) -> dict[str, Any]:
        if isinstance(message, Mapping):
            mid = int(message["id"])
            stored = self._messages.get(mid)
            return self._render(stored) if stored else {k: v for k, v in message.items() if k != "_deleted"}
        stored = self._messages.get(int(message))
        if stored is None:
            raise ValueError(f"unknown message {message}")
        return self._render(stored)

    @staticmethod
    def _component_custom_ids(components: Iterable[Any]) -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        for comp in components:
            if not isinstance(comp, Mapping):
                continue
            if "custom_id" in comp:
                found.append((comp["custom_id"], int(comp.get("type", 0))))
            found.extend(DiscordStandIn._component_custom_ids(comp.get("components") or []))
            for key in ("accessory", "component"):
                if isinstance(comp.get(key), Mapping):
                    found.extend(DiscordStandIn._component_custom_ids([comp[key]]))
        return found

    def make_component(
        self,
        custom_id: str,
        message: int | Mapping[str, Any],
        *,
        user: int | UserFixture | Mapping[str, Any] | None = None,
        component_type: int | None = None,
        values: Sequence[str] | None = None,
        permissions: int | None = None,
    ) -> dict[str, Any]:
        """A MESSAGE_COMPONENT (type 3) interaction: ``user`` clicks ``custom_id`` on ``message``.

        ``message`` is a message id or payload the bot sent (see :meth:`messages_in`). The
        component type is taken from the message unless given; ``values`` are for selects.
        Raises ValueError if the message has no component with that custom_id.
        """
        msg = self._message_for(message)
        ids = dict(self._component_custom_ids(msg.get("components") or []))
        if custom_id not in ids and component_type is None:
            raise ValueError(f"message {msg['id']} has no component {custom_id!r} (has {sorted(ids)})")
        ctype = component_type or ids[custom_id]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if ctype in contracts.SELECT_TYPES:
            data["values"] = list(values or [])
            if ctype != 3:
                data["resolved"] = {}
        cid = int(msg["channel_id"])
        gid = self.guild_of_channel(cid)
        return self._base_interaction(
            INTERACTION_COMPONENT, gid, cid, user or self.config.editor, data, permissions=permissions, message=msg
        )

    def make_modal_submit(
        self,
        custom_id: str,
        fields: Mapping[str, str],
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user: int | UserFixture | Mapping[str, Any] | None = None,
        message: int | Mapping[str, Any] | None = None,
        permissions: int | None = None,
    ) -> dict[str, Any]:
        """A MODAL_SUBMIT (type 5) interaction with text-input values by custom_id.

        If the bot showed a modal with this custom_id, its layout (action rows or labels) is
        mirrored and the guild/channel/user default to that interaction's; unknown field ids
        raise ValueError.
        """
        origin = next(
            (
                i
                for i in reversed(self._interactions.values())
                if i.modal is not None and i.modal.get("custom_id") == custom_id
            ),
            None,
        )
        components: list[dict[str, Any]] = []
        if origin is not None and origin.modal is not None:
            known: set[str] = set()
            for comp in origin.modal.get("components") or []:
                if comp.get("type") == 1:
                    inner = [c for c in comp.get("components") or [] if c.get("type") == 4]
                    for c in inner:
                        known.add(c["custom_id"])
                    components.append(
                        {
                            "type": 1,
                            "components": [
                                {"type": 4, "custom_id": c["custom_id"], "value": fields.get(c["custom_id"], "")}
                                for c in inner
                            ],
                        }
                    )
                elif comp.get("type") == 18 and (comp.get("component") or {}).get("type") == 4:
                    cid_ = comp["component"]["custom_id"]
                    known.add(cid_)
                    components.append(
                        {"type": 18, "component": {"type": 4, "custom_id": cid_, "value": fields.get(cid_, "")}}
                    )
            extra = set(fields) - known
            if extra:
                raise ValueError(f"modal {custom_id!r} has no text inputs {sorted(extra)}")
            guild_id = guild_id if guild_id is not None else origin.guild_id
            channel_id = channel_id if channel_id is not None else origin.channel_id
            if user is None:
                user = self._interaction_user(origin.payload)
            if message is None and "message" in origin.payload:
                message = origin.payload["message"]
        else:
            components = [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in fields.items()
            ]
        data = {"custom_id": custom_id, "components": components}
        msg = self._message_for(message) if message is not None else None
        return self._base_interaction(
            INTERACTION_MODAL_SUBMIT,
            guild_id,
            channel_id,
            user or self.config.editor,
            data,
            permissions=permissions,
            message=msg,
        )
