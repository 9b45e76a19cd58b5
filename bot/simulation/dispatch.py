"""Gateway events fed through discord.py's own parsers, and the offline half of logging in.

Interactions enter exactly where the websocket reader hands them over,
``ConnectionState.parse_interaction_create``, so the command tree, transformers, checks, views,
dynamic items and modals all run as in production.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import discord
import discord.client
import discord.state

from bot.simulation.payloads import JSON

# Coroutines that legitimately outlive a dispatch (timers, loops). Waiting for them would stall every
# dispatch for the view timeout / delete_after delay, so settling ignores tasks running them.
DEFAULT_BACKGROUND_TASKS: Final = (
    r"__timeout_task_impl$",  # View / Modal timeout timers (BaseView.__timeout_task_impl)
    r"\.inner_call$",  # delete_after= timers on interaction responses and webhook messages
    r"\.delete\.<locals>\.delete$",  # Message.delete(delay=...)
    r"^Loop\._loop$",  # discord.ext.tasks loops
)


@dataclass(slots=True)
class GatewayCall:
    """Something the bot sent over the (absent) gateway, e.g. a presence change."""

    op: str
    data: JSON


class FakeGateway:
    """Stands in for ``Client.ws`` so presence changes etc. are recorded instead of crashing on None."""

    open = False  # makes Client.close() skip the websocket close handshake
    latency = 0.0

    def __init__(self, calls: list[GatewayCall] | None = None) -> None:
        self.calls: list[GatewayCall] = [] if calls is None else calls

    def is_ratelimited(self) -> bool:
        return False

    async def change_presence(
        self, *, activity: discord.BaseActivity | None = None, status: str | None = None, since: float = 0.0
    ) -> None:
        data = {"activities": [activity.to_dict()] if activity else [], "status": status, "since": since}
        self.calls.append(GatewayCall("PRESENCE_UPDATE", data))

    async def request_chunks(self, guild_id: int, query: str | None = None, **kwargs: Any) -> None:
        # Members are all delivered in GUILD_CREATE, so chunking has nothing to add.
        self.calls.append(GatewayCall("REQUEST_GUILD_MEMBERS", {"guild_id": guild_id, **kwargs}))


async def log_in(bot: discord.Client, application_id: int, bot_user: JSON, gateway: FakeGateway | None = None) -> None:
    """What ``login()`` does, minus the network, then ``setup_hook`` (cogs, persistent views, dynamic items)."""
    state = bot._connection
    # Bind asyncio objects to the running loop, only once, like login() does.
    if bot.loop is discord.client._loop:
        await bot._async_setup_hook()
    # What static_login() and application_info() would have filled in.
    if state.application_id is None:
        state.application_id = application_id
    if not state.application_flags:
        state.application_flags = discord.ApplicationFlags()
    state.user = discord.ClientUser(state=state, data=bot_user)  # type: ignore[arg-type]
    if bot.ws is None:
        bot.ws = gateway or FakeGateway()  # type: ignore[assignment]
    await bot.setup_hook()


async def connect(bot: discord.Client, ready: JSON, guilds: Iterable[JSON], *, ready_within: float) -> None:
    """The gateway's READY, then one GUILD_CREATE per guild (built lazily, as they would arrive)."""
    state = bot._connection
    # READY starts a task that waits guild_ready_timeout (2s) after the last GUILD_CREATE before it
    # dispatches on_ready; shrink it so start-up stays fast while using the real code path.
    saved_timeout = state.guild_ready_timeout
    state.guild_ready_timeout = 0.01
    if isinstance(state, discord.state.AutoShardedConnectionState) and not state.shard_ids:
        # What AutoShardedClient.connect() would have set before the shard's READY arrived.
        state.shard_ids = [0]
        state.shard_count = 1
    try:
        state.parse_ready(ready)  # type: ignore[arg-type]
        for guild in guilds:
            state.parse_guild_create(guild)  # type: ignore[arg-type]
        await asyncio.wait_for(bot.wait_until_ready(), timeout=ready_within)
    finally:
        state.guild_ready_timeout = saved_timeout


def guild_create(bot: discord.Client, guild: JSON) -> None:
    bot._connection.parse_guild_create(guild)  # type: ignore[arg-type]


def interaction_create(bot: discord.Client, payload: JSON) -> None:
    """Hand an INTERACTION_CREATE to the bot exactly as the gateway reader does."""
    bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]


def member_add(bot: discord.Client, guild_id: int, member: JSON) -> None:
    bot._connection.parse_guild_member_add({**member, "guild_id": str(guild_id)})  # type: ignore[arg-type]


def member_update(bot: discord.Client, guild_id: int, member: JSON) -> None:
    bot._connection.parse_guild_member_update({**member, "guild_id": str(guild_id)})  # type: ignore[arg-type]


def role_create(bot: discord.Client, guild_id: int, role: JSON) -> None:
    bot._connection.parse_guild_role_create({"guild_id": str(guild_id), "role": role})  # type: ignore[arg-type]


def channel_create(bot: discord.Client, channel: JSON) -> None:
    bot._connection.parse_channel_create(channel)  # type: ignore[arg-type]


def view_store_size(bot: discord.Client) -> tuple[int, int]:
    """(message ids with stored view items, views kept per message) in discord.py's view store."""
    store = bot._connection._view_store
    return len(store._views), len(store._synced_message_views)


class SettleTimeout(TimeoutError):
    """The bot's handling of a dispatch did not finish in time."""


def background_matcher(patterns: Iterable[str] = DEFAULT_BACKGROUND_TASKS) -> Callable[[asyncio.Task[Any]], bool]:
    compiled = [re.compile(p) for p in patterns]

    def is_background(task: asyncio.Task[Any]) -> bool:
        code = getattr(task.get_coro(), "cr_code", None)
        qualname = getattr(code, "co_qualname", "")
        return any(p.search(qualname) for p in compiled)

    return is_background


async def settle(
    before: set[asyncio.Task[Any]], limit: float, is_background: Callable[[asyncio.Task[Any]], bool]
) -> Sequence[asyncio.Task[Any]]:
    """Wait until every task created since ``before`` (transitively) is done; return them.

    discord.py hands each interaction to fresh tasks (tree invoker, view/modal dispatch, event
    listeners) which may spawn more; waiting for "no new unfinished task left" covers all of them
    without knowing their names. Timers and loops (``is_background``) are exempt.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    me = asyncio.current_task()
    seen: set[asyncio.Task[Any]] = set()
    while True:
        pending = {t for t in asyncio.all_tasks() if t not in before and t is not me and not is_background(t)}
        seen |= pending
        if not pending:
            return list(seen)
        remaining = deadline - loop.time()
        if remaining <= 0:
            names = sorted(t.get_name() for t in pending)
            raise SettleTimeout(f"bot still busy after {limit}s: {names} (is it waiting for an event?)")
        await asyncio.wait(pending, timeout=remaining)
