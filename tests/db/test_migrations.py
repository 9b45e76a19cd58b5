"""The migrations build exactly the schema the models describe, and 0003 carries existing data over."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, update
from sqlmodel import SQLModel, col, select

import db.digest_models  # noqa: F401  (registers the digest tables on the metadata)
from db import migrate
from db.engine import Database
from db.models import Entry, Newsroom, Topic
from tests.harness import GUILD_A_ID
from tests.newsroom import prepare_newsrooms


def head_revision() -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()


async def schema_differences(database: Database) -> list[Any]:
    def compare(connection: Connection) -> list[Any]:
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

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
    assert count == 6
    assert await schema_differences(database) == []
