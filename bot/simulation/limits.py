"""Discord's documented request limits, as a server enforces them: used by the end-to-end stand-in
and the bench's simulated HTTP layer, so both refuse what Discord would refuse.

* The global limit: 50 requests a second per bot token, across every route and every process,
  except the interaction endpoints (callbacks and the follow-ups on an interaction's token).
  Exceeding it answers 429 with ``global: true``, ``Retry-After``, ``X-RateLimit-Global`` and
  ``X-RateLimit-Scope: global``.
* Per-route buckets: creating messages in one channel is 5 per 5 seconds. Every answer on that
  route carries the bucket's ``X-RateLimit-*`` headers; exceeding it answers 429 with scope ``user``.
* Invalid requests: every 401, 403 and 429 counts towards 10,000 per 10 minutes, past which
  Discord blocks the bot's address for a while. Counted here so a run can fail well before that.

Windows slide (any 1 second, any 5 seconds): stricter than a fixed window, so a client that passes
here passes on Discord whichever way Discord cuts its windows.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from bot.core.send_pacing import DISCORD_CHANNEL, DISCORD_GLOBAL_PER_SECOND, ChannelLimit

INVALID_STATUSES: Final = frozenset({401, 403, 429})
_INTERACTION_ROUTES: Final = (
    re.compile(r"/interactions/\d+/[^/]+/callback"),
    re.compile(r"/webhooks/\d+/[^/]+(/messages/.*)?"),  # follow-ups and @original, on the interaction's token
)
_MESSAGE_CREATE: Final = re.compile(r"/channels/(\d+)/messages")
RATE_LIMITED: Final = "You are being rate limited."


@dataclass(frozen=True, slots=True)
class LimitConfig:
    global_per_second: int = DISCORD_GLOBAL_PER_SECOND
    channel: ChannelLimit = DISCORD_CHANNEL
    # Discord's ceiling is 10,000 invalid requests in 10 minutes; `invalid_alarm` is where a run
    # counts as having come near it (a healthy bot stays far below).
    invalid_window_s: float = 600.0
    invalid_ceiling: int = 10_000
    invalid_alarm: int = 1_000


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a request passes; the 429 body and the headers to answer with either way."""

    allowed: bool
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    scope: str | None = None  # "global" or "user" when refused


def is_interaction_route(path: str) -> bool:
    return any(pattern.fullmatch(path) for pattern in _INTERACTION_ROUTES)


def _bucket_id(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()[:32]


_CHANNEL_BUCKET: Final = _bucket_id("POST /channels/{channel_id}/messages")


class _Window:
    """Times of admitted requests within the last `span` seconds."""

    def __init__(self, span: float) -> None:
        self.span = span
        self.times: deque[float] = deque()

    def count(self, now: float) -> int:
        while self.times and self.times[0] <= now - self.span:
            self.times.popleft()
        return len(self.times)

    def free_in(self, now: float, limit: int) -> float:
        """Seconds until one more request fits (0 if it fits now)."""
        if self.count(now) < limit:
            return 0.0
        return self.times[-limit] + self.span - now


class DiscordLimits:
    """One bot token's limits. `now` is a monotonic clock; headers carry wall-clock resets."""

    def __init__(
        self,
        config: LimitConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or LimitConfig()
        self.clock, self.wall = clock, wall
        self._global = _Window(1.0)
        self._channels: dict[int, _Window] = {}
        self._invalid = _Window(self.config.invalid_window_s)
        self.global_429s = 0
        self.route_429s = 0
        self.invalid_peak = 0  # the most invalid requests seen in one window

    @property
    def rate_limited(self) -> int:
        return self.global_429s + self.route_429s

    def admit(self, method: str, path: str) -> Verdict:
        """Decide one request and count it if it passes."""
        now = self.clock()
        cfg = self.config
        channel = _MESSAGE_CREATE.fullmatch(path) if method == "POST" else None
        bucket = self._channels.setdefault(int(channel[1]), _Window(cfg.channel.window_s)) if channel else None
        if not is_interaction_route(path):
            wait = self._global.free_in(now, cfg.global_per_second)
            if wait > 0:
                self.global_429s += 1
                return self._refused(wait, scope="global")
        if bucket is not None:
            wait = bucket.free_in(now, cfg.channel.messages)
            if wait > 0:
                self.route_429s += 1
                return self._refused(wait, scope="user", headers=self._bucket_headers(bucket, now, wait))
        if not is_interaction_route(path):
            self._global.times.append(now)
        if bucket is None:
            return Verdict(True)
        bucket.times.append(now)
        return Verdict(True, self._bucket_headers(bucket, now, bucket.times[0] + bucket.span - now))

    def _bucket_headers(self, bucket: _Window, now: float, reset_after: float) -> dict[str, str]:
        remaining = max(self.config.channel.messages - bucket.count(now), 0)
        return {
            "X-RateLimit-Limit": str(self.config.channel.messages),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{self.wall() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": _CHANNEL_BUCKET,
        }

    def _refused(self, wait: float, *, scope: str, headers: dict[str, str] | None = None) -> Verdict:
        retry_after = round(max(wait, 0.001), 3)
        out = dict(headers or {})
        out.update({"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Scope": scope})
        if scope == "global":
            out["X-RateLimit-Global"] = "true"
        body = {"message": RATE_LIMITED, "retry_after": retry_after, "global": scope == "global"}
        return Verdict(False, out, body, scope)

    def answered(self, status: int) -> bool:
        """Count an answer's status; False once the invalid requests reached the alarm."""
        if status in INVALID_STATUSES:
            now = self.clock()
            self._invalid.times.append(now)
            self.invalid_peak = max(self.invalid_peak, self._invalid.count(now))
        return self.invalid_peak < self.config.invalid_alarm
