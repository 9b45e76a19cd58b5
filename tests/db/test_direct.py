"""Prepared statements (db.direct) return exactly what Core returns, raise what Core raises, and keep
transactions whole, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import bindparam, exc, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.drafts import EntryDraft
from bot.core.fuzzydate import FuzzyDate
from bot.core.vocabulary import EntryKind
from db import audit, writes
from db import reader_statements as statements
from db.direct import prepare
from db.editing import _SPEAKER_DETAILS
from db.engine import Database
from db.models import Entry, Topic
from db.records import TOPIC_WIDTH
from db.topics import _ACTIVE_BY_SLUG
from tests.conftest import PG_URL
from tests.harness import GUILD_A_ID
from tests.newsroom import prepare_newsrooms

# Every prepared statement the bot runs, with values that find rows in the seeded newsroom.
READER_CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("card by slug", statements.topic_card("slug"), {"slug": "atacms"}),
    ("chronology", statements.entry_page("slug", kind=None, filters=frozenset()), {"slug": "atacms"}),
    (
        "chronology in a range",
        statements.entry_page("slug", kind=None, filters=frozenset({"since", "until"})),
        {"slug": "atacms", "since": dt.date(2023, 1, 1), "until": dt.date(2024, 12, 31)},
    ),
    (
        "chronology after a position",
        statements.entry_page("slug", kind=None, filters=frozenset({"seek_day", "seek_id"})),
        {"slug": "atacms", "seek_day": dt.date(2023, 9, 1), "seek_id": 1},
    ),
    (
        "statements by a speaker",
        statements.entry_page("slug", kind=EntryKind.STATEMENT, filters=frozenset({"speaker"})),
        {"slug": "atacms", "speaker": "%"},
    ),
    ("topic list", statements.topic_list(False), {"offset": 0, "limit": 15}),
    ("topic count", statements.topic_count(True), {}),
    ("active topic", _ACTIVE_BY_SLUG, {"slug": "atacms"}),
]


async def _topic_id(database: Database) -> int:
    async with database.read() as session:
        topic = (await session.execute(select(Topic).where(Topic.slug == "atacms"))).scalars().one()
    assert topic.id is not None
    return topic.id


@pytest.mark.parametrize(("label", "statement", "values"), READER_CASES, ids=[c[0] for c in READER_CASES])
async def test_prepared_rows_equal_core_rows(
    database: Database, label: str, statement: Any, values: dict[str, Any]
) -> None:
    await prepare_newsrooms(database)
    params = {"newsroom_id": GUILD_A_ID, "offset": 0, "limit": 50, **values}
    async with database.read() as session:
        core = [tuple(row) for row in (await session.execute(statement, params)).all()]
    async with database.direct() as connection:
        direct = await connection.rows(statement, params)
        shared = await connection.rows(statement, params, shared=TOPIC_WIDTH)
    assert core, f"{label}: the case finds no rows, so it compares nothing"
    assert direct == core
    assert shared == core
    # Same types too, not only equal values (a date is not a string, an aware time stays aware).
    for direct_row, core_row in zip(direct, core, strict=True):
        assert [type(v) for v in direct_row] == [type(v) for v in core_row]


async def test_status_history_and_speaker_details_match_core(database: Database) -> None:
    await prepare_newsrooms(database)
    topic_id = await _topic_id(database)
    cases = [
        (statements.STATUS_HISTORY, {"topic_id": topic_id, "limit": 50}),
        (_SPEAKER_DETAILS, {"newsroom_id": GUILD_A_ID, "speaker_key": "john kirby"}),
    ]
    for statement, params in cases:
        async with database.read() as session:
            core = [tuple(row) for row in (await session.execute(statement, params)).all()]
        async with database.direct() as connection:
            assert await connection.rows(statement, params) == core
        assert core


def _draft(text_value: str = "Said again.") -> EntryDraft:
    return EntryDraft(
        kind=EntryKind.STATEMENT,
        date=FuzzyDate.season(2023, "autumn"),
        speaker="Jane Doe",
        speaker_role="Spokesperson",
        text=text_value,
        source_name="A wire",
        source_url="https://example.org/a",
        end_date=FuzzyDate.month(2023, 12),
    )


async def test_a_prepared_write_stores_what_a_session_write_stores(database: Database) -> None:
    await prepare_newsrooms(database)
    topic_id = await _topic_id(database)
    common = {"newsroom_id": GUILD_A_ID, "topic_id": topic_id, "draft": _draft(), "actor_id": 7}
    async with database.direct_write() as connection:
        direct = await writes.store_entry(connection, writes.entry_values(**common, interaction_id=11))
    async with database.write() as session:
        core = await writes.store_entry(session, writes.entry_values(**common, interaction_id=12))
    async with database.read() as session:
        stored = {
            e.interaction_id: e
            for e in (await session.execute(select(Entry).where(Entry.topic_id == topic_id))).scalars()
        }
        trail = await audit.entry_history(session, newsroom_id=GUILD_A_ID, entry_id=direct.id)
        other = await audit.entry_history(session, newsroom_id=GUILD_A_ID, entry_id=core.id)
        topic = await session.get(Topic, topic_id)
    ignored = {"id", "interaction_id", "created_at", "updated_at"}
    first, second = stored[11].model_dump(), stored[12].model_dump()
    assert {k: v for k, v in first.items() if k not in ignored} == {k: v for k, v in second.items() if k not in ignored}
    assert stored[11].date == FuzzyDate.season(2023, "autumn")
    assert stored[11].created_at == direct.created_at  # the record returned is the row stored
    assert [(r.action, r.after) for r in trail] == [(r.action, r.after) for r in other]
    assert trail[0].after is not None and trail[0].after["end_earliest"] == "2023-12-01"
    assert topic is not None and topic.updated_at == core.created_at


async def test_a_failed_prepared_write_raises_integrity_error_and_stores_nothing(database: Database) -> None:
    await prepare_newsrooms(database)
    topic_id = await _topic_id(database)
    values = writes.entry_values(
        newsroom_id=GUILD_A_ID, topic_id=topic_id, draft=_draft(), actor_id=7, interaction_id=99
    )
    async with database.direct_write() as connection:
        await writes.store_entry(connection, values)
    async with database.read() as session:
        before = (await session.execute(text("SELECT count(*) FROM audit_record"))).scalar_one()
    again = writes.entry_values(
        newsroom_id=GUILD_A_ID, topic_id=topic_id, draft=_draft("Other words."), actor_id=7, interaction_id=99
    )
    with pytest.raises(exc.IntegrityError):
        async with database.direct_write() as connection:
            await writes.store_entry(connection, again)
    async with database.read() as session:
        after = (await session.execute(text("SELECT count(*) FROM audit_record"))).scalar_one()
        texts = (await session.execute(select(Entry.text).where(Entry.interaction_id == 99))).scalars().all()
    assert after == before
    assert texts == ["Said again."]
    # The connection went back to the pool usable, with no transaction left open.
    async with database.direct() as connection:
        assert await connection.rows(statements.topic_count(True), {"newsroom_id": GUILD_A_ID}) == [(1,)]


async def test_an_error_inside_a_prepared_write_rolls_all_of_it_back(database: Database) -> None:
    await prepare_newsrooms(database)
    topic_id = await _topic_id(database)
    values = writes.entry_values(
        newsroom_id=GUILD_A_ID, topic_id=topic_id, draft=_draft(), actor_id=7, interaction_id=123
    )
    with pytest.raises(RuntimeError):
        async with database.direct_write() as connection:
            await writes.store_entry(connection, values)
            raise RuntimeError("a failure after the statements")
    async with database.read() as session:
        assert (await session.execute(select(Entry.id).where(Entry.interaction_id == 123))).first() is None


def test_statements_rendered_per_execution_are_refused(database: Database) -> None:
    expanding = select(Entry.id).where(Entry.id.in_(bindparam("ids", expanding=True)))  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="rendered per execution"):
        prepare(expanding, database.engine.dialect)


def test_a_statement_is_prepared_once(database: Database) -> None:
    statement = statements.topic_card("slug")
    assert database.prepared(statement) is database.prepared(statement)


@pytest.mark.postgres
async def test_a_broken_postgresql_connection_is_not_reused(tmp_path: Any) -> None:
    assert PG_URL
    database = Database(PG_URL)
    admin = create_async_engine(PG_URL)
    try:
        async with database.direct() as connection:
            [(pid,)] = await connection.rows(text("SELECT pg_backend_pid()"), {})
            async with admin.begin() as conn:
                await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(exc.DBAPIError) as raised:
                await connection.rows(text("SELECT 1"), {})
            assert raised.value.connection_invalidated
        async with database.direct() as connection:
            assert await connection.rows(text("SELECT 1"), {}) == [(1,)]
    finally:
        await admin.dispose()
        await database.dispose()
