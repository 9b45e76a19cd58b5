"""Gateway and REST payloads shaped like Discord's: users, roles, channels, members, guilds, messages, interactions."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeAlias

import discord

JSON: TypeAlias = dict[str, Any]

# Interaction types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
# Interaction callback types (Discord "InteractionCallbackType").
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE = 1, 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
EPHEMERAL_FLAG: Final = 1 << 6
LOADING_FLAG: Final = 1 << 7
ATTACHMENT_SIZE_LIMIT: Final = 10 * 1024 * 1024


class Snowflakes:
    """Monotonic, time-based ids, like the ones Discord mints.

    Share one instance per process: ids minted for a "restarted" bot must never collide with ids
    minted before the restart, which Discord guarantees too.
    """

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        now = (time.time_ns() // 1_000_000 - discord.utils.DISCORD_EPOCH) << 22
        self._last = max(now, self._last + 1)
        return self._last


SNOWFLAKES: Final = Snowflakes()


def now_iso(at: dt.datetime | None = None) -> str:
    return (at or dt.datetime.now(dt.UTC)).isoformat()


def new_token() -> str:
    return f"itok-{uuid.uuid4().hex}"


def roundtrip(payload: Any) -> Any:
    # Serialise exactly as a request body would be: catches payloads that could not go over the wire
    # and decouples a recording from objects discord.py may mutate later.
    return json.loads(json.dumps(payload))


def user_payload(user_id: int, username: str, global_name: str | None = None, *, bot: bool = False) -> JSON:
    data: JSON = {
        "id": str(user_id),
        "username": username,
        "global_name": global_name,
        "discriminator": "0",
        "avatar": None,
        "banner": None,
        "accent_color": None,
        "public_flags": 0,
        "flags": 0,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if bot:
        data["bot"] = True
    return data


def role_payload(
    role_id: int,
    name: str,
    permissions: int,
    position: int,
    *,
    managed: bool = False,
    mentionable: bool = False,
    bot_id: int | None = None,
) -> JSON:
    data: JSON = {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": mentionable,
        "flags": 0,
    }
    if bot_id is not None:
        data["tags"] = {"bot_id": str(bot_id)}
    return data


FORUM = 15
THREAD_TYPES = (10, 11, 12)


def thread_payload(
    thread_id: int,
    guild_id: int,
    parent_id: int,
    name: str,
    *,
    owner_id: int,
    kind: int = 11,
    archived: bool = False,
    locked: bool = False,
    permissions: int | None = None,
) -> JSON:
    """A thread (or a forum post) as Discord sends it: its parent, owner and thread metadata."""
    data: JSON = {
        "id": str(thread_id),
        "type": kind,
        "guild_id": str(guild_id),
        "parent_id": str(parent_id),
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "applied_tags": [],
        "thread_metadata": {
            "archived": archived,
            "auto_archive_duration": 1440,
            "archive_timestamp": now_iso(),
            "locked": locked,
        },
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def channel_payload(
    channel_id: int,
    guild_id: int,
    name: str,
    position: int = 0,
    *,
    kind: int = 0,
    topic: str | None = None,
    permissions: int | None = None,
) -> JSON:
    data: JSON = {
        "id": str(channel_id),
        "type": kind,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "parent_id": None,
        "topic": topic,
        "nsfw": False,
        "last_message_id": None,
        "last_pin_timestamp": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }
    if permissions is not None:
        # Interaction payloads carry the invoking user's computed permissions in the channel.
        data["permissions"] = str(permissions)
    return data


def dm_channel_payload(channel_id: int, recipient: JSON) -> JSON:
    return {"id": str(channel_id), "type": 1, "last_message_id": None, "flags": 0, "recipients": [recipient]}


def member_payload(
    user: JSON | None, role_ids: Iterable[int], joined_at: str, *, permissions: int | None = None
) -> JSON:
    """A guild member; ``user`` is None where Discord leaves it out (resolved members)."""
    data: JSON = {
        "nick": None,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in role_ids],
        "joined_at": joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if user is not None:
        data["user"] = user
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def guild_payload(guild_id: int, name: str, owner_id: int, roles: list[JSON], system_channel_id: int | None) -> JSON:
    """A guild as ``GET /guilds/{id}`` returns it (GUILD_CREATE adds the gateway-only fields)."""
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "system_channel_id": str(system_channel_id) if system_channel_id is not None else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "widget_enabled": False,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "features": [],
        "roles": roles,
        "emojis": [],
        "stickers": [],
        "application_id": None,
    }


def guild_create_payload(
    guild: JSON,
    *,
    channels: list[JSON],
    members: list[JSON],
    member_count: int,
    joined_at: str,
    threads: list[JSON] | None = None,
) -> JSON:
    """GUILD_CREATE: the REST guild plus what only the gateway sends."""
    return {
        **guild,
        "joined_at": joined_at,
        "large": False,
        "unavailable": False,
        "member_count": member_count,
        "members": members,
        "channels": channels,
        "threads": threads or [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def ready_payload(
    user: JSON, application_id: int, guild_ids: Iterable[int], *, shard: tuple[int, int] = (0, 1)
) -> JSON:
    """READY listing every guild as unavailable, as Discord does before the GUILD_CREATEs."""
    return {
        "v": 10,
        "user": user,
        "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
        "session_id": uuid.uuid4().hex,
        "resume_gateway_url": "wss://gateway.invalid",
        "shard": list(shard),
        "application": {"id": str(application_id), "flags": 0},
        "private_channels": [],
    }


def message_payload(message_id: int, channel_id: int | str, author: JSON, body: Mapping[str, Any]) -> JSON:
    """A message as Discord returns it after a create, from the request ``body`` that made it."""
    return {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": 0,
        "author": author,
        "content": body.get("content") or "",
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": bool(body.get("tts", False)),
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "flags": int(body.get("flags") or 0),
        "sticker_items": [],
    }


def interaction_payload(
    itype: int,
    data: JSON,
    *,
    application_id: int,
    channel: JSON,
    guild_id: int | None,
    member: JSON | None = None,
    user: JSON | None = None,
    app_permissions: int,
    interaction_id: int | None = None,
    token: str | None = None,
    locale: str = "en-US",
    guild_locale: str = "en-US",
    message: Mapping[str, Any] | None = None,
) -> JSON:
    """An INTERACTION_CREATE: in a guild (``member``) or in a DM with the bot (``user``)."""
    payload: JSON = {
        "id": str(interaction_id or SNOWFLAKES.next()),
        "application_id": str(application_id),
        "type": itype,
        "data": data,
        "token": token or new_token(),
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "channel_id": channel["id"],
        "channel": channel,
        "app_permissions": str(app_permissions),
    }
    if guild_id is not None:
        payload.update(
            guild_id=str(guild_id),
            guild={"id": str(guild_id), "locale": "en-US", "features": []},
            guild_locale=guild_locale,
            member=member,
            authorizing_integration_owners={"0": str(guild_id)},
            context=0,
        )
    else:
        # "0" = a DM with the bot.
        payload.update(user=user, authorizing_integration_owners={"0": "0"}, context=1)
    if message is not None:
        payload["message"] = roundtrip(dict(message))
    return payload


def option_payload(name: str, value: Any, *, kind: int | None = None, focused: bool = False) -> JSON:
    """One command option; without ``kind`` the type is inferred from the Python value."""
    if kind is None:
        kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 10 if isinstance(value, float) else 3
    option: JSON = {"type": kind, "name": name, "value": str(value) if focused else value}
    if focused:
        option["focused"] = True  # autocomplete sends what the user has typed so far, always a string
    return option


def command_data(command_id: int, path: str, options: list[JSON], *, kinds: Iterable[int] = ()) -> JSON:
    """APPLICATION_COMMAND data for ``"name [group] [sub]"``; ``kinds`` are the levels' types, outermost first."""
    names = path.split()
    levels = list(kinds) or [2] * (len(names) - 2) + [1]
    for name, kind in reversed(list(zip(names[1:], levels, strict=False))):
        options = [{"type": kind, "name": name, "options": options}]
    return {"id": str(command_id), "name": names[0], "type": 1, "options": options}


def callback_result(interaction: JSON, ctype: int, message: JSON | None) -> JSON:
    """The body Discord returns for ``POST /interactions/{id}/{token}/callback?with_response=true``."""
    result: JSON = {"interaction": interaction}
    if message is not None:
        interaction.update(
            response_message_id=message["id"],
            response_message_loading=bool(message["flags"] & LOADING_FLAG),
            response_message_ephemeral=bool(message["flags"] & EPHEMERAL_FLAG),
        )
        result["resource"] = {"type": ctype, "message": message}
    return result
