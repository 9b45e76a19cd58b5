"""Digest targets through discord.py: checking a channel when a digest is added or edited, opening
a forum post per digest and finding one again, and publishing in announcement channels.

A forum post is created by one request that takes no nonce (Discord's Start Thread in Forum Channel
has none), so a process that dies after Discord created the post but before the delivery recorded
it cannot count on Discord to drop the retry. The post's title is fixed per digest and period
(`digest_targets.forum_title`), so the retry first looks for the bot's active post of that title in
the forum and reads its messages for the delivery's reference, as a text channel's history is read.
That covers a crash, a timeout, a dropped connection and the server errors discord.py hands back;
it does not cover the 500, 502 and 504 answers discord.py retries on its own before returning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.core.digest_targets import POSTING, Target
from bot.core.errors import InvalidInput
from bot.digest.options import REQUIRED_PERMISSIONS
from bot.digest.render import DigestPart
from bot.services.digest_ports import Refused, Where

if TYPE_CHECKING:
    from bot.client import NewsBot

ARCHIVED_THREAD = 50083  # Discord: "Operation not allowed on an archived thread" (a locked one)
ALREADY_PUBLISHED = 40033  # Discord: "This message has already been crossposted"
# The kinds of channel a digest can post in, as the slash option offers them.
CHANNEL_TYPES = (
    discord.TextChannel,
    discord.Thread,
    discord.ForumChannel,
)

Postable = discord.TextChannel | discord.Thread | discord.ForumChannel


def target_of(channel: Postable) -> Target:
    if isinstance(channel, discord.ForumChannel):
        return Target.FORUM
    if isinstance(channel, discord.Thread):
        return Target.THREAD
    return Target.ANNOUNCEMENT if channel.is_news() else Target.TEXT


def refusal(channel: Postable, *, publish: bool) -> str | None:
    """Why a digest can't post in `channel` as asked, in the editor's words; None when it can. The
    permissions are checked separately (`missing_permissions`)."""
    target = target_of(channel)
    if publish and target is not Target.ANNOUNCEMENT:
        return f"{channel.mention} is not an announcement channel, so there is nothing to publish; leave `publish` off."
    if isinstance(channel, discord.ForumChannel) and channel.flags.require_tag:
        return (
            f"The forum {channel.mention} requires a tag on every post, and digests post without one. "
            'Turn off "Require people to select tags" in the forum\'s settings, or pick another channel.'
        )
    if isinstance(channel, discord.Thread) and channel.locked:
        return f"The thread {channel.mention} is locked; unlock it or pick another channel."
    return None


def in_guild(guild: discord.Guild | None, channel_id: int) -> Postable | None:
    """The digest's channel or thread from the guild cache, if it is one a digest can post in."""
    found = guild.get_channel_or_thread(channel_id) if guild is not None else None
    return found if isinstance(found, CHANNEL_TYPES) else None


def missing_permissions(channel: Postable | None) -> list[str]:
    """The permissions the bot lacks to post a digest there (from the guild cache, no request)."""
    me = channel.guild.me if channel is not None else None
    if channel is None or me is None:
        return ["View Channel"]
    perms = channel.permissions_for(me)
    needed = [(flag, label) for flag, label in REQUIRED_PERMISSIONS if flag != "send_messages"]
    needed[1:1] = POSTING[target_of(channel)]
    return [label for flag, label in needed if not getattr(perms, flag)]


def cannot_post(channel: Postable, missing: list[str]) -> InvalidInput:
    """The refusal of a channel the bot lacks these permissions in (digests and alerts alike)."""
    permissions = f"{', '.join(missing)} permission{'s' if len(missing) > 1 else ''}"
    return InvalidInput(
        f"I can't post in {channel.mention}: I'm missing the {permissions} there. Grant it and try again."
    )


async def publish(message: discord.Message) -> None:
    """Crosspost to the servers following the announcement channel; done already is done."""
    try:
        await message.publish()
    except discord.HTTPException as exc:
        if exc.code != ALREADY_PUBLISHED:
            raise


async def _forum(bot: NewsBot, channel_id: int) -> discord.ForumChannel:
    channel = bot.get_channel(channel_id)
    if channel is None:
        # Every request the bot makes on its own takes a slot of the send pacer (bot.pacing).
        await bot.pacer.acquire()
        channel = await bot.fetch_channel(channel_id)
    if not isinstance(channel, discord.ForumChannel):
        raise Refused(f"<#{channel_id}> is no longer a forum; pick the digest's channel again.", "not a forum")
    return channel


async def open_forum_post(bot: NewsBot, where: Where, part: DigestPart, *, allowed: discord.AllowedMentions) -> int:
    """A new post in the forum with the digest's first part as its first message; the post's id
    (which is that message's id)."""
    forum = await _forum(bot, where.channel_id)
    await bot.pacer.acquire(where.channel_id)
    created = await forum.create_thread(
        name=where.title, content=part.content or None, embeds=part.discord_embeds(), allowed_mentions=allowed
    )
    return created.thread.id


async def forum_posts_titled(bot: NewsBot, where: Where) -> list[int]:
    """The bot's active posts in the forum with the delivery's title, oldest first."""
    forum = await _forum(bot, where.channel_id)
    await bot.pacer.acquire()
    try:
        threads = await forum.guild.active_threads()
    except discord.Forbidden:
        return []
    me = bot.user.id if bot.user is not None else None
    return sorted(t.id for t in threads if t.parent_id == forum.id and t.name == where.title and t.owner_id == me)
