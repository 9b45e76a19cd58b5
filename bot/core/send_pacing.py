"""Rules of the send pacer: how a bot stays under Discord's request limits on its own, before
Discord has to refuse anything.

Discord allows a bot token 50 requests a second in all (every process together), and 5 messages
per 5 seconds in one channel. The pacer gives every request the bot makes on its own a moment
("slot") on one timeline per bot token, `1 / rate` apart, shared by every process through the
database; a channel's messages also keep to its own window. Interaction replies do not count
towards the global limit on Discord and never wait here.

All times are seconds (floats, Unix epoch) or whole microseconds where they are stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MICROSECONDS = 1_000_000
# Discord's documented global limit: requests a second per bot token.
DISCORD_GLOBAL_PER_SECOND = 50
# The share of the global limit the pacer aims at: room for network jitter between a slot and the
# request reaching Discord.
PACED_SHARE = 0.92


@dataclass(frozen=True, slots=True)
class ChannelLimit:
    """Messages one channel takes in a window: Discord documents 5 per 5 seconds."""

    messages: int = 5
    window_s: float = 5.0


DISCORD_CHANNEL = ChannelLimit()


@dataclass(frozen=True, slots=True)
class PacerConfig:
    global_per_second: float = DISCORD_GLOBAL_PER_SECOND * PACED_SHARE
    channel: ChannelLimit = DISCORD_CHANNEL
    # Extra room on a channel's window, for the same jitter.
    channel_margin_s: float = 0.2
    # The most slots one process reserves in one transaction (a fifth of a second at 46/s).
    batch: int = 10
    # A slot used later than this (a busy event loop, a slow reservation) is given up, not used
    # late: a late request would crowd the next process's slots.
    late_tolerance_s: float = 0.02

    @property
    def interval_us(self) -> int:
        return max(int(MICROSECONDS / self.global_per_second), 1)


def reserve(next_free_us: int, now_us: int, count: int, interval_us: int) -> tuple[int, int]:
    """Reserve `count` slots on the shared timeline: (first slot, the timeline's next free slot).

    The timeline never restarts in the past (an idle bot starts at now) and never gives a slot
    twice; the database runs the same arithmetic in one atomic UPDATE (`db.send_pacer`)."""
    first = max(next_free_us, now_us)
    return first, first + count * interval_us


def slots(first_us: int, count: int, interval_us: int) -> list[float]:
    return [(first_us + n * interval_us) / MICROSECONDS for n in range(count)]


def usable(slot: float, now: float, tolerance: float) -> bool:
    """Whether a slot may still be used: not yet past, or only just."""
    return now - slot <= tolerance


def channel_wait(recent: Sequence[float], now: float, config: PacerConfig) -> float:
    """Seconds until one more message fits in a channel whose recent sends (oldest first) are `recent`."""
    window = config.channel.window_s + config.channel_margin_s
    inside = [t for t in recent if t > now - window]
    if len(inside) < config.channel.messages:
        return 0.0
    return inside[-config.channel.messages] + window - now


@dataclass(frozen=True, slots=True)
class Pause:
    """What a response tells the pacer: hold everything (global) or one channel until `until`."""

    until: float
    is_global: bool


def _number(headers: Mapping[str, str], name: str) -> float | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            try:
                return float(value)
            except ValueError:
                return None
    return None


def _flag(headers: Mapping[str, str], name: str) -> bool:
    return any(key.lower() == name.lower() and value.lower() == "true" for key, value in headers.items())


def pause_from(status: int, headers: Mapping[str, str], now: float) -> Pause | None:
    """How long a response says to wait, if at all.

    A 429 says it with `Retry-After` (global when `X-RateLimit-Global` is set); any answer whose
    bucket has `X-RateLimit-Remaining: 0` says its bucket is empty until `X-RateLimit-Reset-After`.
    """
    if status == 429:
        retry = _number(headers, "X-RateLimit-Reset-After") or _number(headers, "Retry-After") or 1.0
        scope_global = _flag(headers, "X-RateLimit-Global")
        if scope_global:
            retry = _number(headers, "Retry-After") or retry
        return Pause(now + retry, scope_global)
    if _number(headers, "X-RateLimit-Remaining") == 0:
        reset = _number(headers, "X-RateLimit-Reset-After")
        if reset is not None and reset > 0:
            return Pause(now + reset, False)
    return None
