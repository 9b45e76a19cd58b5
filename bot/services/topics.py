"""Editor use cases on topics: create, edit, archive, and importing a seed story."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.core.drafts import TopicDraft
from bot.core.errors import InvalidInput, TopicNotFound, UserFacingError, echoed
from bot.core.requester import Requester
from bot.services.common import editor_newsroom, locked
from db import writes
from db.engine import Database
from db.models import Topic
from db.seeds import SeedResult, apply_seed, available_seeds, load_seed_file_async, topic_exists
from db.topics import find_topic, resolve_topic


async def create_topic(db: Database, requester: Requester, *, draft: TopicDraft) -> Topic:
    try:
        async with db.write() as session:
            await editor_newsroom(session, requester)
            return await writes.create_topic(
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
                raise writes.SlugTaken(draft.slug) from None
        raise


async def edit_topic(db: Database, requester: Requester, *, slug: str, changes: dict[str, Any]) -> Topic:
    if not changes:
        raise InvalidInput("Give at least one field to change.")
    async with db.write() as session:
        await editor_newsroom(session, requester)
        topic = await resolve_topic(session, newsroom_id=requester.guild_id, query=slug, include_archived=True)
        topic = await locked(session, Topic, topic.id)
        return await writes.update_topic(
            session, topic=topic, changes=changes, actor_id=requester.user_id, interaction_id=requester.interaction_id
        )


async def set_archived(db: Database, requester: Requester, *, slug: str, archived: bool) -> Topic:
    async with db.write() as session:
        await editor_newsroom(session, requester)
        topic = await find_topic(session, newsroom_id=requester.guild_id, query=slug, include_archived=True)
        if topic is None:
            raise TopicNotFound(slug)
        topic = await locked(session, Topic, topic.id)
        if topic.archived == archived:
            raise InvalidInput(f"`{topic.slug}` is already {'archived' if archived else 'active'}.")
        return await writes.update_topic(
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
