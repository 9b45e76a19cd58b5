"""The request recorder: answers what discord.py sends with the JSON Discord would, and keeps it all.

Messages created through either entry point are stored (and edited, deleted) like Discord would, so
later reads, edits of ``@original`` and follow-ups see a coherent world. Tests may override any route
with ``respond``; the console and the benchmark use the default answers.
"""

from __future__ import annotations

import copy
import enum
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import discord

from bot.simulation import components, dispatch, payloads
from bot.simulation.network import RecordedCall, http_error
from bot.simulation.payloads import EPHEMERAL_FLAG, JSON, LOADING_FLAG, SNOWFLAKES, now_iso, roundtrip
from bot.simulation.recorder_base import InteractionRecord
from bot.simulation.routes import Routes
from bot.simulation.world import World, id_of

Responder: TypeAlias = Callable[[RecordedCall], Any]


class _Sentinel(enum.Enum):
    DEFAULT = "DEFAULT"
    DM = "DM"


#: Return from a responder to fall back to the built-in answer.
DEFAULT: Final = _Sentinel.DEFAULT
#: Pass as ``guild=`` to deliver an interaction in the user's DM with the bot.
DM: Final = _Sentinel.DM


class SimulationError(RuntimeError):
    """The simulation (not the bot) detected something its user must look at."""


class UnhandledRouteError(SimulationError):
    """The bot called a Discord route the recorder has no answer for (register one with ``respond``)."""


@dataclass(slots=True)
class _RouteResponder:
    method: str  # "*" matches any method
    pattern: re.Pattern[str]
    fn: Responder
    remaining: int | None  # None = forever

    def matches(self, call: RecordedCall) -> bool:
        return (self.method in ("*", call.method)) and self.pattern.search(call.path) is not None


class Recorder(Routes):
    """Answers one bot's requests from ``world``; attach it with ``bot.simulation.network.attach``."""

    def __init__(self, bot: discord.Client, world: World) -> None:
        self.bot = bot
        self.world = world
        self.application_id = world.bot_user.id
        self.calls: list[RecordedCall] = []  # every request, whichever dispatch (or none) made it
        #: message id -> message JSON for every message the bot created (live, updated by edits)
        self.message_by_id: dict[int, JSON] = {}
        self.deleted_message_ids: set[int] = set()
        self.cdn_files: dict[str, bytes] = {}  # attachment url -> bytes (served to Attachment.read())
        self.unhandled: list[RecordedCall] = []
        #: modal custom_id -> modal data last sent by the bot (used to shape submissions)
        self.modals_by_custom_id: dict[str, JSON] = {}
        #: whether gateway events about world changes should reach the bot (once it has connected)
        self.live = False
        #: answer for routes nobody handles; None raises UnhandledRouteError
        self.fallback: Callable[[RecordedCall], Any] | None = None
        self._responders: list[_RouteResponder] = []
        self._allowed_mentions: dict[int, Any] = {}
        self._interactions_by_token: dict[str, InteractionRecord] = {}
        self._token_by_interaction_id: dict[int, str] = {}
        self._command_ids: dict[tuple[str, int | None], int] = {}
        self._routes = self._default_routes()

    # -- the endpoint the network module routes to --------------------------------------------------
    def owns_http(self, http: Any) -> bool:
        return self.bot.http is http

    def knows_token(self, token: str) -> bool:
        return token in self._interactions_by_token

    def cdn(self, url: str) -> bytes:
        try:
            return self.cdn_files[url]
        except KeyError:
            raise http_error(404, "asset not found", url=url) from None

    async def answer(self, call: RecordedCall) -> Any:
        if call.json is not None:
            call.json = roundtrip(call.json)
        self.calls.append(call)
        self.on_call(call)
        try:
            result = await self._answer(call)
        except Exception as exc:
            call.error = exc
            raise
        call.response = roundtrip(result) if result is not None else None
        self.on_answered(call)
        # Hand discord.py its own copy: it mutates payloads while parsing them.
        return copy.deepcopy(call.response)

    def on_call(self, call: RecordedCall) -> None:
        """Called for every request before it is answered."""

    def on_answered(self, call: RecordedCall) -> None:
        """Called for every request answered without an error."""

    def on_unhandled(self, call: RecordedCall) -> None:
        """Called for a request no route answers."""

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
        if self.fallback is not None:
            return self.fallback(call)
        self.unhandled.append(call)
        self.on_unhandled(call)
        raise UnhandledRouteError(f"no simulated answer for {call.method} {call.path}; use respond()")

    # -- overriding answers -------------------------------------------------------------------------
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
        cid = str(id_of(channel))
        return [m for m in self.message_by_id.values() if m["channel_id"] == cid]

    # -- interactions -------------------------------------------------------------------------------
    def register(self, payload: JSON) -> InteractionRecord:
        """Know the interaction ``payload`` delivers, so its callbacks and follow-ups can be answered."""
        token = payload["token"]
        rec = self._interactions_by_token.get(token)
        if rec is None:
            message = payload.get("message")
            rec = InteractionRecord(
                id=int(payload["id"]),
                token=token,
                type=int(payload["type"]),
                channel_id=int(payload.get("channel_id") or (payload.get("channel") or {}).get("id") or 0),
                user=(payload.get("member") or {}).get("user") or payload.get("user") or {},
                source_message_id=int(message["id"]) if message is not None else None,
            )
            self._interactions_by_token[token] = rec
            self._token_by_interaction_id.setdefault(rec.id, token)
        return rec

    def token_for(self, interaction_id: int) -> str | None:
        """The token of an interaction already delivered: a redelivery carries the same one."""
        return self._token_by_interaction_id.get(interaction_id)

    def command_id(self, name: str, guild_id: int | None) -> int:
        return self._command_ids.setdefault((name, guild_id), SNOWFLAKES.next())

    def set_member_roles(self, guild: Any, user: Any, roles: Any) -> None:
        """Change a member's roles (fed as GUILD_MEMBER_UPDATE if the bot has the members intent)."""
        g, u = self.world.guild(guild), self.world.user(user)
        self.world.set_roles(g, u, roles)
        if self.live and self.bot.intents.members:
            dispatch.member_update(self.bot, g.id, g.member_payload(u))

    # -- message store ------------------------------------------------------------------------------
    def _attachments(self, call: RecordedCall, channel_id: int, body: JSON, existing: list[JSON]) -> list[JSON]:
        keep_ids = {str(a.get("id")) for a in body.get("attachments", []) or []}
        out = [a for a in existing if a["id"] in keep_ids]
        for f in call.files:
            att_id = SNOWFLAKES.next()
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

    def create_message(
        self,
        channel_id: int,
        body: JSON,
        call: RecordedCall | None,
        *,
        rec: InteractionRecord | None = None,
        extra_flags: int = 0,
    ) -> JSON:
        message_id = SNOWFLAKES.next()
        msg = payloads.message_payload(message_id, channel_id, self.world.bot_user.payload(), body)
        msg["components"] = components.number(msg["components"])
        msg["attachments"] = self._attachments(call, channel_id, body, []) if call is not None else []
        msg["flags"] |= extra_flags
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
                "user": rec.user,
                "authorizing_integration_owners": {},
            }
        self.message_by_id[message_id] = msg
        self._allowed_mentions[message_id] = body.get("allowed_mentions")
        return msg

    def _edit_message(self, msg: JSON, body: JSON, call: RecordedCall) -> JSON:
        for key in ("content", "embeds", "components"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        msg["components"] = components.number(msg["components"])
        if "flags" in body and body["flags"] is not None:
            # Ephemerality (and the loading state) cannot be changed by an edit.
            msg["flags"] = (msg["flags"] & (EPHEMERAL_FLAG | LOADING_FLAG)) | (int(body["flags"]) & ~EPHEMERAL_FLAG)
        if "attachments" in body or call.files:
            msg["attachments"] = self._attachments(call, int(msg["channel_id"]), body, msg["attachments"])
        msg["edited_timestamp"] = now_iso()
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
