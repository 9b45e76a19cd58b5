"""Application commands, and the message store shared by channel sends and interaction responses.

Part of :class:`tests.e2e.standin.DiscordStandIn`.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping, Sequence
from typing import Any

from bot.simulation.payloads import now_iso
from bot.simulation.world import User as UserFixture
from tests.e2e import contracts
from tests.e2e.standin.base import _StandInBase
from tests.e2e.standin.model import (
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    INTERACTION_COMMAND,
    MESSAGE_FLAG_LOADING,
    InteractionRecord,
    RecordedFile,
    _Call,
    _error,
    _Reply,
    _Stored,
)


class _Commands(_StandInBase):
    """Part of ``DiscordStandIn``: HTTP handlers for application commands."""

    def _command_scope(self, call: _Call) -> tuple[list[dict[str, Any]] | None, int | None, _Reply | None]:
        if int(call.match[1]) != self.config.application_id:
            return None, None, _error(404, 10002, "Unknown Application")
        if "/guilds/" in call.rec.path:
            gid = int(call.match[2])
            if gid not in self._guilds:
                # Discord answers 403 Missing Access for guilds the app is not in.
                return None, gid, _error(403, 50001, "Missing Access")
            return self._guild_commands.setdefault(gid, []), gid, None
        return self._global_commands, None, None

    def _materialise_command(
        self,
        body: Mapping[str, Any],
        gid: int | None,
        existing: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        perms = body.get("default_member_permissions")
        cmd: dict[str, Any] = {
            "id": existing["id"] if existing else str(self._ids.next()),
            "application_id": str(self.config.application_id),
            "version": str(self._ids.next()),
            "type": int(body.get("type") or 1),
            "name": body.get("name"),
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description") or "",
            "description_localizations": body.get("description_localizations"),
            "default_member_permissions": None if perms is None else str(perms),
            "dm_permission": body.get("dm_permission", True),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
            "nsfw": bool(body.get("nsfw", False)),
        }
        if body.get("options"):
            cmd["options"] = copy.deepcopy(body["options"])
        if gid is not None:
            cmd["guild_id"] = str(gid)
        return cmd

    async def _h_list_commands(self, call: _Call) -> _Reply:
        store, _gid, err = self._command_scope(call)
        if err:
            return err
        return _Reply(200, copy.deepcopy(store))

    async def _h_put_commands(self, call: _Call) -> _Reply:
        store, gid, err = self._command_scope(call)
        if err or store is None:
            return err or _error(500, 0, "unreachable")
        rejected = self._violate(contracts.check_command_list(call.body), method="PUT", path=call.rec.path)
        if rejected:
            return _error(400, 50035, "Invalid Form Body", contracts.errors_tree(rejected))
        # Bulk overwrite keeps the ids of commands whose (name, type) survive, like Discord.
        by_key = {(c["name"], c["type"]): c for c in store}
        new = [
            self._materialise_command(b, gid, by_key.get((b.get("name"), int(b.get("type") or 1)))) for b in call.body
        ]
        store[:] = new
        return _Reply(200, copy.deepcopy(new))

    async def _h_post_command(self, call: _Call) -> _Reply:
        store, gid, err = self._command_scope(call)
        if err or store is None:
            return err or _error(500, 0, "unreachable")
        rejected = self._violate(contracts.check_command(call.body), method="POST", path=call.rec.path)
        if rejected:
            return _error(400, 50035, "Invalid Form Body", contracts.errors_tree(rejected))
        key = (call.body.get("name"), int(call.body.get("type") or 1))
        existing = next((c for c in store if (c["name"], c["type"]) == key), None)
        cmd = self._materialise_command(call.body, gid, existing)
        if existing:
            store[store.index(existing)] = cmd
        else:
            if len(store) >= contracts.MAX_COMMANDS:
                self._violation(call, "command.count", "more than 100 commands", rejected=True)
                return _error(400, 30032, "Maximum number of application commands reached (100)")
            store.append(cmd)
        # Discord answers 201 for a new command and 200 for an upsert of an existing one.
        return _Reply(200 if existing else 201, copy.deepcopy(cmd))

    def _find_stored_command(
        self, call: _Call
    ) -> tuple[list[dict[str, Any]] | None, dict[str, Any] | None, _Reply | None]:
        store, _gid, err = self._command_scope(call)
        if err or store is None:
            return None, None, err
        cid = call.match.groups()[-1]
        cmd = next((c for c in store if c["id"] == cid), None)
        if cmd is None:
            return store, None, _error(404, 10063, "Unknown application command")
        return store, cmd, None

    async def _h_get_command(self, call: _Call) -> _Reply:
        _store, cmd, err = self._find_stored_command(call)
        return err or _Reply(200, copy.deepcopy(cmd))

    async def _h_patch_command(self, call: _Call) -> _Reply:
        store, cmd, err = self._find_stored_command(call)
        if err or store is None or cmd is None:
            return err or _error(500, 0, "unreachable")
        merged = {**cmd, **(call.body or {})}
        rejected = self._violate(contracts.check_command(merged), method="PATCH", path=call.rec.path)
        if rejected:
            return _error(400, 50035, "Invalid Form Body", contracts.errors_tree(rejected))
        gid = int(cmd["guild_id"]) if "guild_id" in cmd else None
        new = self._materialise_command(merged, gid, cmd)
        store[store.index(cmd)] = new
        return _Reply(200, copy.deepcopy(new))

    async def _h_delete_command(self, call: _Call) -> _Reply:
        store, cmd, err = self._find_stored_command(call)
        if err or store is None or cmd is None:
            return err or _error(500, 0, "unreachable")
        store.remove(cmd)
        return _Reply(204)

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Registered commands: global ones, or those of ``guild_id``."""
        store = self._global_commands if guild_id is None else self._guild_commands.get(guild_id, [])
        return copy.deepcopy(store)

    # -----------------------------------------------------------------------------------------
    # Messages (storage shared by channel sends, interaction responses and follow-ups)
    # -----------------------------------------------------------------------------------------

    def _attachments_from(self, channel_id: int, files: Sequence[RecordedFile]) -> list[dict[str, Any]]:
        out = []
        for f in files:
            aid = self._ids.next()
            name = f.filename or "file"
            url = f"https://cdn.discordapp.com/attachments/{channel_id}/{aid}/{name}"
            out.append(
                {
                    "id": str(aid),
                    "filename": name,
                    "size": f.size,
                    "url": url,
                    "proxy_url": url,
                    "content_type": f.content_type,
                }
            )
        return out

    def _embeds_from(self, embeds: Any) -> list[dict[str, Any]]:
        out = []
        for e in embeds or []:
            if isinstance(e, Mapping):
                # Discord stores every bot embed as "rich" and echoes the rest back.
                out.append({"type": "rich", **copy.deepcopy(dict(e)), "content_scan_version": 0})
        return out

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
    ) -> _Stored:
        author_payload = author.payload() if isinstance(author, UserFixture) else dict(author)
        msg: dict[str, Any] = {
            "id": str(self._ids.next()),
            "channel_id": str(channel_id),
            "type": mtype,
            "content": body.get("content") or "",
            "author": author_payload,
            "attachments": self._attachments_from(channel_id, files),
            "embeds": self._embeds_from(body.get("embeds")),
            "components": copy.deepcopy(body.get("components") or []),
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(body.get("tts")),
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "flags": flags,
        }
        if body.get("poll"):
            msg["poll"] = copy.deepcopy(body["poll"])
        if isinstance(body.get("message_reference"), Mapping):
            ref = body["message_reference"]
            msg["message_reference"] = {
                "type": 0,
                "channel_id": str(ref.get("channel_id", channel_id)),
                "message_id": str(ref.get("message_id")),
                "guild_id": str(self.guild_of_channel(channel_id)),
            }
        if webhook:
            msg["webhook_id"] = str(self.config.application_id)
            msg["application_id"] = str(self.config.application_id)
        if interaction is not None:
            msg["interaction_metadata"] = self._interaction_metadata(interaction)
            if interaction.type == INTERACTION_COMMAND:
                msg["interaction"] = {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "name": (interaction.payload.get("data") or {}).get("name", ""),
                    "user": self._interaction_user(interaction.payload),
                }
        stored = _Stored(
            msg=msg,
            guild_id=self.guild_of_channel(channel_id),
            author_id=int(author_payload["id"]),
            created_at=asyncio.get_running_loop().time(),
            nonce=nonce,
            interaction_id=interaction.id if interaction else None,
        )
        self._messages[stored.id] = stored
        return stored

    @staticmethod
    def _interaction_user(payload: Mapping[str, Any]) -> dict[str, Any]:
        if "member" in payload:
            return copy.deepcopy(payload["member"]["user"])
        return copy.deepcopy(payload.get("user") or {})

    def _interaction_metadata(self, inter: InteractionRecord) -> dict[str, Any]:
        data = inter.payload.get("data") or {}
        meta: dict[str, Any] = {
            "id": str(inter.id),
            "type": inter.type,
            "user": self._interaction_user(inter.payload),
            "authorizing_integration_owners": copy.deepcopy(inter.payload.get("authorizing_integration_owners", {})),
        }
        if inter.type == INTERACTION_COMMAND:
            meta["name"] = data.get("name", "")
            meta["command_type"] = data.get("type", 1)
        if inter.original_message_id is not None:
            meta["original_response_message_id"] = str(inter.original_message_id)
        if "message" in inter.payload:
            meta["interacted_message_id"] = inter.payload["message"]["id"]
        return meta

    def _apply_edit(self, stored: _Stored, body: Mapping[str, Any], files: Sequence[RecordedFile]) -> None:
        msg = stored.msg
        if "content" in body:
            msg["content"] = body["content"] or ""
        if "embeds" in body:
            msg["embeds"] = self._embeds_from(body["embeds"])
        if "components" in body:
            msg["components"] = copy.deepcopy(body["components"] or [])
        if "attachments" in body or files:
            keep_ids = {str(a.get("id")) for a in body.get("attachments") or [] if isinstance(a, Mapping)}
            kept = [a for a in msg["attachments"] if a["id"] in keep_ids]
            msg["attachments"] = kept + self._attachments_from(stored.channel_id, files)
        # Editing a deferred ("thinking") response turns it into a normal message.
        msg["flags"] = int(msg.get("flags", 0)) & ~MESSAGE_FLAG_LOADING
        msg["edited_timestamp"] = now_iso()

    def _render(self, stored: _Stored, *, with_nonce: bool = False) -> dict[str, Any]:
        msg = copy.deepcopy(stored.msg)
        # Discord does not persist nonces: only the create response (and MESSAGE_CREATE) carry it.
        if with_nonce and stored.nonce is not None:
            msg["nonce"] = stored.nonce
        return msg

    async def _emit_message(self, stored: _Stored, event: str, *, with_nonce: bool = False) -> None:
        if not self.config.echo_message_events or stored.guild_id is None or stored.ephemeral:
            return
        if event == "MESSAGE_DELETE":
            data: dict[str, Any] = {
                "id": str(stored.id),
                "channel_id": str(stored.channel_id),
                "guild_id": str(stored.guild_id),
            }
        else:
            data = self._render(stored, with_nonce=with_nonce)
            data["guild_id"] = str(stored.guild_id)
            member = self._guilds[stored.guild_id]["members"].get(stored.author_id)
            if member is not None:
                data["member"] = {k: copy.deepcopy(v) for k, v in member.items() if k != "user"}
        session = self._session_for_guild(stored.guild_id)
        if session is None or not session.intents & INTENT_GUILD_MESSAGES:
            return
        if (
            event != "MESSAGE_DELETE"
            and stored.author_id != self.config.bot_user.id
            and not (session.intents & INTENT_MESSAGE_CONTENT)
        ):
            # Without MESSAGE_CONTENT, other users' content is blanked (the bot's own is not).
            data.update({"content": "", "embeds": [], "attachments": [], "components": []})
        await self._dispatch(session, event, data)

    def messages_in(
        self,
        channel_id: int,
        *,
        include_deleted: bool = False,
        include_ephemeral: bool = True,
    ) -> list[dict[str, Any]]:
        """Messages in a channel, oldest first (copies). Deleted/ephemeral ones are optional."""
        out = []
        for stored in sorted(self._messages.values(), key=lambda s: s.id):
            if stored.channel_id != int(channel_id):
                continue
            if (stored.deleted and not include_deleted) or (stored.ephemeral and not include_ephemeral):
                continue
            msg = self._render(stored)
            msg["_deleted"] = stored.deleted  # stand-in bookkeeping, not a Discord field
            out.append(msg)
        return out

    def message(self, message_id: int) -> dict[str, Any] | None:
        stored = self._messages.get(int(message_id))
        return None if stored is None else self._render(stored)

    async def add_user_message(self, channel_id: int, user: int | UserFixture, content: str) -> dict[str, Any]:
        """A message posted by a human (e.g. the reader) -- delivered to the bot as MESSAGE_CREATE."""
        fx = user if isinstance(user, UserFixture) else self._users[int(user)]
        stored = self._store_message(channel_id=channel_id, author=fx, body={"content": content})
        await self._emit_message(stored, "MESSAGE_CREATE")
        return self._render(stored)
