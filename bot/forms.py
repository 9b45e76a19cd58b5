"""Forms (modals) whose state is stored, so a form opened before a restart can still be submitted after it.

discord.py answers a modal's submission only through the Modal object that sent it, which lives in
one process's memory. Here a form's state goes to the database when it opens (bot.services.forms),
its custom_id names the stored form, and every submission, before or after a restart, is answered
from there: the client's ``on_interaction`` hands modal submissions to ``Forms.submit``. The Modal
object is only the form's layout; it is not kept.

A kind of form is registered once (``Forms.register``) with a function that builds its modal from
the stored state and a handler that receives the state and the submitted values.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import discord

from bot.core.errors import FormExpired, InvalidInput
from bot.failures import report
from bot.option_check import length_problem, text_problem
from bot.options import bot_of, requester_of
from bot.render.custom_ids import PREFIX
from bot.services import forms

FORM_PREFIX = f"{PREFIX}:form:"
_FORM_ID = re.compile(rf"{re.escape(FORM_PREFIX)}(?P<token>[A-Za-z0-9_-]{{1,32}})")
TEXT_INPUT = 4

State = dict[str, Any]
Values = dict[str, str]


@dataclass(frozen=True, slots=True)
class FormKind:
    name: str
    modal: Callable[[State], discord.ui.Modal]
    handle: Callable[[discord.Interaction, State, Values], Awaitable[None]]


def form_id(token: str) -> str:
    return f"{FORM_PREFIX}{token}"


def is_form(interaction: discord.Interaction) -> bool:
    data = interaction.data
    custom_id = data.get("custom_id") if isinstance(data, dict) else None
    return (
        interaction.type is discord.InteractionType.modal_submit
        and isinstance(custom_id, str)
        and custom_id.startswith(FORM_PREFIX)
    )


def _text_inputs(components: object) -> Iterator[dict[str, Any]]:
    """The text inputs of a submission, whether in action rows (type 1) or labels (type 18)."""
    if not isinstance(components, list):
        return
    for component in components:
        if not isinstance(component, dict):
            continue
        if component.get("type") == TEXT_INPUT:
            yield component
        yield from _text_inputs(component.get("components"))
        if isinstance(component.get("component"), dict):
            yield from _text_inputs([component["component"]])


def submitted_text(interaction: discord.Interaction) -> str:
    """Everything typed into the form, to hand back when it is refused (never text that cannot be sent)."""
    data = interaction.data if isinstance(interaction.data, dict) else {}
    typed = [c.get("value") for c in _text_inputs(data.get("components"))]
    text = "\n\n".join(v for v in typed if isinstance(v, str) and v)
    return text.encode("utf-8", "replace").decode("utf-8")


def _values(modal: discord.ui.Modal, interaction: discord.Interaction) -> Values:
    """The submitted values, checked against the form's own fields as the option check does options."""
    data = interaction.data if isinstance(interaction.data, dict) else {}
    sent = {c.get("custom_id"): c.get("value", "") for c in _text_inputs(data.get("components"))}
    values: Values = {}
    for item in modal.walk_children():
        if not isinstance(item, discord.ui.TextInput):
            continue
        value = sent.get(item.custom_id, "")
        label = str(item.to_component_dict().get("label") or item.custom_id)
        problem = text_problem(label, value)
        if problem is None and isinstance(value, str):
            low = item.min_length if item.required or value else None
            problem = length_problem(label, value, low, item.max_length)
        if problem is not None:
            raise InvalidInput(f"{problem.rstrip('.')}. Nothing was saved.")
        values[item.custom_id] = str(value)
    return values


class Forms:
    """The kinds of form a bot has, and the way in and out of the database for each form."""

    def __init__(self) -> None:
        self._kinds: dict[str, FormKind] = {}

    def register(self, kind: FormKind) -> None:
        self._kinds[kind.name] = kind

    def unregister(self, name: str) -> None:
        self._kinds.pop(name, None)

    async def open(self, interaction: discord.Interaction, kind: str, state: State) -> None:
        """Store the form's state and show the form; ``state`` must be plain JSON."""
        bot = bot_of(interaction)
        token = await forms.open_form(bot.database, requester_of(interaction), kind=kind, state=state, now=bot.clock())
        modal = self._kinds[kind].modal(state)
        modal.custom_id = form_id(token)
        await interaction.response.send_modal(modal)
        # Every submission is answered from the stored form (`submit`), so discord.py need not keep this.
        modal.stop()

    async def submit(self, interaction: discord.Interaction) -> None:
        """Answer a submitted form from its stored state; an expired or forged one gets the typed text back."""
        try:
            await self._submit(interaction)
        except Exception as exc:
            await report(interaction, exc, submitted=submitted_text(interaction))

    async def _submit(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        requester = requester_of(interaction)
        match = _FORM_ID.fullmatch(str((interaction.data or {}).get("custom_id", "")))
        if match is None:
            raise FormExpired()
        token = match["token"]
        pending = await forms.pending_form(bot.database, requester, token=token, now=bot.clock())
        kind = self._kinds.get(pending.kind)
        if kind is None:
            raise FormExpired()
        try:
            modal = kind.modal(pending.state)
        except (KeyError, TypeError, ValueError):
            # State stored by an earlier version of the form that this one cannot read.
            raise FormExpired() from None
        await kind.handle(interaction, pending.state, _values(modal, interaction))
        await forms.close_form(bot.database, requester, token=token)
