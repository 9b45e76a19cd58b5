"""Button custom_ids that carry their own state, so buttons keep working after a restart.

Each id is versioned (`nd1:`) so a later format can still recognise, and politely refuse, old
buttons. Ids stay under Discord's 100-character limit: free text (a speaker filter) is capped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.errors import InvalidButton
from db.engine import MAX_ROW_ID

PREFIX = "nd1"
SPEAKER_FILTER_MAX = 40

# Previous/Next also carry where their page starts: after (`a`) or before (`b`) an entry's position
# in the timeline (its sort day as a day number, and its id), so a page deep in a long timeline is
# read from the index at that point instead of counting past every entry before it. Ids without it
# (older buttons, the page indicator) still work, by page number.
# Every number has a bounded digit count ([0-9], not \d, which also matches other scripts' digits), and
# handlers check its range (`number`), so a forged id can neither overflow a query nor reach a row. A
# user id has at most 19 digits: every such number fits a 64-bit snowflake.
CHRONOLOGY_TEMPLATE = (
    rf"{PREFIX}:chron:(?P<topic>[0-9]{{1,10}}):(?P<page>[0-9]{{1,6}}):(?P<since>[0-9-]{{0,10}}):(?P<until>[0-9-]{{0,10}})"
    r"(?::(?P<seek>[ab])(?P<day>[0-9]{1,7})\.(?P<entry>[0-9]{1,10}))?"
)
LATEST_TEMPLATE = (
    rf"{PREFIX}:latest:(?P<topic>[0-9]{{1,10}}):(?P<page>[0-9]{{1,6}}):(?P<count>[0-9]{{1,2}})"
    rf":(?P<speaker>.{{0,{SPEAKER_FILTER_MAX}}})"
)
OPEN_TEMPLATE = rf"{PREFIX}:open:(?P<what>latest|chron):(?P<topic>[0-9]{{1,10}})"
TOPICS_TEMPLATE = rf"{PREFIX}:topics:(?P<page>[0-9]{{1,6}})"
UNDO_TEMPLATE = rf"{PREFIX}:undo:(?P<entry>[0-9]{{1,10}}):(?P<author>[0-9]{{1,19}}):(?P<expires>[0-9]{{1,12}})"
HISTORY_TEMPLATE = rf"{PREFIX}:hist:(?P<entry>[0-9]{{1,10}}):(?P<page>[0-9]{{1,6}})"
TOPIC_HISTORY_TEMPLATE = rf"{PREFIX}:thist:(?P<topic>[0-9]{{1,10}}):(?P<page>[0-9]{{1,6}})"
# The Update summary button on a status change's reply: which topic; who may use it is checked on use.
SUMMARY_TEMPLATE = rf"{PREFIX}:summary:(?P<topic>[0-9]{{1,10}})"
DIGESTS_TEMPLATE = rf"{PREFIX}:digests:(?P<page>[0-9]{{1,6}})"
# The editors' channel's question about an expected entry whose date passed: which entry, and the answer
# (h: happened, n: did not happen). Who may answer, and whether it still awaits one, is checked on use.
EXPECTED_QUESTION_TEMPLATE = rf"{PREFIX}:expq:(?P<entry>[0-9]{{1,10}}):(?P<outcome>[hn])"
# A /search page: the query and speaker are too long for an id, so they travel in the message's footer
# (bot.render.search) and the id carries their checksum, the page and the short filters.
SEARCH_TEMPLATE = (
    rf"{PREFIX}:search:(?P<page>[0-9]{{1,4}}):(?P<topic>[0-9]{{1,10}}):(?P<kind>[a-z]{{0,10}})"
    r":(?P<since>[0-9-]{0,10}):(?P<until>[0-9-]{0,10}):(?P<check>[0-9a-f]{8})"
)
# /speaker's pages: the topic it is limited to (empty: every topic), the page, the name as matched.
SPEAKER_TEMPLATE = (
    rf"{PREFIX}:spk:(?P<topic>[0-9]{{0,10}}):(?P<page>[0-9]{{1,6}}):(?P<name>.{{1,{SPEAKER_FILTER_MAX}}})"
)
BUTTON_TEMPLATES = (
    CHRONOLOGY_TEMPLATE,
    LATEST_TEMPLATE,
    OPEN_TEMPLATE,
    TOPICS_TEMPLATE,
    UNDO_TEMPLATE,
    HISTORY_TEMPLATE,
    TOPIC_HISTORY_TEMPLATE,
    SUMMARY_TEMPLATE,
    DIGESTS_TEMPLATE,
    EXPECTED_QUESTION_TEMPLATE,
    SEARCH_TEMPLATE,
    SPEAKER_TEMPLATE,
)
_BUTTONS = [re.compile(template) for template in BUTTON_TEMPLATES]
LATEST_COUNT_MAX = 10


def is_unknown_button(custom_id: str) -> bool:
    """An id in our format that no button of ours has: forged, or from a format since retired."""
    return custom_id.startswith(f"{PREFIX}:") and not any(p.fullmatch(custom_id) for p in _BUTTONS)


def number(groups: Mapping[str, str | None], name: str, maximum: int = MAX_ROW_ID, minimum: int = 0) -> int:
    """A number a button's id carries; one out of range was not made by us (a row id past what the
    database holds would fail the query instead of finding nothing)."""
    value = int(groups[name] or "-1")
    if not minimum <= value <= maximum:
        raise InvalidButton()
    return value


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
        if int(entry) > MAX_ROW_ID:
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


def speaker_id(topic_id: int | None, page: int, name: str) -> str:
    return f"{PREFIX}:spk:{topic_id or ''}:{page}:{name[:SPEAKER_FILTER_MAX]}"


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


def expected_question_id(entry_id: int, happened: bool) -> str:
    return f"{PREFIX}:expq:{entry_id}:{'h' if happened else 'n'}"


def undo_id(entry_id: int, author_id: int, expires: dt.datetime) -> str:
    return f"{PREFIX}:undo:{entry_id}:{author_id}:{int(expires.timestamp())}"


def parse_date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
