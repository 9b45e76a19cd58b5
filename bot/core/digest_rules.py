"""The digest's exactly-once state machine: pure decisions over a subscription and its deliveries.

No clock, no I/O: the storage layer reads the rows under their locks, asks these functions what to
do, and writes the answer back in the same transaction.

- A period is due once its moment has passed (plus the settle delay). Claiming it creates its
  delivery; the holder keeps a lease (`lease_until`) that it renews before every Discord call.
- A live lease means another process is working on it: wait until the lease ends. An expired lease
  (the holder died) is taken over; a delivery refused for good (FAILED) is taken over on resume.
- An unfinished delivery of which nothing was ever posted is widened to the latest period when more
  periods have passed meanwhile, so a bot that was down posts one combined digest.
- Closing a delivery advances the subscription's window; transient failures back off exponentially;
  a refusal pauses the subscription.
- The nonce sent to Discord is made once per claim and stored with it, so every retry of a delivery
  sends the same, and no other delivery ever sends it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.core.errors import InvalidInput, NotFoundError, UserFacingError
from bot.core.schedule import Occurrence, Schedule, latest_occurrence, next_occurrence

REASON_MAX = 300


class DeliveryState(enum.StrEnum):
    CLAIMED = "claimed"  # a process owns the period; nothing has been sent yet
    SENDING = "sending"  # a send began: something may have reached Discord, so reconcile before resending
    SENT = "sent"  # every part was posted; message_ids holds them
    SKIPPED = "skipped"  # nothing new and the subscription does not post empty digests
    FAILED = "failed"  # Discord refused for good (403/404); the subscription was paused


UNSENT_STATES = (DeliveryState.CLAIMED.value, DeliveryState.SENDING.value, DeliveryState.FAILED.value)
DONE_STATES = (DeliveryState.SENT.value, DeliveryState.SKIPPED.value)


# Hex digits of the random salt: "d" + a 32-bit id + "s" + salt + ".N" stays within Discord's 25.
NONCE_SALT_CHARS = 10


def nonce_for(delivery_id: int, salt: str) -> str:
    """A delivery's nonce; stored with it, so every retry sends the same nonce to Discord.

    The id alone is not enough: an id can come back (SQLite reused a removed digest's delivery ids
    before migration 0004, and a restored backup can hold ids handed out again since), and Discord
    answers an enforced nonce it has seen with the earlier message instead of posting. The salt,
    fresh per claim, makes a nonce a later delivery can repeat only by chance (1 in 2**40).
    """
    if len(salt) != NONCE_SALT_CHARS:
        raise ValueError(f"a nonce salt has {NONCE_SALT_CHARS} characters")
    return f"d{delivery_id}s{salt}"


def backoff(retry_count: int, *, base: dt.timedelta, cap: dt.timedelta) -> dt.timedelta:
    """Exponential: base, 2x, 4x ... capped, so a long Discord outage costs a request per cap."""
    # The exponent stops growing long before a timedelta would overflow; the cap applies far sooner.
    return min(base * (2 ** min(max(retry_count - 1, 0), 32)), cap)


def lease_live(state: str, lease_until: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether another attempt must keep off: a refused delivery holds no lease whatever it says."""
    return state != DeliveryState.FAILED.value and lease_until is not None and lease_until > now


def needs_reconcile(state: str) -> bool:
    """A send began before (this process's or a dead one's): parts may already be in the channel."""
    return state == DeliveryState.SENDING.value


def holds(state: str, claimed_by: str | None, process: str) -> bool:
    """Whether `process` may still act on a delivery: it is the claimant and the delivery is open."""
    return claimed_by == process and state not in DONE_STATES and state != DeliveryState.FAILED.value


def state_after_take_over(state: str, message_ids: Sequence[str | None]) -> str:
    """Resumed after a refusal: a refused send created nothing, unless earlier parts went out."""
    if state != DeliveryState.FAILED.value:
        return state
    return DeliveryState.SENDING.value if any(message_ids) else DeliveryState.CLAIMED.value


def first_window(schedule: Schedule, now: dt.datetime) -> tuple[Occurrence, Occurrence]:
    """(previous, next) posting moments around `now`: a new digest's first window starts at the
    previous moment, so the first digest covers a whole period, like every later one."""
    return latest_occurrence(schedule, now), next_occurrence(schedule, now)


@dataclass(frozen=True, slots=True)
class Position:
    """Where a subscription stands: its window's start, its next period and when to look at it."""

    covered_until: dt.datetime
    next_due_at: dt.datetime
    next_attempt_at: dt.datetime


def advanced(
    schedule: Schedule,
    *,
    covered_until: dt.datetime,
    next_due_at: dt.datetime,
    due_at: dt.datetime,
    window_end: dt.datetime,
    settle: dt.timedelta,
) -> Position:
    """The position after a delivery of (due_at, window_end) closed; never moves backwards."""
    covered = max(covered_until, window_end)
    upcoming = next_occurrence(schedule, max(due_at, covered))
    next_due = max(next_due_at, upcoming.at)
    return Position(covered, next_due, next_due + settle)


def resumed(schedule: Schedule, *, covered_until: dt.datetime, now: dt.datetime, settle: dt.timedelta) -> Position:
    """The window keeps its start on resume: the next digest covers everything since the last one
    delivered, so nothing logged while paused is lost."""
    upcoming = next_occurrence(schedule, now)
    return Position(covered_until, upcoming.at, upcoming.at + settle)


def edited_period(
    schedule: Schedule,
    *,
    current_day: dt.date,
    covered_until: dt.datetime,
    now: dt.datetime,
    taken: Collection[str],
) -> Occurrence:
    """The next period to post after `/digest edit` changed the time, days or time zone.

    `current_day` is the day of the period the digest was waiting for under its old schedule, and
    `taken` the period keys it already has a delivery for. That period keeps its place when the new
    schedule still has it: moved to a later time it waits for that time, moved to a moment that has
    already passed it is due now (not skipped to the next day). A period already delivered (or being
    delivered) is never chosen again, so moving today's time after today's digest went out does not
    post a second one for today. The window's start (`covered_until`) does not move: the next digest
    still covers everything since the last one.
    """
    latest = latest_occurrence(schedule, now)
    if latest.day == current_day and latest.at > covered_until and latest.key not in taken:
        return latest
    upcoming = next_occurrence(schedule, now)
    while upcoming.key in taken:
        upcoming = next_occurrence(schedule, upcoming.at)
    return upcoming


def check_editable(subscription_id: int, pending: Pending | None, now: dt.datetime) -> None:
    """An edit waits while a process is posting the digest: the post must finish in the channel and
    with the settings it started with."""
    if pending is not None and lease_live(pending.state, pending.lease_until, now):
        raise UserFacingError(f"Digest `#{subscription_id}` is being posted right now; try the edit again in a minute.")


def retry_at(now: dt.datetime, retry_count: int, *, base: dt.timedelta, cap: dt.timedelta) -> dt.datetime:
    return now + backoff(retry_count, base=base, cap=cap)


def next_attempt_after_claim(
    *, manual: bool, next_attempt_at: dt.datetime, now: dt.datetime, lease_until: dt.datetime | None
) -> dt.datetime:
    """Keeps a claimed subscription out of other processes' due queries while the lease runs; a manual
    send leaves a later scheduled attempt (a backoff) where it was."""
    return max(next_attempt_at if manual else now, lease_until or now)


# -- what to do with a due subscription ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pending:
    """The subscription's unfinished delivery, as the decision needs it."""

    state: str
    lease_until: dt.datetime | None
    manual: bool
    posted_any: bool
    window_end: dt.datetime


@dataclass(frozen=True, slots=True)
class Wait:
    """Another process holds a live lease: look again when it ends."""

    next_attempt_at: dt.datetime


@dataclass(frozen=True, slots=True)
class NotDue:
    next_attempt_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Realign:
    """The latest period was already delivered (e.g. by /digest send-now): advance past it."""


@dataclass(frozen=True, slots=True)
class TakeOver:
    """Take the unfinished delivery over; `widen_to` moves its period (and window end) forward."""

    widen_to: Occurrence | None = None


@dataclass(frozen=True, slots=True)
class NewClaim:
    period: Occurrence
    window_end: dt.datetime


Decision = Wait | NotDue | Realign | TakeOver | NewClaim


def decide(
    *,
    pending: Pending | None,
    latest: Occurrence,
    latest_delivered: bool,
    next_due_at: dt.datetime,
    next_attempt_at: dt.datetime,
    covered_until: dt.datetime,
    now: dt.datetime,
    settle: dt.timedelta,
) -> Decision:
    """What a scheduler does with a due subscription, `latest` being its last period that has settled."""
    if pending is not None:
        if lease_live(pending.state, pending.lease_until, now):
            return Wait(max(next_attempt_at, pending.lease_until or now))
        widen = (
            pending.state in (DeliveryState.CLAIMED.value, DeliveryState.FAILED.value)
            and not pending.manual
            and not pending.posted_any
            and latest.at > pending.window_end
            and not latest_delivered
        )
        return TakeOver(latest if widen else None)
    if latest.at < next_due_at:
        return NotDue(next_due_at + settle)
    if latest_delivered:
        return Realign()
    return NewClaim(latest, max(latest.at, covered_until))


def latest_settled(schedule: Schedule, now: dt.datetime, settle: dt.timedelta) -> Occurrence:
    return latest_occurrence(schedule, now - settle)


# -- /digest send-now ------------------------------------------------------------------------------


def check_manual(subscription_id: int, *, paused: bool, pending: Pending | None, now: dt.datetime) -> bool:
    """Whether a manual send takes over an unfinished delivery (True) or claims the current period
    (False); raises when it may not run at all."""
    if paused:
        raise InvalidInput(f"Digest `#{subscription_id}` is paused; `/digest resume {subscription_id}` first.")
    if pending is None:
        return False
    if lease_live(pending.state, pending.lease_until, now):
        raise UserFacingError(f"Digest `#{subscription_id}` is being posted right now; check the channel in a minute.")
    # An unfinished delivery (e.g. waiting to retry): finish that one now rather than start another.
    return True


def manual_period(schedule: Schedule, *, next_due_at: dt.datetime) -> Occurrence:
    """The current period, posted early: its moment is the scheduled one, its day the period's."""
    return Occurrence(next_due_at, latest_occurrence(schedule, next_due_at).day)


def manual_window_end(*, covered_until: dt.datetime, now: dt.datetime, settle: dt.timedelta) -> dt.datetime:
    return max(covered_until, now - settle)


def already_posted(subscription_id: int, period_key: str) -> UserFacingError:
    return UserFacingError(f"Digest `#{subscription_id}` was already posted for {period_key}.")


# -- pausing ---------------------------------------------------------------------------------------


def check_pause(subscription_id: int, *, paused: bool, want_paused: bool) -> None:
    if want_paused and paused:
        raise InvalidInput(f"Digest `#{subscription_id}` is already paused.")
    if not want_paused and not paused:
        raise InvalidInput(f"Digest `#{subscription_id}` is not paused.")


def paused_by(user_id: int) -> str:
    return f"paused by <@{user_id}>"


def refusal_reason(reason: str) -> str:
    return reason[:REASON_MAX]


class DigestNotFound(NotFoundError):
    def __init__(self, subscription_id: int) -> None:
        super().__init__(f"No digest `#{subscription_id}` in this newsroom. `/digest list` shows them.")
