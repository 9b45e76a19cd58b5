"""Discord's request limits as the stand-in and the bench enforce them, on a hand-driven clock."""

from __future__ import annotations

import pytest

from bot.simulation.limits import DiscordLimits, LimitConfig, is_interaction_route


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limits(**config: int | float) -> tuple[DiscordLimits, Clock]:
    clock = Clock()
    return DiscordLimits(LimitConfig(**config), clock=clock, wall=lambda: 1_700_000_000.0), clock  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "exempt"),
    [
        ("/interactions/123/tok-en/callback", True),
        ("/webhooks/123/tok-en", True),
        ("/webhooks/123/tok-en/messages/@original", True),
        ("/channels/1/messages", False),
        ("/users/@me", False),
        ("/applications/1/commands", False),
    ],
)
def test_interaction_endpoints_are_outside_the_global_limit(path: str, exempt: bool) -> None:
    assert is_interaction_route(path) is exempt


def test_the_51st_request_in_one_second_is_a_global_429_with_discords_shape() -> None:
    lim, clock = limits()
    for n in range(50):
        clock.now += 0.01
        assert lim.admit("GET", f"/users/{n}").allowed
    clock.now += 0.01
    refused = lim.admit("GET", "/users/@me")
    assert not refused.allowed and refused.scope == "global"
    assert refused.body == {"message": "You are being rate limited.", "retry_after": 0.5, "global": True}
    assert refused.headers == {"Retry-After": "1", "X-RateLimit-Scope": "global", "X-RateLimit-Global": "true"}
    # Interaction callbacks still pass, and after the window slides so does everything else.
    assert lim.admit("POST", "/interactions/1/t/callback").allowed
    clock.now += 0.51
    assert lim.admit("GET", "/users/@me").allowed
    assert (lim.global_429s, lim.route_429s) == (1, 0)


def test_a_channel_takes_five_messages_in_five_seconds_and_reports_its_bucket() -> None:
    lim, clock = limits()
    seen = []
    for _ in range(5):
        verdict = lim.admit("POST", "/channels/7/messages")
        assert verdict.allowed
        seen.append(verdict.headers["X-RateLimit-Remaining"])
        clock.now += 0.5
    assert seen == ["4", "3", "2", "1", "0"]
    assert lim.admit("POST", "/channels/8/messages").allowed  # another channel has its own bucket
    refused = lim.admit("POST", "/channels/7/messages")
    assert not refused.allowed and refused.scope == "user"
    assert refused.body is not None and refused.body["global"] is False
    assert refused.body["retry_after"] == pytest.approx(2.5)
    headers = refused.headers
    assert headers["X-RateLimit-Limit"] == "5" and headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Reset-After"] == "2.500" and headers["Retry-After"] == "3"
    assert headers["X-RateLimit-Reset"] == "1700000002.500" and headers["X-RateLimit-Scope"] == "user"
    assert "X-RateLimit-Global" not in headers and len(headers["X-RateLimit-Bucket"]) == 32
    clock.now += 2.5
    assert lim.admit("POST", "/channels/7/messages").allowed
    assert lim.route_429s == 1


def test_invalid_requests_raise_the_alarm_near_the_ceiling() -> None:
    lim, clock = limits(invalid_alarm=3, invalid_window_s=10.0)
    assert lim.answered(200) and lim.answered(404)  # not invalid in Discord's sense
    assert lim.answered(401) and lim.answered(403)
    clock.now += 11  # those two left the window
    assert lim.answered(429) and lim.answered(429)
    assert not lim.answered(403)
    assert lim.invalid_peak == 3
