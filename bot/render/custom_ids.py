"""Button custom_ids that carry their own state, so buttons keep working after a restart.

Each id is versioned (`nd1:`) so a later format can still recognise, and politely refuse, old
buttons. Ids stay under Discord's 100-character limit: free text (a speaker filter) is capped.
"""

from __future__ import annotations

import datetime as dt

PREFIX = "nd1"
SPEAKER_FILTER_MAX = 40

CHRONOLOGY_TEMPLATE = rf"{PREFIX}:chron:(?P<topic>\d+):(?P<page>\d+):(?P<since>[0-9-]*):(?P<until>[0-9-]*)"
LATEST_TEMPLATE = (
    rf"{PREFIX}:latest:(?P<topic>\d+):(?P<page>\d+):(?P<count>\d+):(?P<speaker>.{{0,{SPEAKER_FILTER_MAX}}})"
)
OPEN_TEMPLATE = rf"{PREFIX}:open:(?P<what>latest|chron):(?P<topic>\d+)"
TOPICS_TEMPLATE = rf"{PREFIX}:topics:(?P<page>\d+)"
UNDO_TEMPLATE = rf"{PREFIX}:undo:(?P<entry>\d+):(?P<author>\d+):(?P<expires>\d+)"


def chronology_id(topic_id: int, page: int, since: dt.date | None = None, until: dt.date | None = None) -> str:
    return f"{PREFIX}:chron:{topic_id}:{page}:{since.isoformat() if since else ''}:{until.isoformat() if until else ''}"


def latest_id(topic_id: int, page: int, count: int, speaker: str | None = None) -> str:
    return f"{PREFIX}:latest:{topic_id}:{page}:{count}:{(speaker or '')[:SPEAKER_FILTER_MAX]}"


def open_id(what: str, topic_id: int) -> str:
    """A button on the status card that opens a new message rather than replacing the card."""
    return f"{PREFIX}:open:{what}:{topic_id}"


def topics_id(page: int) -> str:
    return f"{PREFIX}:topics:{page}"


def undo_id(entry_id: int, author_id: int, expires: dt.datetime) -> str:
    return f"{PREFIX}:undo:{entry_id}:{author_id}:{int(expires.timestamp())}"


def parse_date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
