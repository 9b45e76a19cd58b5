"""The migrations build exactly the schema the models describe, and 0003 and 0004 carry existing data over."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text, update
from sqlmodel import SQLModel, col, select

from db import digest_subscriptions, migrate
from db.digest_models import DigestAttempt, DigestDelivery, DigestSubscription
from db.engine import Database
from db.models import Entry, Newsroom, Topic
from db.search import is_index_table
from db.send_pacer import SendPacer
from tests.harness import GUILD_A_ID
from tests.newsroom import prepare_newsrooms


def head_revision() -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()


async def schema_differences(database: Database) -> list[Any]:
    def compare(connection: Connection) -> list[Any]:
        # The search index's tables are derived data outside the models (db.search).
        context = MigrationContext.configure(
            connection, opts={"include_name": lambda name, type_, _: not (type_ == "table" and is_index_table(name))}
        )
        return compare_metadata(context, SQLModel.metadata)

    async with database.engine.connect() as connection:
        return await connection.run_sync(compare)


async def test_the_migrated_schema_matches_the_models(database: Database) -> None:
    assert await schema_differences(database) == []


async def test_down_and_up_again_keeps_the_data_and_dates_topics_by_their_latest_change(database: Database) -> None:
    await prepare_newsrooms(database)
    later = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    async with database.write() as session:
        topic = (await session.execute(select(Topic).where(Topic.slug == "atacms"))).scalars().one()
        # A correction made before topics followed their entries' changes: only the entry moved.
        first = (
            (await session.execute(select(Entry).where(Entry.topic_id == topic.id).order_by(col(Entry.id)).limit(1)))
            .scalars()
            .one()
        )
        await session.execute(update(Entry).where(col(Entry.id) == first.id).values(updated_at=later))
    await migrate.downgrade(database, "0002")
    await migrate.upgrade(database)
    assert await migrate.current_revision(database) == head_revision()
    async with database.read() as session:
        topic = (await session.execute(select(Topic).where(Topic.slug == "atacms"))).scalars().one()
        newsroom = await session.get(Newsroom, GUILD_A_ID)
        count = len((await session.execute(select(Entry.id))).all())
    assert topic.updated_at == later
    assert newsroom is not None and newsroom.topic_labels_rev == 0
    assert count == 7
    assert await schema_differences(database) == []


DIGEST_MODELS = (DigestSubscription, DigestDelivery, DigestAttempt)


async def digest_rows(database: Database) -> list[list[dict[str, Any]]]:
    async with database.read() as session:
        return [
            [row.model_dump() for row in (await session.execute(select(m).order_by(col(m.id)))).scalars()]
            for m in DIGEST_MODELS
        ]


async def add_digest(database: Database, at: dt.datetime) -> int:
    """A subscription with one delivery and one attempt; returns the subscription's id."""
    async with database.write() as session:
        sub = DigestSubscription(
            newsroom_id=GUILD_A_ID,
            channel_id=5,
            local_time="09:00",
            timezone="Europe/London",
            topic_ids=[1],
            next_due_at=at,
            covered_until=at,
            next_attempt_at=at,
        )
        session.add(sub)
        await session.flush()
        assert sub.id is not None
        delivery = DigestDelivery(
            subscription_id=sub.id, period_key="2026-03-21", due_at=at, window_start=at, window_end=at, nonce="n"
        )
        session.add(delivery)
        await session.flush()
        assert delivery.id is not None
        session.add(DigestAttempt(delivery_id=delivery.id, outcome="sent", message_id=7))
        return sub.id


async def remove_digest(database: Database, subscription_id: int) -> None:
    async with database.write() as session:
        sub = await session.get(DigestSubscription, subscription_id)
        assert sub is not None
        await digest_subscriptions.remove(session, sub)


async def sqlite_table_sql(database: Database) -> dict[str, str]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        return {name: sql for name, sql in rows}


async def test_0004_keeps_the_digest_rows_and_ids_of_removed_digests_are_never_handed_out_again(
    database: Database,
) -> None:
    await prepare_newsrooms(database, seed=False)
    at = dt.datetime(2026, 3, 21, 9, tzinfo=dt.UTC)
    first, second = await add_digest(database, at), await add_digest(database, at)
    before = await digest_rows(database)
    await migrate.downgrade(database, "0003")
    if database.is_sqlite:
        assert not any("AUTOINCREMENT" in sql for sql in (await sqlite_table_sql(database)).values())
    await migrate.upgrade(database)
    assert await digest_rows(database) == before
    assert await schema_differences(database) == []
    if database.is_sqlite:
        tables = await sqlite_table_sql(database)
        assert all("AUTOINCREMENT" in tables[str(m.__tablename__)] for m in DIGEST_MODELS)
        assert not any(name.startswith("_old_") for name in tables)

    await remove_digest(database, second)
    third = await add_digest(database, at)
    assert third > second > first
    [subs, deliveries, attempts] = await digest_rows(database)
    assert [s["id"] for s in subs] == [first, third]
    assert [d["id"] for d in deliveries] == [before[1][0]["id"], before[1][1]["id"] + 1]
    assert [a["id"] for a in attempts] == [before[2][0]["id"], before[2][1]["id"] + 1]


async def test_the_send_pacer_table_goes_down_and_comes_back(database: Database) -> None:
    async with database.write() as session:
        session.add(SendPacer(key="bot:1", next_slot_us=5))
    await migrate.downgrade(database, "0005")
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
    assert "send_pacer" not in tables
    await migrate.upgrade(database)
    async with database.read() as session:
        assert (await session.execute(select(SendPacer))).all() == []
    assert await schema_differences(database) == []
