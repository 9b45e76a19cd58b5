"""Migration 0013 on existing data: newsrooms keep their rows and get no editors' channel and the default
stale threshold; down again drops the reminder tables and columns, and up again restores them."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from db import migrate
from db.engine import Database
from db.models import Newsroom
from tests.db.test_migrations import schema_differences
from tests.harness import GUILD_A_ID
from tests.newsroom import prepare_newsrooms

REMINDER_TABLES = {"reminder_notice", "reminder_key"}


def before_reminders() -> str:
    revision = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision("0013")
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


async def layout(database: Database) -> tuple[set[str], set[str]]:
    def read(connection: Connection) -> tuple[set[str], set[str]]:
        found = inspect(connection)
        return set(found.get_table_names()), {c["name"] for c in found.get_columns("newsroom")}

    async with database.engine.connect() as connection:
        return await connection.run_sync(read)


async def test_reminders_migrate_down_and_up_keeping_newsrooms(database: Database) -> None:
    await prepare_newsrooms(database)
    await migrate.downgrade(database, before_reminders())
    tables, columns = await layout(database)
    assert not tables & REMINDER_TABLES
    assert not columns & {"editors_channel_id", "stale_after_days"}
    await migrate.upgrade(database)
    tables, columns = await layout(database)
    assert tables >= REMINDER_TABLES and columns >= {"editors_channel_id", "stale_after_days"}
    assert await schema_differences(database) == []
    async with database.read() as session:
        newsroom = await session.get(Newsroom, GUILD_A_ID)
    assert newsroom is not None and newsroom.name == "Newsroom A"
    assert (newsroom.editors_channel_id, newsroom.stale_after_days) == (None, 30)
