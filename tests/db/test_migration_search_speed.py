"""Migration 0016: on PostgreSQL the words' GIN index becomes one over the newsroom and the words, and
back again on the way down; searches give the same answers before, after and after the round trip."""

from __future__ import annotations

from sqlalchemy import text

from db import migrate
from db.engine import Database
from tests.db.test_migrations import schema_differences
from tests.db.test_search_index import EVENTS, B, add_events, answers
from tests.newsroom import prepare_newsrooms


async def search_indexes(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        if database.is_sqlite:
            found = await connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'search_doc'"
            )
        else:
            found = await connection.execute(
                text(
                    "SELECT indexname FROM pg_indexes WHERE tablename = 'search_doc' AND schemaname = current_schema()"
                )
            )
        return {str(row[0]) for row in found}


async def btree_gin_available(database: Database) -> bool:
    async with database.engine.connect() as connection:
        found = await connection.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gin'"))
        return found.first() is not None


async def test_migration_0016_moves_the_newsroom_into_the_words_index_and_back(database: Database) -> None:
    await prepare_newsrooms(database)
    await add_events(database, EVENTS)
    upgraded = await answers(database)
    other = await answers(database, B)
    assert sum(bool(hits) for hits in upgraded.values()) >= len(upgraded) - 2
    indexes = await search_indexes(database)
    if not database.is_sqlite and await btree_gin_available(database):
        assert "ix_search_doc_newsroom_tsv" in indexes and "ix_search_doc_tsv" not in indexes
    elif not database.is_sqlite:  # a server without the extension keeps the words' own index
        assert "ix_search_doc_tsv" in indexes and "ix_search_doc_newsroom_tsv" not in indexes

    await migrate.downgrade(database, "0015")
    downgraded = await search_indexes(database)
    if not database.is_sqlite:
        assert "ix_search_doc_tsv" in downgraded and "ix_search_doc_newsroom_tsv" not in downgraded
    assert await answers(database) == upgraded

    await migrate.upgrade(database)
    assert await search_indexes(database) == indexes
    assert await schema_differences(database) == []
    assert await answers(database) == upgraded and await answers(database, B) == other
