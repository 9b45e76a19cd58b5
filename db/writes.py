"""Every write the bot makes. Each one appends its audit record in the same transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import col, select

from bot.core.drafts import EntryDraft
from bot.core.errors import DuplicateEntry, InvalidInput
from bot.core.expected import UNDATED
from bot.core.matching import entry_fingerprint, speaker_search_text
from bot.core.status_axes import status_said
from db import audit
from db.models import Entry, EntryBase, Topic, midpoint, utcnow
from db.topics import normalise_lookup

# The draft fields an entry takes over unchanged: those the draft and the table share by name, but the
# kind (stored as its value); dates and the speaker key are derived.
DRAFT_FIELDS = tuple(
    f.name for f in dataclasses.fields(EntryDraft) if f.name in EntryBase.model_fields and f.name != "kind"
)


OUTCOME_COLUMNS = tuple(name for name in EntryBase.model_fields if name.startswith("outcome"))


async def entry_for_interaction(session: AsyncSession, *, interaction_id: int) -> Entry | None:
    stmt = select(Entry).where(Entry.interaction_id == interaction_id)
    return (await session.execute(stmt)).scalars().first()


_TOUCH_TOPIC = (
    update(Topic)
    .where(col(Topic.id) == bindparam("topic_id"), col(Topic.updated_at) < bindparam("at"))
    .values(updated_at=bindparam("at"))
)


def entry_values(
    *,
    newsroom_id: int,
    topic_id: int,
    draft: EntryDraft,
    actor_id: int,
    interaction_id: int | None,
    seed_key: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Every column but the id of the row a draft becomes when logged at `now` (default: now)."""
    date, end = draft.date, draft.end_date
    now = now or utcnow()
    values: dict[str, Any] = {
        "newsroom_id": newsroom_id,
        "topic_id": topic_id,
        "kind": draft.kind.value,
        "date_precision": date.precision.value if draft.date_announced else UNDATED,
        "date_earliest": date.earliest,
        "date_latest": date.latest,
        "date_sort": midpoint(date),
        "end_precision": end.precision.value if end else None,
        "end_earliest": end.earliest if end else None,
        "end_latest": end.latest if end else None,
        "speaker_key": normalise_lookup(draft.speaker) if draft.speaker else None,
        "created_by": actor_id,
        "interaction_id": interaction_id,
        "seed_key": seed_key,
        "created_at": now,
        "updated_at": now,
        "edited_at": None,
        "retracted_at": None,
        "retraction_reason": None,
        # What became of an expected entry is recorded later (db.outcomes).
        **dict.fromkeys(OUTCOME_COLUMNS),
    }
    for name in DRAFT_FIELDS:
        values[name] = getattr(draft, name)
    values.update(derived_keys(values))
    return values


def _getter(values: dict[str, Any] | Entry) -> Callable[[str], Any]:
    if isinstance(values, dict):
        return values.__getitem__
    return lambda name: getattr(values, name)


def derived_keys(values: dict[str, Any] | Entry) -> dict[str, str | None]:
    """The columns an entry's content decides (speaker search text, fingerprint), from a mapping of its
    columns or the entry itself."""
    get = _getter(values)
    return {
        "speaker_search": speaker_search_text(get("speaker"), get("speaker_role"), get("speaker_org")),
        "fingerprint": entry_fingerprint(
            kind=get("kind"),
            date_precision=get("date_precision"),
            date_earliest=get("date_earliest"),
            date_latest=get("date_latest"),
            status=status_said(get),
            speaker=get("speaker"),
            text=get("text"),
            headline=get("headline"),
        ),
    }


# One seek in the partial unique index uq_entry_topic_live_fingerprint.
_LIVE_TWIN = (
    core_select(Entry.__table__.c.id, Entry.__table__.c.interaction_id)  # pyright: ignore[reportAttributeAccessIssue]
    .where(
        col(Entry.topic_id) == bindparam("topic_id"),
        col(Entry.fingerprint) == bindparam("fingerprint"),
        col(Entry.retracted_at).is_(None),
        col(Entry.id) != bindparam("entry_id"),
    )
    .limit(1)
)


async def live_twin(
    session: AsyncSession, *, topic_id: int, fingerprint: str | None, entry_id: int = 0
) -> tuple[int, int | None] | None:
    """The id (and interaction) of another live entry of the topic saying the same thing, if any."""
    if fingerprint is None:
        return None
    params = {"topic_id": topic_id, "fingerprint": fingerprint, "entry_id": entry_id}
    row = (await session.execute(_LIVE_TWIN, params)).first()
    return None if row is None else (int(row[0]), row[1])


async def refuse_twin(session: AsyncSession, *, values: dict[str, Any] | Entry, entry_id: int = 0) -> None:
    get = _getter(values)
    twin = await live_twin(session, topic_id=get("topic_id"), fingerprint=get("fingerprint"), entry_id=entry_id)
    if twin is not None:
        raise DuplicateEntry(get("kind"), twin[0], interaction_id=twin[1])


async def add_entry(
    session: AsyncSession,
    *,
    topic: Topic,
    draft: EntryDraft,
    actor_id: int,
    interaction_id: int | None,
    seed_key: str | None = None,
) -> Entry:
    """Store a new entry with its audit record, and move its topic's updated_at.

    Two unique indexes refuse the insert with an IntegrityError, which leaves the transaction unusable:
    a retried interaction (entry.interaction_id) and a live twin saying the same thing in the topic
    (uq_entry_topic_live_fingerprint). The caller rolls back and tells which (bot.services.entries),
    or inserts in a savepoint (db.seeds). Asking the index instead of looking for the twin first spares
    every write a statement while it holds SQLite's write lock."""
    assert topic.id is not None
    values = entry_values(
        newsroom_id=topic.newsroom_id,
        topic_id=topic.id,
        draft=draft,
        actor_id=actor_id,
        interaction_id=interaction_id,
        seed_key=seed_key,
    )
    entry = Entry(**values)
    session.add(entry)
    await session.flush()
    await audit.record(
        session,
        newsroom_id=entry.newsroom_id,
        action="entry.create",
        actor_id=actor_id,
        interaction_id=interaction_id,
        entry=entry,
        after=audit.snapshot(entry),
        at=entry.created_at,
    )
    await _touch_topic(session, topic_id=entry.topic_id, at=entry.created_at)
    return entry


async def edit_entry(
    session: AsyncSession,
    *,
    entry: Entry,
    changes: dict[str, Any],
    actor_id: int,
    interaction_id: int | None,
    reason: str | None,
) -> Entry:
    if entry.retracted_at is not None:
        raise InvalidInput(f"Entry #{entry.id} is retracted; restore it before editing.")
    before = audit.snapshot(entry)
    for name, value in changes.items():
        if name == "date":
            entry.set_date(value)
        elif name == "end_date":
            entry.set_end_date(value)
        else:
            setattr(entry, name, value)
    if "speaker" in changes:
        entry.speaker_key = normalise_lookup(entry.speaker) if entry.speaker else None
    for name, value in derived_keys(entry).items():
        setattr(entry, name, value)
    after = audit.snapshot(entry)
    if after == before:
        raise InvalidInput("Nothing to change: the entry already has that value.")
    assert entry.id is not None
    await refuse_twin(session, values=entry, entry_id=entry.id)
    now = utcnow()
    entry.edited_at = now
    entry.updated_at = now
    session.add(entry)
    await session.flush()
    await _touch_topic(session, topic_id=entry.topic_id, at=now)
    await audit.record(
        session,
        newsroom_id=entry.newsroom_id,
        action="entry.edit",
        actor_id=actor_id,
        interaction_id=interaction_id,
        entry=entry,
        before=before,
        after=after,
        reason=reason,
        at=now,
    )
    return entry


async def retract_entry(
    session: AsyncSession,
    *,
    entry: Entry,
    actor_id: int,
    interaction_id: int | None,
    reason: str,
    action: str = "entry.retract",
) -> Entry:
    if entry.retracted_at is not None:
        raise InvalidInput(f"Entry #{entry.id} is already retracted.")
    return await _set_retraction(
        session,
        entry=entry,
        retract=True,
        action=action,
        actor_id=actor_id,
        interaction_id=interaction_id,
        reason=reason,
    )


async def restore_entry(
    session: AsyncSession, *, entry: Entry, actor_id: int, interaction_id: int | None, reason: str | None
) -> Entry:
    if entry.retracted_at is None:
        raise InvalidInput(f"Entry #{entry.id} is not retracted.")
    assert entry.id is not None
    await refuse_twin(session, values=entry, entry_id=entry.id)
    return await _set_retraction(
        session,
        entry=entry,
        retract=False,
        action="entry.restore",
        actor_id=actor_id,
        interaction_id=interaction_id,
        reason=reason,
    )


async def _set_retraction(
    session: AsyncSession,
    *,
    entry: Entry,
    retract: bool,
    action: str,
    actor_id: int,
    interaction_id: int | None,
    reason: str | None,
) -> Entry:
    before = audit.snapshot(entry)
    now = utcnow()
    entry.retracted_at = now if retract else None
    entry.retraction_reason = reason if retract else None
    await store_change(
        session, entry=entry, before=before, action=action, actor_id=actor_id,
        interaction_id=interaction_id, reason=reason, at=now,
    )  # fmt: skip
    await _touch_topic(session, topic_id=entry.topic_id, at=now)
    return entry


async def store_change(
    session: AsyncSession,
    *,
    entry: Entry,
    before: dict[str, Any],
    action: str,
    actor_id: int,
    interaction_id: int | None,
    reason: str | None,
    at: dt.datetime,
) -> None:
    """Store a change already made to `entry` and append its audit record (`before` as it was, after as
    it is now)."""
    entry.updated_at = at
    session.add(entry)
    await session.flush()
    await audit.record(
        session,
        newsroom_id=entry.newsroom_id,
        action=action,
        actor_id=actor_id,
        interaction_id=interaction_id,
        entry=entry,
        before=before,
        after=audit.snapshot(entry),
        reason=reason,
        at=at,
    )


async def _touch_topic(session: AsyncSession, *, topic_id: int, at: dt.datetime) -> None:
    """A topic's updated_at follows every change to its entries, so "last updated" is one column. It
    only moves forward, whichever of two concurrent writers commits last; the session's copy of the
    topic follows, as the row it mirrors did."""
    await session.execute(_TOUCH_TOPIC, {"topic_id": topic_id, "at": at})
    held = session.identity_map.get(identity_key(Topic, topic_id))
    if held is not None and held.updated_at < at:
        set_committed_value(held, "updated_at", at)
