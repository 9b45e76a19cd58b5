"""The interactions a harness can deliver: commands, autocomplete, context menus, clicks, modal submits."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.simulation import components, dispatch
from bot.simulation.dispatch import SettleTimeout
from bot.simulation.payloads import JSON, SNOWFLAKES, new_token, roundtrip
from bot.simulation.recorder import DEFAULT, DM
from bot.simulation.recorder_base import InteractionRecord
from bot.simulation.world import Channel, Guild, User, id_of
from tests.harness.base import BotT
from tests.harness.options import CommandOptions
from tests.harness.reply import CURRENT_REPLY, HarnessError, HarnessTimeout, Reply


class Interactions(CommandOptions[BotT]):
    """Part of ``DiscordHarness``: builds INTERACTION_CREATE payloads and waits for the bot to finish."""

    async def slash(
        self,
        command: str,
        options: Mapping[str, Any] | None = None,
        /,
        *,
        user: Any = None,
        guild: Any = DEFAULT,
        channel: Any = None,
        interaction_id: int | None = None,
        token: str | None = None,
        locale: str = "en-US",
        settle_timeout: float | None = None,
    ) -> Reply:
        """Invoke ``/command`` ("group sub" for subcommands) with ``options`` (python or display names)."""
        u, g, ch = self._who_where(user, guild, channel)
        data = self._command_data(command, options or {}, g, u)
        payload, rec = self._interaction_payload(2, data, u, g, ch, interaction_id, token, locale)
        return await self._dispatch(f"/{command}", payload, rec, settle_timeout)

    async def slash_forged(
        self,
        command: str,
        options: Mapping[str, Any],
        forged: Mapping[str, Any],
        /,
        *,
        extra: Sequence[JSON] = (),
        types: Mapping[str, int] | None = None,
        focused: tuple[str, Any] | None = None,
        user: Any = None,
        guild: Any = DEFAULT,
    ) -> Reply:
        """``/command`` with ``options`` as Discord's client would send them, then the values in ``forged``
        put in their place (or added), ``types`` changing option types, and ``extra`` option JSON appended:
        what a forged request, not Discord's client, can send. ``focused`` makes it an autocomplete request."""
        u, g, ch = self._who_where(user, guild, None)
        data = self._command_data(command, options, g, u, focused=focused)
        leaf: list[JSON] = data["options"]
        while leaf and leaf[0]["type"] in (1, 2):
            leaf = leaf[0].setdefault("options", [])
        declared = {p.display_name: p.type.value for p in self._leaf_command(command).parameters}
        for name, value in forged.items():
            found = next((o for o in leaf if o["name"] == name), None)
            if found is None:
                leaf.append({"type": declared.get(name, 3), "name": name, "value": value})
            else:
                found["value"] = value
        for option in leaf:
            option["type"] = (types or {}).get(option["name"], option["type"])
        leaf.extend(copy.deepcopy(list(extra)))
        kind = 4 if focused is not None else 2
        payload, rec = self._interaction_payload(kind, data, u, g, ch, None, None, "en-US")
        return await self._dispatch(f"forged /{command}", payload, rec, None)

    def _leaf_command(self, command: str) -> app_commands.Command[Any, ..., Any]:
        found = next((c for c in self.tree.walk_commands() if c.qualified_name == command), None)
        assert isinstance(found, app_commands.Command), command
        return found

    async def autocomplete(
        self,
        command: str,
        option: str,
        value: Any,
        other_options: Mapping[str, Any] | None = None,
        *,
        user: Any = None,
        guild: Any = DEFAULT,
        channel: Any = None,
        locale: str = "en-US",
        settle_timeout: float | None = None,
    ) -> list[JSON]:
        """Ask for completions of ``option`` typed as ``value``; returns the choices the bot sent."""
        u, g, ch = self._who_where(user, guild, channel)
        data = self._command_data(command, other_options or {}, g, u, focused=(option, value))
        payload, rec = self._interaction_payload(4, data, u, g, ch, None, None, locale)
        reply = await self._dispatch(f"autocomplete /{command} {option}", payload, rec, settle_timeout)
        return reply.choices or []

    async def context_menu(
        self,
        name: str,
        target: Any,
        *,
        user: Any = None,
        guild: Any = DEFAULT,
        channel: Any = None,
        settle_timeout: float | None = None,
    ) -> Reply:
        """Invoke a user command (target = user) or message command (target = message JSON)."""
        u, g, ch = self._who_where(user, guild, channel)
        resolved: JSON = {}
        if isinstance(target, Mapping) and "channel_id" in target:
            kind, target_id = 3, int(target["id"])
            resolved["messages"] = {str(target_id): roundtrip(target)}
        else:
            kind, target_id = 2, id_of(target)
            self._resolve_user(resolved, target_id, g, u)
        cmd = self.tree.get_command(name, guild=discord.Object(g.id) if g else None, type=discord.AppCommandType(kind))
        data: JSON = {
            "id": str(self.command_id(name, g.id if cmd is not None and g else None)),
            "name": name,
            "type": kind,
            "target_id": str(target_id),
            "resolved": resolved,
        }
        if cmd is not None and g is not None:
            data["guild_id"] = str(g.id)
        payload, rec = self._interaction_payload(2, data, u, g, ch, None, None, "en-US")
        return await self._dispatch(f"context menu {name}", payload, rec, settle_timeout)

    async def click(
        self,
        custom_id: str,
        *,
        message: Mapping[str, Any] | int | None = None,
        user: Any = None,
        values: Sequence[Any] | None = None,
        component_type: int | None = None,
        guild: Any = DEFAULT,
        channel: Any = None,
        interaction_id: int | None = None,
        token: str | None = None,
        settle_timeout: float | None = None,
    ) -> Reply:
        """Press a button (or choose ``values`` in a select) with ``custom_id`` on ``message``.

        ``message`` may be a recorded message dict (also one recorded by another harness, e.g. before a
        simulated restart), a message id known to this harness, or None to use the latest known message
        containing ``custom_id`` (a minimal message is synthesised if there is none).
        """
        msg = self._known_message(custom_id, message)
        if channel is None and msg is not None:
            channel = int(msg["channel_id"])
        u, g, ch = self._who_where(user, guild, channel)
        if msg is None:
            msg = self._synthesize_message(custom_id, ch, values, component_type)
        found = components.find(msg.get("components", []), custom_id)
        ctype = component_type or (found["type"] if found else (3 if values is not None else 2))
        data: JSON = {"custom_id": custom_id, "component_type": ctype}
        if found is not None and "id" in found:
            data["id"] = found["id"]
        if ctype != 2:
            data["values"], resolved = self._select_values(ctype, values or [], g, u)
            if resolved:
                data["resolved"] = resolved
        # Keep the store coherent: the message (maybe from a previous bot run) now exists for us too.
        self.message_by_id.setdefault(int(msg["id"]), copy.deepcopy(dict(msg)))
        payload, rec = self._interaction_payload(3, data, u, g, ch, interaction_id, token, "en-US", message=msg)
        return await self._dispatch(f"click {custom_id}", payload, rec, settle_timeout)

    async def submit_modal(
        self,
        custom_id: str,
        values: Mapping[str, str | Sequence[str]],
        *,
        user: Any = None,
        guild: Any = DEFAULT,
        channel: Any = None,
        message: Mapping[str, Any] | None = None,
        settle_timeout: float | None = None,
    ) -> Reply:
        """Submit the modal ``custom_id`` with ``{field custom_id: text (or list of select values)}``.

        The submission mirrors the layout of the modal the bot last sent (action rows or labels), the
        way Discord echoes it; fields not given are submitted with their pre-filled value.
        """
        u, g, ch = self._who_where(user, guild, channel)
        sent = self.modals_by_custom_id.get(custom_id)
        submitted = components.modal_submission(sent, values)
        data: JSON = {"custom_id": custom_id, "components": submitted}
        payload, rec = self._interaction_payload(5, data, u, g, ch, None, None, "en-US", message=message)
        return await self._dispatch(f"modal {custom_id}", payload, rec, settle_timeout)

    async def dispatch(self, payload: JSON, *, settle_timeout: float | None = None) -> Reply:
        """Dispatch a hand-built INTERACTION_CREATE payload (escape hatch for odd cases)."""
        # A hand-built payload's message is not necessarily one this harness stored: no source message.
        rec = self.register({k: v for k, v in payload.items() if k != "message"})
        return await self._dispatch("raw", payload, rec, settle_timeout)

    # -- internals ----------------------------------------------------------------------------------
    def _require_started(self) -> None:
        if not self.live or self._closed:
            raise HarnessError("harness is not running: use `async with DiscordHarness(bot)` or await start()")

    def _who_where(self, user: Any, guild: Any, channel: Any) -> tuple[User, Guild | None, Channel]:
        self._require_started()
        u = self.editor if user is None else self.user(user)
        if channel is not None and guild is DEFAULT:
            ch = self.channel(channel)
            guild = DM if ch.guild_id is None else ch.guild_id
        if guild is DM:
            return u, None, self.dm_channel(u)
        if guild is DEFAULT:
            g = next((g for g in self.world.guilds.values() if g.is_member(u.id)), None)
            if g is None:
                raise ValueError(f"{u.username} is in no fixture guild; pass guild=DM for a DM interaction")
        else:
            g = self.guild(guild)
        if not g.is_member(u.id):
            raise ValueError(f"{u.username} is not a member of {g.name}; Discord would never deliver that")
        ch = g.channel if channel is None else self.channel(channel)
        if ch.guild_id != g.id:
            raise ValueError(f"channel {ch.name} is not in {g.name}")
        return u, g, ch

    def _interaction_payload(
        self,
        itype: int,
        data: JSON,
        user: User,
        guild: Guild | None,
        channel: Channel,
        interaction_id: int | None,
        token: str | None,
        locale: str,
        *,
        message: Mapping[str, Any] | None = None,
    ) -> tuple[JSON, InteractionRecord]:
        if interaction_id is None:
            interaction_id = SNOWFLAKES.next()
        if token is None:
            # A redelivery of the same interaction carries the same token.
            token = self.token_for(interaction_id) or new_token()
        payload = self.world.interaction(
            itype,
            data,
            user,
            guild,
            channel,
            interaction_id=interaction_id,
            token=token,
            locale=locale,
            message=message,
        )
        return payload, self.register(payload)

    async def _dispatch(self, kind: str, payload: JSON, rec: InteractionRecord, settle_timeout: float | None) -> Reply:
        self._require_started()
        reply = Reply(harness=self, kind=kind, interaction_id=rec.id, token=rec.token, payload=payload)
        self.last_reply = reply
        before = set(asyncio.all_tasks())
        ctx = CURRENT_REPLY.set(reply)
        try:
            # A copy, because discord.py mutates parts of the payload while resolving options.
            dispatch.interaction_create(self.bot, copy.deepcopy(payload))
        finally:
            CURRENT_REPLY.reset(ctx)
        await self._settle(before, self.settle_timeout if settle_timeout is None else settle_timeout, reply)
        self._finish(reply, rec)
        if self.strict:
            reply.raise_harness_errors()
        return reply

    async def _settle(self, before: set[asyncio.Task[Any]], limit: float, reply: Reply | None) -> None:
        try:
            tasks = await dispatch.settle(before, limit, self._is_background)
        except SettleTimeout as exc:
            raise HarnessTimeout(str(exc)) from None
        for task in tasks:
            if task.done() and not task.cancelled() and (exc := task.exception()) is not None and reply is not None:
                reply.task_errors.append(exc)

    def _finish(self, reply: Reply, rec: InteractionRecord) -> None:
        final_id: int | None = None
        if rec.original_id is not None and rec.original_id in self.message_by_id:
            final_id = rec.original_id
        elif rec.followup_ids:
            final_id = rec.followup_ids[-1]
        if final_id is not None and final_id in self.message_by_id:
            reply._final = copy.deepcopy(self.message_by_id[final_id])
            reply._final_allowed_mentions = copy.deepcopy(self._allowed_mentions.get(final_id))
