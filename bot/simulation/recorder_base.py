"""What the route table (:mod:`bot.simulation.routes`) needs of the recorder it is part of.

``Recorder`` derives from ``Routes``, which derives from ``RecorderBase``: this class declares the
recorder's state and the message-store methods the routes call, so the route table type-checks on
its own; ``Recorder`` sets the state up and implements the methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.simulation.network import RecordedCall
from bot.simulation.payloads import JSON
from bot.simulation.world import World


@dataclass(slots=True)
class InteractionRecord:
    id: int
    token: str
    type: int
    channel_id: int
    user: JSON
    source_message_id: int | None = None  # the message a component lives on
    acknowledged: bool = False
    original_id: int | None = None  # the message @original refers to
    loading: bool = False  # deferred with a "thinking" placeholder still showing
    followup_ids: list[int] = field(default_factory=list)


class RecorderBase(ABC):
    """State and message-store methods of ``Recorder`` (see ``Recorder.__init__``)."""

    bot: discord.Client
    world: World
    application_id: int
    message_by_id: dict[int, JSON]
    modals_by_custom_id: dict[str, JSON]
    _interactions_by_token: dict[str, InteractionRecord]

    @abstractmethod
    def command_id(self, name: str, guild_id: int | None) -> int: ...

    @abstractmethod
    def messages_in(self, channel: Any) -> list[JSON]: ...

    @abstractmethod
    def set_member_roles(self, guild: Any, user: Any, roles: Any) -> None: ...

    @abstractmethod
    def create_message(
        self,
        channel_id: int,
        body: JSON,
        call: RecordedCall | None,
        *,
        rec: InteractionRecord | None = None,
        extra_flags: int = 0,
    ) -> JSON: ...

    @abstractmethod
    def _edit_message(self, msg: JSON, body: JSON, call: RecordedCall) -> JSON: ...

    @abstractmethod
    def _stored(self, message_id: int) -> JSON: ...

    @abstractmethod
    def _delete(self, message_id: int) -> None: ...
