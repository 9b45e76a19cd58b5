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

from bot.core.digest_targets import Target
from bot.digest import targets
from bot.digest.refs import part_refs
from bot.digest.render import DigestPart
from bot.services.digest_ports import Refused, RetryLater, Where

if TYPE_CHECKING:
    from bot.client import NewsBot

HISTORY_LIMIT = 100
# What a request to Discord can fail with; `classify` sorts them.
FAILURES = (TimeoutError, discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError)
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
    if isinstance(exc, discord.HTTPException) and exc.code == targets.ARCHIVED_THREAD:
        return Refused(
            f"The thread <#{channel_id}> is archived and locked, so I can't post in it; unlock it or pick "
            "another channel with `/digest edit`.",
            _describe(exc),
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
    """Posts through the bot's HTTP client, each request in a slot of the bot's send pacer."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def post(
        self, where: Where, part: Mapping[str, Any], *, nonce: str, mention_role_id: int | None, first_part: bool
    ) -> str:
        """Post one part; Discord drops a repeat of the same nonce from the same bot for a few minutes
        (a forum post takes no nonce: see `targets.open_forum_post`)."""
        digest_part = DigestPart.from_json(dict(part))
        if where.target is Target.FORUM:
            allowed = allowed_mentions(mention_role_id, first_part=first_part)
            try:
                return str(await targets.open_forum_post(self.bot, where, digest_part, allowed=allowed))
            except FAILURES as exc:
                raise classify(exc, where.channel_id) from exc
        return str(
            await post_part(
                self.bot,
                channel_id=where.channel_id,
                part=digest_part,
                nonce=nonce,
                mention_role_id=mention_role_id,
                first_part=first_part,
                publish=where.publish,
            )
        )

    async def find_posted(self, where: Where, *, nonce: str, since: dt.datetime) -> dict[int, str]:
        if where.target is Target.FORUM:
            found: dict[int, str] = {}
            try:
                posts = await targets.forum_posts_titled(self.bot, where)
            except FAILURES as exc:
                raise classify(exc, where.channel_id) from exc
            for post_id in posts:
                found.update(await find_posted(self.bot, channel_id=post_id, nonce=nonce, since=since))
            return found
        return await find_posted(self.bot, channel_id=where.channel_id, nonce=nonce, since=since, publish=where.publish)


async def post_part(
    bot: NewsBot,
    *,
    channel_id: int,
    part: DigestPart,
    nonce: str,
    mention_role_id: int | None,
    first_part: bool,
    publish: bool = False,
) -> int:
    channel = bot.get_partial_messageable(channel_id, type=discord.ChannelType.text)
    await bot.pacer.acquire(channel_id)
    try:
        message = await channel.send(
            content=part.content or None,
            embeds=part.discord_embeds(),
            nonce=nonce,
            allowed_mentions=allowed_mentions(mention_role_id, first_part=first_part),
        )
        if publish:
            await bot.pacer.acquire()
            await targets.publish(message)
    except FAILURES as exc:
        raise classify(exc, channel_id) from exc
    return message.id


async def find_posted(
    bot: NewsBot, *, channel_id: int, nonce: str, since: dt.datetime, publish: bool = False
) -> dict[int, str]:
    """Parts of this delivery already in the channel, by part index, found by the reference in
    their footer (bot messages carry no nonce when read back). With `publish`, a part found but not
    yet published (the process died between posting and publishing) is published now."""
    channel = bot.get_partial_messageable(channel_id, type=discord.ChannelType.text)
    after = discord.Object(id=discord.utils.time_snowflake(since - HISTORY_SLACK))
    found: dict[int, str] = {}
    await bot.pacer.acquire()  # one request: the history's first hundred messages are all it reads
    try:
        async for message in channel.history(limit=HISTORY_LIMIT, after=after, oldest_first=True):
            if bot.user is None or message.author.id != bot.user.id:
                continue
            for ref, number in part_refs({"embeds": [e.to_dict() for e in message.embeds]}):
                if ref == nonce:
                    found[number - 1] = str(message.id)
                    if publish and not message.flags.crossposted:
                        await bot.pacer.acquire()
                        await targets.publish(message)
    except discord.Forbidden:
        # Without Read Message History there is nothing to compare against: resending with the same
        # nonce still lets Discord drop a duplicate of a recent post.
        return found
    except FAILURES as exc:
        raise classify(exc, channel_id) from exc
    return found
