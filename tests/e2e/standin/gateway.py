"""The gateway: sessions, identify, resume, dispatch: part of :class:`tests.e2e.standin.DiscordStandIn`."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import secrets
import zlib
from collections.abc import Awaitable, Mapping
from typing import Any

from aiohttp import WSMsgType, web

from tests.e2e.standin.base import _StandInBase
from tests.e2e.standin.model import (
    APPLICATION_FLAGS,
    PRIVILEGED_INTENTS,
    GatewayConnection,
    GatewayFrame,
    GatewaySession,
    _Conn,
)


class _Gateway(_StandInBase):
    """Part of ``DiscordStandIn``: the gateway."""

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
