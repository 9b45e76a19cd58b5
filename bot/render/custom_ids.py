"""Button custom_ids that carry their own state, so buttons keep working after a restart.

Each id is versioned (`nd1:`) so a later format can still recognise, and politely refuse, old
buttons. Ids stay under Discord's 100-character limit: free text (a speaker filter) is capped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PREFIX = "nd1"
SPEAKER_FILTER_MAX = 40

# Previous/Next also carry where their page starts: after (`a`) or before (`b`) an entry's position
# in the timeline (its sort day as a day number, and its id), so a page deep in a long timeline is
# read from the index at that point instead of counting past every entry before it. Ids without it
# (older buttons, the page indicator) still work, by page number.
CHRONOLOGY_TEMPLATE = (
    rf"{PREFIX}:chron:(?P<topic>\d+):(?P<page>\d+):(?P<since>[0-9-]*):(?P<until>[0-9-]*)"
    r"(?::(?P<seek>[ab])(?P<day>\d{1,7})\.(?P<entry>\d{1,10}))?"
)
LATEST_TEMPLATE = (
    rf"{PREFIX}:latest:(?P<topic>\d+):(?P<page>\d+):(?P<count>\d+):(?P<speaker>.{{0,{SPEAKER_FILTER_MAX}}})"
)
OPEN_TEMPLATE = rf"{PREFIX}:open:(?P<what>latest|chron):(?P<topic>\d+)"
TOPICS_TEMPLATE = rf"{PREFIX}:topics:(?P<page>\d+)"
UNDO_TEMPLATE = rf"{PREFIX}:undo:(?P<entry>\d+):(?P<author>\d+):(?P<expires>\d+)"
HISTORY_TEMPLATE = rf"{PREFIX}:hist:(?P<entry>\d{{1,18}}):(?P<page>\d{{1,6}})"
TOPIC_HISTORY_TEMPLATE = rf"{PREFIX}:thist:(?P<topic>\d{{1,18}}):(?P<page>\d{{1,6}})"
# The Update summary button on a status change's reply: which topic; who may use it is checked on use.
SUMMARY_TEMPLATE = rf"{PREFIX}:summary:(?P<topic>\d{{1,18}})"
DIGESTS_TEMPLATE = rf"{PREFIX}:digests:(?P<page>\d{{1,6}})"


@dataclass(frozen=True, slots=True)
class Seek:
    """Where a chronology page starts: just after, or just before, an entry's place in the timeline."""

    after: bool
    day: dt.date
    entry_id: int

    @classmethod
    def parse(cls, seek: str | None, day: str | None, entry: str | None) -> Seek | None:
        """From a button's id; a forged position that cannot exist counts as none (the page number
        still leads to the page)."""
        if not seek or not day or not entry:
            return None
        try:
            return cls(seek == "a", dt.date.fromordinal(int(day)), int(entry))
        except (ValueError, OverflowError):
            return None


def chronology_id(
    topic_id: int, page: int, since: dt.date | None = None, until: dt.date | None = None, seek: Seek | None = None
) -> str:
    span = f"{since.isoformat() if since else ''}:{until.isoformat() if until else ''}"
    custom_id = f"{PREFIX}:chron:{topic_id}:{page}:{span}"
    if seek is not None:
        custom_id += f":{'a' if seek.after else 'b'}{seek.day.toordinal()}.{seek.entry_id}"
    return custom_id


def latest_id(topic_id: int, page: int, count: int, speaker: str | None = None) -> str:
    return f"{PREFIX}:latest:{topic_id}:{page}:{count}:{(speaker or '')[:SPEAKER_FILTER_MAX]}"


def open_id(what: str, topic_id: int) -> str:
    """A button on the status card that opens a new message rather than replacing the card."""
    return f"{PREFIX}:open:{what}:{topic_id}"


def topics_id(page: int) -> str:
    return f"{PREFIX}:topics:{page}"


def history_id(entry_id: int, page: int) -> str:
    return f"{PREFIX}:hist:{entry_id}:{page}"


def topic_history_id(topic_id: int, page: int) -> str:
    return f"{PREFIX}:thist:{topic_id}:{page}"


def summary_id(topic_id: int) -> str:
    return f"{PREFIX}:summary:{topic_id}"


def digests_id(page: int) -> str:
    return f"{PREFIX}:digests:{page}"


def undo_id(entry_id: int, author_id: int, expires: dt.datetime) -> str:
    return f"{PREFIX}:undo:{entry_id}:{author_id}:{int(expires.timestamp())}"


def parse_date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
