"""Editor use cases on topics: create, edit, archive, and importing a seed story."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.drafts import TopicDraft
from bot.core.errors import InvalidInput, TopicNotFound, UserFacingError, echoed
from bot.core.requester import Requester
from bot.services.common import editor_newsroom, locked, newsroom_of
from db import audit, topic_writes
from db.engine import Database
from db.models import AuditRecord, Topic
from db.seeds import SeedResult, apply_seed, available_seeds, load_seed_file_async, topic_exists
from db.topics import find_topic, resolve_topic


async def create_topic(db: Database, requester: Requester, *, draft: TopicDraft) -> Topic:
    try:
        async with db.write() as session:
            await editor_newsroom(session, requester)
            return await topic_writes.create_topic(
                session,
                newsroom_id=requester.guild_id,
                draft=draft,
                actor_id=requester.user_id,
                interaction_id=requester.interaction_id,
            )
    except IntegrityError:
        # Two editors created the slug at the same moment and the other insert won.
        async with db.read() as session:
            if await topic_exists(session, newsroom_id=requester.guild_id, slug=draft.slug):
                raise topic_writes.SlugTaken(draft.slug) from None
        raise


async def edit_topic(db: Database, requester: Requester, *, slug: str, changes: dict[str, Any], reason: str) -> Topic:
    if not changes:
        raise InvalidInput("Give at least one field to change.")
    async with db.write() as session:
        await editor_newsroom(session, requester)
        topic = await resolve_topic(session, newsroom_id=requester.guild_id, query=slug, include_archived=True)
        topic = await locked(session, Topic, topic.id)
        return await topic_writes.update_topic(
            session,
            topic=topic,
            changes=changes,
            actor_id=requester.user_id,
            interaction_id=requester.interaction_id,
            reason=reason,
        )


async def topic_by_id(session: AsyncSession, requester: Requester, topic_id: int) -> Topic:
    """A topic of the requester's newsroom by id: a button's id leads to no other newsroom's topic."""
    topic = await session.get(Topic, topic_id)
    if topic is None or topic.newsroom_id != requester.guild_id:
        raise TopicNotFound(f"#{topic_id}")
    return topic


async def summary_form(db: Database, requester: Requester, *, topic_id: int) -> Topic:
    """The topic whose summary form an editor opens: refused before the form, for a non-editor."""
    async with db.read() as session:
        await editor_newsroom(session, requester)
        return await topic_by_id(session, requester, topic_id)


SUMMARY_UPDATE, SUMMARY_CONFIRM = "topic.summary", "topic.summary.confirm"
SUMMARY_ACTIONS = (SUMMARY_UPDATE, SUMMARY_CONFIRM)


class SummaryChanged(UserFacingError):
    """The summary or next step changed between opening the form and sending it: saving would
    silently discard the other editor's text, which the form's author has not seen."""

    def __init__(self, slug: str) -> None:
        super().__init__(
            f"Someone changed the summary or next step of `{slug}` after you opened this form, so yours was "
            f"not saved over theirs. `/topic history topic:{slug}` shows the change; press **Update summary** "
            "again to start from the current text."
        )


async def update_summary(
    db: Database,
    requester: Requester,
    *,
    topic_id: int,
    summary: str,
    next_step: str,
    reason: str,
    opened_with: tuple[str, str],
) -> Topic:
    """Write the summary and next step (unchanged, they are confirmed as still current), audited.
    ``opened_with`` is the summary and next step the form showed: if the topic no longer has them,
    nothing is written (SummaryChanged)."""
    async with db.write() as session:
        await editor_newsroom(session, requester)
        topic = await locked(session, Topic, (await topic_by_id(session, requester, topic_id)).id)
        if requester.interaction_id is not None and await audit.topic_changed_by(
            session, topic_id=topic_id, interaction_id=requester.interaction_id, actions=SUMMARY_ACTIONS
        ):
            # Discord delivering the same submission again: it was saved, and is answered the same way.
            return topic
        if (topic.summary, topic.next_step) != opened_with:
            raise SummaryChanged(topic.slug)
        unchanged = (topic.summary, topic.next_step) == (summary, next_step)
        return await topic_writes.update_topic(
            session,
            topic=topic,
            changes={"summary": summary, "next_step": next_step},
            actor_id=requester.user_id,
            interaction_id=requester.interaction_id,
            action=SUMMARY_CONFIRM if unchanged else SUMMARY_UPDATE,
            reason=reason,
            confirm=True,
        )


@dataclass(slots=True)
class TopicHistory:
    topic: Topic
    records: list[AuditRecord]
    timezone: str


async def topic_history(
    db: Database, requester: Requester, *, query: str | None = None, topic_id: int | None = None
) -> TopicHistory:
    """Every change to the topic itself (not its entries), oldest first; readers may see it."""
    async with db.read() as session:
        newsroom = await newsroom_of(session, requester)
        if topic_id is not None:
            topic = await topic_by_id(session, requester, topic_id)
        else:
            topic = await resolve_topic(
                session, newsroom_id=requester.guild_id, query=query or "", include_archived=True
            )
        assert topic.id is not None
        records = await audit.topic_changes(session, newsroom_id=requester.guild_id, topic_id=topic.id)
        return TopicHistory(topic, records, newsroom.timezone)


async def set_archived(db: Database, requester: Requester, *, slug: str, archived: bool) -> Topic:
    async with db.write() as session:
        await editor_newsroom(session, requester)
        topic = await find_topic(session, newsroom_id=requester.guild_id, query=slug, include_archived=True)
        if topic is None:
            raise TopicNotFound(slug)
        topic = await locked(session, Topic, topic.id)
        if topic.archived == archived:
            raise InvalidInput(f"`{topic.slug}` is already {'archived' if archived else 'active'}.")
        return await topic_writes.update_topic(
            session,
            topic=topic,
            changes={"archived": archived},
            actor_id=requester.user_id,
            interaction_id=requester.interaction_id,
            action="topic.archive" if archived else "topic.unarchive",
        )


async def import_seed(db: Database, requester: Requester, *, name: str) -> SeedResult:
    seeds = available_seeds()
    if name not in seeds:
        raise UserFacingError(f"No seed story named `{echoed(name)}`. Available: {', '.join(seeds) or 'none'}.")
    story = await load_seed_file_async(seeds[name])
    for attempt in range(2):
        try:
            async with db.write() as session:
                await editor_newsroom(session, requester)
                return await apply_seed(
                    session,
                    newsroom_id=requester.guild_id,
                    story=story,
                    actor_id=requester.user_id,
                    interaction_id=requester.interaction_id,
                )
        except IntegrityError:
            # Another import of the same story committed first; a second pass finds it and adds nothing.
            if attempt:
                raise
    raise AssertionError("unreachable")
