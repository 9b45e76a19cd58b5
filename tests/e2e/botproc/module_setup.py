"""Module set-up: a live desk per test module and database backend, seeded and configured, and its latency report."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.e2e.botproc.desk import LiveDesk
from tests.e2e.botproc.process import BACKENDS, BotProcess, make_bot_database
from tests.e2e.standin import (
    GUILD_A,
    OWNER_USER,
    DiscordStandIn,
    StandInConfig,
)

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
async def live_desk(backend: str, workdir: Path, config: StandInConfig | None = None) -> AsyncIterator[LiveDesk]:
    """A running bot on a fresh database of ``backend``, torn down afterwards.

    Guild A is seeded with the ATACMS story by ``python -m bot seed`` (as an operator would) and
    gets its editor role; guild B is an empty newsroom.
    """
    database = await make_bot_database(backend, workdir)
    try:
        async with DiscordStandIn(config) as standin:
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
