"""The current status of each topic (topic list and status card), per axis: its latest live status
change setting that axis by date, then by log order; per quantity, the latest live one giving it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.core.drafts import EntryDraft, TopicDraft
from bot.core.fuzzydate import FuzzyDate
from bot.core.requester import Requester
from bot.core.status_axes import Quantity
from bot.core.vocabulary import EntryKind
from bot.services import reader
from db.engine import Database
from db.topic_writes import create_topic
from db.writes import add_entry, retract_entry
from tests.harness import GUILD_A_ID
from tests.newsroom import prepare_newsrooms


def status(day: dt.date, value: str, **axes: Any) -> EntryDraft:
    """A status change setting the decision `value`, or (given) the axes and quantities instead."""
    values = axes or {"decision": value}
    return EntryDraft(kind=EntryKind.STATUS, date=FuzzyDate.exact(day), note=value, source_name="Desk", **values)


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
    current = {row.topic.id: row.status.decision.id if row.status.decision else None for row in listed.rows}
    assert current == {one.id: newest.id, two.id: later.id, _three.id: None}
    assert all(row.status.delivery is None for row in listed.rows)
    # /status reads the same current status through its own statement.
    for topic, expected in ((one, newest), (two, later)):
        card = (await reader.status(database, Requester(GUILD_A_ID, 0), query=topic.slug)).card
        assert card.status.decision is not None and card.status.decision.id == expected.id


async def test_each_axis_and_each_quantity_is_read_from_its_own_latest_status_change(database: Database) -> None:
    await prepare_newsrooms(database, seed=False)
    async with database.write() as session:
        topic = await create_topic(
            session, newsroom_id=GUILD_A_ID, draft=TopicDraft(slug="one", title="One"), actor_id=1, interaction_id=None
        )

        async def add(day: int, **axes: Any) -> int:
            entry = await add_entry(
                session, topic=topic, draft=status(dt.date(2024, 5, day), "n", **axes), actor_id=1, interaction_id=None
            )
            assert entry.id is not None
            return entry.id

        decided = await add(1, decision="approved", committed=300.0, unit="missiles")
        delivered = await add(3, delivery="partly_delivered", delivered=100.0, unit="missiles")
        await add(2, decision="on_hold", delivery="announced", committed=250.0, unit="missiles")  # older on both
    now = (await reader.status(database, Requester(GUILD_A_ID, 0), query="one")).card.status
    assert now.decision is not None and now.delivery is not None
    assert (now.decision.decision, now.delivery.id, now.latest and now.latest.id) == ("on_hold", delivered, delivered)
    assert (now.committed, now.delivered) == (Quantity(250.0, "missiles"), Quantity(100.0, "missiles"))
    [row] = (await reader.topic_list(database, Requester(GUILD_A_ID, 0))).rows
    assert row.status == now and decided < delivered
