"""Run the real bot without Discord: feed it interaction payloads, capture what it would send.

Interactions go through discord.py's own entry point (`ConnectionState.parse_interaction_create`),
so the command tree, checks, views and modals are the production code paths. Only the network is
replaced: the bot's REST client and the webhook adapter that interaction responses travel through.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import discord
import discord.webhook.async_ as webhook_async
from discord.http import Route

from bot.client import NewsBot

# Fixed ids for the demo newsroom: stable across runs, so data logged in one session reads back in the next.
DEMO_GUILD_ID = 100000000000000001
DEMO_CHANNEL_ID = DEMO_GUILD_ID + 10
DEMO_EDITOR_ROLE_ID = DEMO_GUILD_ID + 1
DEMO_USER_ID = 100000000000000100
BOT_USER_ID = 100000000000000900
MANAGE_GUILD = 1 << 5
READER_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, read_message_history=True, use_application_commands=True
).value
BOT_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, read_message_history=True
).value


@dataclass(slots=True)
class Shown:
    """One thing the bot showed: a message (possibly ephemeral), a modal, or autocomplete choices."""

    kind: str  # "message" | "modal" | "choices"
    data: dict[str, Any]
    ephemeral: bool = False
    edited: bool = False


@dataclass(slots=True)
class Outcome:
    shown: list[Shown] = field(default_factory=list)


class _Adapter(webhook_async.AsyncWebhookAdapter):
    """Interaction callbacks, follow-ups and @original edits arrive here instead of Discord."""

    def __init__(self, offline: OfflineDiscord) -> None:
        super().__init__()
        self.offline = offline

    async def request(
        self,
        route: Route,
        session: Any,
        *,
        payload: dict[str, Any] | None = None,
        multipart: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> Any:
        return self.offline.handle_webhook(route, _body(payload, multipart))


def _body(payload: dict[str, Any] | None, multipart: list[dict[str, Any]] | None) -> dict[str, Any]:
    if payload is not None:
        return payload
    for part in multipart or []:
        if part.get("name") == "payload_json":
            return json.loads(part["value"])
    return {}


# Timers that outlive an interaction by design (view and modal timeouts, delete_after, task loops).
_TIMER_SUFFIXES = ("__timeout_task_impl", "inner_call", "Loop._loop")


def _is_work(task: asyncio.Task[Any]) -> bool:
    if task is asyncio.current_task() or task.done():
        return False
    name = getattr(task.get_coro(), "__qualname__", "")
    return not name.endswith(_TIMER_SUFFIXES)


class OfflineDiscord:
    def __init__(self, bot: NewsBot, *, guild_name: str = "Demo newsroom", editor: bool = True) -> None:
        self.bot = bot
        self.guild_name = guild_name
        self.editor = editor
        self._ids = itertools.count(int(dt.datetime.now(dt.UTC).timestamp() * 1000 - 1420070400000) << 22)
        self._current: Outcome | None = None
        self.messages: dict[int, dict[str, Any]] = {}
        self._types: dict[str, int] = {}

    def snowflake(self) -> int:
        return next(self._ids)

    # ---- start-up: what login() and the gateway's READY + GUILD_CREATE would do ----
    async def start(self) -> None:
        bot = self.bot
        state = bot._connection
        await bot._async_setup_hook()
        state.application_id = BOT_USER_ID
        state.user = discord.ClientUser(state=state, data=self._bot_user())
        bot.http.request = self._http_request  # type: ignore[method-assign]
        webhook_async.async_context.set(_Adapter(self))
        await bot.setup_hook()
        state.parse_guild_create(self._guild_payload())

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": str(BOT_USER_ID),
            "username": "Newsdesk",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
        }

    def _user(self) -> dict[str, Any]:
        return {
            "id": str(DEMO_USER_ID),
            "username": "console",
            "discriminator": "0",
            "global_name": "You",
            "avatar": None,
        }

    def _roles(self) -> list[dict[str, Any]]:
        def role(role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
            return {
                "id": str(role_id),
                "name": name,
                "permissions": str(permissions),
                "position": position,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }

        return [role(DEMO_GUILD_ID, "@everyone", READER_PERMISSIONS, 0), role(DEMO_EDITOR_ROLE_ID, "Editors", 0, 1)]

    def _channel(self) -> dict[str, Any]:
        return {
            "id": str(DEMO_CHANNEL_ID),
            "type": 0,
            "name": "newsroom",
            "guild_id": str(DEMO_GUILD_ID),
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }

    def member(self) -> dict[str, Any]:
        roles = [str(DEMO_EDITOR_ROLE_ID)] if self.editor else []
        permissions = READER_PERMISSIONS | (MANAGE_GUILD if self.editor else 0)
        return {
            "user": self._user(),
            "roles": roles,
            "joined_at": "2023-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(permissions),
        }

    def _guild_payload(self) -> dict[str, Any]:
        bot_member = {
            "user": self._bot_user(),
            "roles": [],
            "joined_at": "2023-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
        return {
            "id": str(DEMO_GUILD_ID),
            "name": self.guild_name,
            "icon": None,
            "owner_id": str(DEMO_USER_ID),
            "roles": self._roles(),
            "channels": [self._channel()],
            "members": [bot_member],
            "member_count": 2,
            "features": [],
            "emojis": [],
            "stickers": [],
            "large": False,
            "unavailable": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "system_channel_flags": 0,
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "voice_states": [],
            "presences": [],
            "joined_at": "2023-01-01T00:00:00+00:00",
        }

    # ---- the network, replaced ----
    async def _http_request(self, route: Route, **kwargs: Any) -> Any:
        body = kwargs.get("json") or _body(None, kwargs.get("form"))
        if route.method == "POST" and route.path.endswith("/messages"):
            message = self._message(body)
            self._show(Shown("message", message))
            return message
        if route.method == "GET" and route.path.endswith("/messages"):
            return []
        if route.method == "GET" and "/channels/" in route.path:
            return self._channel()
        return {}

    def handle_webhook(self, route: Route, body: dict[str, Any]) -> Any:
        path = route.path
        if path.endswith("/callback"):
            kind = body.get("type")
            data = body.get("data") or {}
            interaction_id = route.url.rsplit("/", 3)[-3]
            # discord.py asks for the callback's resource (with_response) and reads it back.
            result: dict[str, Any] = {"interaction": {"id": interaction_id, "type": self._types.get(interaction_id, 2)}}
            if kind in (4, 7):
                message = self._message(data)
                ephemeral = bool((data.get("flags") or 0) & 64)
                self._show(Shown("message", message, ephemeral=ephemeral, edited=kind == 7))
                result["interaction"].update(
                    response_message_id=message["id"],
                    response_message_loading=False,
                    response_message_ephemeral=ephemeral,
                )
                result["resource"] = {"type": kind, "message": message}
            elif kind == 5:
                result["interaction"].update(response_message_loading=True)
            elif kind == 8:
                self._show(Shown("choices", data))
                return None
            elif kind == 9:
                self._show(Shown("modal", data))
            return result
        message = self._message(body)
        if route.method == "PATCH":
            self._show(Shown("message", message, edited=True))
        elif route.method == "POST":
            self._show(Shown("message", message, ephemeral=bool((body.get("flags") or 0) & 64)))
        return message

    def _message(self, body: dict[str, Any]) -> dict[str, Any]:
        message_id = self.snowflake()
        message = {
            "id": str(message_id),
            "channel_id": str(DEMO_CHANNEL_ID),
            "author": self._bot_user(),
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "flags": body.get("flags") or 0,
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "pinned": False,
            "type": 0,
            "allowed_mentions": body.get("allowed_mentions"),
        }
        self.messages[message_id] = message
        return message

    def _show(self, shown: Shown) -> None:
        if self._current is not None:
            self._current.shown.append(shown)

    # ---- dispatch ----
    def base_payload(self, kind: int, data: dict[str, Any]) -> dict[str, Any]:
        interaction_id = str(self.snowflake())
        self._types[interaction_id] = kind
        return {
            "id": interaction_id,
            "application_id": str(BOT_USER_ID),
            "type": kind,
            "data": data,
            "guild_id": str(DEMO_GUILD_ID),
            "channel_id": str(DEMO_CHANNEL_ID),
            "channel": self._channel(),
            "member": self.member(),
            "token": f"console-{self.snowflake()}",
            "version": 1,
            "app_permissions": str(BOT_PERMISSIONS),
            "locale": "en-GB",
            "guild_locale": "en-GB",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(DEMO_GUILD_ID)},
            "context": 0,
            "attachment_size_limit": 8388608,
        }

    async def dispatch(self, payload: dict[str, Any], *, limit: float = 30.0) -> Outcome:
        """Deliver one interaction and wait until everything it started has finished."""
        outcome = Outcome()
        self._current = outcome
        before = asyncio.all_tasks()
        try:
            self.bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
            async with asyncio.timeout(limit):
                while pending := [t for t in asyncio.all_tasks() - before if _is_work(t)]:
                    await asyncio.wait(pending)
        finally:
            self._current = None
        return outcome

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.bot.close()
