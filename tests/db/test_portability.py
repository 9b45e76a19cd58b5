"""Export/import of a newsroom (db/portability.py): round trips, refusals and large documents."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from bench.dataset import plan
from bench.documents import Documents
from bench.profiles import SMALL
from bench.synth import Content
from db.engine import Database
from db.models import AuditRecord, Entry, Newsroom, Topic
from db.portability import BATCH_ROWS, VERSION, ImportRefused, export_newsroom, import_newsroom
from tests.conftest import drop_database, make_database
from tests.harness import GUILD_A_ID
from tests.newsroom import Desk, prepare_newsrooms, running_desk

EXPORTED_AT = dt.datetime(2023, 9, 21, 8, 0, tzinfo=dt.UTC)
ALL_TABLES = (Newsroom, Topic, Entry, AuditRecord)


async def newsroom_rows(database: Database, guild_id: int = GUILD_A_ID) -> dict[str, list[dict[str, Any]]]:
    """One newsroom's rows in every table, in id order."""
    async with database.read() as session:
        newsroom = await session.get(Newsroom, guild_id)
        out: dict[str, list[dict[str, Any]]] = {"newsroom": [newsroom.model_dump()] if newsroom else []}
        for model in (Topic, Entry, AuditRecord):
            stmt = select(model).where(col(model.newsroom_id) == guild_id).order_by(col(model.id))
            out[str(model.__tablename__)] = [row.model_dump() for row in (await session.execute(stmt)).scalars()]
    return out


async def all_rows(database: Database) -> dict[str, list[dict[str, Any]]]:
    async with database.read() as session:
        return {
            str(model.__tablename__): [
                row.model_dump() for row in (await session.execute(select(model).order_by(col(model.id)))).scalars()
            ]
            for model in ALL_TABLES
        }


def backend_of(database: Database) -> str:
    return "sqlite" if database.is_sqlite else "postgresql"


def as_json(document: dict[str, Any]) -> dict[str, Any]:
    """What a file on disk gives back: the export must survive JSON."""
    return json.loads(json.dumps(document))


async def edit_history_through_the_bot(desk: Desk) -> None:
    """Edits, a retraction, a restore, an undo, a new and an archived topic, a settings change."""
    h = desk.harness

    def entry_id(reply: Any) -> str:
        return re.search(r"`#(\d+)`", reply.content)[1]  # type: ignore[index]

    approved = await h.slash(
        "log status",
        {"topic": "atacms", "decision": "approved", "note": "Approved.", "date": "Sept 19", "source": "Reuters"},
    )
    kirby = await h.slash(
        "log statement", {"topic": "atacms", "speaker": "John Kirby", "text": "Decided.", "source": "Reuters"}
    )
    await h.slash("entry edit", {"id": entry_id(kirby), "field": "text", "value": "It is decided.", "reason": "Quote"})
    await h.slash("entry retract", {"id": entry_id(approved), "reason": "Premature"})
    await h.slash("entry restore", {"id": entry_id(approved), "reason": "Confirmed"})
    event = await h.slash(
        "log event", {"topic": "atacms", "headline": "Announcement", "end": "today", "source": "Reuters"}
    )
    await h.click(event.components[0]["components"][0]["custom_id"], message=event.final, user=h.editor)
    await h.slash("topic create", {"slug": "f16-jets", "title": "F-16s", "aliases": "Fighting Falcon"})
    await h.slash("topic archive", {"topic": "f16-jets"})
    await h.slash("settings timezone", {"timezone": "Europe/Kyiv"}, user=h.admin)


async def test_export_then_import_into_an_empty_database_copies_every_row(desk: Desk, tmp_path: Path) -> None:
    await edit_history_through_the_bot(desk)
    h = desk.harness
    card = await h.slash("status", {"topic": "atacms", "history": True}, user=h.reader)
    archived = await h.slash("status", {"topic": "f16-jets"}, user=h.reader)
    document = as_json(await export_newsroom(desk.database, guild_id=GUILD_A_ID))
    assert (document["format"], document["version"]) == ("newsdesk-export", VERSION)
    original = await newsroom_rows(desk.database)
    assert {len(original[k]) for k in ("topic", "entry")} == {2, 10} and len(original["audit_record"]) > 10

    copy_db, schema = await make_database(backend_of(desk.database), tmp_path / "copy")
    try:
        counts = await import_newsroom(copy_db, document)
        assert counts == {
            "topics": 2,
            "entries": 10,
            "audit": len(original["audit_record"]),
            "digests": 0,
            "digest_deliveries": 0,
            "digest_attempts": 0,
        }
        assert await newsroom_rows(copy_db) == original
        async with running_desk(copy_db, desk.clock) as restored:
            r = restored.harness
            assert (await r.slash("status", {"topic": "atacms", "history": True}, user=r.reader)).embeds == card.embeds
            assert (await r.slash("status", {"topic": "f16-jets"}, user=r.reader)).embeds == archived.embeds
            # The copy is a working newsroom: new rows get fresh ids past the imported ones.
            logged = await r.slash(
                "log status", {"topic": "atacms", "delivery": "delivered", "note": "Arrived.", "source": "Reuters"}
            )
            assert not logged.ephemeral
            new_id = int(re.search(r"`#(\d+)`", logged.content or "")[1])  # type: ignore[index]
            assert new_id > max(e["id"] for e in original["entry"])
            created = await r.slash("topic create", {"slug": "patriot", "title": "Patriot batteries"})
            assert created.content == "Created topic `patriot`."
    finally:
        await drop_database(copy_db, schema)


DROP = object()


def top(**changes: Any) -> Any:
    """Change (or DROP) top-level keys of a document."""

    def change(document: dict[str, Any]) -> dict[str, Any]:
        for key, value in changes.items():
            document.pop(key) if value is DROP else document.__setitem__(key, value)
        return document

    return change


def row(table: str, index: int, **changes: Any) -> Any:
    """Change (or DROP) fields of one row; a value may be a function of the document."""

    def change(document: dict[str, Any]) -> dict[str, Any]:
        target = document[table][index]
        for key, value in changes.items():
            if value is DROP:
                target.pop(key)
            else:
                target[key] = value(document) if callable(value) else value
        return document

    return change


MALFORMED: list[tuple[str, Any, str]] = [
    ("not an object", lambda d: [d], "Not a Newsdesk export"),
    ("wrong format", top(format="something-else"), "Not a Newsdesk export"),
    ("no version", top(version=DROP), "no version number"),
    ("version as text", top(version="1"), "no version number"),
    ("newer version", top(version=VERSION + 1), f"version {VERSION + 1}; this Newsdesk reads up to"),
    ("version zero", top(version=0), "Unknown export version 0"),
    ("no entries list", top(entries=DROP), "no `entries` list"),
    ("entries not a list", top(entries={"1": {}}), "no `entries` list"),
    ("row not an object", lambda d: d["topics"].append("atacms") or d, "rows must be objects"),
    ("unknown field", row("entries", 0, mood="grim"), "unknown fields: mood"),
    ("row of another newsroom", row("entries", 0, newsroom_id=5), "belongs to another newsroom"),
    ("unreadable date", row("entries", 0, date_earliest="last week"), "Entry row is invalid"),
    ("unreadable time", row("audit", 0, at="noon"), "AuditRecord row is invalid"),
    ("missing required field", row("topics", 0, slug=DROP), "Topic row is invalid"),
    ("row without id", row("entries", 0, id=None), "has no id"),
    ("entry of a missing topic", row("entries", 0, topic_id=999_999), "refers to topic 999999"),
    ("audit of a missing entry", row("audit", -1, entry_id=999_999), "refers to entry 999999"),
    ("duplicate entry id", row("entries", 1, id=lambda d: d["entries"][0]["id"]), "more than once in `entries`"),
    (
        "duplicate interaction id",
        lambda d: row("entries", 1, interaction_id=5)(row("entries", 0, interaction_id=5)(d)),
        "interaction id appears on more than one entry",
    ),
]


async def test_import_refuses_a_malformed_document_and_writes_nothing(
    database: Database, tmp_path: Path, subtests: Any
) -> None:
    await prepare_newsrooms(database)
    document = as_json(await export_newsroom(database, guild_id=GUILD_A_ID))
    target, schema = await make_database(backend_of(database), tmp_path / "target")
    try:
        empty = await all_rows(target)
        for label, change, message in MALFORMED:
            with subtests.test(label):
                with pytest.raises(ImportRefused) as refused:
                    await import_newsroom(target, change(copy.deepcopy(document)))
                assert message in str(refused.value)
                assert await all_rows(target) == empty
        assert await import_newsroom(target, document)  # the unbroken document still imports
    finally:
        await drop_database(target, schema)


async def test_import_refuses_an_existing_newsroom_or_ids_in_use_and_writes_nothing(database: Database) -> None:
    await prepare_newsrooms(database)
    document = as_json(await export_newsroom(database, guild_id=GUILD_A_ID))
    rows = await all_rows(database)
    with pytest.raises(ImportRefused, match="already exists in this database"):
        await import_newsroom(database, document)
    moved = copy.deepcopy(document)  # the same rows as another guild: the ids belong to guild A here
    moved["newsroom"]["id"] = 333
    for key in ("topics", "entries", "audit"):
        for row in moved[key]:
            row["newsroom_id"] = 333
    with pytest.raises(ImportRefused, match="ids are already used"):
        await import_newsroom(database, moved)
    assert await all_rows(database) == rows


async def test_exporting_a_guild_without_a_newsroom_is_refused(database: Database) -> None:
    with pytest.raises(ImportRefused, match="No newsroom for guild 42"):
        await export_newsroom(database, guild_id=42)


def generated_document() -> dict[str, Any]:
    """A big newsroom's history as an export: thousands of entries, corrections, retractions, settings
    changes; generated by the benchmark's own generator, which feeds `newsdesk import` a million rows."""
    return copy.deepcopy(_generated())


@functools.cache
def _generated() -> dict[str, Any]:
    content = Content(7, today=EXPORTED_AT.date())
    profile = replace(SMALL, newsrooms=2, topics=40, entries=3_000, autocomplete_topics=5, long_timeline=600)
    dataset = plan(profile, seed=7, now=EXPORTED_AT, content=content)
    biggest = next(iter(Documents(dataset, content)))  # the first newsroom holds the long timeline
    return as_json(biggest)


async def test_a_large_generated_document_imports_and_exports_back_unchanged(database: Database) -> None:
    document = generated_document()
    assert len(document["entries"]) > 2_000 and len(document["audit"]) > len(document["entries"])
    assert {r["action"] for r in document["audit"]} >= {"entry.create", "entry.edit", "entry.retract"}
    counts = await import_newsroom(database, generated_document())
    assert counts == {key: len(document[key]) for key in document if isinstance(document[key], list)}
    guild_id = document["newsroom"]["id"]
    exported = as_json(await export_newsroom(database, guild_id=guild_id))
    assert exported == document


async def test_batch_size_does_not_change_what_an_import_stores(database: Database, tmp_path: Path) -> None:
    document = generated_document()
    await import_newsroom(database, copy.deepcopy(document))
    guild_id = document["newsroom"]["id"]
    expected = await newsroom_rows(database, guild_id)
    for batch_rows in (7, BATCH_ROWS + 1, 1_000_000):
        target, schema = await make_database(backend_of(database), tmp_path / f"batches-{batch_rows}")
        try:
            await import_newsroom(target, copy.deepcopy(document), batch_rows=batch_rows)
            assert await newsroom_rows(target, guild_id) == expected, batch_rows
        finally:
            await drop_database(target, schema)


def moved(document: dict[str, Any], *, guild_id: int, shift: int) -> dict[str, Any]:
    """The same history as another guild's, every id moved by `shift` (a Discord interaction belongs
    to one guild: the entries' own are dropped)."""
    out = copy.deepcopy(document)
    out["newsroom"]["id"] = guild_id
    for entry in out["entries"]:
        entry["interaction_id"] = None
    for key in ("topics", "entries", "audit"):
        for item in out[key]:
            item["newsroom_id"] = guild_id
            for name in ("id", "topic_id", "entry_id"):
                if item.get(name) is not None:
                    item[name] += shift
    return out


async def test_an_id_taken_anywhere_in_a_large_document_refuses_it(database: Database) -> None:
    document = generated_document()
    await import_newsroom(database, copy.deepcopy(document))
    rows = await all_rows(database)
    other = moved(document, guild_id=333, shift=1_000_000)
    # Only the last entry's id is in use: far past the id check's first batch.
    last = other["entries"][-1]
    for record in other["audit"]:
        if record["entry_id"] == last["id"]:
            record["entry_id"] = document["entries"][-1]["id"]
    last["id"] = document["entries"][-1]["id"]
    with pytest.raises(ImportRefused, match="`entries` ids are already used"):
        await import_newsroom(database, other)
    assert await all_rows(database) == rows
    # A move of the same history, ids changed but an entry's interaction kept: that interaction
    # already logged an entry here.
    again = moved(document, guild_id=333, shift=1_000_000)
    again["entries"][-1]["interaction_id"] = document["entries"][-1]["interaction_id"]
    with pytest.raises(ImportRefused, match="interactions are already used"):
        await import_newsroom(database, again)
    assert await all_rows(database) == rows
    await import_newsroom(database, moved(document, guild_id=333, shift=1_000_000))  # unbroken, it imports
