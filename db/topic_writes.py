"""Writes to a topic's summary that change no text: an editor confirming it after a status change."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.models import Topic, utcnow


async def confirm_summary(
    session: AsyncSession, *, topic: Topic, actor_id: int, interaction_id: int | None, reason: str
) -> Topic:
    """The summary and next step still hold after the status changed: date them now, audited."""
    state = audit.snapshot(topic)
    now = utcnow()
    topic.summary_updated_at = now
    topic.updated_at = max(topic.updated_at, now)
    session.add(topic)
    await session.flush()
    await audit.record(
        session,
        newsroom_id=topic.newsroom_id,
        action="topic.summary.confirm",
        actor_id=actor_id,
        interaction_id=interaction_id,
        topic=topic,
        before=state,
        after=state,
        reason=reason,
        at=now,
    )
    return topic
