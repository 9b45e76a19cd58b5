"""Buttons that carry their state in their custom_id, so they keep working after a restart."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.core.errors import InvalidButton
from bot.failures import report
from bot.render.custom_ids import is_unknown_button


class StatefulButton:
    """Mixin for buttons rebuilt from their custom_id; errors go through the shared reporter.

    (DynamicItem insists on a template for every subclass, so the shared part is a mixin.)
    """

    match: re.Match[str]

    def __init__(self, custom_id: str) -> None:
        # A mixin: in the buttons that use it, super() is discord.ui.DynamicItem, which takes the item.
        super().__init__(discord.ui.Button(custom_id=custom_id))  # pyright: ignore[reportCallIssue]

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> Any:
        button = cls(item.custom_id or "")
        button.match = match
        return button

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.handle(interaction, self.match.groupdict())
        except Exception as exc:
            await report(interaction, exc)

    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        raise NotImplementedError


async def refuse_unknown_button(interaction: discord.Interaction) -> None:
    """A click on an id in our format that no button of ours has (discord.py would leave it unanswered)."""
    data = interaction.data if isinstance(interaction.data, dict) else {}
    custom_id = data.get("custom_id")
    if isinstance(custom_id, str) and is_unknown_button(custom_id):
        await report(interaction, InvalidButton())
