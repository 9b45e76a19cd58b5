"""The `newsdesk export` and `newsdesk import` CLI against SQLite files named by DATABASE_URL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from db import migrate
from db.engine import Database
from db.portability import VERSION
from tests.db.test_portability import newsroom_rows
from tests.harness import GUILD_A_ID
from tests.newsroom import prepare_newsrooms


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path.as_posix()}"


async def _seeded_file(path: Path) -> None:
    database = Database(sqlite_url(path))
    try:
        await migrate.upgrade(database)
        await prepare_newsrooms(database)
    finally:
        await database.dispose()


async def _rows_of_file(path: Path) -> dict[str, list[dict[str, Any]]]:
    database = Database(sqlite_url(path))
    try:
        return await newsroom_rows(database)
    finally:
        await database.dispose()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    for name in ("DATABASE_URL", "DISCORD_TOKEN", "NEWSDESK_DATA_DIR", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    source = tmp_path / "source.db"
    asyncio.run(_seeded_file(source))
    return source


def test_cli_export_and_import_copy_a_newsroom_between_databases(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = tmp_path / "newsroom-a.json"
    target = tmp_path / "target.db"
    monkeypatch.setenv("DATABASE_URL", sqlite_url(cli_env))
    assert main(["export", "--guild", str(GUILD_A_ID), "--output", str(exported)]) == 0
    assert f"exported guild {GUILD_A_ID}: 1 topic, 7 entries, 0 digests" in capsys.readouterr().err
    document = json.loads(exported.read_text(encoding="utf-8"))
    assert document["format"] == "newsdesk-export" and document["newsroom"]["id"] == GUILD_A_ID

    monkeypatch.setenv("DATABASE_URL", sqlite_url(target))
    assert main(["import", str(exported)]) == 0
    assert capsys.readouterr().out.strip() == (
        "imported 1 topic, 7 entries, 8 audit records, 0 digests, 0 digest deliveries, 0 digest attempts"
    )
    assert asyncio.run(_rows_of_file(target)) == asyncio.run(_rows_of_file(cli_env))

    assert main(["import", str(exported)]) == 1  # a second time: the newsroom exists now
    assert "already exists in this database; nothing was imported" in capsys.readouterr().err


def test_cli_export_without_output_writes_the_document_to_stdout(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(cli_env))
    assert main(["export", "--guild", str(GUILD_A_ID)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [t["slug"] for t in document["topics"]] == ["atacms"] and len(document["audit"]) == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read"),
        (json.dumps({"format": "newsdesk-export", "version": VERSION + 1}), "Upgrade"),
        (json.dumps({"format": "something-else"}), "Not a Newsdesk export"),
    ],
)
def test_cli_import_refuses_bad_files_with_a_message_and_exit_code_1(
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: str,
    message: str,
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    target = tmp_path / "target.db"
    monkeypatch.setenv("DATABASE_URL", sqlite_url(target))
    assert main(["import", str(bad)]) == 1
    assert message in capsys.readouterr().err
    assert not target.exists() or asyncio.run(_rows_of_file(target))["newsroom"] == []


def test_cli_import_refuses_a_document_with_an_unreadable_date(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(cli_env))
    exported = tmp_path / "a.json"
    assert main(["export", "--guild", str(GUILD_A_ID), "-o", str(exported)]) == 0
    document = json.loads(exported.read_text(encoding="utf-8"))
    document["entries"][0]["date_latest"] = "31/02/2023"
    exported.write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path / "target.db"))
    capsys.readouterr()
    assert main(["import", str(exported)]) == 1
    assert "import: Entry row is invalid" in capsys.readouterr().err


def test_cli_export_of_an_unknown_guild_fails_with_exit_code_1(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(cli_env))
    assert main(["export", "--guild", "42"]) == 1
    captured = capsys.readouterr()
    assert "export: No newsroom for guild 42" in captured.err and captured.out == ""
