"""The alert runner's Poster through discord.py: the digest's posting and reconciling in channels, a
member's direct messages for follows, and editing a posted alert. Every request waits for its slot
in the bot's send pacer.

A direct message Discord refuses (the member closed their DMs: 403 with code 50007, or they share no
server with the bot) is a refusal like a channel's: that member's follows pause until they `/follow`
again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.core.alert_rules import DM_CLOSED
from bot.core.digest_targets import Target
from bot.digest.delivery import FAILURES, DiscordPoster, classify, find_posted, post_part
from bot.digest.render import DigestPart
from bot.services.digest_ports import Refused, Where

if TYPE_CHECKING:
    from bot.client import NewsBot

CANNOT_DM = 50007  # Discord's "Cannot send messages to this user"


def _dm_refusal(exc: BaseException) -> Exception:
    if isinstance(exc, discord.Forbidden | discord.NotFound) or (
        isinstance(exc, discord.HTTPException) and exc.code == CANNOT_DM
    ):
        return Refused(DM_CLOSED, f"HTTP {getattr(exc, 'status', '?')} {getattr(exc, 'text', '')}".strip())
    return classify(exc, 0)


class DiscordAlertPoster:
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.channels = DiscordPoster(bot)

    async def _dm_channel(self, user_id: int) -> int:
        """The member's DM channel: from discord.py's cache, else opened (one paced request)."""
        try:
            await self.bot.pacer.acquire()
            channel = await self.bot.create_dm(discord.Object(id=user_id))
        except FAILURES as exc:
            raise _dm_refusal(exc) from exc
        return channel.id

    async def post(
        self, where: Where, part: Mapping[str, Any], *, nonce: str, mention_role_id: int | None, first_part: bool
    ) -> str:
        if where.target is not Target.DM:
            return await self.channels.post(
                where, part, nonce=nonce, mention_role_id=mention_role_id, first_part=first_part
            )
        channel_id = await self._dm_channel(where.channel_id)
        try:
            message_id = await post_part(
                self.bot,
                channel_id=channel_id,
                part=DigestPart.from_json(dict(part)),
                nonce=nonce,
                mention_role_id=None,
                first_part=first_part,
            )
        except Refused as exc:
            raise Refused(DM_CLOSED, exc.error) from exc
        return str(message_id)

    async def find_posted(self, where: Where, *, nonce: str, since: dt.datetime) -> dict[int, str]:
        if where.target is not Target.DM:
            return await self.channels.find_posted(where, nonce=nonce, since=since)
        channel_id = await self._dm_channel(where.channel_id)
        try:
            return await find_posted(self.bot, channel_id=channel_id, nonce=nonce, since=since)
        except Refused as exc:
            raise Refused(DM_CLOSED, exc.error) from exc

    async def edit(self, where: Where, message_id: str, part: Mapping[str, Any]) -> None:
        channel_id = await self._dm_channel(where.channel_id) if where.target is Target.DM else where.channel_id
        body = DigestPart.from_json(dict(part))
        message = self.bot.get_partial_messageable(channel_id).get_partial_message(int(message_id))
        try:
            await self.bot.pacer.acquire()
            await message.edit(
                content=body.content or None,
                embeds=body.discord_embeds(),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except FAILURES as exc:
            raise classify(exc, channel_id) from exc
