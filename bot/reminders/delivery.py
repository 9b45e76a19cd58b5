"""The reminder runner's poster through discord.py: one message per notice, each request in a slot of
the bot's send pacer, failures sorted as the digest's are (bot.digest.delivery.classify)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.digest.delivery import FAILURES, HISTORY_LIMIT, HISTORY_SLACK, classify
from bot.reminders.render import ref_of, render
from bot.render.text import NO_MENTIONS

if TYPE_CHECKING:
    from bot.client import NewsBot


class DiscordReminderPoster:
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def post(self, channel_id: int, notice: Mapping[str, Any], *, nonce: str) -> int:
        content, embed, view = render(notice, nonce)
        channel = self.bot.get_partial_messageable(channel_id, type=discord.ChannelType.text)
        await self.bot.pacer.acquire(channel_id)
        try:
            if view is None:
                message = await channel.send(content=content, embed=embed, nonce=nonce, allowed_mentions=NO_MENTIONS)
            else:
                message = await channel.send(
                    content=content, embed=embed, view=view, nonce=nonce, allowed_mentions=NO_MENTIONS
                )
        except FAILURES as exc:
            raise classify(exc, channel_id) from exc
        return message.id

    async def find_posted(self, channel_id: int, *, nonce: str, since: dt.datetime) -> int | None:
        channel = self.bot.get_partial_messageable(channel_id, type=discord.ChannelType.text)
        after = discord.Object(id=discord.utils.time_snowflake(since - HISTORY_SLACK))
        await self.bot.pacer.acquire()
        try:
            async for message in channel.history(limit=HISTORY_LIMIT, after=after, oldest_first=True):
                if self.bot.user is None or message.author.id != self.bot.user.id:
                    continue
                if ref_of([e.to_dict() for e in message.embeds]) == nonce:  # pyright: ignore[reportArgumentType]
                    return message.id
        except discord.Forbidden:
            # Without Read Message History: posting again with the same nonce still lets Discord drop
            # a repeat of a recent post.
            return None
        except FAILURES as exc:
            raise classify(exc, channel_id) from exc
        return None
