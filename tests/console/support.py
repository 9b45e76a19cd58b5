"""Running the console as a user would: lines typed in, what it printed out."""

from __future__ import annotations

import io
from pathlib import Path

from bot.console.loop import run_console
from bot.settings import Settings


def console_settings(tmp_path: Path) -> Settings:
    # pydantic's typed __init__ lists the fields only, not BaseSettings' own _env_file.
    url = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    return Settings(_env_file=None, database_url=url, newsdesk_data_dir=tmp_path / "data")  # pyright: ignore[reportCallIssue]


async def run_lines(tmp_path: Path, lines: list[str], *, editor: bool = True) -> str:
    out = io.StringIO()
    await run_console(console_settings(tmp_path), editor=editor, lines=lines, out=out)
    return out.getvalue()
