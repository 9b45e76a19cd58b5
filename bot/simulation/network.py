"""discord.py's HTTP entry points, replaced: requests are decoded and handed to an in-process endpoint.

discord.py sends bot-token REST calls through ``HTTPClient.request`` and interaction callbacks,
follow-ups and ``@original`` edits through ``AsyncWebhookAdapter.request`` (not through
``HTTPClient``); attachments are read back with ``HTTPClient.get_from_cdn``. All three are patched
once, class-wide, and each request is routed to the endpoint that owns it. A registry rather than
one patch per endpoint, because two endpoints may be alive at once (a restart test keeps the old one
open) and restore order would otherwise matter.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import discord
import discord.http
import discord.webhook.async_
from discord.http import Route


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
    webhook_token: str | None = None
    at: float = field(default_factory=time.perf_counter)  # when discord.py handed it over
    response: Any = None  # the JSON the simulation answered with
    error: BaseException | None = None  # the exception raised instead, if any

    @property
    def is_callback(self) -> bool:
        return self.method == "POST" and self.path.startswith("/interactions/") and self.path.endswith("/callback")

    def __repr__(self) -> str:
        outcome = f" -> {type(self.error).__name__}" if self.error else ""
        return f"<RecordedCall {self.method} {self.path} json={self.json!r}{outcome}>"


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
    # discord.py annotates the response as aiohttp's ClientResponse (or requests') but only reads its
    # status and reason; FakeHTTPResponse is the duck-typed stand-in.
    return cls(response, body)  # pyright: ignore[reportArgumentType]


def path_of(route: Route) -> str:
    """The formatted request path without the ``/api/vN`` prefix."""
    base = Route.BASE
    url = route.url
    path = url[len(base) :] if url.startswith(base) else re.sub(r"^https?://[^/]+(/api/v\d+)?", "", url)
    return path.split("?", 1)[0]


def decode(via: str, route: Route, kwargs: dict[str, Any]) -> RecordedCall:
    """What discord.py asked for, from the keyword arguments of either ``request``."""
    at = time.perf_counter()
    body: Any = kwargs.get("json", kwargs.get("payload"))
    for part in kwargs.get("form", kwargs.get("multipart")) or []:
        if part.get("name") == "payload_json":
            body = json.loads(part["value"])
    files: list[RecordedFile] = []
    for f in kwargs.get("files") or []:
        data = f.fp.read()
        f.reset()  # discord.py re-seeks before sending; leave the file as we found it
        files.append(RecordedFile(f.filename or "", data, f.description, f.spoiler))
    return RecordedCall(
        method=route.method,
        path=path_of(route),
        template=route.path,
        url=route.url,
        json=body,
        files=files,
        params=dict(kwargs["params"]) if kwargs.get("params") else None,
        reason=kwargs.get("reason"),
        via=via,
        webhook_token=route.webhook_token,
        at=at,
    )


class Endpoint(Protocol):
    """Something that answers the requests of one bot."""

    application_id: int

    def owns_http(self, http: discord.http.HTTPClient) -> bool: ...

    def knows_token(self, token: str) -> bool: ...

    async def answer(self, call: RecordedCall) -> Any: ...

    def cdn(self, url: str) -> bytes: ...


class _Interceptor:
    def __init__(self) -> None:
        self.endpoints: list[Endpoint] = []
        self._saved: list[tuple[type, str, Any]] = []

    def attach(self, endpoint: Endpoint) -> None:
        if not self.endpoints:
            self._install()
        self.endpoints.append(endpoint)

    def detach(self, endpoint: Endpoint) -> None:
        if endpoint in self.endpoints:
            self.endpoints.remove(endpoint)
            if not self.endpoints:
                self._restore()

    def _install(self) -> None:
        interceptor = self

        async def http_request(http: discord.http.HTTPClient, route: Route, **kwargs: Any) -> Any:
            return await interceptor.for_http(http).answer(decode("http", route, kwargs))

        async def webhook_request(_adapter: Any, route: Route, session: Any = None, **kwargs: Any) -> Any:
            return await interceptor.for_webhook(route).answer(decode("webhook", route, kwargs))

        async def get_from_cdn(http: discord.http.HTTPClient, url: str) -> bytes:
            return interceptor.for_http(http).cdn(url)

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

    def for_http(self, http: discord.http.HTTPClient) -> Endpoint:
        for endpoint in reversed(self.endpoints):
            if endpoint.owns_http(http):
                return endpoint
        # Never fall through to the real network while any endpoint is attached.
        raise RuntimeError("HTTP request from a discord.Client that no simulation endpoint answers for")

    def for_webhook(self, route: Route) -> Endpoint:
        token = route.webhook_token
        for endpoint in reversed(self.endpoints):
            if token is not None and endpoint.knows_token(token):
                return endpoint
        for endpoint in reversed(self.endpoints):
            if route.webhook_id is not None and int(route.webhook_id) == endpoint.application_id:
                return endpoint
        return self.endpoints[-1]


_INTERCEPTOR: Final = _Interceptor()


def attach(endpoint: Endpoint) -> None:
    """Route the requests ``endpoint`` owns to it (patching discord.py while any endpoint is attached)."""
    _INTERCEPTOR.attach(endpoint)


def detach(endpoint: Endpoint) -> None:
    _INTERCEPTOR.detach(endpoint)
