"""Interaction payload builders: part of :class:`tests.e2e.standin.DiscordStandIn`."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.simulation import components as sim_components
from bot.simulation import payloads
from bot.simulation.world import User as UserFixture
from tests.e2e import contracts
from tests.e2e.standin.base import _StandInBase
from tests.e2e.standin.model import (
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_COMMAND,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    JOINED_AT,
    GuildFixture,
)


class _Builders(_StandInBase):
    """Part of ``DiscordStandIn``: interaction payload builders."""

    def _resolve_user(self, user: int | UserFixture | Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        if isinstance(user, UserFixture):
            return user.id, user.payload()
        if isinstance(user, Mapping):
            return int(user["id"]), dict(user)
        return int(user), self._user_payload(int(user))

    def _member_for(self, gid: int, uid: int, user_payload: dict[str, Any], permissions: int | None) -> dict[str, Any]:
        member = copy.deepcopy(self._guilds[gid]["members"].get(uid)) or payloads.member_payload(None, [], JOINED_AT)
        member["user"] = user_payload
        member["permissions"] = str(self._member_permissions(gid, uid) if permissions is None else permissions)
        return member

    def _base_interaction(
        self,
        itype: int,
        guild_id: int | None,
        channel_id: int | None,
        user: int | UserFixture | Mapping[str, Any],
        data: dict[str, Any] | None,
        *,
        permissions: int | None = None,
        locale: str = "en-US",
        message: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        gid = int(guild_id) if guild_id is not None else self.config.guilds[0].id
        fx: GuildFixture = self._guilds[gid]["fixture"]
        cid = int(channel_id) if channel_id is not None else fx.text_channel_id
        uid, user_payload = self._resolve_user(user)
        iid = self._ids.next()
        payload = payloads.interaction_payload(
            itype,
            data or {},
            application_id=self.config.application_id,
            channel=copy.deepcopy(self._channels[cid]),
            guild_id=gid,
            member=self._member_for(gid, uid, user_payload, permissions),
            app_permissions=self._member_permissions(gid, self.config.bot_user.id),
            interaction_id=iid,
            token=f"aW50ZXJhY3Rpb246{iid}:{secrets.token_urlsafe(48)}",
            locale=locale,
            message=message,
        )
        payload["entitlement_sku_ids"] = []
        if data is None:
            del payload["data"]
        return payload

    def _find_command(self, gid: int, name: str, ctype: int = 1) -> dict[str, Any] | None:
        for cmd in self._guild_commands.get(gid, []) + self._global_commands:
            if cmd["name"] == name and cmd["type"] == ctype:
                return cmd
        return None

    @staticmethod
    def _infer_type(value: Any) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        return 3

    def _option_value(self, otype: int, value: Any, gid: int, resolved: dict[str, Any]) -> Any:
        if otype in (6, 7, 8, 9):
            sid = int(value.id if isinstance(value, UserFixture) else value)
            if otype in (6, 9) and (sid in self._users or sid in self._guilds[gid]["members"]):
                user_payload = self._user_payload(sid)
                resolved.setdefault("users", {})[str(sid)] = user_payload
                member = self._member_for(gid, sid, user_payload, None)
                member.pop("user")
                resolved.setdefault("members", {})[str(sid)] = member
            elif otype in (8, 9) and any(r["id"] == str(sid) for r in self._guilds[gid]["roles"]):
                role = next(r for r in self._guilds[gid]["roles"] if r["id"] == str(sid))
                resolved.setdefault("roles", {})[str(sid)] = copy.deepcopy(role)
            elif otype == 7 and sid in self._channels:
                ch = self._channels[sid]
                resolved.setdefault("channels", {})[str(sid)] = {
                    "id": ch["id"],
                    "name": ch["name"],
                    "type": ch["type"],
                    "permissions": str(self._member_permissions(gid, self.config.bot_user.id)),
                    "parent_id": None,
                    "flags": 0,
                }
            return str(sid)
        if otype == 4:
            return int(value)
        if otype == 10:
            return float(value)
        if otype == 5:
            return bool(value)
        return str(value)

    def _build_options(
        self,
        schema: Sequence[Mapping[str, Any]] | None,
        values: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        gid: int,
        resolved: dict[str, Any],
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        if values is None:
            return []
        if not isinstance(values, Mapping):
            return [dict(v) for v in values]  # raw option list: used verbatim
        out: list[dict[str, Any]] = []
        for name, value in values.items():
            decl = next((o for o in schema or [] if o.get("name") == name), None)
            if schema is not None and decl is None:
                raise ValueError(f"option {name!r} is not declared by the registered command")
            otype = int(decl["type"]) if decl else self._infer_type(value)
            if name == focused:
                # Autocomplete sends what the user has typed so far, as a string.
                out.append({"name": name, "type": otype, "value": str(value), "focused": True})
            else:
                out.append({"name": name, "type": otype, "value": self._option_value(otype, value, gid, resolved)})
        return out

    def _command_data(
        self,
        gid: int,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        subcommand: Sequence[str],
        focused: str | None,
    ) -> dict[str, Any]:
        parts = name.split()
        name, path = parts[0], list(parts[1:]) + list(subcommand)
        cmd = self._find_command(gid, name)
        resolved: dict[str, Any] = {}
        schema: list[dict[str, Any]] | None = cmd.get("options", []) if cmd else None
        chain: list[tuple[str, int]] = []
        for part in path:
            decl = next((o for o in schema or [] if o.get("name") == part), None)
            if schema is not None and decl is None:
                raise ValueError(f"subcommand {part!r} of /{name} is not registered")
            chain.append((part, int(decl["type"]) if decl else (2 if len(chain) + 1 < len(path) else 1)))
            schema = decl.get("options", []) if decl else None
        leaf = self._build_options(schema, options, gid, resolved, focused)
        for part, ptype in reversed(chain):
            leaf = [{"name": part, "type": ptype, "options": leaf}]
        data: dict[str, Any] = {
            "id": cmd["id"] if cmd else str(self._ids.next()),
            "name": name,
            "type": 1,
            "options": leaf,
        }
        if cmd and "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def make_slash(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user: int | UserFixture | Mapping[str, Any],
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        subcommand: Sequence[str] = (),
        *,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND (type 2) interaction for ``/name [subcommand...] options``.

        ``name`` may include the subcommand path (``"story create"``). With a Mapping of
        options, types come from the registered command (so values are coerced like Discord
        would send them, and user/role/channel options get ``resolved`` data); unknown option
        names raise ValueError. A sequence of raw option dicts is sent verbatim.
        """
        gid = int(guild_id) if guild_id is not None else self.config.guilds[0].id
        data = self._command_data(gid, name, options, subcommand, None)
        return self._base_interaction(
            INTERACTION_COMMAND, gid, channel_id, user, data, permissions=permissions, locale=locale
        )

    def make_autocomplete(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user: int | UserFixture | Mapping[str, Any],
        name: str,
        options: Mapping[str, Any],
        focused: str,
        subcommand: Sequence[str] = (),
        *,
        permissions: int | None = None,
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND_AUTOCOMPLETE (type 4) interaction; ``focused`` names the option being typed."""
        if focused not in options:
            raise ValueError(f"focused option {focused!r} must be among the options")
        gid = int(guild_id) if guild_id is not None else self.config.guilds[0].id
        data = self._command_data(gid, name, options, subcommand, focused)
        return self._base_interaction(INTERACTION_AUTOCOMPLETE, gid, channel_id, user, data, permissions=permissions)

    def _message_for(self, message: int | Mapping[str, Any]) -> dict[str, Any]:
        if isinstance(message, Mapping):
            mid = int(message["id"])
            stored = self._messages.get(mid)
            return self._render(stored) if stored else {k: v for k, v in message.items() if k != "_deleted"}
        stored = self._messages.get(int(message))
        if stored is None:
            raise ValueError(f"unknown message {message}")
        return self._render(stored)

    @staticmethod
    def _component_custom_ids(components: Iterable[Any]) -> list[tuple[str, int]]:
        top = [c for c in components if isinstance(c, Mapping)]
        return [(c["custom_id"], int(c.get("type", 0))) for c in sim_components.walk(top) if "custom_id" in c]

    def make_component(
        self,
        custom_id: str,
        message: int | Mapping[str, Any],
        *,
        user: int | UserFixture | Mapping[str, Any] | None = None,
        component_type: int | None = None,
        values: Sequence[str] | None = None,
        permissions: int | None = None,
    ) -> dict[str, Any]:
        """A MESSAGE_COMPONENT (type 3) interaction: ``user`` clicks ``custom_id`` on ``message``.

        ``message`` is a message id or payload the bot sent (see :meth:`messages_in`). The
        component type is taken from the message unless given; ``values`` are for selects.
        Raises ValueError if the message has no component with that custom_id.
        """
        msg = self._message_for(message)
        ids = dict(self._component_custom_ids(msg.get("components") or []))
        if custom_id not in ids and component_type is None:
            raise ValueError(f"message {msg['id']} has no component {custom_id!r} (has {sorted(ids)})")
        ctype = component_type or ids[custom_id]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if ctype in contracts.SELECT_TYPES:
            data["values"] = list(values or [])
            if ctype != 3:
                data["resolved"] = {}
        cid = int(msg["channel_id"])
        gid = self.guild_of_channel(cid)
        return self._base_interaction(
            INTERACTION_COMPONENT, gid, cid, user or self.config.editor, data, permissions=permissions, message=msg
        )

    def make_modal_submit(
        self,
        custom_id: str,
        fields: Mapping[str, str],
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user: int | UserFixture | Mapping[str, Any] | None = None,
        message: int | Mapping[str, Any] | None = None,
        permissions: int | None = None,
    ) -> dict[str, Any]:
        """A MODAL_SUBMIT (type 5) interaction with text-input values by custom_id.

        If the bot showed a modal with this custom_id, its layout (action rows or labels) is
        mirrored and the guild/channel/user default to that interaction's; unknown field ids
        raise ValueError.
        """
        origin = next(
            (
                i
                for i in reversed(self._interactions.values())
                if i.modal is not None and i.modal.get("custom_id") == custom_id
            ),
            None,
        )
        components: list[dict[str, Any]] = []
        if origin is not None and origin.modal is not None:
            known: set[str] = set()
            for comp in origin.modal.get("components") or []:
                if comp.get("type") == 1:
                    inner = [c for c in comp.get("components") or [] if c.get("type") == 4]
                    for c in inner:
                        known.add(c["custom_id"])
                    components.append(
                        {
                            "type": 1,
                            "components": [
                                {"type": 4, "custom_id": c["custom_id"], "value": fields.get(c["custom_id"], "")}
                                for c in inner
                            ],
                        }
                    )
                elif comp.get("type") == 18 and (comp.get("component") or {}).get("type") == 4:
                    cid_ = comp["component"]["custom_id"]
                    known.add(cid_)
                    components.append(
                        {"type": 18, "component": {"type": 4, "custom_id": cid_, "value": fields.get(cid_, "")}}
                    )
            extra = set(fields) - known
            if extra:
                raise ValueError(f"modal {custom_id!r} has no text inputs {sorted(extra)}")
            guild_id = guild_id if guild_id is not None else origin.guild_id
            channel_id = channel_id if channel_id is not None else origin.channel_id
            if user is None:
                user = self._interaction_user(origin.payload)
            if message is None and "message" in origin.payload:
                message = origin.payload["message"]
        else:
            components = [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in fields.items()
            ]
        data = {"custom_id": custom_id, "components": components}
        msg = self._message_for(message) if message is not None else None
        return self._base_interaction(
            INTERACTION_MODAL_SUBMIT,
            guild_id,
            channel_id,
            user or self.config.editor,
            data,
            permissions=permissions,
            message=msg,
        )
