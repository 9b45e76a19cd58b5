"""Instant alerts and personal follows: the pure rules on top of the digest's delivery machine.

An alert or follow is a digest subscription in another mode. Where a digest's period is a day, an
alert's is one scheduler tick's window of changes, (covered_until, now - grace]: the grace lets an
editor undo a mistake before anyone is told. Claiming a window creates its delivery row (keyed by the
window's end, so the unique (subscription, period) constraint makes the claim atomic) and moves the
subscription's window on in the same transaction; posting, reconciling, leases and nonces are the
digest's (`bot.core.digest_rules`).

An alert already posted is never deleted: a later undo, retraction or correction of one of its
entries records an edit to make, in the same transaction as the window that saw it, and the edit is
cleared only once Discord has taken it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence

from bot.core.errors import InvalidInput, NotFoundError, echoed


class Mode(enum.StrEnum):
    DIGEST = "digest"
    ALERT = "alert"  # instant, to a channel
    FOLLOW = "follow"  # instant, by DM to one member


INSTANT_MODES = (Mode.ALERT.value, Mode.FOLLOW.value)


class AlertKind(enum.StrEnum):
    STATUS = "status"
    STATEMENT = "statement"
    EVENT = "event"
    CORRECTION = "correction"  # corrections, retractions and restorations of entries not alerted before


DEFAULT_KINDS = (AlertKind.STATUS.value,)
GRACE_DEFAULT = 60
GRACE_MIN, GRACE_MAX = 0, 3600
MAX_ALERTS = 25  # channel alerts per newsroom, like digests
MAX_FOLLOWS = 25  # topics one member follows in one newsroom
NOTE_MAX = 180


def parse_kinds(text: str | None) -> list[str]:
    """`status,statements` → the kinds, in the vocabulary's order; empty means the default."""
    if text is None or not text.strip():
        return list(DEFAULT_KINDS)
    wanted: set[str] = set()
    for raw in text.replace(";", ",").split(","):
        word = raw.strip().lower()
        if not word:
            continue
        if word in ("all", "everything"):
            return [k.value for k in AlertKind]
        # Plurals read naturally in a command ("statements, events").
        kind = word[:-1] if word.endswith("s") and word[:-1] in AlertKind._value2member_map_ else word
        if kind not in AlertKind._value2member_map_:
            choices = ", ".join(k.value for k in AlertKind)
            raise InvalidInput(f"`{echoed(word, 20)}` is not a kind of change; choose from {choices} (or all).")
        wanted.add(kind)
    return [k.value for k in AlertKind if k.value in wanted] or list(DEFAULT_KINDS)


def kinds_label(kinds: Sequence[str] | None) -> str:
    return ", ".join(kinds or DEFAULT_KINDS)


def check_grace(seconds: int) -> int:
    if not GRACE_MIN <= seconds <= GRACE_MAX:
        raise InvalidInput(f"The alert grace is between {GRACE_MIN} and {GRACE_MAX} seconds.")
    return seconds


def window_end(now: dt.datetime, grace_seconds: int, covered_until: dt.datetime) -> dt.datetime:
    """The end of the window a tick at `now` may alert: changes older than the grace. Never moves back."""
    return max(covered_until, now - dt.timedelta(seconds=grace_seconds))


def period_key(end: dt.datetime) -> str:
    """The delivery's period: its window's end in whole seconds (10 digits until 2286), unique per
    subscription because windows never overlap and a tick's windows end at least a second apart."""
    return str(int(end.timestamp()))


def may_claim(covered_until: dt.datetime, end: dt.datetime) -> bool:
    """A window worth claiming has at least a second in it (so its key is new)."""
    return period_key(end) != period_key(covered_until) and end > covered_until


# Item kinds of the digest's content (bot.services.digest_content.ItemKind) by the alert kind that posts them.
ITEM_KINDS = {
    "status": AlertKind.STATUS.value,
    "statement": AlertKind.STATEMENT.value,
    "event": AlertKind.EVENT.value,
    "correction": AlertKind.CORRECTION.value,
    "retraction": AlertKind.CORRECTION.value,
    "restore": AlertKind.CORRECTION.value,
}


def wanted(item_kind: str, kinds: Iterable[str] | None) -> bool:
    return ITEM_KINDS.get(item_kind) in set(kinds or DEFAULT_KINDS)


def alertable(item_kind: str, entry_id: int, *, retracted: set[int], alerted: set[int]) -> bool:
    """Whether an item a subscription wants goes into an alert. An entry retracted or undone by now
    (within the grace, since its window ended only a grace ago) never alerts; an entry this
    subscription has already alerted gets its alert edited instead of a second one."""
    if entry_id in alerted:
        return False
    return not (item_kind in ("status", "statement", "event") and entry_id in retracted)


# What an edit says, by the audit action that calls for it.
EDIT_ACTIONS = ("entry.undo", "entry.retract", "entry.edit", "entry.restore")


def edit_note(action: str, entry_id: int, reason: str | None) -> str:
    said = {
        "entry.undo": "was undone by an editor",
        "entry.retract": "was retracted",
        "entry.edit": "was corrected",
        "entry.restore": "was restored",
    }[action]
    why = f" ({echoed(reason, NOTE_MAX)})" if reason else ""
    return f"Update: `#{entry_id}` {said}{why}."


# -- follows ---------------------------------------------------------------------------------------


def followed(topic_kinds: dict[str, list[str]] | None) -> dict[int, list[str]]:
    return {int(t): list(k) for t, k in (topic_kinds or {}).items()}


def with_follow(topic_kinds: dict[str, list[str]] | None, topic_id: int, kinds: list[str]) -> dict[str, list[str]]:
    current = dict(topic_kinds or {})
    if str(topic_id) not in current and len(current) >= MAX_FOLLOWS:
        raise InvalidInput(f"You can follow at most {MAX_FOLLOWS} topics here; `/unfollow` one first.")
    current[str(topic_id)] = list(kinds)
    return current


def union_kinds(topic_kinds: dict[str, list[str]]) -> list[str]:
    every = {k for kinds in topic_kinds.values() for k in kinds}
    return [k.value for k in AlertKind if k.value in every]


def follow_wants(topic_kinds: dict[str, list[str]] | None, topic_id: int, item_kind: str) -> bool:
    kinds = (topic_kinds or {}).get(str(topic_id))
    return kinds is not None and wanted(item_kind, kinds)


DM_CLOSED = "Discord refused my direct message: your DMs from this server are closed, or we share no server."


def dm_paused_notice(topics: int) -> str:
    return (
        f"I couldn't send you a direct message, so your follow{'s' if topics != 1 else ''} here "
        "are paused. Allow direct messages from this server's members (Privacy Settings), then run "
        "`/follow` again to resume."
    )


class NotFollowing(NotFoundError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"You don't follow `{echoed(slug, 32)}` here. `/following` lists what you follow.")


class AlertNotFound(NotFoundError):
    def __init__(self, subscription_id: int) -> None:
        super().__init__(f"No alert `#{subscription_id}` in this newsroom. `/alert list` shows them.")
