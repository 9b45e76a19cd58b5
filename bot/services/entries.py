"""Editor use cases on entries: log, correct, retract, restore, undo; and an entry's history.

Each runs in one transaction that first checks the requester is an editor, so every path that writes
(slash commands, buttons, modals, the console) enforces it the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.dates import today_in
from bot.core.drafts import EntryDraft
from bot.core.errors import EntryNotFound, InvalidInput, NotEditorError
from bot.core.expected import Settlement
from bot.core.matching import fold
from bot.core.requester import Requester
from bot.core.sourcing import require_sourced, sourced_changes
from bot.core.status_axes import check_fields
from bot.core.vocabulary import EntryKind
from bot.services import expectation, outcomes
from bot.services.common import editor_newsroom, newsroom_of
from db import audit, writes
from db.engine import Database
from db.entries import get_entry
from db.models import AuditRecord, Entry, Newsroom, Topic
from db.topics import normalise_lookup, resolve_topic

UNDO_WINDOW = dt.timedelta(minutes=10)
UNDONE = "Undone by its author right after logging"


@dataclass(slots=True)
class Logged:
    entry: Entry
    topic: Topic
    created: bool
    timezone: str
    # The expected entry this one settled, if it did.
    settled: Entry | None = None
    # How the entry's typed dates were read, where that depended on today (bot.core.dates).
    notes: tuple[str, ...] = ()


# An entry being logged, given the newsroom's today that its typed dates are read against: its draft,
# and how those dates were read. The newsroom is read once, for the editor check and its time zone.
Compose = Callable[[dt.date], tuple[EntryDraft, tuple[str, ...]]]


async def log_entry(
    db: Database,
    requester: Requester,
    *,
    topic_query: str,
    compose: Compose,
    now: dt.datetime,
    settles: Settlement | None = None,
) -> Logged:
    """Log the entry `compose` drafts against the newsroom's today at `now`; with `settles`, in the
    same transaction mark the expected entry it names as happened or not (bot.services.outcomes)."""
    # Everything is read and checked first; the write transaction then holds SQLite's write lock for
    # its three statements only (entry, audit record, topic's updated_at; settling an expected entry
    # adds three), so concurrent editors wait on each other for less. A topic archived or a role
    # removed in between is a race the editor could as well have won.
    async with db.read() as session:
        newsroom = await editor_newsroom(session, requester)
        draft, notes = compose(today_in(newsroom.timezone, now))
        topic = await resolve_topic(session, newsroom_id=requester.guild_id, query=topic_query)
        if draft.kind is EntryKind.STATUS:
            check_fields(lambda name: getattr(draft, name))
        require_sourced(draft.source_name, draft.source_url, draft.unsourced_reason)
        await _fill_speaker_details(session, newsroom_id=requester.guild_id, draft=draft)
        if settles is not None:
            await outcomes.check(session, requester, topic=topic, settles=settles)
    try:
        async with db.write() as session:
            entry = await writes.add_entry(
                session, topic=topic, draft=draft, actor_id=requester.user_id, interaction_id=requester.interaction_id
            )
            settled = None
            if settles is not None:
                settled = await outcomes.settle(session, requester, topic=topic, settles=settles, later=entry)
        # The topic's updated_at followed the entry, as its row did (the copy read above is detached).
        topic.updated_at = max(topic.updated_at, entry.created_at)
        return Logged(entry, topic, True, newsroom.timezone, settled, notes)
    except IntegrityError as refused:
        # A unique index refused the entry (db.writes.add_entry): this interaction stored it already
        # (a retried delivery, or one racing itself), or a live twin says the same in the topic.
        first, first_topic = await _logged_before(db, requester, topic=topic, draft=draft, refused=refused)
        return Logged(first, first_topic, False, newsroom.timezone, notes=notes)


async def _logged_before(
    db: Database, requester: Requester, *, topic: Topic, draft: EntryDraft, refused: IntegrityError
) -> tuple[Entry, Topic]:
    """After a refused write: the entry this interaction stored the first time it was delivered, and
    its topic; or else the live twin that made the write fail, named in a refusal."""
    assert topic.id is not None
    async with db.read() as session:
        existing = None
        if requester.interaction_id is not None:
            existing = await writes.entry_for_interaction(session, interaction_id=requester.interaction_id)
        if existing is None or existing.newsroom_id != requester.guild_id:
            values = writes.entry_values(
                newsroom_id=topic.newsroom_id, topic_id=topic.id, draft=draft, actor_id=0, interaction_id=None
            )
            await writes.refuse_twin(session, values=values)
            raise RuntimeError("the entry's write was refused, and neither its interaction nor a twin holds it") from (
                refused
            )
        first_topic = await session.get(Topic, existing.topic_id)
        assert first_topic is not None
        return existing, first_topic


async def _fill_speaker_details(session: AsyncSession, *, newsroom_id: int, draft: EntryDraft) -> None:
    """Role and organisation left empty take the speaker's most recently logged ones."""
    if draft.kind is not EntryKind.STATEMENT or not draft.speaker or (draft.speaker_role and draft.speaker_org):
        return
    stmt = (
        select(Entry.speaker_role, Entry.speaker_org)
        .where(
            Entry.newsroom_id == newsroom_id,
            Entry.speaker_key == normalise_lookup(draft.speaker),
            col(Entry.retracted_at).is_(None),
        )
        .order_by(col(Entry.date_sort).desc(), col(Entry.id).desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    if row is not None:
        draft.speaker_role = draft.speaker_role or row[0]
        draft.speaker_org = draft.speaker_org or row[1]


async def check_can_log(db: Database, requester: Requester, *, topic_query: str, draft: EntryDraft) -> None:
    """Refuse before opening a modal, so a non-editor, a wrong topic or a missing source never gets a
    form to fill in."""
    async with db.read() as session:
        await editor_newsroom(session, requester)
        await resolve_topic(session, newsroom_id=requester.guild_id, query=topic_query)
    require_sourced(draft.source_name, draft.source_url, draft.unsourced_reason)


# What a speaker suggestion is, as the reporter reads it in front of the value.
SPEAKER_PARTS = (("Name", "speaker"), ("Role", "speaker_role"), ("Organisation", "speaker_org"))


async def known_speakers(
    db: Database, requester: Requester, *, current: str, limit: int = 25, names_only: bool = False
) -> list[tuple[str, str]]:
    """Logged speakers' names, roles and organisations that contain each typed word (case and accents
    aside), most recently logged first, as (what it is, value) pairs; with `names_only`, names."""
    words = fold(current).split()
    parts = SPEAKER_PARTS[:1] if names_only else SPEAKER_PARTS
    latest = func.max(Entry.id)
    stmt = (
        select(Entry.speaker, Entry.speaker_role, Entry.speaker_org, latest)
        .where(Entry.newsroom_id == requester.guild_id, col(Entry.speaker_key).is_not(None))
        .group_by(col(Entry.speaker), col(Entry.speaker_role), col(Entry.speaker_org))
        .order_by(latest.desc())
        # Several rows can name one speaker (a role changed) and fold into one suggestion.
        .limit(limit * 8)
    )
    for word in words:
        stmt = stmt.where(col(Entry.speaker_search).contains(word, autoescape=True))
    async with db.read() as session:
        rows = list(await session.execute(stmt))
    found: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        for (label, _column), value in zip(parts, row, strict=False):
            folded = fold(value or "")
            if folded and all(word in folded for word in words) and (label, folded) not in seen:
                seen.add((label, folded))
                found.append((label, value))
    return found[:limit]


async def _entry(session: AsyncSession, *, guild_id: int, entry_id: int, lock: bool = False) -> Entry:
    entry = await get_entry(session, newsroom_id=guild_id, entry_id=entry_id, for_update=lock)
    if entry is None:
        raise EntryNotFound(f"#{entry_id}")
    return entry


@dataclass(slots=True)
class Changed:
    entry: Entry
    topic: Topic
    timezone: str
    # What the change did to the expected entry this one had settled, if anything.
    knock_on: outcomes.KnockOn | None = None


async def _changed(
    session: AsyncSession, entry: Entry, newsroom: Newsroom, knock_on: outcomes.KnockOn | None = None
) -> Changed:
    topic = await session.get(Topic, entry.topic_id)
    assert topic is not None
    return Changed(entry, topic, newsroom.timezone, knock_on)


@asynccontextmanager
async def _raced_by_a_twin() -> AsyncIterator[None]:
    """An edit or restore checks for a live twin inside its write; on PostgreSQL one committed after
    that check is caught by the unique index instead, after the write has rolled back."""
    try:
        yield
    except IntegrityError as exc:
        raise InvalidInput(
            "Another editor just logged or restored the same entry in this topic; nothing was changed."
        ) from exc


async def edit_entry(
    db: Database,
    requester: Requester,
    *,
    entry_id: int,
    changes: dict[str, Any],
    reason: str | None,
    allowed_kinds: frozenset[str] | None = None,
    field_label: str = "",
    today: dt.date | None = None,
) -> Changed:
    """Correct one field. `today` (the newsroom's) is what a change of `expected` or of the date is
    judged against (bot.services.expectation)."""
    async with _raced_by_a_twin(), db.write() as session:
        newsroom = await editor_newsroom(session, requester)
        entry = await _entry(session, guild_id=requester.guild_id, entry_id=entry_id, lock=True)
        if allowed_kinds is not None and entry.kind not in allowed_kinds:
            raise InvalidInput(f"A {entry.kind} entry has no `{field_label}` field.")
        if entry.kind == EntryKind.STATUS.value:
            # The entry as the edit would leave it: one field changed may break a rule between two.
            check_fields(lambda name: changes.get(name, getattr(entry, name)))
        end = changes.get("end_date")
        if end is not None and end.latest < entry.date_earliest:
            raise InvalidInput("`end` is before the entry's date.")
        changes = await expectation.checked_changes(
            session, entry=entry, changes=changes, today=today, timezone=newsroom.timezone
        )
        entry = await writes.edit_entry(
            session,
            entry=entry,
            changes=sourced_changes(entry.source_name, changes),
            actor_id=requester.user_id,
            interaction_id=requester.interaction_id,
            reason=reason,
        )
        return await _changed(session, entry, newsroom)


async def retract_entry(db: Database, requester: Requester, *, entry_id: int, reason: str) -> Changed:
    async with db.write() as session:
        newsroom = await editor_newsroom(session, requester)
        entry = await _entry(session, guild_id=requester.guild_id, entry_id=entry_id, lock=True)
        entry = await writes.retract_entry(
            session, entry=entry, actor_id=requester.user_id, interaction_id=requester.interaction_id, reason=reason
        )
        knock_on = await outcomes.reopen(session, requester, later=entry, reason=reason)
        return await _changed(session, entry, newsroom, knock_on)


async def restore_entry(db: Database, requester: Requester, *, entry_id: int, reason: str | None) -> Changed:
    async with _raced_by_a_twin(), db.write() as session:
        newsroom = await editor_newsroom(session, requester)
        entry = await _entry(session, guild_id=requester.guild_id, entry_id=entry_id, lock=True)
        entry = await writes.restore_entry(
            session, entry=entry, actor_id=requester.user_id, interaction_id=requester.interaction_id, reason=reason
        )
        knock_on = await outcomes.settle_again(session, requester, later=entry)
        return await _changed(session, entry, newsroom, knock_on)


async def undo_entry(
    db: Database, requester: Requester, *, entry_id: int, author_id: int, expires: dt.datetime, now: dt.datetime
) -> Changed:
    """Undo is a retraction by the entry's author within the window, recorded like any other."""
    if requester.user_id != author_id:
        raise NotEditorError("Only the editor who logged this entry can undo it; others can use `/entry retract`.")
    if now > expires:
        raise InvalidInput("The 10-minute undo window has passed; use `/entry retract` with a reason instead.")
    async with db.write() as session:
        newsroom = await editor_newsroom(session, requester)
        entry = await _entry(session, guild_id=requester.guild_id, entry_id=entry_id, lock=True)
        if entry.created_by != requester.user_id:
            raise NotEditorError("Only the editor who logged this entry can undo it.")
        entry = await writes.retract_entry(
            session,
            entry=entry,
            actor_id=requester.user_id,
            interaction_id=requester.interaction_id,
            reason=UNDONE,
            action="entry.undo",
        )
        knock_on = await outcomes.reopen(session, requester, later=entry, reason=UNDONE)
        return await _changed(session, entry, newsroom, knock_on)


@dataclass(slots=True)
class History:
    entry: Entry
    topic: Topic
    records: list[AuditRecord]
    timezone: str


async def entry_history(db: Database, requester: Requester, *, entry_id: int) -> History:
    async with db.read() as session:
        entry = await _entry(session, guild_id=requester.guild_id, entry_id=entry_id)
        records = await audit.entry_history(session, newsroom_id=requester.guild_id, entry_id=entry_id)
        topic = await session.get(Topic, entry.topic_id)
        newsroom = await newsroom_of(session, requester)
        assert topic is not None
        return History(entry, topic, records, newsroom.timezone)
