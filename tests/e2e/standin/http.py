"""HTTP plumbing, identity and gateway discovery: part of :class:`tests.e2e.standin.DiscordStandIn`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from tests.e2e.standin.base import _StandInBase
from tests.e2e.standin.model import (
    API_PREFIX,
    APPLICATION_FLAGS,
    RecordedFile,
    RecordedRequest,
    _Call,
    _error,
    _Handler,
    _Reply,
)


class _Http(_StandInBase):
    """Part of ``DiscordStandIn``: HTTP plumbing."""

    def _route(self, method: str, pattern: str, handler: _Handler, *, auth: bool = True) -> None:
        self._routes.append((method, re.compile(pattern), handler, auth, pattern))

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
                if part is None or not isinstance(part, aiohttp.BodyPartReader):
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
        # A global 429 carries no bucket: Discord sends Retry-After and the global headers only.
        headers = {"Via": "1.1 google"} if "X-RateLimit-Global" in reply.headers else self._standard_headers(bucket)
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
        if self.limits is not None and not self.limits.answered(reply.status) and not self._invalid_alarmed:
            self._invalid_alarmed = True
            self._unexpected(
                f"{self.limits.invalid_peak} invalid requests (401/403/429) within "
                f"{self.limits.config.invalid_window_s:.0f} s: near Discord's ceiling of "
                f"{self.limits.config.invalid_ceiling}, past which it blocks the bot's address",
                rec,
            )
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
        verdict = self.limits.admit(rec.method, rec.path) if self.limits is not None else None
        if verdict is not None and not verdict.allowed:
            return _Reply(429, verdict.body, verdict.headers), bucket, False
        failure = self._take_failure(rec.method, rec.path)
        if failure is not None and not failure.commit:
            return self._failure_reply(failure, bucket), bucket, True
        if body_error is not None:
            self._unexpected(body_error, rec)
            return _error(400, 50109, body_error), bucket, False
        hold = self._take_hold(rec.method, rec.path)
        if hold is not None and not hold.commit:
            await hold.wait()
            return _error(503, 0, "held, then dropped"), bucket, True
        try:
            reply = await handler(_Call(rec=rec, match=match, body=body, files=files, route=template))
        except Exception as exc:
            # A stand-in bug (or a body shape it did not foresee) must fail the test visibly,
            # not just appear as a 500 that discord.py silently retries.
            self._unexpected(f"stand-in error handling {rec.method} {rec.path}: {exc!r}", rec)
            return _error(500, 0, "500: Internal Server Error (stand-in error)"), bucket, False
        if failure is not None:
            return self._failure_reply(failure, bucket), bucket, True
        if hold is not None:
            await hold.wait()
            return reply, bucket, True
        if verdict is not None:
            reply.headers.update(verdict.headers)  # the route's bucket, as Discord reports it
        return reply, bucket, reply.arranged

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
