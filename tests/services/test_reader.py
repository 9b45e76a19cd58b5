"""The current status of each topic (topic list and status card): its latest live status change by
date, then by log order."""

from __future__ import annotations

import datetime as dt

from bot.core.drafts import EntryDraft, TopicDraft
from bot.core.fuzzydate import FuzzyDate
from bot.core.requester import Requester
from bot.core.vocabulary import EntryKind
from bot.services import reader
from db.engine import Database
from db.topic_writes import create_topic
from db.writes import add_entry, retract_entry
from tests.harness import GUILD_A_ID
from tests.newsroom import prepare_newsrooms


def status(day: dt.date, value: str) -> EntryDraft:
    return EntryDraft(kind=EntryKind.STATUS, date=FuzzyDate.exact(day), status=value, note=value, source_name="Desk")


async def test_newest_by_date_wins_retractions_are_skipped_and_topics_stay_apart(database: Database) -> None:
    await prepare_newsrooms(database, seed=False)
    async with database.write() as session:
        topics = [
            await create_topic(
                session,
                newsroom_id=GUILD_A_ID,
                draft=TopicDraft(slug=slug, title=slug),
                actor_id=1,
                interaction_id=None,
            )
            for slug in ("one", "two", "three")
        ]
        one, two, _three = topics
        # Logged last but dated earliest: not current.
        newest = await add_entry(
            session, topic=one, draft=status(dt.date(2024, 5, 1), "approved"), actor_id=1, interaction_id=None
        )
        await add_entry(
            session, topic=one, draft=status(dt.date(2024, 3, 1), "under_review"), actor_id=1, interaction_id=None
        )
        # Same date: the later log wins.
        await add_entry(
            session, topic=two, draft=status(dt.date(2024, 1, 1), "under_review"), actor_id=1, interaction_id=None
        )
        later = await add_entry(
            session, topic=two, draft=status(dt.date(2024, 1, 1), "denied"), actor_id=1, interaction_id=None
        )
        retracted = await add_entry(
            session, topic=two, draft=status(dt.date(2024, 9, 1), "approved"), actor_id=1, interaction_id=None
        )
        await retract_entry(session, entry=retracted, actor_id=1, interaction_id=None, reason="Wrong story")
    listed = await reader.topic_list(database, Requester(GUILD_A_ID, 0))
    current = {row.topic.id: row.status.id if row.status else None for row in listed.rows}
    assert current == {one.id: newest.id, two.id: later.id, _three.id: None}
    # /status reads the same current status through its own statement.
    for topic, expected in ((one, newest), (two, later)):
        card = (await reader.status(database, Requester(GUILD_A_ID, 0), query=topic.slug)).card
        assert card.status is not None and card.status.id == expected.id
