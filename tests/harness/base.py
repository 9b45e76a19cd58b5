"""The typed base of :class:`tests.harness.DiscordHarness` and its parts.

``DiscordHarness`` derives from ``Interactions``, which derives from ``CommandOptions``, which
derives from ``HarnessBase``: this class declares the harness state and the fixture look-ups the
parts use, so each part type-checks on its own; ``DiscordHarness`` sets the state up and implements
the look-ups.
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import discord
from discord import app_commands

from bot.simulation.recorder import Recorder
from bot.simulation.world import Channel, Guild, User
from tests.harness.reply import Reply

BotT = TypeVar("BotT", bound=discord.Client)


class HarnessBase(Recorder, Generic[BotT]):
    """State and fixture look-ups of ``DiscordHarness`` (see ``DiscordHarness.__init__``)."""

    bot: BotT
    tree: app_commands.CommandTree[Any]
    settle_timeout: float
    strict: bool
    last_reply: Reply | None
    editor: User
    _closed: bool
    _is_background: Callable[[asyncio.Task[Any]], bool]

    @abstractmethod
    def guild(self, guild: Any) -> Guild: ...

    @abstractmethod
    def user(self, user: Any) -> User: ...

    @abstractmethod
    def channel(self, channel: Any) -> Channel: ...

    @abstractmethod
    def dm_channel(self, user: User) -> Channel: ...
