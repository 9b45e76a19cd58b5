"""Writes to a topic's own fields. Each one appends its audit record in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bot.core import background
from bot.core.drafts import TopicDraft
from bot.core.errors import InvalidInput, UserFacingError
from db import audit
from db.models import Topic, utcnow
from db.topic_labels import bump_revision
from db.topics import build_search_text

# What autocomplete shows and searches: a change to any of them invalidates cached labels.
LABEL_FIELDS = ("slug", "title", "aliases", "archived")
# What the card dates as written before or after its current status.
SUMMARY_FIELDS = ("summary", "next_step")


class SlugTaken(UserFacingError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"A topic with the slug `{slug}` already exists in this newsroom (archived topics count).")


async def create_topic(
    session: AsyncSession, *, newsroom_id: int, draft: TopicDraft, actor_id: int, interaction_id: int | None
) -> Topic:
    clash = await session.execute(select(Topic.id).where(Topic.newsroom_id == newsroom_id, Topic.slug == draft.slug))
    if clash.first() is not None:
        raise SlugTaken(draft.slug)
    facts, fact_seq = background.normalise(draft.background)
    topic = Topic(
        newsroom_id=newsroom_id,
        slug=draft.slug,
        title=draft.title,
        aliases=list(draft.aliases),
        summary=draft.summary,
        next_step=draft.next_step,
        background=facts,
        fact_seq=fact_seq,
        summary_updated_at=utcnow(),
        search_text=build_search_text(draft.slug, draft.title, draft.aliases),
        created_by=actor_id,
    )
    session.add(topic)
    await session.flush()
    await bump_revision(session, newsroom_id=newsroom_id)
    await audit.record(
        session,
        newsroom_id=newsroom_id,
        action="topic.create",
        actor_id=actor_id,
        interaction_id=interaction_id,
        topic=topic,
        after=audit.snapshot(topic),
    )
    return topic


async def update_topic(
    session: AsyncSession,
    *,
    topic: Topic,
    changes: dict[str, Any],
    actor_id: int,
    interaction_id: int | None,
    action: str = "topic.edit",
    reason: str | None = None,
    confirm: bool = False,
) -> Topic:
    """With `confirm`, the summary and next step are dated now even when unchanged (still current)."""
    before = audit.snapshot(topic)
    for name, value in changes.items():
        setattr(topic, name, value)
    topic.search_text = build_search_text(topic.slug, topic.title, topic.aliases)
    after = audit.snapshot(topic)
    if after == before and not confirm:
        raise InvalidInput("Nothing to change: the topic already has those values.")
    topic.updated_at = utcnow()
    if confirm or any(after.get(name) != before.get(name) for name in SUMMARY_FIELDS):
        topic.summary_updated_at = topic.updated_at
    session.add(topic)
    await session.flush()
    if any(after.get(name) != before.get(name) for name in LABEL_FIELDS):
        await bump_revision(session, newsroom_id=topic.newsroom_id)
    await audit.record(
        session,
        newsroom_id=topic.newsroom_id,
        action=action,
        actor_id=actor_id,
        interaction_id=interaction_id,
        topic=topic,
        before=before,
        after=after,
        reason=reason,
    )
    return topic
