"""Digests in `newsdesk export` / `newsdesk import`: subscriptions with their deliveries and attempts
go along, and export, import, export gives the same bytes, in code and through the CLI."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import pytest

import bot.portability
from bot.cli import main
from bot.settings import Settings
from db import migrate
from db.engine import Database
from db.portability import ImportRefused, dumps, export_newsroom, import_newsroom
from tests.conftest import drop_database, make_database
from tests.db.test_migrations import digest_rows
from tests.db.test_portability import DROP, backend_of, newsroom_rows, row, top
from tests.digest.support import Writer, run_at, service, utc
from tests.harness import GUILD_A_ID, DiscordHarness
from tests.newsroom import FakeClock


async def digest_history_through_the_bot(h: DiscordHarness, room: Writer, clock: FakeClock) -> None:
    """One digest posted on demand, one refused by Discord (paused with its reason), one paused by hand."""
    await room.topic("atacms")
    await room.topic("tariffs")
    first = {"channel": h.guild_a.channels[1], "time": "09:00", "timezone": "Europe/London"}
    await h.slash("digest add", {**first, "topics": "atacms", "mention": h.guild_a.editors_role}, user=h.editor)
    second = {"channel": h.guild_a.channel, "time": "07:30", "days": "mon-fri", "post_when_empty": False}
    await h.slash("digest add", second, user=h.editor)
    await h.slash("digest add", {"channel": h.guild_a.channel, "time": "18:00"}, user=h.editor)
    await room.event("atacms", "Posted on demand", utc(2026, 3, 20, 14))
    clock.now = utc(2026, 3, 20, 18)
    await h.slash("digest send-now", {"id": 1}, user=h.editor)
    await h.slash("digest pause", {"id": 3}, user=h.editor)
    h.fail_next("POST", rf"^/channels/{h.guild_a.channel.id}/messages$", 403)
    await run_at(service(h), utc(2026, 3, 23, 7, 30, 10))


async def test_digests_and_their_history_survive_export_and_import_byte_for_byte(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, tmp_path: Path
) -> None:
    await digest_history_through_the_bot(h, room, clock)
    document = await export_newsroom(database, guild_id=GUILD_A_ID)
    assert [len(document[k]) for k in ("digests", "digest_deliveries", "digest_attempts")] == [3, 3, 3]
    assert {a["outcome"] for a in document["digest_attempts"]} == {"sent", "paused"}
    text = dumps(document)
    assert dumps(await export_newsroom(database, guild_id=GUILD_A_ID)) == text  # unchanged data, same bytes

    copy_db, schema = await make_database(backend_of(database), tmp_path / "copy")
    try:
        counts = await import_newsroom(copy_db, json.loads(text))
        assert (counts["digests"], counts["digest_deliveries"], counts["digest_attempts"]) == (3, 3, 3)
        assert dumps(await export_newsroom(copy_db, guild_id=GUILD_A_ID)) == text
        assert await digest_rows(copy_db) == await digest_rows(database)
        assert await newsroom_rows(copy_db) == await newsroom_rows(database)
        # The copy hands out fresh ids past the imported ones (PostgreSQL's sequences were moved on).
        added = await Writer(copy_db).subscribe(channel_id=h.guild_a.channel.id, now=clock.now)
        assert added.id == 4
    finally:
        await drop_database(copy_db, schema)


async def test_a_version_1_document_without_digests_still_imports(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, tmp_path: Path
) -> None:
    await room.topic("atacms")
    document = json.loads(dumps(await export_newsroom(database, guild_id=GUILD_A_ID)))
    for key in ("digests", "digest_deliveries", "digest_attempts"):
        del document[key]
    document.update(version=1, exported_at="2026-03-20T12:00:00+00:00")
    copy_db, schema = await make_database(backend_of(database), tmp_path / "copy")
    try:
        await import_newsroom(copy_db, document)
        assert await newsroom_rows(copy_db) == await newsroom_rows(database)
        assert await digest_rows(copy_db) == [[], [], []]
    finally:
        await drop_database(copy_db, schema)


def digest_of(index: int) -> Any:
    return lambda d: d["digests"][index]["id"]


REFUSED: list[tuple[str, Any, str]] = [
    ("no digests list", top(digests=DROP), "no `digests` list"),
    ("no attempts list", top(digest_attempts=DROP), "no `digest_attempts` list"),
    ("digest of another newsroom", row("digests", 0, newsroom_id=5), "belongs to another newsroom"),
    ("digest of a missing topic", row("digests", 0, topic_ids=[999_999]), "follows topic 999999"),
    ("delivery of a missing digest", row("digest_deliveries", 0, subscription_id=999), "refers to digest 999"),
    ("attempt of a missing delivery", row("digest_attempts", 0, delivery_id=999), "refers to delivery 999"),
    ("duplicate digest id", row("digests", 1, id=digest_of(0)), "more than once in `digests`"),
    ("unreadable time", row("digest_deliveries", 0, due_at="soon"), "DigestDelivery row is invalid"),
    ("unknown field", row("digest_attempts", 0, mood="grim"), "unknown fields: mood"),
]


async def test_import_refuses_broken_digest_rows_and_writes_nothing(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, tmp_path: Path, subtests: Any
) -> None:
    await digest_history_through_the_bot(h, room, clock)
    document = json.loads(dumps(await export_newsroom(database, guild_id=GUILD_A_ID)))
    copy_db, schema = await make_database(backend_of(database), tmp_path / "copy")
    try:
        for label, change, message in REFUSED:
            with subtests.test(label):
                with pytest.raises(ImportRefused) as refused:
                    await import_newsroom(copy_db, change(copy.deepcopy(document)))
                assert message in str(refused.value)
                assert await digest_rows(copy_db) == [[], [], []]
        # Another guild's digests only, whose ids are taken in the source database.
        moved = copy.deepcopy(document)
        moved.update(topics=[], entries=[], audit=[])
        moved["newsroom"]["id"] = 333
        for digest in moved["digests"]:
            digest.update(newsroom_id=333, topic_ids=None)
        with pytest.raises(ImportRefused, match="`digests` ids are already used"):
            await import_newsroom(database, moved)
    finally:
        await drop_database(copy_db, schema)


async def point_the_cli_at(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """DATABASE_URL names the database; a PostgreSQL test schema is set on the connections, as a URL
    cannot say it."""
    monkeypatch.setenv("DATABASE_URL", database.url.render_as_string(hide_password=False))
    if database.is_sqlite:
        return
    async with database.engine.connect() as connection:
        schema = (await connection.exec_driver_sql("SELECT current_schema()")).scalar_one()

    async def open_database(settings: Settings) -> Database:
        opened = Database(settings.resolved_database_url, schema=schema)
        await migrate.upgrade(opened)
        return opened

    monkeypatch.setattr(bot.portability, "open_database", open_database)


async def cli(*args: str) -> int:
    # The CLI runs its own event loop, as from a shell.
    return await asyncio.to_thread(main, list(args))


async def test_the_cli_exports_imports_and_exports_the_same_bytes(
    database: Database,
    h: DiscordHarness,
    room: Writer,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    await digest_history_through_the_bot(h, room, clock)
    first, again, back = tmp_path / "first.json", tmp_path / "again.json", tmp_path / "back.json"
    await point_the_cli_at(database, monkeypatch)
    assert await cli("export", "--guild", str(GUILD_A_ID), "-o", str(first)) == 0
    assert await cli("export", "--guild", str(GUILD_A_ID), "-o", str(again)) == 0
    assert first.read_bytes() == again.read_bytes()

    copy_db, schema = await make_database(backend_of(database), tmp_path / "copy")
    try:
        await point_the_cli_at(copy_db, monkeypatch)
        assert await cli("import", str(first)) == 0
        assert await cli("export", "--guild", str(GUILD_A_ID), "-o", str(back)) == 0
        assert back.read_bytes() == first.read_bytes()
        assert await digest_rows(copy_db) == await digest_rows(database)
    finally:
        await drop_database(copy_db, schema)


def test_the_document_format_sorts_keys_and_keeps_text_as_written() -> None:
    document = {"version": 2, "format": "newsdesk-export", "newsroom": {"name": "Kyiv desk ✓", "id": 1}}
    assert dumps(document) == (
        '{\n "format": "newsdesk-export",\n "newsroom": {\n  "id": 1,\n  "name": "Kyiv desk ✓"\n },\n "version": 2\n}\n'
    )
