"""The search index on both databases: the same answers from each, a migration that builds it from the
rows already stored and takes it away again, and imports and seeds that index what they store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, update
from sqlmodel import col, select

from bot.core.drafts import EntryDraft
from bot.core.fuzzydate import FuzzyDate
from bot.core.requester import Requester
from bot.core.vocabulary import EntryKind
from bot.services.search import SearchPage, search
from db import migrate
from db.engine import Database
from db.models import Entry, Topic
from db.portability import export_newsroom, import_newsroom
from db.seeds import apply_seed, available_seeds, load_seed_file
from db.writes import add_entry
from tests.conftest import PG_URL, drop_database, make_database
from tests.harness import GUILD_A_ID, GUILD_B_ID
from tests.newsroom import prepare_newsrooms

A = Requester(guild_id=GUILD_A_ID, user_id=1)
B = Requester(guild_id=GUILD_B_ID, user_id=1)

# Queries over the ATACMS seed and the events below. Those marked ordered have one right order whichever
# ranking function is used (equal text, so the newer first); the others are compared as sets.
CORPUS: list[tuple[str, bool]] = [
    ("atacms", False),
    ("range", False),
    ('"long range"', False),
    ("kirby OR miller", False),
    ("deliver*", False),
    ("ukraine -kirby", False),
    ('"department of state"', False),
    ("zelensky kyiv", False),
    ("missiles -atacms", False),
    ("300", False),
    ("F-16", False),
    ("patriot battery", True),
    ('"patriot battery" -shipment', True),
    ("interceptor* OR patriot", False),
    ("nothing matches this", True),
]
EVENTS = [
    *(f"Patriot battery shipment {n}" for n in range(4)),
    "Patriot battery delivered 4",
    "F-16 pilots start training",
    "Interceptors run low before winter",
]


async def add_events(database: Database, headlines: list[str]) -> None:
    async with database.write() as session:
        topic = (await session.execute(select(Topic).where(Topic.slug == "atacms"))).scalars().one()
        for n, headline in enumerate(headlines):
            draft = EntryDraft(
                kind=EntryKind.EVENT,
                date=FuzzyDate.exact(dt.date(2024, 1, 1) + dt.timedelta(days=n)),
                headline=headline,
                source_name="Desk wire",
            )
            await add_entry(session, topic=topic, draft=draft, actor_id=1, interaction_id=None)


def keys(page: SearchPage) -> list[tuple[Any, ...]]:
    return [(hit.kind, hit.entry_id, hit.fact_id, hit.topic_slug) for hit in page.hits]


async def answers(database: Database, requester: Requester = A) -> dict[str, list[tuple[Any, ...]]]:
    return {query: keys(await search(database, requester, query, limit=25)) for query, _ in CORPUS}


@pytest.mark.postgres
async def test_the_corpus_has_the_same_answers_on_both_databases(tmp_path: Path) -> None:
    assert PG_URL
    found: list[dict[str, list[tuple[Any, ...]]]] = []
    for backend in ("sqlite", "postgresql"):
        database, schema = await make_database(backend, tmp_path / backend)
        try:
            await prepare_newsrooms(database)
            await add_events(database, EVENTS)
            found.append(await answers(database))
            assert all(not hits for hits in (await answers(database, B)).values())
        finally:
            await drop_database(database, schema)
    sqlite, postgresql = found
    for query, ordered in CORPUS:
        if ordered:
            assert sqlite[query] == postgresql[query], query
        else:
            assert sorted(sqlite[query], key=repr) == sorted(postgresql[query], key=repr), query
    # The corpus is not vacuous: most queries find something, and the ordered ones are really ordered.
    assert sum(bool(hits) for hits in sqlite.values()) >= len(CORPUS) - 2
    patriot = [entry_id for _kind, entry_id, _fact, _slug in sqlite["patriot battery"]]
    assert len(patriot) == 5 and patriot == sorted(patriot, reverse=True)
    assert len(sqlite['"patriot battery" -shipment']) == 1


def parent_of_search_migration() -> str:
    # Looked up, not written down: later merges may chain other migrations before 0014.
    revision = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision("0014")
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


async def tables(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def test_migration_0014_indexes_existing_rows_and_its_downgrade_removes_the_index(database: Database) -> None:
    await migrate.downgrade(database, parent_of_search_migration())
    assert not {"search_doc", "search_fts"} & await tables(database)
    # Rows stored before the index existed: the seed, more events, and one retracted entry.
    await prepare_newsrooms(database)
    await add_events(database, EVENTS)
    async with database.write() as session:
        await session.execute(
            update(Entry).where(col(Entry.headline) == EVENTS[-1]).values(retracted_at=dt.datetime.now(dt.UTC))
        )
    await migrate.upgrade(database)
    assert "search_doc" in await tables(database)
    found = await answers(database)
    assert len(found["patriot battery"]) == 5 and found["interceptor* OR patriot"] == found["patriot battery"]
    assert [kind for kind, *_ in found["300"]] == ["fact"]
    assert any(kind == "summary" for kind, *_ in found["range"])
    # And the index then follows new writes as if it had always been there.
    await add_events(database, ["Patriot battery shipment late"])
    assert len((await answers(database))["patriot battery"]) == 6


async def test_an_imported_newsroom_and_a_seeded_one_are_indexed_as_they_are_stored(
    database: Database, tmp_path: Path
) -> None:
    await prepare_newsrooms(database)
    await add_events(database, EVENTS)
    original = await answers(database)
    document = await export_newsroom(database, guild_id=GUILD_A_ID)
    backend = "sqlite" if database.is_sqlite else "postgresql"
    copy_db, schema = await make_database(backend, tmp_path / "copy")
    try:
        await import_newsroom(copy_db, document)
        assert await answers(copy_db) == original
    finally:
        await drop_database(copy_db, schema)
    async with database.write() as session:
        await apply_seed(session, newsroom_id=GUILD_B_ID, story=load_seed_file(available_seeds()["atacms"]))
    seeded = keys(await search(database, B, "kirby"))
    assert len(seeded) == 1 and seeded[0][0] == "statement"
    assert seeded[0][1] not in {entry_id for _kind, entry_id, *_ in original["kirby OR miller"]}
