"""End-to-end: start-up, command registration and restarts of the real bot process.

The module's bot was started once by the fixture on a fresh database, so the first scenario sees
a first start; the later ones restart it on the same database.
"""

from __future__ import annotations

import pytest

from tests.e2e.botproc import LiveDesk, buttons, module_desk
from tests.e2e.standin import (
    EDITOR_USER,
    GUILD_A,
    GUILD_B,
    INTENT_GUILDS,
    PRIVILEGED_INTENTS,
    READER_USER,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

desk = module_desk("lifecycle")

MANAGE_GUILD = 1 << 5
MANAGE_MESSAGES = 1 << 13
READER_COMMANDS = {
    "status",
    "latest",
    "chronology",
    "topics",
    "help",
    "speaker",
    "ask",
    "search",
    "follow",
    "unfollow",
    "following",
}
EDITOR_COMMANDS = {"log", "topic", "entry", "digest", "alert"}
COMMAND_ROUTES = r"/applications/\d+(/guilds/\d+)?/commands(/\d+)?"


async def test_first_start_registers_commands_and_asks_for_no_privileged_intents(desk: LiveDesk) -> None:
    async with desk.scenario():
        standin = desk.standin
        # One bulk overwrite of the global commands, nothing else touching commands.
        writes = [r for r in standin.requests_matching(None, COMMAND_ROUTES) if r.method != "GET"]
        assert [(r.method, r.status) for r in writes] == [("PUT", 200)]
        assert writes[0].path == f"/applications/{standin.config.application_id}/commands"
        registered = {c["name"]: c for c in standin.commands()}
        assert set(registered) == READER_COMMANDS | EDITOR_COMMANDS | {"settings"}
        assert standin.commands(GUILD_A.id) == [] and standin.commands(GUILD_B.id) == []
        for name, command in registered.items():
            assert command["contexts"] == [0], name  # guild only, never in DMs
            if name in READER_COMMANDS:
                assert command["default_member_permissions"] is None, name
            elif name in EDITOR_COMMANDS:
                # Hidden by default from members without Manage Messages (the bot checks anyway).
                assert command["default_member_permissions"] == str(MANAGE_MESSAGES), name
        assert registered["settings"]["default_member_permissions"] == str(MANAGE_GUILD)

        (identify,) = standin.identify_payloads
        assert identify["intents"] == INTENT_GUILDS
        assert not identify["intents"] & PRIVILEGED_INTENTS
        assert identify["shard"] == [0, 1]
        # Without the members intent the bot must not ask for member lists either.
        assert not [f for f in standin.gateway_frames if f.direction == "recv" and f.op == 8]


async def test_restart_does_not_resync_and_old_buttons_still_work(desk: LiveDesk) -> None:
    async with desk.scenario():
        standin = desk.standin
        paged = await desk.slash("latest", {"topic": "atacms", "count": 1}, user=READER_USER)
        page2 = await desk.click(paged.message, "Next", user=READER_USER)
        assert "page 2 of 4" in page2.text
        logged = await desk.slash(
            "log event", {"topic": "atacms", "headline": "Logged just before a crash", "source": "Reuters"}
        )

        # A crash (SIGKILL), then a new process on the same database.
        since, log_start = standin.mark(), desk.bot.log_size()
        await desk.bot.kill()
        await desk.bot.start()
        assert standin.requests_matching(None, COMMAND_ROUTES, since=since) == []
        assert "commands unchanged since last sync; not syncing" in desk.bot.log_text(log_start)
        assert len(standin.identify_payloads) == 2

        # Buttons on messages the previous process sent carry their state in their custom_id.
        page3 = await desk.click(page2.message, "Next", user=READER_USER)
        assert page3.callback_type == 7 and page3.message["id"] == paged.message["id"]
        assert "page 3 of 4" in page3.text and "A former Ukrainian military fighter" in page3.text
        undone = await desk.click(logged.message, "Undo", user=EDITOR_USER)
        assert undone.callback_type == 7 and "Undone" in undone.message["content"]
        assert buttons(undone.message) == {}
        card = await desk.slash("status", {"topic": "atacms"}, user=READER_USER)
        assert "Under review" in card.text


async def test_ctrl_c_stops_the_bot_cleanly(desk: LiveDesk) -> None:
    async with desk.scenario():
        connection = desk.standin.gateway_connections[-1]
        log_start = desk.bot.log_size()
        await desk.bot.stop()
        assert desk.bot.last_exit == 130  # the shell convention for "ended by Ctrl-C"
        # The gateway is closed properly (1000), not just dropped, and no traceback is printed.
        assert connection.close_code == 1000
        assert "Traceback" not in desk.bot.log_text(log_start)
        # Last scenario of the module: the bot stays stopped (restarts are covered above).
