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

from tests.e2e.botproc.desk import (
    LiveDesk,
    ScenarioMark,
    Turn,
    assert_no_pings,
    buttons,
    creates_message,
    embed_text,
    message_text,
)
from tests.e2e.botproc.module_setup import configure_newsroom, live_desk, module_desk, report_latency
from tests.e2e.botproc.process import (
    ACK_DEADLINE_S,
    BACKENDS,
    CALLBACK_ROUTE,
    CLI_TIMEOUT_S,
    HUMAN_PAUSE_S,
    LOG_PROBLEM,
    MESSAGE_CALLBACKS,
    MESSAGE_ROUTES,
    PG_URL,
    PROJECT_ROOT,
    RESPONSE_TIMEOUT_S,
    START_TIMEOUT_S,
    STOP_TIMEOUT_S,
    BotDatabase,
    BotDied,
    BotProcess,
    available_backends,
    make_bot_database,
)
from tests.e2e.botproc.shard import ShardProcess

__all__ = [
    "ACK_DEADLINE_S",
    "BACKENDS",
    "CALLBACK_ROUTE",
    "CLI_TIMEOUT_S",
    "HUMAN_PAUSE_S",
    "LOG_PROBLEM",
    "MESSAGE_CALLBACKS",
    "MESSAGE_ROUTES",
    "PG_URL",
    "PROJECT_ROOT",
    "RESPONSE_TIMEOUT_S",
    "START_TIMEOUT_S",
    "STOP_TIMEOUT_S",
    "BotDatabase",
    "BotDied",
    "BotProcess",
    "LiveDesk",
    "ScenarioMark",
    "ShardProcess",
    "Turn",
    "assert_no_pings",
    "available_backends",
    "buttons",
    "configure_newsroom",
    "creates_message",
    "embed_text",
    "live_desk",
    "make_bot_database",
    "message_text",
    "module_desk",
    "report_latency",
]
