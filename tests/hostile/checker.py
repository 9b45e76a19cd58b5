"""Checking one interaction: who acts, the errors logged, and the Checker that asserts the suite's promises."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from typing import Any

from db.engine import Database
from tests.harness import GUILD_A_ID, GUILD_B_ID, DiscordHarness, Reply, UserFixture
from tests.hostile.database_state import Fingerprint, fingerprint, fingerprint_diff, of_newsroom, state_problems
from tests.hostile.messages import choice_problems, is_refusal, message_bodies, message_problems, modal_problems


# --------------------------------------------------------------------------------------------------
# Who acts
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Actor:
    label: str
    user: UserFixture
    guild_id: int
    editor: bool

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        return f"{self.label}@{'A' if self.guild_id == GUILD_A_ID else 'B'}"


def actors_of(h: DiscordHarness[Any]) -> list[Actor]:
    return [
        Actor("editor", h.editor, GUILD_A_ID, True),
        Actor("reader", h.reader, GUILD_A_ID, False),
        Actor("admin", h.admin, GUILD_A_ID, True),  # Manage Server: editor and settings manager
        Actor("outsider", h.other_guild_user, GUILD_B_ID, True),  # editor of guild B only
    ]


# --------------------------------------------------------------------------------------------------
# Checking one interaction
# --------------------------------------------------------------------------------------------------
class ErrorLog(logging.Handler):
    """Collects ERROR records from every logger (the bot's own error reporter logs there)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        out = [self.format(r) for r in self.records]
        self.records.clear()
        return out


@contextlib.contextmanager
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def reply_problems(reply: Reply, *, autocomplete: bool = False) -> list[str]:
    problems: list[str] = []
    if reply.task_errors:
        problems += [f"task crashed: {e!r}" for e in reply.task_errors]
    if reply.unhandled:
        problems.append(f"unhandled routes: {reply.unhandled}")
    problems += [
        f"discord.py logged: {r.getMessage()} {r.exc_info[1] if r.exc_info else ''}" for r in reply.logged_errors
    ]
    if not reply.responded:
        problems.append("the interaction was never acknowledged (the user sees 'This interaction failed')")
    if autocomplete:
        if reply.response_type != 8:
            problems.append(f"autocomplete answered with callback type {reply.response_type}")
        problems += choice_problems(reply.choices or [])
        return problems
    for what, body in message_bodies(reply):
        problems += [f"{what}: {p}" for p in message_problems(body)]
    if reply.modal is not None:
        problems += [f"modal: {p}" for p in modal_problems(reply.modal)]
    return problems


class Checker:
    """Runs one interaction and asserts everything the suite promises about it."""

    def __init__(self, harness: DiscordHarness[Any], database: Database, log: ErrorLog) -> None:
        self.harness = harness
        self.database = database
        self.log = log
        self.interactions = 0
        self.state: Fingerprint = {}  # the database as the last interaction left it

    async def interact(self, actor: Actor, send: Awaitable[Reply], *, what: str, autocomplete: bool = False) -> Reply:
        """Await ``send`` (an interaction not yet started: a coroutine runs only once awaited) and check it."""
        # Every write goes through here (the scheduler is off), so the last snapshot is still current; a
        # stale one could only blame the wrong interaction, never hide a write.
        everything = self.state or await fingerprint(self.database)
        self.log.take()
        reply = await send
        self.interactions += 1
        problems = reply_problems(reply, autocomplete=autocomplete)
        problems += [f"logged: {line}" for line in self.log.take()]
        after = self.state = await fingerprint(self.database)
        if not actor.editor and after != everything:
            problems.append(f"a non-editor changed the database:\n{fingerprint_diff(everything, after)}")
        if not autocomplete and is_refusal(reply) and after != everything:
            problems.append(f"a refusal ({reply.content!r}) still wrote:\n{fingerprint_diff(everything, after)}")
        for guild_id in (GUILD_A_ID, GUILD_B_ID):
            if guild_id != actor.guild_id and of_newsroom(after, guild_id) != of_newsroom(everything, guild_id):
                diff = fingerprint_diff(of_newsroom(everything, guild_id), of_newsroom(after, guild_id))
                problems.append(f"an interaction in guild {actor.guild_id} changed newsroom {guild_id}:\n{diff}")
        problems += state_problems(after)
        if problems:
            shown = "\n  - ".join(problems)
            raise AssertionError(f"{what} by {actor!r} -> {reply!r}\n  - {shown}")
        return reply
