"""Command options, selections and targets, built and resolved the way Discord's client would send them."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Mapping, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.simulation import components
from bot.simulation.payloads import JSON, SNOWFLAKES, roundtrip
from bot.simulation.world import Channel, Guild, User, id_of
from tests.harness.base import BotT, HarnessBase


class CommandOptions(HarnessBase[BotT]):
    """Part of ``DiscordHarness``: turns Python values into option, resolved and component data."""

    def _command_data(
        self,
        path: str,
        values: Mapping[str, Any],
        guild: Guild | None,
        user: User,
        *,
        focused: tuple[str, Any] | None = None,
    ) -> JSON:
        parts = path.split()
        if not parts:
            raise ValueError("empty command name")
        root_name = parts[0]
        guild_obj = discord.Object(guild.id) if guild is not None else None
        node: Any = self.tree.get_command(root_name, guild=guild_obj) if guild_obj else None
        command_guild_id = guild.id if node is not None and guild is not None else None
        if node is None:
            node = self.tree.get_command(root_name)
        if node is None:
            known = sorted(c.qualified_name for c in self.tree.walk_commands(guild=guild_obj))
            known += sorted(c.qualified_name for c in self.tree.walk_commands())
            raise ValueError(f"no slash command {root_name!r} (known: {known})")
        chain = [node]
        for part in parts[1:]:
            child = node.get_command(part) if isinstance(node, app_commands.Group) else None
            if child is None:
                raise ValueError(f"{node.qualified_name!r} has no subcommand {part!r}")
            node = child
            chain.append(node)
        if not isinstance(node, app_commands.Command):
            raise ValueError(f"{path!r} is a group; name a subcommand")

        resolved: JSON = {}
        leaf_options = self._leaf_options(node, values, guild, user, resolved, focused)
        # Wrap the leaf options into SUB_COMMAND (1) / SUB_COMMAND_GROUP (2) levels, innermost first.
        options = leaf_options
        for depth in range(len(chain) - 1, 0, -1):
            level = chain[depth]
            options = [{"type": 1 if depth == len(chain) - 1 else 2, "name": level.name, "options": options}]
        data: JSON = {
            "id": str(self.command_id(root_name, command_guild_id)),
            "name": root_name,
            "type": 1,
            "options": options,
        }
        if resolved and focused is None:  # Discord sends no resolved data with autocomplete
            data["resolved"] = resolved
        if command_guild_id is not None:
            data["guild_id"] = str(command_guild_id)
        return data

    def _leaf_options(
        self,
        command: app_commands.Command[Any, ..., Any],
        values: Mapping[str, Any],
        guild: Guild | None,
        user: User,
        resolved: JSON,
        focused: tuple[str, Any] | None,
    ) -> list[JSON]:
        params = command.parameters
        by_name: dict[str, app_commands.Parameter] = {}
        for p in params:
            by_name[p.display_name] = p
            by_name[p.name] = p
        given = dict(values)
        if focused is not None:
            if focused[0] not in by_name:
                raise ValueError(f"/{command.qualified_name} has no option {focused[0]!r}")
            given.pop(focused[0], None)
        unknown = [k for k in given if k not in by_name]
        if unknown:
            raise ValueError(
                f"/{command.qualified_name} has no options {unknown}; it takes {[p.display_name for p in params]}"
            )
        chosen = {by_name[k].display_name: (by_name[k], v) for k, v in given.items()}
        if focused is None:
            missing = [p.display_name for p in params if p.required and p.display_name not in chosen]
            if missing:
                raise ValueError(f"/{command.qualified_name} requires {missing} (Discord would not let it be sent)")
        options: list[JSON] = []
        for p in params:  # Discord sends options in declaration order
            if focused is not None and by_name[focused[0]] is p:
                # The focused value is whatever text the user has typed so far, always a string.
                options.append(
                    {"type": p.type.value, "name": p.display_name, "value": str(focused[1]), "focused": True}
                )
            elif p.display_name in chosen:
                value = self._option_value(p, chosen[p.display_name][1], guild, user, resolved)
                options.append({"type": p.type.value, "name": p.display_name, "value": value})
        return options

    def _option_value(
        self, p: app_commands.Parameter, value: Any, guild: Guild | None, user: User, resolved: JSON
    ) -> Any:
        t = p.type
        T = discord.AppCommandOptionType
        if isinstance(value, app_commands.Choice):
            value = value.value
        elif isinstance(value, enum.Enum):
            value = next((c.value for c in p.choices if c.name == value.name), value.value)
        if t is T.string:
            out: Any = str(value)
        elif t is T.integer:
            out = int(value)
        elif t is T.number:
            out = float(value)
        elif t is T.boolean:
            if not isinstance(value, bool):
                raise TypeError(f"option {p.display_name} is a boolean, got {value!r}")
            out = value
        elif t is T.user:
            out = str(self._resolve_user(resolved, id_of(value), guild, user))
        elif t is T.role:
            out = str(self._resolve_role(resolved, id_of(value), guild))
        elif t is T.channel:
            out = str(self._resolve_channel(resolved, id_of(value), user, guild))
        elif t is T.mentionable:
            target = id_of(value)
            if target in self.world.users:
                self._resolve_user(resolved, target, guild, user)
            else:
                self._resolve_role(resolved, target, guild)
            out = str(target)
        elif t is T.attachment:
            out = str(self._resolve_attachment(resolved, value))
        else:
            raise TypeError(f"unsupported option type {t!r}")
        # Discord enforces choices and ranges client-side, so such values can never reach the bot.
        if p.choices and out not in [c.value for c in p.choices]:
            raise ValueError(f"{out!r} is not a choice of {p.display_name}: {[c.value for c in p.choices]}")
        measured = len(out) if t is T.string else out
        if t in (T.string, T.integer, T.number):
            if p.min_value is not None and measured < p.min_value:
                raise ValueError(f"{p.display_name}={out!r} is below the minimum {p.min_value}")
            if p.max_value is not None and measured > p.max_value:
                raise ValueError(f"{p.display_name}={out!r} is above the maximum {p.max_value}")
        return out

    def _user_payload_any(self, user_id: int) -> JSON:
        if user_id in self.world.users:
            return self.world.users[user_id].payload()
        cached = self.bot.get_user(user_id)
        if cached is None:
            raise ValueError(f"unknown user {user_id}")
        return {
            "id": str(cached.id),
            "username": cached.name,
            "global_name": cached.global_name,
            "discriminator": cached.discriminator,
            "avatar": None,
            "bot": cached.bot,
            "public_flags": 0,
        }

    def _resolve_user(self, resolved: JSON, user_id: int, guild: Guild | None, invoker: User) -> int:
        resolved.setdefault("users", {})[str(user_id)] = self._user_payload_any(user_id)
        if guild is not None and guild.is_member(user_id):
            member = guild.member_payload(self.world.users[user_id], with_user=False, with_permissions=True)
            resolved.setdefault("members", {})[str(user_id)] = member
        return user_id

    def _resolve_role(self, resolved: JSON, role_id: int, guild: Guild | None) -> int:
        payload: JSON | None = None
        for g in self.world.guilds.values():
            with contextlib.suppress(KeyError):
                payload = g.role_by_id(role_id).payload()
        if payload is None:
            role = guild and (bot_guild := self.bot.get_guild(guild.id)) and bot_guild.get_role(role_id)
            if not role:
                raise ValueError(f"unknown role {role_id}")
            payload = {
                "id": str(role.id),
                "name": role.name,
                "color": role.color.value,
                "hoist": role.hoist,
                "position": role.position,
                "permissions": str(role.permissions.value),
                "managed": role.managed,
                "mentionable": role.mentionable,
                "flags": 0,
            }
        resolved.setdefault("roles", {})[str(role_id)] = payload
        return role_id

    def _resolve_channel(self, resolved: JSON, channel_id: int, user: User, guild: Guild | None) -> int:
        if channel_id in self.world.channels:
            ch = self.world.channels[channel_id]
            perms = self.world.guilds[ch.guild_id].permissions_for(user.id) if ch.guild_id in self.world.guilds else 0
            payload = ch.payload(permissions=perms)
        else:
            cached: Any = self.bot.get_channel(channel_id)
            if cached is None:
                raise ValueError(f"unknown channel {channel_id}")
            perms = guild.permissions_for(user.id) if guild else 0
            payload = {
                "id": str(cached.id),
                "name": getattr(cached, "name", ""),
                "type": cached.type.value,
                "permissions": str(perms),
                "parent_id": str(cached.category_id) if getattr(cached, "category_id", None) else None,
            }
        resolved.setdefault("channels", {})[str(channel_id)] = payload
        return channel_id

    def _resolve_attachment(self, resolved: JSON, value: Any) -> int:
        """``value``: an attachment JSON dict, or ``(filename, bytes)`` which the CDN will serve."""
        if isinstance(value, Mapping):
            payload = roundtrip(dict(value))
        else:
            filename, data = value
            att_id = SNOWFLAKES.next()
            url = f"https://cdn.discordapp.com/ephemeral-attachments/{att_id}/{filename}"
            self.cdn_files[url] = bytes(data)
            payload = {"id": str(att_id), "filename": filename, "size": len(data), "url": url, "proxy_url": url}
        resolved.setdefault("attachments", {})[payload["id"]] = payload
        return int(payload["id"])

    def _select_values(
        self, ctype: int, values: Sequence[Any], guild: Guild | None, user: User
    ) -> tuple[list[str], JSON]:
        resolved: JSON = {}
        if ctype == 3:  # string select
            return [str(v) for v in values], resolved
        out: list[str] = []
        for v in values:
            target = id_of(v)
            if ctype == 5 or (ctype == 7 and target in self.world.users):
                self._resolve_user(resolved, target, guild, user)
            elif ctype == 6 or ctype == 7:
                self._resolve_role(resolved, target, guild)
            elif ctype == 8:
                self._resolve_channel(resolved, target, user, guild)
            out.append(str(target))
        return out, resolved

    def _known_message(self, custom_id: str, message: Mapping[str, Any] | int | None) -> Mapping[str, Any] | None:
        if isinstance(message, int):
            return self._stored(message)
        if message is not None:
            return message
        for msg in reversed(list(self.message_by_id.values())):
            if components.find(msg.get("components", []), custom_id) is not None:
                return msg
        return None

    def _synthesize_message(
        self, custom_id: str, channel: Channel, values: Sequence[Any] | None, component_type: int | None
    ) -> JSON:
        """A bot message carrying just this component, for buttons posted by a previous process."""
        ctype = component_type or (3 if values is not None else 2)
        component: JSON = {"type": ctype, "custom_id": custom_id}
        if ctype == 2:
            component.update(style=1, label=custom_id)
        else:
            component.update(min_values=1, max_values=max(1, len(values or [])))
            if ctype == 3:
                component["options"] = [{"label": str(v), "value": str(v)} for v in values or []]
        body = {"content": "", "components": [{"type": 1, "components": [component]}]}
        return self.create_message(channel.id, body, None)
