"""Editor use cases on a topic's background facts: add, correct, remove; each audited like an entry.

A change rewrites the topic's fact list in one transaction under the topic's row lock, so two editors
adding at once get different ids, and the audit record holds the list before and after.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.core import background
from bot.core.errors import InvalidInput
from bot.core.requester import Requester
from bot.services.common import editor_newsroom, locked
from db import topic_writes
from db.engine import Database
from db.models import Topic
from db.topics import find_topic, resolve_topic


async def _change(
    db: Database, requester: Requester, *, topic_query: str, action: str, reason: str | None, change: Any
) -> tuple[Topic, dict[str, Any]]:
    """Apply `change(facts, topic)` (which edits the list in place and returns the fact concerned)."""
    async with db.write() as session:
        await editor_newsroom(session, requester)
        found = await resolve_topic(session, newsroom_id=requester.guild_id, query=topic_query, include_archived=True)
        topic: Topic = await locked(session, Topic, found.id)
        facts = copy.deepcopy(list(topic.background))
        fact = change(facts, topic)
        topic = await topic_writes.update_topic(
            session,
            topic=topic,
            changes={"background": facts, "fact_seq": topic.fact_seq},
            actor_id=requester.user_id,
            interaction_id=requester.interaction_id,
            action=action,
            reason=reason,
        )
        return topic, fact


async def add_fact(
    db: Database, requester: Requester, *, topic_query: str, text: str, source: str, url: str | None
) -> tuple[Topic, dict[str, Any]]:
    def add(facts: list[dict[str, Any]], topic: Topic) -> dict[str, Any]:
        if len(facts) >= background.MAX_FACTS:
            raise InvalidInput(
                f"`{topic.slug}` has {background.MAX_FACTS} background facts, as many as the card shows; "
                "remove or correct one instead."
            )
        topic.fact_seq += 1
        fact = background.make_fact(topic.fact_seq, text, source, url)
        facts.append(fact)
        return fact

    return await _change(db, requester, topic_query=topic_query, action="topic.fact.add", reason=None, change=add)


async def edit_fact(
    db: Database, requester: Requester, *, topic_query: str, fact: str, changes: dict[str, Any], reason: str | None
) -> tuple[Topic, dict[str, Any]]:
    """`fact` as typed or picked (`#3`), read once the topic is found: a wrong topic is named first."""

    def edit(facts: list[dict[str, Any]], topic: Topic) -> dict[str, Any]:
        if not changes:
            raise InvalidInput("Give at least one of `text`, `source` and `url` to correct.")
        found = facts[background.find(facts, background.fact_ref(fact), topic.slug)]
        if changes.get("url") and not (changes.get("source") or (found.get("source") and not found.get("unsourced"))):
            raise InvalidInput("A `url` needs a `source` name: give `source` too. Nothing was changed.")
        found.update(changes)
        if changes.get("source"):
            # Given a source, a fact stored without one loses its mark.
            found.pop("unsourced", None)
        return found

    return await _change(db, requester, topic_query=topic_query, action="topic.fact.edit", reason=reason, change=edit)


async def remove_fact(
    db: Database, requester: Requester, *, topic_query: str, fact: str, reason: str
) -> tuple[Topic, dict[str, Any]]:
    def remove(facts: list[dict[str, Any]], topic: Topic) -> dict[str, Any]:
        return facts.pop(background.find(facts, background.fact_ref(fact), topic.slug))

    return await _change(
        db, requester, topic_query=topic_query, action="topic.fact.remove", reason=reason, change=remove
    )


async def fact_choices(db: Database, requester: Requester, *, topic_query: str, current: str) -> list[dict[str, Any]]:
    """The facts of the topic (in the requester's newsroom) whose id or text contains what is typed."""
    async with db.read() as session:
        topic = await find_topic(session, newsroom_id=requester.guild_id, query=topic_query, include_archived=True)
    if topic is None:
        return []
    typed = current.strip().lstrip("#").casefold()
    return [f for f in topic.background if typed in f"{f.get('id')} {f.get('fact', '')}".casefold()]
