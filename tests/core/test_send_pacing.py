"""The send pacer's rules, table-driven: slots on the shared timeline, channel windows, headers."""

from __future__ import annotations

import pytest

from bot.core import send_pacing as rules
from bot.core.send_pacing import PacerConfig, Pause

CONFIG = PacerConfig(global_per_second=50.0, channel_margin_s=0.0)


@pytest.mark.parametrize(
    ("next_free", "now", "count", "expected"),
    [
        (0, 1_000, 3, (1_000, 61_000)),  # idle timeline: starts now
        (50_000, 1_000, 2, (50_000, 90_000)),  # busy: after what others reserved
        (50_000, 50_000, 1, (50_000, 70_000)),
        (900, 1_000, 1, (1_000, 21_000)),  # a free slot in the past is not handed out
    ],
)
def test_reserve(next_free: int, now: int, count: int, expected: tuple[int, int]) -> None:
    assert rules.reserve(next_free, now, count, CONFIG.interval_us) == expected


def test_consecutive_reservations_never_overlap_and_keep_the_rate() -> None:
    next_free, taken = 0, []
    for count, now in [(3, 0), (5, 10_000), (1, 10_000), (10, 400_000), (2, 5_000_000)]:
        first, next_free = rules.reserve(next_free, now, count, CONFIG.interval_us)
        taken += rules.slots(first, count, CONFIG.interval_us)
    assert taken == sorted(taken) and len(set(taken)) == len(taken)
    for start in taken:
        assert sum(1 for t in taken if start <= t < start + 1) <= 50


@pytest.mark.parametrize(
    ("slot", "now", "ok"),
    [(10.0, 9.0, True), (10.0, 10.0, True), (10.0, 10.03, True), (10.0, 10.05, False)],
)
def test_usable(slot: float, now: float, ok: bool) -> None:
    assert rules.usable(slot, now, 0.03) is ok


@pytest.mark.parametrize(
    ("recent", "now", "wait"),
    [
        ([], 100.0, 0.0),
        ([99.0, 99.5, 99.9, 100.0], 100.0, 0.0),  # four in the window: a fifth fits
        ([96.0, 97.0, 98.0, 99.0, 100.0], 100.0, 1.0),  # five: wait until the oldest leaves
        ([94.0, 97.0, 98.0, 99.0, 100.0], 100.0, 0.0),  # the oldest already left
        ([95.5, 95.6, 95.7, 95.8, 95.9], 100.0, 0.5),
    ],
)
def test_channel_wait(recent: list[float], now: float, wait: float) -> None:
    assert rules.channel_wait(recent, now, CONFIG) == pytest.approx(wait)


def test_channel_margin_widens_the_window() -> None:
    config = PacerConfig(channel_margin_s=0.2)
    assert rules.channel_wait([96.0, 97.0, 98.0, 99.0, 100.0], 100.0, config) == pytest.approx(1.2)


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (200, {"X-RateLimit-Remaining": "3", "X-RateLimit-Reset-After": "4.0"}, None),
        (200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "4.5"}, Pause(104.5, False)),
        (200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "0.250"}, Pause(100.25, False)),
        (200, {}, None),
        (429, {"Retry-After": "3", "X-RateLimit-Reset-After": "2.5", "X-RateLimit-Scope": "user"}, Pause(102.5, False)),
        (429, {"Retry-After": "1", "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}, Pause(101.0, True)),
        (429, {}, Pause(101.0, False)),
        (404, {"X-RateLimit-Remaining": "2"}, None),
    ],
)
def test_pause_from_headers(status: int, headers: dict[str, str], expected: Pause | None) -> None:
    assert rules.pause_from(status, headers, 100.0) == expected
