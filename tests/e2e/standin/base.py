"""The typed base every part of :class:`tests.e2e.standin.DiscordStandIn` derives from.

The stand-in is split into parts (recording, HTTP plumbing, gateway, commands, channels,
interactions, builders) that share one set of state and call each other. This class declares that
shared state and the methods one part calls on another, so each part type-checks on its own; the
state is set up by ``DiscordStandIn.__init__`` and the methods are implemented by the parts named
in each group below.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.simulation.limits import DiscordLimits
from bot.simulation.payloads import Snowflakes
from bot.simulation.world import User as UserFixture
from tests.e2e.contracts import Problem
from tests.e2e.standin.model import (
    ContractViolation,
    GatewayConnection,
    GatewayFrame,
    GatewaySession,
    InteractionRecord,
    RecordedFile,
    RecordedRequest,
    StandInConfig,
    Unexpected,
    _Call,
    _Conn,
    _Failure,
    _Handler,
    _Reply,
    _Stored,
)


class _StandInBase(ABC):
    """Shared state and cross-part methods of ``DiscordStandIn``."""

    # Public records (see DiscordStandIn.__init__).
    config: StandInConfig
    requests: list[RecordedRequest]
    violations: list[ContractViolation]
    unexpected: list[Unexpected]
    gateway_connections: list[GatewayConnection]
    gateway_frames: list[GatewayFrame]
    identify_payloads: list[dict[str, Any]]
    presence_updates: list[dict[str, Any]]
    sessions: dict[str, GatewaySession]
    ack_heartbeats: bool
    limits: DiscordLimits | None  # Discord's request limits, when the config turns them on

    # Internal state.
    _ids: Snowflakes
    _conns: list[_Conn]
    _conn_ids: itertools.count[int]
    _failures: list[_Failure]
    _refuse_gateway: int
    _invalid_alarmed: bool
    _changed: asyncio.Event
    _timers: list[asyncio.TimerHandle]
    _tasks: set[asyncio.Task[Any]]
    _interactions: dict[int, InteractionRecord]
    _tokens: dict[str, int]
    _messages: dict[int, _Stored]
    _nonces: dict[tuple[int, str], tuple[int, float]]
    _global_commands: list[dict[str, Any]]
    _guild_commands: dict[int, list[dict[str, Any]]]
    _users: dict[int, UserFixture]
    _guilds: dict[int, dict[str, Any]]
    _channels: dict[int, dict[str, Any]]
    _routes: list[tuple[str, re.Pattern[str], _Handler, bool, str]]

    # Server (server.py): addresses and fixture data.

    @property
    @abstractmethod
    def gateway_url(self) -> str: ...

    @property
    @abstractmethod
    def resume_gateway_url(self) -> str: ...

    @abstractmethod
    def _guild_rest_payload(self, gid: int) -> dict[str, Any]: ...

    @abstractmethod
    def _guild_create_payload(self, gid: int, intents: int) -> dict[str, Any]: ...

    @abstractmethod
    def _member_permissions(self, gid: int, user_id: int) -> int: ...

    @abstractmethod
    def guild_of_channel(self, channel_id: int) -> int | None: ...

    @abstractmethod
    def _user_payload(self, user_id: int) -> dict[str, Any]: ...

    # Recording (recording.py).

    @abstractmethod
    def _notify(self) -> None: ...

    @abstractmethod
    def _violate(
        self,
        problems: Iterable[Problem],
        *,
        method: str = "",
        path: str = "",
        interaction_id: int | None = None,
    ) -> list[Problem]: ...

    @abstractmethod
    def _violation(
        self, call: _Call | None, rule: str, message: str, *, interaction_id: int | None = None, rejected: bool = False
    ) -> None: ...

    @abstractmethod
    def _unexpected(self, reason: str, rec: RecordedRequest | None = None) -> None: ...

    @abstractmethod
    def _take_failure(self, method: str, path: str) -> _Failure | None: ...

    # Holds (holds.py): the hold of a request, if a test asked for one.
    @abstractmethod
    def _take_hold(self, method: str, path: str) -> Any: ...

    @abstractmethod
    def _failure_reply(self, failure: _Failure, bucket: str) -> _Reply: ...

    # HTTP plumbing (http.py).

    @abstractmethod
    def _token_ok(self, token: Any) -> bool: ...

    # Gateway (gateway.py).

    @abstractmethod
    async def _dispatch(self, session: GatewaySession, event: str, data: Any) -> None: ...

    @abstractmethod
    def _session_for_guild(self, guild_id: int | None) -> GatewaySession | None: ...

    # Messages (commands.py).

    @abstractmethod
    def _store_message(
        self,
        *,
        channel_id: int,
        author: UserFixture | dict[str, Any],
        body: Mapping[str, Any],
        files: Sequence[RecordedFile] = (),
        mtype: int = 0,
        flags: int = 0,
        webhook: bool = False,
        interaction: InteractionRecord | None = None,
        nonce: str | int | None = None,
    ) -> _Stored: ...

    @staticmethod
    @abstractmethod
    def _interaction_user(payload: Mapping[str, Any]) -> dict[str, Any]: ...

    @abstractmethod
    def _apply_edit(self, stored: _Stored, body: Mapping[str, Any], files: Sequence[RecordedFile]) -> None: ...

    @abstractmethod
    def _render(self, stored: _Stored, *, with_nonce: bool = False) -> dict[str, Any]: ...

    @abstractmethod
    async def _emit_message(self, stored: _Stored, event: str, *, with_nonce: bool = False) -> None: ...

    # Channels (channels.py).

    @abstractmethod
    def _message_problems(self, call: _Call, body: Any, *, creating: bool) -> _Reply | None: ...
