"""Discord's default answers to the routes a bot uses: interaction callbacks, follow-ups, messages, members."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.simulation.network import RecordedCall, http_error
from bot.simulation.payloads import (
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    EPHEMERAL_FLAG,
    JSON,
    LOADING_FLAG,
    MODAL,
    PONG,
    SNOWFLAKES,
    UPDATE_MESSAGE,
    callback_result,
)
from bot.simulation.recorder_base import InteractionRecord, RecorderBase

Handler = Callable[[RecordedCall, re.Match[str]], Any]


class Routes(RecorderBase):
    """The route table of ``Recorder``; a mixin so the table reads as one list of Discord's behaviours."""

    def _default_routes(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        table: list[tuple[str, str, Handler]] = [
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

    # -- interaction routes ---------------------------------------------------------------------------
    def _record_for(self, token: str) -> InteractionRecord:
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
        if ctype in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            loading = LOADING_FLAG if ctype == DEFERRED_CHANNEL_MESSAGE else 0
            msg = self.create_message(rec.channel_id, data, call, rec=rec, extra_flags=loading)
            rec.original_id, rec.loading = int(msg["id"]), bool(loading)
            return callback_result(info, ctype, msg)
        if ctype in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            rec.original_id = rec.source_message_id
            if ctype == UPDATE_MESSAGE and rec.source_message_id is not None:
                msg = self._edit_message(self._stored(rec.source_message_id), data, call)
                info["response_message_id"] = msg["id"]
                return {"interaction": info, "resource": {"type": ctype, "message": msg}}
        elif ctype == MODAL:
            self.modals_by_custom_id[data["custom_id"]] = data
        return {"interaction": info}

    def _on_followup(self, call: RecordedCall, m: re.Match[str]) -> Any:
        rec = self._record_for(m[2])
        if not rec.acknowledged:
            raise http_error(404, "Unknown Webhook", code=10015)  # follow-ups need an initial response
        body = call.json or {}
        if rec.loading and rec.original_id in self.message_by_id:
            # Discord: the first follow-up after a deferral replaces the "thinking" placeholder (and keeps
            # the deferral's ephemerality, whatever the follow-up asked for).
            msg = self._edit_message(self.message_by_id[rec.original_id], body, call)
            msg["flags"] &= ~LOADING_FLAG
            msg["edited_timestamp"] = None
            rec.loading = False
        else:
            msg = self.create_message(rec.channel_id, body, call, rec=rec)
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

    # -- bot-token routes -----------------------------------------------------------------------------
    def _known_channel(self, channel_id: int) -> None:
        if channel_id not in self.world.channels and self.bot.get_channel(channel_id) is None:
            raise http_error(404, "Unknown Channel", code=10003)

    def _on_channel_send(self, call: RecordedCall, m: re.Match[str]) -> Any:
        self._known_channel(int(m[1]))
        return self.create_message(int(m[1]), call.json or {}, call)

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
        channel = self.world.channels.get(int(m[1]))
        if channel is None:
            raise http_error(404, "Unknown Channel", code=10003)
        return channel.payload()

    def _on_create_dm(self, call: RecordedCall, m: re.Match[str]) -> Any:
        user = self.world.users.get(int((call.json or {}).get("recipient_id", 0)))
        if user is None:
            raise http_error(400, "Invalid Recipient(s)", code=50033)
        return self.world.dm_channel(user).payload()

    def _on_get_user(self, call: RecordedCall, m: re.Match[str]) -> Any:
        user = self.world.users.get(int(m[1]))
        if user is None:
            raise http_error(404, "Unknown User", code=10013)
        return user.payload()

    def _on_get_member(self, call: RecordedCall, m: re.Match[str]) -> Any:
        g = self.world.guilds.get(int(m[1]))
        if g is None or not g.is_member(int(m[2])):
            raise http_error(404, "Unknown Member", code=10007)
        return g.member_payload(self.world.users[int(m[2])])

    def _on_member_role(self, call: RecordedCall, m: re.Match[str]) -> Any:
        g = self.world.guilds.get(int(m[1]))
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
            entry = {
                "id": str(self.command_id(cmd["name"], int(guild_id) if guild_id else None)),
                "application_id": str(self.application_id),
                "version": str(SNOWFLAKES.next()),
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
        bot_user = self.world.bot_user
        return {
            "id": str(self.application_id),
            "name": bot_user.username,
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": False,
            "bot_require_code_grant": False,
            "bot": bot_user.payload(),
            "owner": self.world.owner.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "summary": "",
        }
