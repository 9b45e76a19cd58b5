"""Reminders to editors: which ones are due and under which key, how they share messages, and the
states a reminder's message goes through.

Each reminder has a key that names it once and for all: a stale topic's key names the topic, the
change it has gone without since, and which week of staleness it is; an expected entry's names the
entry; a pause's names the subscription and the moment it paused. Storing the key is the claim
(`db.reminder_models`), so a reminder goes out once whichever process, or how many, saw it due.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

STALE_DAYS_DEFAULT = 30
STALE_DAYS_MIN = 7
STALE_DAYS_MAX = 365
# A stale topic is reminded about once per this long, counted from when it became stale.
REMIND_EVERY = dt.timedelta(days=7)
# A pause older than this when first seen (the editors' channel was set later) is not announced:
# the at-next-command notice has long covered it.
PAUSE_NEWS_FOR = dt.timedelta(days=2)
KEY_MAX = 100

# One message lists at most this many stale topics, and its lines fit one embed description.
STALE_PER_MESSAGE = 15
DESCRIPTION_BUDGET = 3800


class Kind(enum.StrEnum):
    STALE = "stale"
    QUESTION = "question"
    PAUSE = "pause"


class State(enum.StrEnum):
    """claimed: nothing posted yet; sending: a post was attempted and may have reached Discord (a
    taker-over reconciles before posting again); sent; refused: Discord will not take posts there."""

    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    REFUSED = "refused"


UNFINISHED = (State.CLAIMED.value, State.SENDING.value)


def stale_since(last_change: dt.datetime, stale_after_days: int) -> dt.datetime:
    return last_change + dt.timedelta(days=stale_after_days)


def stale_key(topic_id: int, last_change: dt.datetime, stale_after_days: int, now: dt.datetime) -> str | None:
    """The key of the reminder due now about a topic last changed at `last_change`, or None while it
    is not stale. The week number counts from when it became stale: week 0 is reminded as soon as it
    is stale, week 1 seven days later, and so on; a change starts the count again under a new key."""
    since = stale_since(last_change, stale_after_days)
    if now < since:
        return None
    week = math.floor((now - since) / REMIND_EVERY)
    return f"stale:{topic_id}:{int(last_change.timestamp())}:{week}"


def question_key(entry_id: int) -> str:
    return f"question:{entry_id}"


def pause_key(subscription_id: int, paused_at: dt.datetime) -> str:
    return f"pause:{subscription_id}:{int(paused_at.timestamp() * 1_000_000)}"


def expected_is_over(date_latest: dt.date, today: dt.date) -> bool:
    """An expected entry is asked about once the last day its date could mean has passed."""
    return date_latest < today


def pause_is_news(paused_at: dt.datetime, now: dt.datetime) -> bool:
    return now - paused_at <= PAUSE_NEWS_FOR


def nonce_for(notice_id: int, salt: str) -> str:
    """Stored with the notice so every retry sends the same nonce (Discord's limit is 25 characters)."""
    return f"rm{notice_id}.{salt}"[:25]


@dataclass(frozen=True, slots=True)
class StaleTopic:
    key: str
    topic_id: int
    slug: str
    title: str
    last_change: dt.datetime

    def line_length(self) -> int:
        """At least what `bot.reminders.render` writes per topic: the title (escaped, which may double
        it, and clipped to 200), the slug, two timestamps and the words around them."""
        return min(len(self.title) * 2, 200) + len(self.slug) + 70


def pack(topics: Sequence[StaleTopic]) -> list[list[StaleTopic]]:
    """Stale topics due at once, grouped into as few messages as fit (oldest change first)."""
    groups: list[list[StaleTopic]] = []
    used = 0
    for topic in sorted(topics, key=lambda t: (t.last_change, t.topic_id)):
        size = topic.line_length()
        if not groups or len(groups[-1]) >= STALE_PER_MESSAGE or used + size > DESCRIPTION_BUDGET:
            groups.append([])
            used = 0
        groups[-1].append(topic)
        used += size
    return groups
