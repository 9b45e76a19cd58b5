"""What the alert runner needs from outside besides the digest's ports: a Poster that can also edit a
posted message (and reach a member's DMs), and a renderer for alerts and their edits. The discord.py
ones live in `bot.alerts`; tests pass fakes or the real ones against a recorded Discord."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.services.digest_content import DigestContent
from bot.services.digest_ports import Part, Poster, Where


class AlertPoster(Poster, Protocol):
    async def edit(self, where: Where, message_id: str, part: Mapping[str, Any]) -> None:
        """Replace a posted message's content and embeds. Raises Refused (the message or channel is
        gone, or the bot may no longer see it) or RetryLater."""
        ...


class AlertRender(Protocol):
    def parts(self, content: DigestContent, *, zone: ZoneInfo, heading: str, ref: str | None) -> list[Part]:
        """The messages of one alert; `ref` (the delivery's nonce) goes in each footer."""
        ...

    def edited(self, part: Mapping[str, Any], notes: Sequence[str]) -> Part:
        """A posted part with the updates about its entries (undone, retracted, corrected) added."""
        ...
