"""What one dispatch produced, attributed through a ContextVar every task spawned for it inherits."""

from __future__ import annotations

import contextvars
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from bot.simulation.network import RecordedCall
from bot.simulation.payloads import AUTOCOMPLETE_RESULT, CHANNEL_MESSAGE, EPHEMERAL_FLAG, JSON, MODAL, UPDATE_MESSAGE
from bot.simulation.recorder import SimulationError, UnhandledRouteError

if TYPE_CHECKING:
    from tests.harness.base import HarnessBase

HarnessError = SimulationError


class HarnessTimeout(HarnessError):
    """The bot's handling of a dispatch did not finish within the settle timeout."""


CURRENT_REPLY: contextvars.ContextVar[Reply | None] = contextvars.ContextVar("harness_reply", default=None)


@dataclass(eq=False)
class Reply:
    """Everything the bot did (over HTTP) while handling one dispatched interaction.

    Calls are attributed through a ContextVar that every task spawned while handling the interaction
    inherits, so concurrent background traffic never leaks into a reply.
    """

    harness: HarnessBase[Any] = field(repr=False)
    kind: str
    interaction_id: int
    token: str
    payload: JSON = field(repr=False)  # the interaction payload that was dispatched
    calls: list[RecordedCall] = field(default_factory=list)
    task_errors: list[BaseException] = field(default_factory=list)
    unhandled: list[RecordedCall] = field(default_factory=list)
    #: ERROR records discord.py logged while handling it ("Ignoring exception in view ..." etc.):
    #: exceptions discord.py swallows by design, which would otherwise be invisible to a test
    logged_errors: list[logging.LogRecord] = field(default_factory=list)
    #: the ``discord.Interaction`` discord.py built (captured via ``on_interaction``; needs commands.Bot)
    interaction: discord.Interaction[Any] | None = field(default=None, repr=False)
    _final: JSON | None = field(default=None, repr=False)
    _final_allowed_mentions: Any = field(default=None, repr=False)

    # -- raw access ------------------------------------------------------------------------------
    def calls_to(self, method: str, path_regex: str) -> list[RecordedCall]:
        pattern = re.compile(path_regex)
        return [c for c in self.calls if method in ("*", c.method) and pattern.search(c.path)]

    @property
    def callback(self) -> RecordedCall | None:
        """The (first successful) interaction callback, i.e. the initial response."""
        callbacks = [c for c in self.calls if c.is_callback]
        ok = [c for c in callbacks if c.error is None]
        candidates = ok or callbacks
        return candidates[0] if candidates else None

    @property
    def response_type(self) -> int | None:
        cb = self.callback
        return None if cb is None else cb.json["type"]

    @property
    def callback_data(self) -> JSON | None:
        cb = self.callback
        return None if cb is None else cb.json.get("data")

    @property
    def responded(self) -> bool:
        return self.callback is not None and self.callback.error is None

    @property
    def followups(self) -> list[JSON]:
        """Messages returned by followup sends (``interaction.followup.send``), in order."""
        return [
            c.response
            for c in self.calls
            if c.method == "POST"
            and c.via == "webhook"
            and c.path.startswith("/webhooks/")
            and c.error is None
            and isinstance(c.response, dict)
        ]

    @property
    def channel_messages(self) -> list[JSON]:
        """Messages created with the bot token (``channel.send`` and friends)."""
        return [
            c.response
            for c in self.calls
            if c.method == "POST" and re.fullmatch(r"/channels/\d+/messages", c.path) and c.error is None
        ]

    @property
    def modal(self) -> JSON | None:
        return self.callback_data if self.response_type == MODAL else None

    @property
    def choices(self) -> list[JSON] | None:
        if self.response_type != AUTOCOMPLETE_RESULT:
            return None
        return list((self.callback_data or {}).get("choices", []))

    # -- the effective message -------------------------------------------------------------------
    @property
    def final(self) -> JSON | None:
        """The message the user ends up seeing for this interaction (snapshot taken when it settled).

        The initial response message (type 4), or the placeholder of a deferral (type 5) as later edited
        through ``@original`` or filled by the first followup, or the component's message for type 6/7.
        Falls back to the last followup when there is no original response. ``None`` if nothing was sent.
        """
        return self._final

    def _message_field(self, key: str, default: Any) -> Any:
        if self._final is not None:
            return self._final.get(key, default)
        data = self.callback_data
        if data is not None and self.response_type in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            return data.get(key, default)
        return default

    @property
    def content(self) -> str | None:
        return self._message_field("content", None)

    @property
    def embeds(self) -> list[JSON]:
        return list(self._message_field("embeds", []) or [])

    @property
    def components(self) -> list[JSON]:
        return list(self._message_field("components", []) or [])

    @property
    def flags(self) -> int:
        return int(self._message_field("flags", 0) or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL_FLAG)

    @property
    def allowed_mentions(self) -> Any:
        """``allowed_mentions`` of the request that last wrote the final message (None if not sent)."""
        return self._final_allowed_mentions

    @property
    def interaction_failed(self) -> bool:
        """True when the user would see "This interaction failed" (no acknowledgement at all)."""
        return not self.responded

    def raise_harness_errors(self) -> None:
        if self.unhandled:
            routes = ", ".join(f"{c.method} {c.path}" for c in self.unhandled)
            raise UnhandledRouteError(f"{self.kind}: the bot called routes the harness cannot answer: {routes}")
        if self.task_errors:
            raise HarnessError(f"{self.kind}: a task spawned while handling it crashed") from self.task_errors[0]

    def __repr__(self) -> str:
        return (
            f"<Reply {self.kind} type={self.response_type} content={self.content!r} "
            f"embeds={len(self.embeds)} calls={[f'{c.method} {c.path}' for c in self.calls]}>"
        )


class LogCapture(logging.Handler):
    """Attributes discord.py's ERROR log records to the dispatch (task context) that produced them."""

    def __init__(self, harness: HarnessBase[Any]) -> None:
        super().__init__(level=logging.ERROR)
        self._harness = harness

    def emit(self, record: logging.LogRecord) -> None:
        reply = CURRENT_REPLY.get()
        if reply is not None and reply.harness is self._harness:
            reply.logged_errors.append(record)
