"""The offline console drives the same command code as Discord and prints what Discord would show."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.console.support import run_lines

ROOT = Path(__file__).resolve().parents[2]


async def test_status_in_the_console_reports_under_review_and_cites_the_latest_statement(tmp_path: Path) -> None:
    text = await run_lines(tmp_path, ["/status atacms"])
    assert "Under review" in text and "no decision has been announced" in text
    assert "John Kirby" in text and "Interview with a British newspaper" in text
    assert "[1] Latest statements" in text and "[2] Chronology" in text


async def test_console_buttons_modal_and_persistence_across_runs(tmp_path: Path) -> None:
    text = await run_lines(
        tmp_path,
        [
            "/status atacms",
            "click 2",
            '/log statement atacms speaker:"Matthew Miller" date:"2023-10-02" source:AP',
            "Still under review.",
        ],
    )
    assert "Chronology: ATACMS" in text and "autumn 2023" in text
    assert "A form opened" in text and "Logged `#8`" in text
    # Role and organisation came from the speaker's earlier statement.
    assert "Spokesman, U.S. Department of State" in text.split("Logged `#8`")[1]
    # The demo database keeps what was logged, and seeding again adds nothing.
    again = await run_lines(tmp_path, ["/latest atacms count:1"])
    assert "Still under review." in again and "page 1 of 5" in again


async def test_console_reader_cannot_log(tmp_path: Path) -> None:
    text = await run_lines(tmp_path, ['/log event atacms headline:"Nope"'], editor=False)
    assert "Only editors can do this" in text


async def test_console_reports_typing_mistakes_without_crashing(tmp_path: Path) -> None:
    text = await run_lines(tmp_path, ["/nosuch", "/status", "/log", "click 9", "complete /status topic:ata", "help"])
    assert "No command /nosuch" in text
    assert "Missing topic" in text
    assert "needs a subcommand" in text
    assert "No button 9" in text
    assert "atacms" in text.split("Suggestions:")[1]
    assert "click N" in text


def test_piped_console_entry_point(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'piped.db'}", "PYTHONPATH": str(ROOT)}
    env.pop("DISCORD_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="/status atacms\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Under review" in done.stdout and "John Kirby" in done.stdout


def test_run_without_token_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": ""}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "DISCORD_TOKEN" in done.stderr and "newsdesk console" in done.stderr
