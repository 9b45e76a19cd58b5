"""Runs the real Newsdesk bot the way users do (``python -m bot run``) against the Discord stand-in.

Nothing of the project is patched: the bot is a subprocess that only learns where "Discord" is
from ``DISCORD_API_BASE_URL``, exactly as a deployment pointed at a staging proxy would. Tests
drive it by dispatching interactions through the stand-in and assert on what the stand-in
received.

Pieces:

* :func:`make_bot_database` -- a throw-away database for the subprocess: a SQLite file, or a
  fresh PostgreSQL *database* (a schema cannot be passed to a subprocess through DATABASE_URL).
* :class:`BotProcess` -- starts/kills/stops ``python -m bot run`` and runs other CLI commands
  (``seed``); its stdout/stderr go to a log file whose tail is printed when a scenario fails.
* :class:`LiveDesk` -- stand-in + database + bot process, with helpers to send slash commands,
  clicks and modal submits, and :meth:`LiveDesk.scenario`, which runs the checks every scenario
  must pass (contract-clean traffic, acknowledgements within 3 s, no pings, no errors logged).
* :func:`live_desk` -- sets all of that up for one test module: seeds guild A with the ATACMS
  story (``python -m bot seed``), starts the bot and has the server owner set the editor role
  with ``/settings editor-role``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.settings import Settings
from tests.e2e.standin import (
    EDITOR_USER,
    GUILD_A,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    OWNER_USER,
    DiscordStandIn,
    GuildFixture,
    InteractionRecord,
    RecordedRequest,
    UserFixture,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
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


# ---------------------------------------------------------------------------------------------
# Driving the bot
# ---------------------------------------------------------------------------------------------


def embed_text(embed: Mapping[str, Any]) -> str:
    parts = [embed.get("title"), embed.get("description")]
    parts += [f"{f.get('name')}\n{f.get('value')}" for f in embed.get("fields") or []]
    parts += [(embed.get("footer") or {}).get("text"), (embed.get("author") or {}).get("name")]
    return "\n".join(p for p in parts if p)


def message_text(message: Mapping[str, Any]) -> str:
    """Everything a reader sees in a message, as one string for `in` assertions."""
    return "\n".join([message.get("content") or "", *(embed_text(e) for e in message.get("embeds") or [])])


def buttons(message: Mapping[str, Any]) -> dict[str, str]:
    """Button label -> custom_id for a message's (v1) action rows."""
    return {
        c["label"]: c["custom_id"]
        for row in message.get("components") or []
        for c in row.get("components") or []
        if c.get("type") == 2 and "custom_id" in c and c.get("label")
    }


@dataclass(repr=False)
class Turn:
    """One interaction sent to the bot, and what the bot answered (as the stand-in recorded it)."""

    standin: DiscordStandIn
    record: InteractionRecord

    def __repr__(self) -> str:
        # Kept short: pytest prints it in every failed assertion about a turn.
        return f"Turn(id={self.id}, callback_type={self.callback_type})"

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def callback_type(self) -> int | None:
        return self.record.callback_type

    @property
    def message(self) -> dict[str, Any]:
        """The message the callback created or updated, as it is now."""
        mid = self.record.original_message_id
        found = self.standin.message(mid) if mid is not None else None
        assert found is not None, f"interaction {self.id} produced no message (callback {self.callback_type})"
        return found

    @property
    def ephemeral(self) -> bool:
        return bool(self.message.get("flags", 0) & MESSAGE_FLAG_EPHEMERAL)

    @property
    def text(self) -> str:
        return message_text(self.message)

    @property
    def choices(self) -> list[dict[str, Any]]:
        assert self.record.autocomplete_choices is not None, f"interaction {self.id} got no autocomplete answer"
        return self.record.autocomplete_choices

    @property
    def modal(self) -> dict[str, Any]:
        assert self.record.modal is not None, f"interaction {self.id} opened no modal"
        return self.record.modal


@dataclass
class ScenarioMark:
    requests: int
    log: int
    interactions: list[int] = field(default_factory=list)


class LiveDesk:
    """A stand-in, a database and the bot subprocess, plus the scenario driver.

    Interaction helpers default to EDITOR_USER in guild A's text channel and return once the bot
    has acknowledged; :meth:`settled` waits for the real answer after a deferral.
    """

    def __init__(self, standin: DiscordStandIn, database: BotDatabase, bot: BotProcess) -> None:
        self.standin = standin
        self.database = database
        self.bot = bot
        self.backend = database.backend
        self.latencies: list[float] = []
        # Facts one scenario leaves for a later one in the same module (e.g. a digest's due time).
        self.notes: dict[str, Any] = {}
        self._mark: ScenarioMark | None = None

    # -- interactions ------------------------------------------------------------------------

    async def send(self, payload: Mapping[str, Any], *, timeout: float = RESPONSE_TIMEOUT_S) -> Turn:  # noqa: ASYNC109
        """Dispatches an interaction and waits for the bot's acknowledgement."""
        iid = await self.standin.dispatch_interaction(payload)
        if self._mark is not None:
            self._mark.interactions.append(iid)
        record = await self._await(self.standin.wait_for_ack(iid, timeout=timeout), f"ack of {iid}")
        return Turn(self.standin, record)

    async def slash(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: UserFixture = EDITOR_USER,
        guild: GuildFixture = GUILD_A,
        channel: int | None = None,
    ) -> Turn:
        return await self.send(self.standin.make_slash(guild.id, channel, user, name, options))

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        user: UserFixture = EDITOR_USER,
        guild: GuildFixture = GUILD_A,
    ) -> Turn:
        return await self.send(self.standin.make_autocomplete(guild.id, None, user, name, options, focused))

    async def click(self, message: Mapping[str, Any], label: str, *, user: UserFixture = EDITOR_USER) -> Turn:
        """Clicks the button labelled ``label`` on ``message`` (as it is stored now)."""
        current = self.standin.message(int(message["id"])) or message
        ids = buttons(current)
        assert label in ids, f"message {current['id']} has no {label!r} button (has {sorted(ids)})"
        await asyncio.sleep(HUMAN_PAUSE_S)
        return await self.send(self.standin.make_component(ids[label], current, user=user))

    async def submit(self, modal: Turn, fields: Mapping[str, str]) -> Turn:
        """Submits the modal ``modal`` opened, as the user who opened it."""
        await asyncio.sleep(HUMAN_PAUSE_S)
        return await self.send(self.standin.make_modal_submit(modal.modal["custom_id"], fields))

    async def settled(self, turn: Turn, *, timeout: float = RESPONSE_TIMEOUT_S) -> Turn:  # noqa: ASYNC109
        """Waits until a deferred answer ("thinking...") has been replaced by the real one."""

        def done() -> bool:
            mid = turn.record.original_message_id
            message = self.standin.message(mid) if mid is not None else None
            return message is not None and not message.get("flags", 0) & MESSAGE_FLAG_LOADING

        await self.bot.wait_for(done, timeout=timeout, what=f"the deferred answer to {turn.id}")
        return turn

    def posts(self, channel_id: int) -> list[dict[str, Any]]:
        """Messages the bot posted in a channel on its own (not as an interaction answer)."""
        return [
            m
            for m in self.standin.messages_in(channel_id, include_ephemeral=False)
            if int(m["author"]["id"]) == self.standin.config.bot_user.id and "interaction_metadata" not in m
        ]

    async def _await(self, awaitable: Any, what: str) -> Any:
        # Race the wait against the process: a crashed bot should fail the test at once, with
        # the reason, rather than after the timeout.
        task = asyncio.ensure_future(awaitable)
        while not task.done():
            if self.bot.proc is not None and self.bot.proc.returncode is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
                raise BotDied(f"the bot exited ({self.bot.proc.returncode}) while waiting for {what}")
            await asyncio.wait({task}, timeout=0.05)
        return task.result()

    # -- per-scenario checks -----------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def scenario(self) -> AsyncIterator[ScenarioMark]:
        """Wraps one scenario: afterwards checks what every scenario must satisfy.

        On any failure the tail of the bot's log is printed (pytest shows it with the failure).
        Recorded violations are cleared at the end either way, so one failing scenario does
        not fail the next ones in the module.
        """
        assert self.bot.running, "the bot is not running\n" + self.bot.log_tail()
        mark = ScenarioMark(requests=self.standin.mark(), log=self.bot.log_size())
        self._mark = mark
        try:
            yield mark
            await self.check(mark)
        except BaseException:
            print(self.bot.log_tail(), file=sys.stderr)
            raise
        finally:
            self._mark = None
            self.standin.violations.clear()
            self.standin.unexpected.clear()

    async def check(self, mark: ScenarioMark) -> None:
        """What every scenario must satisfy, over the traffic and log since ``mark``."""
        self.standin.assert_clean()
        # Every interaction of the scenario was answered, and in time.
        slow = []
        for iid in mark.interactions:
            record = self.standin.interaction(iid)
            assert record.latency is not None, f"interaction {iid} was never acknowledged"
            self.latencies.append(record.latency)
            if record.latency >= ACK_DEADLINE_S:
                slow.append(f"{iid}: {record.latency:.2f}s")
        assert not slow, f"acknowledged too late: {slow}"
        requests = self.standin.requests[mark.requests :]
        assert_no_pings(requests)
        # The bot never provoked an error from "Discord" other than the failures a test injected.
        errors = [f"{r.method} {r.path} -> {r.status}" for r in requests if (r.status or 0) >= 400 and not r.injected]
        assert not errors, f"requests Discord would have refused: {errors}"
        # Injected failures may be logged as warnings; an ERROR or a traceback is a bug.
        problems = [line for line in self.bot.log_text(mark.log).splitlines() if LOG_PROBLEM.search(line)]
        assert not problems, "the bot logged errors:\n" + "\n".join(problems)

    @property
    def max_latency(self) -> float:
        return max(self.latencies, default=0.0)


def creates_message(request: RecordedRequest) -> bool:
    if request.method == "POST" and any(p.fullmatch(request.path) for p in MESSAGE_ROUTES):
        return True
    if request.method == "POST" and CALLBACK_ROUTE.fullmatch(request.path):
        return isinstance(request.json, Mapping) and request.json.get("type") in MESSAGE_CALLBACKS
    return False


def assert_no_pings(requests: Sequence[RecordedRequest]) -> None:
    """Every message-creating body carries allowed_mentions that parse nothing."""
    bad = []
    for r in requests:
        if not creates_message(r):
            continue
        body = r.json if isinstance(r.json, Mapping) else {}
        if CALLBACK_ROUTE.fullmatch(r.path):
            body = body.get("data") or {}
        mentions = body.get("allowed_mentions")
        if not isinstance(mentions, Mapping) or mentions.get("parse"):
            bad.append(f"{r.method} {r.path}: allowed_mentions={mentions!r}")
    assert not bad, "message bodies that could ping:\n" + "\n".join(bad)


# ---------------------------------------------------------------------------------------------
# Module set-up
# ---------------------------------------------------------------------------------------------


async def configure_newsroom(desk: LiveDesk) -> None:
    """Guild A's editor role = the stand-in's Editors role (EDITOR_USER holds it).

    The editor role is set as a real newsroom would: the server owner (the stand-in gives the
    owner every permission, Manage Server included) runs /settings editor-role.
    """
    async with desk.scenario():
        turn = await desk.slash("settings editor-role", {"role": GUILD_A.editors_role_id}, user=OWNER_USER)
        assert turn.callback_type == 4 and turn.ephemeral
        assert "Editor role saved" in turn.text


@contextlib.asynccontextmanager
async def live_desk(backend: str, workdir: Path) -> AsyncIterator[LiveDesk]:
    """A running bot on a fresh database of ``backend``, torn down afterwards.

    Guild A is seeded with the ATACMS story by ``python -m bot seed`` (as an operator would) and
    gets its editor role; guild B is an empty newsroom.
    """
    database = await make_bot_database(backend, workdir)
    try:
        async with DiscordStandIn() as standin:
            bot = BotProcess(standin, database.url, workdir)
            desk = LiveDesk(standin, database, bot)
            try:
                await bot.run_cli("seed", "--guild", str(GUILD_A.id))
                await bot.start()
                await configure_newsroom(desk)
                yield desk
            finally:
                await bot.stop()
    finally:
        await database.drop()


def module_desk(title: str) -> Any:
    """A module-scoped ``desk`` fixture: one bot process per test module and database backend.

    Scenarios in a module share the process (starting one costs ~2 s); a module's tests must
    therefore not depend on running alone, only on running in file order. Use with
    ``pytestmark = pytest.mark.asyncio(loop_scope="module")`` so tests share the fixture's loop.
    """

    @pytest_asyncio.fixture(loop_scope="module", scope="module", params=BACKENDS, name="desk")
    async def _desk(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> AsyncIterator[LiveDesk]:
        async with live_desk(request.param, tmp_path_factory.mktemp(f"e2e-{title}")) as running:
            yield running
            report_latency(request.config, title, running)

    return _desk


def report_latency(config: pytest.Config, title: str, desk: LiveDesk) -> None:
    """With -v, one line per module and backend: how many interactions, the slowest acknowledgement."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or config.option.verbose <= 0:
        return
    # Fixture teardown runs with output captured; the line is for the terminal, so lift that.
    with capture.global_and_fixture_disabled():
        reporter.write_line(
            f"[e2e {title}/{desk.backend}] {len(desk.latencies)} interactions, "
            f"max ack latency {desk.max_latency * 1000:.0f} ms"
        )
