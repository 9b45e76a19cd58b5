"""Reader commands cost one statement when the topic is named exactly, and their statements use the
indexes; read models hold their tables' columns (rows become read models by position)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from bot.core.requester import Requester
from bot.core.vocabulary import EntryKind
from bot.services import reader
from db import reader_statements as statements
from db import writes
from db.engine import Database
from db.models import Entry, EntryRead, Topic, TopicRead
from tests.cogs.test_chronology_keyset import add_events, button
from tests.newsroom import Desk


@contextmanager
def statements_sent(database: Database) -> Iterator[list[tuple[str, Any]]]:
    sent: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, statement: str, parameters: Any, *_args: object) -> None:
        sent.append((statement, parameters))

    for engine in database.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        for engine in database.engines:
            event.remove(engine.sync_engine, "before_cursor_execute", record)


def test_read_models_hold_their_tables_columns_in_table_order() -> None:
    for read_model, model in ((EntryRead, Entry), (TopicRead, Topic)):
        # SQLModel leaves __table__ (set by SQLAlchemy's mapping) undeclared.
        columns = model.__table__.columns  # pyright: ignore[reportAttributeAccessIssue]
        assert list(read_model.model_fields) == [c.name for c in columns]


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("status", {"topic": "atacms"}),
        ("status", {"topic": "ATACMS "}),  # as typed: normalised to the slug
        ("latest", {"topic": "atacms"}),
        ("latest", {"topic": "atacms", "speaker": "kirby"}),
        ("chronology", {"topic": "atacms"}),
        ("chronology", {"topic": "atacms", "since": "2023", "until": "2024"}),
        ("topics", {}),
    ],
)
async def test_a_reader_command_is_one_statement(desk: Desk, command: str, options: dict[str, Any]) -> None:
    await desk.harness.slash(command, options)  # warm: the first command of a process loads its caches
    with statements_sent(desk.database) as sent:
        reply = await desk.harness.slash(command, options)
    assert not reply.ephemeral and reply.embeds
    assert len(sent) == 1, [s for s, _ in sent]


async def test_page_buttons_are_one_statement_each(desk: Desk) -> None:
    h = desk.harness
    await add_events(desk.database, 25, first_day=dt.date(2024, 1, 1))
    first = await h.slash("chronology", {"topic": "atacms"})
    with statements_sent(desk.database) as sent:
        second = await h.click(button(first, "Next")["custom_id"], message=first.final)
        await h.click(button(second, "Previous")["custom_id"], message=second.final)
    assert len(sent) == 2


async def test_a_title_is_resolved_first_then_read_by_id(desk: Desk) -> None:
    options = {"topic": "Army Tactical Missile System"}
    await desk.harness.slash("status", options)
    with statements_sent(desk.database) as sent:
        reply = await desk.harness.slash("status", options)
    assert reply.embeds[0]["title"].startswith("ATACMS")
    # The exact-slug attempt finds nothing; the lookup finds the title; the card is read by its id.
    assert len(sent) == 4, [s for s, _ in sent]
    assert "topic.id = ?" in sent[-1][0] or "topic.id = $" in sent[-1][0]


async def test_a_topic_list_page_past_the_end_shows_the_last_page(desk: Desk) -> None:
    result = await reader.topic_list(desk.database, Requester(desk.harness.guild_a.id, 0), page=7, per_page=1)
    assert result.page.number == result.page.total - 1 and len(result.rows) == 1


async def test_entry_pages_past_the_end_show_the_last_page(desk: Desk) -> None:
    # The list shrank since a button was drawn: its page number is past the end.
    guild = desk.harness.guild_a.id
    timeline = await reader.chronology(desk.database, Requester(guild, 0), query="atacms", page=40, per_page=4)
    assert timeline.page.total > 4 and timeline.page.number == (timeline.page.total - 1) // 4
    assert timeline.entries and len(timeline.entries) <= 4
    statements_page = await reader.latest(desk.database, Requester(guild, 0), query="atacms", page=40, per_page=1)
    assert statements_page.page.number == statements_page.page.total - 1 and len(statements_page.entries) == 1


def _plan_text(rows: Sequence[Any]) -> str:
    return " ".join(str(cell) for row in rows for cell in row)


@pytest.mark.parametrize(
    ("name", "statement", "parameters", "index"),
    [
        (
            "chronology page",
            statements.entry_page("slug", None, frozenset()),
            {"slug": "atacms", "offset": 0, "limit": 10},
            "ix_entry_topic_live_date",
        ),
        (
            "keyset page",
            statements.entry_page("id", None, frozenset({"seek_day", "seek_id"})),
            {"topic_id": 1, "seek_day": dt.date(2024, 1, 1), "seek_id": 5, "offset": 0, "limit": 10},
            "ix_entry_topic_live_date",
        ),
        (
            "latest statements",
            statements.entry_page("slug", EntryKind.STATEMENT, frozenset()),
            {"slug": "atacms", "offset": 0, "limit": 5},
            "ix_entry_topic_",  # by kind, or the live index filtered by kind: either is a range of one topic
        ),
        (
            "latest statements by a speaker's words",
            statements.entry_page("slug", EntryKind.STATEMENT, frozenset({"speaker_0", "speaker_1"})),
            {"slug": "atacms", "offset": 0, "limit": 5, "speaker_0": "%state%", "speaker_1": "%department%"},
            "ix_entry_topic_",
        ),
        (
            "a live twin of a new entry",
            writes._LIVE_TWIN,
            {"topic_id": 1, "fingerprint": "0" * 40, "entry_id": 0},
            "uq_entry_topic_live_fingerprint",
        ),
        ("status card", statements.topic_card("slug"), {"slug": "atacms"}, "ix_entry_topic_"),
        (
            "topic list",
            statements.topic_list(False),
            {"offset": 0, "limit": 15},
            "_topic_newsroom_",  # (newsroom, archived, slug) or the unique (newsroom, slug): both in slug order
        ),
    ],
)
async def test_reader_statements_read_through_their_indexes(
    desk: Desk, name: str, statement: Any, parameters: dict[str, Any], index: str
) -> None:
    database = desk.database
    parameters = {"newsroom_id": desk.harness.guild_a.id, **parameters}
    async with database.engine.connect() as conn:
        compiled = statement.compile(dialect=database.engine.dialect)
        sql = str(compiled)
        values = compiled.construct_params(parameters)
        if database.is_sqlite:
            ordered = [values[key] for key in compiled.positiontup or []]
            plan = _plan_text((await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", tuple(ordered))).all())
            assert "SCAN entry" not in plan and "SCAN topic" not in plan, (name, plan)
        else:
            # Tiny test tables make other plans cheapest; rule them out to see that the indexes serve it.
            await conn.exec_driver_sql("SET enable_seqscan = off")
            ordered = [values[key] for key in compiled.positiontup or []]
            plan = _plan_text((await conn.exec_driver_sql(f"EXPLAIN {sql}", tuple(ordered))).all())
            assert "Seq Scan" not in plan, (name, plan)
    assert index in plan, (name, plan)
