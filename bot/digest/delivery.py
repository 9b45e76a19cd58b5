"""The digest runner's Poster through discord.py: posting parts, finding parts already posted, and
sorting failures into the runner's two kinds.

Failures fall in two kinds. A refusal (403 Forbidden, 404 Not Found) will not go away by retrying:
the channel is gone or the bot lost a permission, so the subscription pauses until an editor fixes
it. Anything else (429 after discord.py's own retries, 5xx, timeouts, dropped connections) is
transient and retried with backoff; such a failure may have happened after Discord created the
message, which is why the next attempt reconciles before it resends.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.digest.refs import part_refs
from bot.digest.render import DigestPart
from bot.services.digest_ports import Refused, RetryLater

if TYPE_CHECKING:
    from bot.client import NewsBot

HISTORY_LIMIT = 100
# Parts are posted after the claim; a minute of slack covers clock skew between hosts and Discord.
HISTORY_SLACK = dt.timedelta(minutes=1)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, discord.HTTPException):
        return f"HTTP {exc.status} {exc.text or type(exc).__name__}".strip()
    return f"{type(exc).__name__}: {exc}"


def classify(exc: BaseException, channel_id: int) -> Exception:
    if isinstance(exc, discord.Forbidden):
        return Refused(
            f"Discord refused to let me post in <#{channel_id}> (missing access or permission).", _describe(exc)
        )
    if isinstance(exc, discord.NotFound):
        return Refused(f"The channel <#{channel_id}> no longer exists or I can't see it.", _describe(exc))
    if isinstance(
        exc, discord.HTTPException | discord.RateLimited | aiohttp.ClientError | asyncio.TimeoutError | OSError
    ):
        return RetryLater(_describe(exc))
    raise TypeError(f"not a delivery failure: {exc!r}")


def allowed_mentions(role_id: int | None, *, first_part: bool) -> discord.AllowedMentions:
    """Nothing pings, except the role an editor chose, in the first part only."""
    if role_id is None or not first_part:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(everyone=False, users=False, replied_user=False, roles=[discord.Object(id=role_id)])


class DiscordPoster:
    """Posts through the bot's HTTP client, whose rate limiter paces the runner's senders."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def post(
        self, channel_id: int, part: Mapping[str, Any], *, nonce: str, mention_role_id: int | None, first_part: bool
    ) -> str:
        """Post one part; Discord drops a repeat of the same nonce from the same bot for a few minutes."""
        return str(
            await post_part(
                self.bot,
                channel_id=channel_id,
                part=DigestPart.from_json(dict(part)),
                nonce=nonce,
                mention_role_id=mention_role_id,
                first_part=first_part,
            )
        )

    async def find_posted(self, channel_id: int, *, nonce: str, since: dt.datetime) -> dict[int, str]:
        return await find_posted(self.bot, channel_id=channel_id, nonce=nonce, since=since)


async def post_part(
    bot: NewsBot, *, channel_id: int, part: DigestPart, nonce: str, mention_role_id: int | None, first_part: bool
) -> int:
    channel = bot.get_partial_messageable(channel_id, type=discord.ChannelType.text)
    try:
        message = await channel.send(
            content=part.content or None,
            embeds=part.discord_embeds(),
            nonce=nonce,
            allowed_mentions=allowed_mentions(mention_role_id, first_part=first_part),
        )
    except (TimeoutError, discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError) as exc:
        raise classify(exc, channel_id) from exc
    return message.id


async def find_posted(bot: NewsBot, *, channel_id: int, nonce: str, since: dt.datetime) -> dict[int, str]:
    """Parts of this delivery already in the channel, by part index, found by the reference in
    their footer (bot messages carry no nonce when read back)."""
    channel = bot.get_partial_messageable(channel_id, type=discord.ChannelType.text)
    after = discord.Object(id=discord.utils.time_snowflake(since - HISTORY_SLACK))
    found: dict[int, str] = {}
    try:
        async for message in channel.history(limit=HISTORY_LIMIT, after=after, oldest_first=True):
            if bot.user is None or message.author.id != bot.user.id:
                continue
            for ref, number in part_refs({"embeds": [e.to_dict() for e in message.embeds]}):
                if ref == nonce:
                    found[number - 1] = str(message.id)
    except discord.Forbidden:
        # Without Read Message History there is nothing to compare against: resending with the same
        # nonce still lets Discord drop a duplicate of a recent post.
        return found
    except (TimeoutError, discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError) as exc:
        raise classify(exc, channel_id) from exc
    return found
