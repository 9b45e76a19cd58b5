"""Buttons that carry their state in their custom_id, so they keep working after a restart."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.failures import report


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
