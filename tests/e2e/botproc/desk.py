"""Driving the running bot: turns, LiveDesk with its per-scenario checks, and the no-pings check."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.botproc.process import (
    ACK_DEADLINE_S,
    CALLBACK_ROUTE,
    HUMAN_PAUSE_S,
    LOG_PROBLEM,
    MESSAGE_CALLBACKS,
    MESSAGE_ROUTES,
    RESPONSE_TIMEOUT_S,
    BotDatabase,
    BotDied,
    BotProcess,
)
from tests.e2e.standin import (
    EDITOR_USER,
    GUILD_A,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    DiscordStandIn,
    GuildFixture,
    InteractionRecord,
    RecordedRequest,
    UserFixture,
)

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
