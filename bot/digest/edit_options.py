"""Turning /digest edit's options into the changes the edit use case applies: an option left out
keeps its setting, and each given one is cleaned exactly as /digest add cleans it."""

from __future__ import annotations

import discord

from bot.core.errors import InvalidInput
from bot.core.validation import strip_controls
from bot.digest import options as digest_options
from bot.digest.targets import Postable, in_guild, refusal, target_of
from bot.options import bot_of, clean_timezone, requester_of
from bot.services import digests
from bot.services.digest_edit import KEEP, Changes

# `topics:all` goes back to following every topic (a slug can't be left empty to say so).
ALL_TOPICS = "all"


async def checked_channel(
    interaction: discord.Interaction, subscription_id: int, channel: Postable | None, *, publish: bool | None
) -> Postable | None:
    """The channel whose kind and permissions the edit must check, refused as /digest add refuses
    it: the new one, or the digest's own when only `publish` is turned on. None: nothing to check."""
    if channel is None and publish:
        sub = await digests.editor_subscription(
            bot_of(interaction).database, requester_of(interaction), subscription_id
        )
        channel = in_guild(interaction.guild, sub.channel_id)
        if channel is None:
            raise InvalidInput(f"I can't see the channel of digest `#{subscription_id}`; give it a `channel`.")
    if channel is not None and (problem := refusal(channel, publish=bool(publish))) is not None:
        raise InvalidInput(problem)
    return channel


def changes(
    *,
    channel: Postable | None,
    publish: bool | None,
    time: str | None,
    timezone: str | None,
    topics: str | None,
    days: str | None,
    mention_role_id: int | None,
    no_mention: bool,
    post_when_empty: bool | None,
) -> Changes:
    every_topic = topics is not None and strip_controls(topics, multiline=False).strip().lower() == ALL_TOPICS
    return Changes(
        channel_id=channel.id if channel is not None else KEEP,
        target=target_of(channel) if channel is not None else KEEP,
        publish=publish if publish is not None else KEEP,
        local_time=digest_options.clean_time(time) if time is not None else KEEP,
        timezone=clean_timezone(timezone) if timezone is not None else KEEP,
        topic_slugs=None if every_topic else (digest_options.clean_topics(topics) if topics is not None else KEEP),
        weekdays=digest_options.clean_days(days) if days is not None else KEEP,
        mention_role_id=None if no_mention else (mention_role_id if mention_role_id is not None else KEEP),
        post_when_empty=post_when_empty if post_when_empty is not None else KEEP,
    )
