"""Write services for editors. Each runs in one transaction that first checks the actor is an editor.

The check lives here, not only in the command layer, so every path that writes (slash commands,
buttons, modals, the console) enforces it the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.drafts import Actor, EntryDraft, TopicDraft
from bot.core.errors import EntryNotFound, InvalidInput, NotEditorError, TopicNotFound, UserFacingError
from bot.core.vocabulary import EntryKind
from db import audit, writes
from db.direct import DirectConnection, rows_of
from db.engine import ROW_LOCK
from db.entries import get_entry
from db.models import AuditRecord, Entry, Newsroom, Topic
from db.newsrooms import ensure_newsroom, update_settings
from db.records import EntryRecord, TopicRecord
from db.seeds import SeedResult, apply_seed, available_seeds, load_seed_file_async, topic_exists
from db.topics import active_topic, find_topic, normalise_lookup, resolve_topic

UNDO_WINDOW = dt.timedelta(minutes=10)


def check_editor(newsroom: Newsroom, actor: Actor) -> None:
    check_editor_role(newsroom.editor_role_id, actor)


def check_editor_role(editor_role_id: int | None, actor: Actor) -> None:
    if actor.manage_guild:
        return
    if editor_role_id is not None and editor_role_id in actor.role_ids:
        return
    if editor_role_id is None:
        raise NotEditorError(
            "Only editors can do this. No editor role is set yet: someone with Manage Server can set one "
            "with `/settings editor-role`."
        )
    raise NotEditorError(f"Only editors can do this: you need the <@&{editor_role_id}> role or Manage Server.")


def check_manager(actor: Actor) -> None:
    if not actor.manage_guild:
        raise NotEditorError("Only members with the Manage Server permission can change newsroom settings.")


async def _locked(session: AsyncSession, model: type[Topic] | type[Newsroom], row_id: int | None) -> Any:
    """Re-read a row under the write lock: concurrent changes to it take turns, each seeing the last."""
    row = await session.get(model, row_id, with_for_update=ROW_LOCK, populate_existing=True)
    assert row is not None
    return row


async def _editor_newsroom(session: AsyncSession, *, guild_id: int, guild_name: str, actor: Actor) -> Newsroom:
    newsroom = await ensure_newsroom(session, guild_id=guild_id, name=guild_name)
    check_editor(newsroom, actor)
    return newsroom


@dataclass(slots=True)
class Logged:
    entry: Entry | EntryRecord
    topic: Topic | TopicRecord
    created: bool
    timezone: str


async def log_entry(
    db: Any, *, guild_id: int, guild_name: str, actor: Actor, topic_query: str, draft: EntryDraft
) -> Logged:
    try:
        # The usual case (autocomplete filled in an existing slug) reads and checks everything before
        # the write transaction, which then holds SQLite's write lock for its three statements only;
        # all of them prepared statements (db.direct). A topic archived or a role removed in between
        # is a race the editor could as well have won.
        async with db.direct() as connection:
            found = await active_topic(connection, newsroom_id=guild_id, slug=topic_query)
            if found is not None:
                check_editor_role(found.editor_role_id, actor)
                await _fill_speaker_details(connection, newsroom_id=guild_id, draft=draft)
        if found is not None:
            values = writes.entry_values(
                newsroom_id=guild_id,
                topic_id=found.topic.id,
                draft=draft,
                actor_id=actor.user_id,
                interaction_id=actor.interaction_id,
            )
            async with db.direct_write() as connection:
                entry = await writes.store_entry(connection, values)
            # The topic's updated_at followed the entry, as the row did.
            topic = found.topic._replace(updated_at=max(found.topic.updated_at, entry.created_at))
            return Logged(entry, topic, True, found.timezone)
        async with db.write() as session:
            newsroom = await _editor_newsroom(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
            topic = await resolve_topic(session, newsroom_id=guild_id, query=topic_query)
            await _fill_speaker_details(session, newsroom_id=guild_id, draft=draft)
            entry = await writes.add_entry(
                session, topic=topic, draft=draft, actor_id=actor.user_id, interaction_id=actor.interaction_id
            )
            return Logged(entry, topic, True, newsroom.timezone)
    except IntegrityError:
        # The same interaction raced itself (a retried delivery); the first one stored the entry.
        if actor.interaction_id is None:
            raise
        async with db.read() as session:
            existing = await writes.entry_for_interaction(session, interaction_id=actor.interaction_id)
            if existing is None or existing.newsroom_id != guild_id:
                raise
            topic = await session.get(Topic, existing.topic_id)
            newsroom = await session.get(Newsroom, guild_id)
            assert topic is not None and newsroom is not None
            return Logged(existing, topic, False, newsroom.timezone)


# Built once and prepared (db.direct) on the /log path.
_SPEAKER_DETAILS = (
    select(Entry.speaker_role, Entry.speaker_org)
    .where(
        Entry.newsroom_id == bindparam("newsroom_id"),
        Entry.speaker_key == bindparam("speaker_key"),
        col(Entry.retracted_at).is_(None),
    )
    .order_by(col(Entry.date_sort).desc(), col(Entry.id).desc())
    .limit(1)
)


async def _fill_speaker_details(
    target: AsyncSession | DirectConnection, *, newsroom_id: int, draft: EntryDraft
) -> None:
    """Role and organisation left empty take the speaker's most recently logged ones."""
    if draft.kind is not EntryKind.STATEMENT or not draft.speaker or (draft.speaker_role and draft.speaker_org):
        return
    values = {"newsroom_id": newsroom_id, "speaker_key": normalise_lookup(draft.speaker or "")}
    found = await rows_of(target, _SPEAKER_DETAILS, values)
    row = found[0] if found else None
    if row is not None:
        draft.speaker_role = draft.speaker_role or row[0]
        draft.speaker_org = draft.speaker_org or row[1]


async def known_speakers(db: Any, *, guild_id: int, current: str, limit: int = 25) -> list[str]:
    key = normalise_lookup(current)
    async with db.read() as session:
        stmt = (
            select(Entry.speaker, func.max(Entry.id).label("latest"))
            .where(Entry.newsroom_id == guild_id, col(Entry.speaker_key).is_not(None))
            .group_by(Entry.speaker)
            .order_by(func.max(Entry.id).desc())
            .limit(limit)
        )
        if key:
            stmt = stmt.where(col(Entry.speaker_key).contains(key, autoescape=True))
        return [row[0] for row in (await session.execute(stmt)) if row[0]]


async def create_topic(db: Any, *, guild_id: int, guild_name: str, actor: Actor, draft: TopicDraft) -> Topic:
    try:
        async with db.write() as session:
            await _editor_newsroom(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
            return await writes.create_topic(
                session, newsroom_id=guild_id, draft=draft, actor_id=actor.user_id, interaction_id=actor.interaction_id
            )
    except IntegrityError:
        # Two editors created the slug at the same moment and the other insert won.
        async with db.read() as session:
            if await topic_exists(session, newsroom_id=guild_id, slug=draft.slug):
                raise writes.SlugTaken(draft.slug) from None
        raise


async def edit_topic(
    db: Any, *, guild_id: int, guild_name: str, actor: Actor, slug: str, changes: dict[str, Any]
) -> Topic:
    if not changes:
        raise InvalidInput("Give at least one field to change.")
    async with db.write() as session:
        await _editor_newsroom(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
        topic = await resolve_topic(session, newsroom_id=guild_id, query=slug, include_archived=True)
        topic = await _locked(session, Topic, topic.id)
        return await writes.update_topic(
            session, topic=topic, changes=changes, actor_id=actor.user_id, interaction_id=actor.interaction_id
        )


async def set_archived(db: Any, *, guild_id: int, guild_name: str, actor: Actor, slug: str, archived: bool) -> Topic:
    async with db.write() as session:
        await _editor_newsroom(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
        topic = await find_topic(session, newsroom_id=guild_id, query=slug, include_archived=True)
        if topic is None:
            raise TopicNotFound(slug)
        topic = await _locked(session, Topic, topic.id)
        if topic.archived == archived:
            raise InvalidInput(f"`{topic.slug}` is already {'archived' if archived else 'active'}.")
        return await writes.update_topic(
            session,
            topic=topic,
            changes={"archived": archived},
            actor_id=actor.user_id,
            interaction_id=actor.interaction_id,
            action="topic.archive" if archived else "topic.unarchive",
        )


async def import_seed(db: Any, *, guild_id: int, guild_name: str, actor: Actor, name: str) -> SeedResult:
    seeds = available_seeds()
    if name not in seeds:
        raise UserFacingError(f"No seed story named `{name}`. Available: {', '.join(seeds) or 'none'}.")
    story = await load_seed_file_async(seeds[name])
    for attempt in range(2):
        try:
            async with db.write() as session:
                await _editor_newsroom(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
                return await apply_seed(
                    session, newsroom_id=guild_id, story=story, actor_id=actor.user_id,
                    interaction_id=actor.interaction_id,
                )  # fmt: skip
        except IntegrityError:
            # Another import of the same story committed first; a second pass finds it and adds nothing.
            if attempt:
                raise
    raise AssertionError("unreachable")


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


async def edit_entry(
    db: Any,
    *,
    guild_id: int,
    guild_name: str,
    actor: Actor,
    entry_id: int,
    changes: dict[str, Any],
    reason: str | None,
    allowed_kinds: frozenset[str] | None = None,
    field_label: str = "",
) -> Changed:
    async with db.write() as session:
        newsroom = await _editor_newsroom(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
        entry = await _entry(session, guild_id=guild_id, entry_id=entry_id, lock=True)
        if allowed_kinds is not None and entry.kind not in allowed_kinds:
            raise InvalidInput(f"A {entry.kind} entry has no `{field_label}` field.")
        if (
            "end_date" in changes
            and changes["end_date"] is not None
            and changes["end_date"].latest < entry.date_earliest
        ):
            raise InvalidInput("`end` is before the entry's date.")
        entry = await writes.edit_entry(
            session,
            entry=entry,
            changes=changes,
            actor_id=actor.user_id,
            interaction_id=actor.interaction_id,
            reason=reason,
        )
        topic = await session.get(Topic, entry.topic_id)
        assert topic is not None
        return Changed(entry, topic, newsroom.timezone)


async def retract_entry(
    db: Any, *, guild_id: int, guild_name: str, actor: Actor, entry_id: int, reason: str
) -> Changed:
    async with db.write() as session:
        newsroom = await _editor_newsroom(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
        entry = await _entry(session, guild_id=guild_id, entry_id=entry_id, lock=True)
        entry = await writes.retract_entry(
            session, entry=entry, actor_id=actor.user_id, interaction_id=actor.interaction_id, reason=reason
        )
        topic = await session.get(Topic, entry.topic_id)
        assert topic is not None
        return Changed(entry, topic, newsroom.timezone)


async def restore_entry(
    db: Any, *, guild_id: int, guild_name: str, actor: Actor, entry_id: int, reason: str | None
) -> Changed:
    async with db.write() as session:
        newsroom = await _editor_newsroom(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
        entry = await _entry(session, guild_id=guild_id, entry_id=entry_id, lock=True)
        entry = await writes.restore_entry(
            session, entry=entry, actor_id=actor.user_id, interaction_id=actor.interaction_id, reason=reason
        )
        topic = await session.get(Topic, entry.topic_id)
        assert topic is not None
        return Changed(entry, topic, newsroom.timezone)


async def undo_entry(
    db: Any,
    *,
    guild_id: int,
    guild_name: str,
    actor: Actor,
    entry_id: int,
    author_id: int,
    expires: dt.datetime,
    now: dt.datetime,
) -> Changed:
    """Undo is a retraction by the entry's author within the window, recorded like any other."""
    if actor.user_id != author_id:
        raise NotEditorError("Only the editor who logged this entry can undo it; others can use `/entry retract`.")
    if now > expires:
        raise InvalidInput("The 10-minute undo window has passed; use `/entry retract` with a reason instead.")
    async with db.write() as session:
        newsroom = await _editor_newsroom(session, guild_id=guild_id, guild_name=guild_name, actor=actor)
        entry = await _entry(session, guild_id=guild_id, entry_id=entry_id, lock=True)
        if entry.created_by != actor.user_id:
            raise NotEditorError("Only the editor who logged this entry can undo it.")
        entry = await writes.retract_entry(
            session,
            entry=entry,
            actor_id=actor.user_id,
            interaction_id=actor.interaction_id,
            reason="Undone by its author right after logging",
            action="entry.undo",
        )
        topic = await session.get(Topic, entry.topic_id)
        assert topic is not None
        return Changed(entry, topic, newsroom.timezone)


@dataclass(slots=True)
class History:
    entry: Entry
    topic: Topic
    records: list[AuditRecord]
    timezone: str


async def entry_history(db: Any, *, guild_id: int, entry_id: int) -> History:
    async with db.read() as session:
        entry = await _entry(session, guild_id=guild_id, entry_id=entry_id)
        records = await audit.entry_history(session, newsroom_id=guild_id, entry_id=entry_id)
        topic = await session.get(Topic, entry.topic_id)
        newsroom = await session.get(Newsroom, guild_id)
        assert topic is not None
        return History(entry, topic, records, newsroom.timezone if newsroom else "UTC")


async def set_editor_role(db: Any, *, guild_id: int, guild_name: str, actor: Actor, role_id: int | None) -> Newsroom:
    check_manager(actor)
    async with db.write() as session:
        newsroom = await ensure_newsroom(session, guild_id=guild_id, name=guild_name)
        newsroom = await _locked(session, Newsroom, guild_id)
        before = {"editor_role_id": str(newsroom.editor_role_id) if newsroom.editor_role_id else None}
        await update_settings(session, newsroom=newsroom, editor_role_id=role_id)
        await audit.record(
            session,
            newsroom_id=guild_id,
            action="settings.editor_role",
            actor_id=actor.user_id,
            interaction_id=actor.interaction_id,
            before=before,
            after={"editor_role_id": str(role_id) if role_id else None},
        )
        return newsroom


async def set_timezone(db: Any, *, guild_id: int, guild_name: str, actor: Actor, timezone: str) -> Newsroom:
    check_manager(actor)
    async with db.write() as session:
        newsroom = await ensure_newsroom(session, guild_id=guild_id, name=guild_name)
        newsroom = await _locked(session, Newsroom, guild_id)
        before = {"timezone": newsroom.timezone}
        await update_settings(session, newsroom=newsroom, timezone=timezone)
        await audit.record(
            session,
            newsroom_id=guild_id,
            action="settings.timezone",
            actor_id=actor.user_id,
            interaction_id=actor.interaction_id,
            before=before,
            after={"timezone": timezone},
        )
        return newsroom


async def newsroom_settings(db: Any, *, guild_id: int, guild_name: str) -> Newsroom:
    async with db.read() as session:
        newsroom = await session.get(Newsroom, guild_id)
    return newsroom or Newsroom(id=guild_id, name=guild_name)


async def status_topic(session: AsyncSession, *, guild_id: int, query: str) -> Topic:
    return await resolve_topic(session, newsroom_id=guild_id, query=query)


async def check_can_log(db: Any, *, guild_id: int, guild_name: str, actor: Actor, topic_query: str) -> None:
    """Refuse before opening a modal, so a non-editor or a wrong topic never gets a form to fill in."""
    async with db.read() as session:
        newsroom = await session.get(Newsroom, guild_id)
        check_editor(newsroom or Newsroom(id=guild_id, name=guild_name), actor)
        await resolve_topic(session, newsroom_id=guild_id, query=topic_query)
