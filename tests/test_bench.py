"""The benchmark runs end to end, and its bulk loader stores exactly what the write path stores.

No timing is asserted anywhere: CI machines are noisy, and the numbers are for people to read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bench import equivalence
from db import migrate
from db.engine import Database

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL")
COMMANDS = {
    "status",
    "latest",
    "chronology",
    "chronology_deep",
    "topics",
    "topics_big",
    "autocomplete",
    "log_status",
    "floor",
}


def test_small_profile_completes_and_writes_every_command(tmp_path: Path) -> None:
    out = tmp_path / "results"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    env.pop("DATABASE_URL", None)  # the bench picks its own (temporary) database
    done = subprocess.run(
        # `newsdesk bench --small`, through the bot's own command line as an operator types it.
        [sys.executable, "-m", "bot", "bench", "--small", "--output", str(out)],
        cwd=tmp_path,  # not the repository: the bench must not rely on the working directory
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]

    results = json.loads((out / "bench-results.json").read_text(encoding="utf-8"))
    assert set(results["commands"]) == COMMANDS
    for key, command in results["commands"].items():
        assert command["n"] > 0, key
        assert command["failures"] == 0, (key, command["first_failure"])
        for side in ("ours", "raw"):
            assert set(command[side]) >= {"p50", "p90", "p99"}, (key, side)
    assert results["equivalence"]["ok"]
    assert results["writes"]["completed"] > 0
    assert results["writes"]["failures"] == 0 and results["writes"]["locked_errors"] == 0
    assert results["event_loop"]["worst_ms"] >= 0
    assert results["memory"]["guilds_cached"] == results["memory"]["guilds"]
    assert "measured" in results["digest"]
    assert {t["name"] for t in results["targets"]}

    markdown = (out / "bench-results.md").read_text(encoding="utf-8")
    for command in results["commands"].values():
        assert f"| {command['label']} |" in markdown
    assert str(tmp_path) not in markdown and str(ROOT) not in markdown  # nothing machine-specific


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, str | None]]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{(tmp_path / 'equivalence.db').as_posix()}"
        database = Database(url)
        await migrate.upgrade(database)
        await database.dispose()
        yield url, None
        return
    assert PG_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        database = Database(PG_URL, schema=schema)
        await migrate.upgrade(database)
        await database.dispose()
        yield PG_URL, schema
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


async def test_bulk_loaded_rows_equal_what_the_write_path_stores(empty_database: tuple[str, str | None]) -> None:
    url, schema = empty_database
    report = await equivalence.check(url, schema)
    assert report.mismatches == []
    # The topic, three entries (statement, status, event) and all six of their audit records.
    assert report.rows_compared == 10
    assert report.fields_compared > 150
