"""Readline history in the interactive console: up-arrow recall, kept in the data directory between sessions."""

from __future__ import annotations

import builtins
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.console.loop import run_console
from tests.console.support import console_settings

ROOT = Path(__file__).resolve().parents[2]
UP = "\x1b[A"
TOPICS_REPLY = "Tracked topics"


class Terminal:
    """`newsdesk console` on a pseudo-terminal, typed at as a person would."""

    def __init__(self, tmp_path: Path) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TERM": "xterm",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'tty.db'}",
            "NEWSDESK_DATA_DIR": str(tmp_path / "data"),
        }
        env.pop("DISCORD_TOKEN", None)
        self.fd, child = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "console"], stdin=child, stdout=child, stderr=child, env=env, cwd=tmp_path
        )
        os.close(child)
        self.seen = ""

    def wait_for(self, text: str, *, count: int = 1, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while self.seen.count(text) < count:
            assert time.monotonic() < deadline, f"never saw {text!r} x{count}:\n{self.seen[-2000:]}"
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    self.seen += os.read(self.fd, 65536).decode(errors="replace")
                except OSError:  # the console exited and closed the terminal
                    break

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def close(self) -> int:
        code = self.proc.wait(timeout=60)
        os.close(self.fd)
        return code


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_up_arrow_recalls_lines_within_a_session_and_in_the_next(tmp_path: Path) -> None:
    first = Terminal(tmp_path)
    first.wait_for("newsdesk> ")
    first.type("/topics\r")
    first.wait_for(TOPICS_REPLY)
    first.wait_for("newsdesk> ", count=2)
    first.type(UP + "\r")  # the line just run, run again
    first.wait_for(TOPICS_REPLY, count=2)
    first.wait_for("newsdesk> ", count=3)
    first.type("quit\r")
    assert first.close() == 0, first.seen
    history = (tmp_path / "data" / "console_history").read_text()
    assert history.splitlines() == ["/topics", "quit"]  # readline keeps one of a repeated line

    second = Terminal(tmp_path)
    second.wait_for("newsdesk> ")
    second.type(UP + UP + "\r")  # past the last session's quit, to its /topics
    second.wait_for(TOPICS_REPLY)
    second.wait_for("newsdesk> ", count=2)
    second.type("quit\r")
    assert second.close() == 0, second.seen


async def test_no_readline_and_no_terminal_run_without_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = console_settings(tmp_path)
    typed = iter(["/topics", "quit"])
    monkeypatch.setitem(sys.modules, "readline", None)  # `import readline` now fails, as where it is missing
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(builtins, "input", lambda prompt="": next(typed))
    assert await run_console(settings) == 0
    assert not (tmp_path / "data" / "console_history").exists()

    # Piped input is not a terminal: no history is read or written.
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    monkeypatch.setattr(sys.stdin, "readline", lambda: "")
    assert await run_console(settings) == 0
    assert not (tmp_path / "data" / "console_history").exists()
