"""Interaction callbacks and follow-ups: part of :class:`tests.e2e.standin.DiscordStandIn`."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from typing import Any

from tests.e2e import contracts
from tests.e2e.contracts import Problem
from tests.e2e.standin.base import _StandInBase
from tests.e2e.standin.model import (
    ALLOWED_CALLBACKS,
    INTERACTION_COMMAND,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    ContractViolation,
    InteractionRecord,
    InteractionResponseRecord,
    _Call,
    _error,
    _Reply,
    _Stored,
)


class _Interactions(_StandInBase):
    """Part of ``DiscordStandIn``: HTTP handlers for interactions."""

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
