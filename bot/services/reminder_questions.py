"""Answering the editors' channel's question about an expected entry whose date has passed.

The answer is logged as an event in the entry's story that settles it, through the same use case as
`/log event ... outcome_of:#id outcome:...` (bot.services.entries.log_entry): the same checks, the
same lock on the expected entry, the same audit records. The checks run when the button is pressed,
so a stale question is answered at once, and again inside the write, where they decide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.drafts import EntryDraft
from bot.core.errors import EntryNotFound
from bot.core.expected import OUTCOME_LABELS, Outcome, Settlement, refuse_unsettleable
from bot.core.fuzzydate import FuzzyDate
from bot.core.requester import Requester
from bot.core.vocabulary import EntryKind
from bot.services import entries
from bot.services.common import editor_newsroom
from bot.services.reminders import describe
from db.engine import Database
from db.entries import get_entry
from db.models import Entry, Topic

HEADLINE_MAX = 200


@dataclass(frozen=True, slots=True)
class Question:
    entry_id: int
    outcome: Outcome
    topic_slug: str
    what: str


async def _open_entry(db: Database, requester: Requester, entry_id: int) -> tuple[Entry, Topic]:
    async with db.read() as session:
        await editor_newsroom(session, requester)
        entry = await get_entry(session, newsroom_id=requester.guild_id, entry_id=entry_id)
        if entry is None:
            raise EntryNotFound(f"#{entry_id}")
        topic = await session.get(Topic, entry.topic_id)
        assert topic is not None
        return entry, topic


def _refuse(entry: Entry) -> None:
    assert entry.id is not None
    refuse_unsettleable(
        entry_id=entry.id,
        expected=entry.expected,
        retracted=entry.retracted_at is not None,
        outcome=entry.outcome,
        same_topic=True,
    )


async def open_question(db: Database, requester: Requester, *, entry_id: int, outcome: Outcome) -> Question:
    """What the answer form needs, once the requester is an editor and the entry still awaits its
    outcome; a refusal saying why otherwise (settled, retracted, another newsroom's)."""
    entry, topic = await _open_entry(db, requester, entry_id)
    _refuse(entry)
    return Question(entry_id, outcome, topic.slug, describe(entry))


def headline_for(what: str, outcome: Outcome) -> str:
    label = OUTCOME_LABELS[outcome]
    return f"{label}: {what}"[:HEADLINE_MAX].rstrip()


async def answer(
    db: Database,
    requester: Requester,
    *,
    entry_id: int,
    outcome: Outcome,
    source: str,
    url: str | None,
    note: str | None,
    now: dt.datetime,
) -> entries.Logged:
    """Log today's event saying the expected entry happened or not, settling it in the same write."""
    entry, topic = await _open_entry(db, requester, entry_id)
    _refuse(entry)

    def compose(today: dt.date) -> tuple[EntryDraft, tuple[str, ...]]:
        draft = EntryDraft(
            kind=EntryKind.EVENT,
            date=FuzzyDate.exact(today),
            headline=headline_for(describe(entry), outcome),
            details=note,
            source_name=source,
            source_url=url,
        )
        return draft, ()

    return await entries.log_entry(
        db, requester, topic_query=topic.slug, compose=compose, now=now, settles=Settlement(entry_id, outcome)
    )
