"""Migration 0008 on existing data: source-less entries and facts are marked unsourced honestly, facts
get ids, and each summary is dated by its last audited write; and back down again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Table, column, select, table, update
from sqlmodel import col

from bot.core.sourcing import NOT_RECORDED
from bot.render.sources import summary_written_before
from bot.services.reader import StatusNow
from db import audit, migrate
from db.engine import Database
from db.models import AuditRecord, Entry, EntryRead, Topic
from tests.db.test_migrations import schema_differences
from tests.newsroom import prepare_newsrooms

ENTRY: Table = Entry.__table__  # pyright: ignore[reportAttributeAccessIssue]
TOPIC: Table = Topic.__table__  # pyright: ignore[reportAttributeAccessIssue]
AUDIT: Table = AuditRecord.__table__  # pyright: ignore[reportAttributeAccessIssue]
# The tables as they were before the migration.
OLD_ENTRY = table("entry", column("id"), column("source_name"), column("source_url"))
OLD_TOPIC = table("topic", column("id"), column("background", TOPIC.c.background.type))
EDITED = dt.datetime(2030, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


async def test_existing_entries_and_facts_are_marked_and_summaries_dated(database: Database) -> None:
    await prepare_newsrooms(database)
    await migrate.downgrade(database, "0005")
    async with database.write() as session:
        ids = [row[0] for row in await session.execute(select(OLD_ENTRY.c.id).order_by(OLD_ENTRY.c.id))]
        # Stored before sources were required: one with nothing, one with a link and no name.
        await session.execute(update(OLD_ENTRY).where(OLD_ENTRY.c.id == ids[0]).values(source_name="", source_url=None))
        await session.execute(
            update(OLD_ENTRY).where(OLD_ENTRY.c.id == ids[1]).values(source_name="", source_url="https://x.org/a")
        )
        topic_id, background = (await session.execute(select(OLD_TOPIC.c.id, OLD_TOPIC.c.background))).one()
        facts = [{"fact": f["fact"], "source": f["source"]} for f in background] + [{"fact": "Unsourced fact."}]
        await session.execute(update(OLD_TOPIC).where(OLD_TOPIC.c.id == topic_id).values(background=facts))
        # A later edit of the next step, audited as /topic edit records it.
        created = (await session.execute(select(AUDIT.c.after).where(AUDIT.c.topic_id == topic_id))).first()
        assert created is not None
        # audit_record's columns are the same before and after the migration.
        newsroom_id = (await session.execute(select(AUDIT.c.newsroom_id).limit(1))).scalar_one()
        await session.execute(
            AUDIT.insert().values(
                newsroom_id=newsroom_id,
                topic_id=topic_id,
                entry_id=None,
                action="topic.edit",
                actor_id=1,
                at=EDITED,
                before=created[0],
                after={**created[0], "next_step": "Changed"},
            )
        )
    await migrate.upgrade(database)
    assert await schema_differences(database) == []
    async with database.read() as session:
        entries = {e.id: e for e in (await session.execute(select(Entry))).scalars()}
        topic = await session.get(Topic, topic_id)
    assert topic is not None
    assert entries[ids[0]].unsourced_reason == NOT_RECORDED
    assert (entries[ids[1]].unsourced_reason, entries[ids[1]].source_url) == (NOT_RECORDED, "https://x.org/a")
    assert all(e.unsourced_reason is None for i, e in entries.items() if i not in ids[:2])
    assert [f["id"] for f in topic.background] == [1, 2, 3, 4] and topic.fact_seq == 4
    assert topic.background[0]["source"] == "News report, Sep 2023"
    assert "unsourced" not in topic.background[0]
    assert topic.background[3] == {
        "id": 4,
        "fact": "Unsourced fact.",
        "source": "",
        "url": None,
        "unsourced": NOT_RECORDED,
    }
    assert topic.summary_updated_at == EDITED
    # The audit snapshot does not count the new bookkeeping columns as what a topic says.
    assert "fact_seq" not in audit.snapshot(topic) and "summary_updated_at" not in audit.snapshot(topic)

    await migrate.downgrade(database, "0005")
    async with database.read() as session:
        back = (await session.execute(select(OLD_TOPIC.c.background))).scalar_one()
        rows = len((await session.execute(select(OLD_ENTRY.c.id))).all())
    assert [f["fact"] for f in back] == [f["fact"] for f in topic.background] and rows == len(entries)


async def test_a_seeded_story_is_not_marked_as_written_before_its_own_status(database: Database) -> None:
    await prepare_newsrooms(database)
    await migrate.downgrade(database, "0005")
    await migrate.upgrade(database)
    async with database.read() as session:
        topic = (await session.execute(select(Topic))).scalars().one()
        entries = list((await session.execute(select(Entry).where(col(Entry.topic_id) == topic.id))).scalars())
    assert topic.summary_updated_at == max(e.created_at for e in entries)
    # Each as the status current on both axes: none was logged after the summary.
    current = [EntryRead.model_validate(e, from_attributes=True) for e in entries]
    assert not any(summary_written_before(topic, StatusNow(e, e)) for e in current)
