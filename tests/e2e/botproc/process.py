"""The bot as a subprocess: timeouts, a throw-away database for it, and BotProcess to start, stop and run its CLI."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.settings import Settings
from tests.e2e.standin import (
    DiscordStandIn,
)

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PG_URL = os.environ.get("TEST_DATABASE_URL")
# Same selection as tests/conftest.py: PostgreSQL runs only when TEST_DATABASE_URL is set (the
# root conftest skips items marked `postgres` otherwise).
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

# Discord shows "The application did not respond" after this long.
ACK_DEADLINE_S = 3.0
# Generous bounds: a slow CI machine must not turn into a flaky suite, but a hang must not
# stall it either. Every wait in the suite is bounded by one of these.
START_TIMEOUT_S = 45.0
CLI_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
RESPONSE_TIMEOUT_S = 10.0
# discord.py registers a modal (and a non-persistent view) only after it has read the response
# to the callback that sent it; a click racing ahead of that is ignored, as it would be on
# Discord. No human is faster than this.
HUMAN_PAUSE_S = 0.1

MESSAGE_ROUTES = (
    re.compile(r"/channels/\d+/messages"),  # channel message (digest posts)
    re.compile(r"/webhooks/\d+/[^/]+"),  # interaction follow-up
)
CALLBACK_ROUTE = re.compile(r"/interactions/\d+/[^/]+/callback")
# Callback types that create a message: CHANNEL_MESSAGE_WITH_SOURCE (4) and UPDATE_MESSAGE (7)
# (7 rewrites a message, which can ping just the same).
MESSAGE_CALLBACKS = frozenset({4, 7})
LOG_PROBLEM = re.compile(r"\b(ERROR|CRITICAL)\b|^Traceback", re.MULTILINE)

T = TypeVar("T")


def available_backends() -> list[str]:
    """The backends BACKENDS will actually run, for fixtures that start them all at once."""
    return ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


# ---------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------


@dataclass
class BotDatabase:
    backend: str
    url: str
    pg_name: str | None = None  # the PostgreSQL database to drop afterwards

    async def drop(self) -> None:
        if self.pg_name is None or not PG_URL:
            return
        admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                # FORCE (PostgreSQL 13+): a killed bot may have left connections behind.
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        finally:
            await admin.dispose()


async def make_bot_database(backend: str, workdir: Path) -> BotDatabase:
    """An empty database for the bot subprocess; the bot migrates it itself on start."""
    if backend == "sqlite":
        return BotDatabase(backend, f"sqlite+aiosqlite:///{(workdir / 'newsdesk.db').as_posix()}")
    assert PG_URL, "the postgres marker should have skipped this"
    name = f"e2e_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")  # CREATE DATABASE can't run in a transaction
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        await admin.dispose()
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    return BotDatabase(backend, url, pg_name=name)


# ---------------------------------------------------------------------------------------------
# The bot process
# ---------------------------------------------------------------------------------------------


class BotDied(AssertionError):
    pass


class BotProcess:
    """``python -m bot ...`` subprocesses sharing one environment and one log file."""

    def __init__(self, standin: DiscordStandIn, database_url: str, workdir: Path) -> None:
        self.standin = standin
        self.database_url = database_url
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.last_exit: int | None = None  # exit code of the last process stopped or killed
        self.settings: dict[str, str] = {}  # Newsdesk settings a test chooses, e.g. DISCORD_GLOBAL_RATE_LIMIT

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # Only what the test chooses may configure the bot: drop every Newsdesk setting the
        # developer's shell may carry (a real token, a dev guild, another database...).
        for name in Settings.model_fields:
            for key in list(env):
                if key.upper() == name.upper():
                    del env[key]
        env.update(
            {
                "DISCORD_TOKEN": "e2e-stand-in-token",
                "DISCORD_API_BASE_URL": self.standin.base_url,
                "DATABASE_URL": self.database_url,
                "LOG_LEVEL": "INFO",
                # The scheduler must notice a due digest within a fraction of a second.
                "DIGEST_TICK_SECONDS": "0.2",
                "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.settings)
        return env

    def _log_header(self, title: str) -> None:
        with self.log_path.open("a", encoding="utf-8") as fh:
            fh.write(f"\n===== {time.strftime('%H:%M:%S')} {title} =====\n")

    async def _spawn(self, *args: str) -> asyncio.subprocess.Process:
        self._log_header("python -m bot " + " ".join(args))
        with self.log_path.open("ab") as log:
            # The working directory is the scratch dir, not the checkout: Settings reads `.env`
            # from the working directory and a developer's .env must not leak into the test.
            return await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                *args,
                cwd=self.workdir,
                env=self.environment(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )

    async def run_cli(self, *args: str, timeout: float = CLI_TIMEOUT_S) -> str:  # noqa: ASYNC109
        """Runs a one-shot CLI command (e.g. ``seed``) to completion; returns its log output."""
        start = self.log_size()
        proc = await self._spawn(*args)
        try:
            async with asyncio.timeout(timeout):
                code = await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
        output = self.log_text(start)
        if code != 0:
            raise AssertionError(f"`python -m bot {' '.join(args)}` exited with {code}:\n{output}")
        return output

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self, *, timeout: float = START_TIMEOUT_S) -> None:  # noqa: ASYNC109
        """Starts ``python -m bot run`` and returns once the bot can receive interactions.

        "Can receive" = it identified and the stand-in has sent it every guild. Interactions
        arrive on the same websocket after those GUILD_CREATEs, so they are handled with the
        guild cached. This deliberately does not wait for on_ready, which discord.py fires
        only after a 2 s quiet period following the last GUILD_CREATE.
        """
        assert not self.running, "bot already running"
        identified = len(self.standin.identify_payloads)
        frames = len(self.standin.gateway_frames)
        guilds = len(self.standin.config.guilds)
        self.proc = await self._spawn("run")

        def ready() -> bool:
            if len(self.standin.identify_payloads) <= identified:
                return False
            sent = [f for f in self.standin.gateway_frames[frames:] if f.direction == "send" and f.t == "GUILD_CREATE"]
            return len(sent) >= guilds

        await self.wait_for(ready, timeout=timeout, what="the bot to connect")

    async def wait_for(self, probe: Callable[[], T], *, timeout: float, what: str) -> T:  # noqa: ASYNC109
        """Polls ``probe`` until truthy; fails early, with the log, if the bot process exits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = probe()
            if result:
                return result
            if self.proc is not None and self.proc.returncode is not None:
                raise BotDied(f"the bot exited ({self.proc.returncode}) while waiting for {what}\n{self.log_tail()}")
            if loop.time() > deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}\n{self.log_tail()}")
            await asyncio.sleep(0.02)

    async def wait_for_log(self, needle: str, *, since: int = 0, timeout: float = START_TIMEOUT_S) -> None:  # noqa: ASYNC109
        """Waits until the bot's log (from byte offset ``since``) contains ``needle``."""
        await self.wait_for(lambda: needle in self.log_text(since), timeout=timeout, what=f"{needle!r} in the log")

    async def kill(self) -> None:
        """SIGKILL: a crash. Nothing gets a chance to clean up."""
        if self.proc is not None:
            if self.proc.returncode is None:
                self.proc.kill()
            self.last_exit = await self.proc.wait()
        self.proc = None

    async def stop(self) -> None:
        """Ctrl-C (SIGINT), as a user stops `newsdesk run` in a terminal; SIGKILL if it hangs."""
        if self.proc is None:
            return
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                async with asyncio.timeout(STOP_TIMEOUT_S):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
        self.last_exit = await self.proc.wait()
        self.proc = None

    def log_text(self, start: int = 0) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as fh:
            fh.seek(start)
            return fh.read().decode("utf-8", errors="replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_tail(self, lines: int = 60) -> str:
        tail = self.log_text().splitlines()[-lines:]
        return f"----- last {len(tail)} lines of {self.log_path} -----\n" + "\n".join(tail)
