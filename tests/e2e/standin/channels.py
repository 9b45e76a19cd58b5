"""Channels, guilds and messages: part of :class:`tests.e2e.standin.DiscordStandIn`."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from typing import Any

from bot.simulation import payloads
from tests.e2e import contracts
from tests.e2e.standin.base import _StandInBase
from tests.e2e.standin.model import (
    MESSAGE_FLAG_EPHEMERAL,
    _Call,
    _error,
    _Reply,
    _Stored,
)


class _Channels(_StandInBase):
    """Part of ``DiscordStandIn``: HTTP handlers for channels, guilds, messages."""

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

    async def _h_start_forum_post(self, call: _Call) -> _Reply:
        """Start Thread in Forum Channel: a post and its first message in one request, which takes
        no nonce. The post's id is its first message's."""
        ch, err = self._channel_or_404(call)
        if err or ch is None:
            return err or _error(500, 0, "unreachable")
        if ch.get("type") != payloads.FORUM:
            return _error(400, 50024, "Cannot execute action on this channel type")
        body = call.body if isinstance(call.body, Mapping) else {}
        name, message = body.get("name"), body.get("message")
        if not isinstance(name, str) or not 1 <= len(name) <= 100 or not isinstance(message, Mapping):
            self._violation(call, "thread.body", "a forum post needs a name (1-100) and a message", rejected=True)
            return _error(400, 50035, "Invalid Form Body")
        if err := self._message_problems(call, message, creating=True):
            return err
        stored = self._store_message(channel_id=int(ch["id"]), author=self.config.bot_user, body=message)
        stored.msg["channel_id"] = str(stored.id)
        post = payloads.thread_payload(
            stored.id, int(ch["guild_id"]), int(ch["id"]), name, owner_id=self.config.bot_user.id
        )
        self._channels[stored.id] = post
        ch["last_message_id"] = str(stored.id)
        await self._emit_message(stored, "MESSAGE_CREATE")
        return _Reply(200, {**copy.deepcopy(post), "message": self._render(stored)})

    def threads_in(self, parent_id: int) -> list[dict[str, Any]]:
        """The threads (forum posts) opened in a channel, oldest first."""
        found = [c for c in self._channels.values() if c.get("parent_id") == str(parent_id)]
        return copy.deepcopy(sorted(found, key=lambda c: int(c["id"])))

    async def _h_active_threads(self, call: _Call) -> _Reply:
        gid, err = self._guild_or_404(call)
        if err or gid is None:
            return err or _error(500, 0, "unreachable")
        threads = [
            copy.deepcopy(c)
            for c in self._channels.values()
            if c.get("guild_id") == str(gid) and not c.get("thread_metadata", {"archived": True})["archived"]
        ]
        return _Reply(200, {"threads": threads, "members": []})

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
