"""The digest's claim/lease/window rules, table by table, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core import digest_rules as rules
from bot.core.digest_rules import DeliveryState, Pending
from bot.core.errors import InvalidInput, UserFacingError
from bot.core.schedule import Occurrence, Schedule

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 21, 9, 0, 10, tzinfo=UTC)
SETTLE = dt.timedelta(seconds=10)
DAILY = Schedule.of("09:00", "Europe/London")
S = dt.timedelta(seconds=1)


def at(day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def occ(day: int) -> Occurrence:
    return Occurrence(at(day), dt.date(2026, 3, day))


def pending(
    state: str = "claimed",
    lease_until: dt.datetime | None = None,
    *,
    manual: bool = False,
    posted_any: bool = False,
    window_end: dt.datetime | None = None,
) -> Pending:
    return Pending(state, lease_until, manual, posted_any, window_end or at(21))


@pytest.mark.parametrize(
    ("state", "lease_until", "live"),
    [
        ("claimed", NOW + S, True),
        ("sending", NOW + S, True),
        ("claimed", NOW, False),  # a lease ending now has ended
        ("claimed", NOW - S, False),
        ("claimed", None, False),
        ("failed", NOW + S, False),  # a refused delivery holds nothing
    ],
)
def test_a_lease_is_live_until_it_ends(state: str, lease_until: dt.datetime | None, live: bool) -> None:
    assert rules.lease_live(state, lease_until, NOW) is live


@pytest.mark.parametrize(
    ("state", "claimed_by", "held"),
    [
        ("claimed", "me", True),
        ("sending", "me", True),
        ("claimed", "other", False),
        ("claimed", None, False),
        ("sent", "me", False),
        ("skipped", "me", False),
        ("failed", "me", False),
    ],
)
def test_only_the_claimant_of_an_open_delivery_holds_it(state: str, claimed_by: str | None, held: bool) -> None:
    assert rules.holds(state, claimed_by, "me") is held


@pytest.mark.parametrize(
    ("state", "message_ids", "after"),
    [
        ("claimed", [], "claimed"),
        ("sending", [None], "sending"),
        ("failed", [None, None], "claimed"),  # a refused send created nothing
        ("failed", ["1", None], "sending"),  # ... unless earlier parts went out: reconcile first
    ],
)
def test_taking_over_a_refused_delivery_reconciles_only_if_something_was_posted(
    state: str, message_ids: list[str | None], after: str
) -> None:
    assert rules.state_after_take_over(state, message_ids) == after


@pytest.mark.parametrize(("state", "reconcile"), [(s.value, s is DeliveryState.SENDING) for s in DeliveryState])
def test_only_a_begun_send_is_reconciled(state: str, reconcile: bool) -> None:
    assert rules.needs_reconcile(state) is reconcile


@pytest.mark.parametrize(
    ("retry_count", "delay"),
    [(0, 30), (1, 30), (2, 60), (3, 120), (6, 960), (7, 1800), (50, 1800)],
)
def test_retries_back_off_exponentially_up_to_the_cap(retry_count: int, delay: int) -> None:
    base, cap = dt.timedelta(seconds=30), dt.timedelta(minutes=30)
    assert rules.backoff(retry_count, base=base, cap=cap) == dt.timedelta(seconds=delay)
    assert rules.retry_at(NOW, retry_count, base=base, cap=cap) == NOW + dt.timedelta(seconds=delay)


def test_the_nonce_names_the_delivery_and_its_salt_and_fits_discord() -> None:
    nonce = rules.nonce_for(2**31 - 1, "0123456789")
    assert nonce == "d2147483647s0123456789" and rules.nonce_for(2**31 - 1, "0123456789") == nonce
    assert len(nonce + ".3") <= 25
    with pytest.raises(ValueError, match="10 characters"):
        rules.nonce_for(1, "short")


@pytest.mark.parametrize(
    ("case", "kwargs", "expected"),
    [
        (
            "another process holds a live lease",
            {"pending": pending(lease_until=NOW + dt.timedelta(minutes=2))},
            rules.Wait(NOW + dt.timedelta(minutes=2)),
        ),
        ("an expired lease is taken over", {"pending": pending(lease_until=NOW - S)}, rules.TakeOver()),
        (
            "an unposted claim is widened to the latest period",
            {"pending": pending(lease_until=NOW - S, window_end=at(19)), "latest": occ(21)},
            rules.TakeOver(occ(21)),
        ),
        (
            "a refused claim is widened on resume",
            {"pending": pending("failed", window_end=at(19)), "latest": occ(21)},
            rules.TakeOver(occ(21)),
        ),
        (
            "a begun send is never widened",
            {"pending": pending("sending", NOW - S, window_end=at(19)), "latest": occ(21)},
            rules.TakeOver(),
        ),
        (
            "nor one with a part posted",
            {"pending": pending(lease_until=NOW - S, posted_any=True, window_end=at(19)), "latest": occ(21)},
            rules.TakeOver(),
        ),
        (
            "nor a manual one",
            {"pending": pending(lease_until=NOW - S, manual=True, window_end=at(19)), "latest": occ(21)},
            rules.TakeOver(),
        ),
        (
            "nor into a period already delivered",
            {"pending": pending(window_end=at(19)), "latest": occ(21), "latest_delivered": True},
            rules.TakeOver(),
        ),
        ("not due yet", {"latest": occ(20), "next_due_at": at(21)}, rules.NotDue(at(21) + SETTLE)),
        ("delivered already (send-now)", {"latest_delivered": True}, rules.Realign()),
        ("due", {}, rules.NewClaim(occ(21), at(21))),
        (
            "due, the window never ends before it starts",
            {"covered_until": at(21, 10)},
            rules.NewClaim(occ(21), at(21, 10)),
        ),
    ],
)
def test_what_a_scheduler_does_with_a_due_subscription(case: str, kwargs: dict, expected: rules.Decision) -> None:
    arguments = {
        "pending": None,
        "latest": occ(21),
        "latest_delivered": False,
        "next_due_at": at(21),
        "next_attempt_at": at(21) + SETTLE,
        "covered_until": at(20),
        "now": NOW,
        "settle": SETTLE,
        **kwargs,
    }
    assert rules.decide(**arguments) == expected, case


def test_the_latest_period_is_the_last_one_that_has_settled() -> None:
    assert rules.latest_settled(DAILY, at(21) + SETTLE - S, SETTLE) == occ(20)
    assert rules.latest_settled(DAILY, at(21) + SETTLE, SETTLE) == occ(21)


@pytest.mark.parametrize(
    ("covered_until", "next_due_at", "due_at", "window_end", "expected"),
    [
        # The usual day: the window moves to the period's end, the next period is tomorrow.
        (at(20), at(21), at(21), at(21), (at(21), at(22))),
        # A combined digest after downtime covers up to its end, and the next period follows it.
        (at(18), at(19), at(21), at(21), (at(21), at(22))),
        # A manual send ends its window at the send and counts as its period's digest.
        (at(20), at(21), at(21), at(20, 15), (at(20, 15), at(22))),
        # Never backwards: an old delivery closing late moves nothing back.
        (at(22), at(23), at(21), at(21), (at(22), at(23))),
    ],
)
def test_closing_a_delivery_advances_the_window(
    covered_until: dt.datetime,
    next_due_at: dt.datetime,
    due_at: dt.datetime,
    window_end: dt.datetime,
    expected: tuple[dt.datetime, dt.datetime],
) -> None:
    position = rules.advanced(
        DAILY,
        covered_until=covered_until,
        next_due_at=next_due_at,
        due_at=due_at,
        window_end=window_end,
        settle=SETTLE,
    )
    assert (position.covered_until, position.next_due_at) == expected
    assert position.next_attempt_at == position.next_due_at + SETTLE


def test_resuming_keeps_the_window_start_and_schedules_the_next_period() -> None:
    position = rules.resumed(DAILY, covered_until=at(18), now=at(22, 12), settle=SETTLE)
    assert position == rules.Position(at(18), at(23), at(23) + SETTLE)


@pytest.mark.parametrize(
    ("manual", "next_attempt_at", "lease_until", "expected"),
    [
        (False, at(21) + SETTLE, NOW + dt.timedelta(minutes=2), NOW + dt.timedelta(minutes=2)),
        (True, at(21, 10), NOW + dt.timedelta(minutes=2), at(21, 10)),  # a backoff stays where it was
        (True, at(21), NOW + dt.timedelta(minutes=2), NOW + dt.timedelta(minutes=2)),
    ],
)
def test_a_claim_keeps_the_subscription_out_of_due_queries_while_leased(
    manual: bool, next_attempt_at: dt.datetime, lease_until: dt.datetime, expected: dt.datetime
) -> None:
    assert (
        rules.next_attempt_after_claim(manual=manual, next_attempt_at=next_attempt_at, now=NOW, lease_until=lease_until)
        == expected
    )


@pytest.mark.parametrize(
    ("paused", "state", "takes_over", "error"),
    [
        (True, None, None, InvalidInput),
        (False, None, False, None),  # claims the current period
        (False, pending(lease_until=NOW + S), None, UserFacingError),  # being posted right now
        (False, pending(lease_until=NOW - S), True, None),  # waiting to retry: finish that one
        (False, pending("failed"), True, None),
    ],
)
def test_send_now_claims_the_period_or_finishes_the_unfinished_one(
    paused: bool, state: Pending | None, takes_over: bool | None, error: type[Exception] | None
) -> None:
    if error is not None:
        with pytest.raises(error):
            rules.check_manual(7, paused=paused, pending=state, now=NOW)
    else:
        assert rules.check_manual(7, paused=paused, pending=state, now=NOW) is takes_over


def test_send_now_posts_the_current_period_early() -> None:
    assert rules.manual_period(DAILY, next_due_at=at(22)) == occ(22)
    assert rules.manual_window_end(covered_until=at(21), now=at(21, 15), settle=SETTLE) == at(21, 15) - SETTLE
    assert rules.manual_window_end(covered_until=at(21), now=at(21) + S, settle=SETTLE) == at(21)


@pytest.mark.parametrize(("paused", "want"), [(True, True), (False, False)])
def test_pausing_twice_or_resuming_an_active_digest_is_refused(paused: bool, want: bool) -> None:
    with pytest.raises(InvalidInput):
        rules.check_pause(3, paused=paused, want_paused=want)
    rules.check_pause(3, paused=paused, want_paused=not want)


def test_a_refusal_reason_fits_its_column() -> None:
    assert len(rules.refusal_reason("x" * 1000)) == rules.REASON_MAX
    assert rules.paused_by(42) == "paused by <@42>"


def test_a_new_digest_first_covers_a_whole_period() -> None:
    previous, upcoming = rules.first_window(DAILY, at(20, 12))
    assert (previous, upcoming) == (occ(20), occ(21))


# -- /digest edit: the next period under a new schedule ---------------------------------------------

SAT = dt.date(2026, 3, 21)


@pytest.mark.parametrize(
    ("new_time", "now", "covered_until", "taken", "expected"),
    [
        # Moved later before today's digest: waits for the new time today.
        ("17:00", at(21, 8), at(20), set(), at(21, 17)),
        # Moved later after today's digest went out: not today again, tomorrow at the new time.
        ("17:00", at(21, 12), at(21), {"2026-03-21"}, at(22, 17)),
        # Moved to a time already past today, before today's digest: due now, not skipped.
        ("08:00", at(21, 8, 30), at(20), set(), at(21, 8)),
        # The same, after today's digest went out: tomorrow.
        ("08:00", at(21, 9, 30), at(21), {"2026-03-21"}, at(22, 8)),
        # Today's period is being delivered (a delivery row exists): never chosen again.
        ("17:00", at(21, 9, 5), at(20), {"2026-03-21"}, at(22, 17)),
    ],
)
def test_an_edited_schedule_neither_repeats_nor_skips_a_period(
    new_time: str, now: dt.datetime, covered_until: dt.datetime, taken: set[str], expected: dt.datetime
) -> None:
    period = rules.edited_period(
        Schedule.of(new_time, "Europe/London"), current_day=SAT, covered_until=covered_until, now=now, taken=taken
    )
    assert period.at == expected


def test_an_edit_waits_for_a_live_lease_only() -> None:
    with pytest.raises(UserFacingError, match="being posted right now"):
        rules.check_editable(1, pending(lease_until=NOW + S), NOW)
    rules.check_editable(1, pending(lease_until=NOW - S), NOW)
    rules.check_editable(1, pending("failed", lease_until=NOW + S), NOW)
    rules.check_editable(1, None, NOW)
