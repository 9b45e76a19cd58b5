"""Turning /digest edit's options into the changes the edit use case applies: an option left out
keeps its setting, and each given one is cleaned exactly as /digest add cleans it."""

from __future__ import annotations

from bot.core.validation import strip_controls
from bot.digest import options as digest_options
from bot.options import clean_timezone
from bot.services.digest_edit import KEEP, Changes

# `topics:all` goes back to following every topic (a slug can't be left empty to say so).
ALL_TOPICS = "all"


def changes(
    *,
    channel_id: int | None,
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
        channel_id=channel_id if channel_id is not None else KEEP,
        local_time=digest_options.clean_time(time) if time is not None else KEEP,
        timezone=clean_timezone(timezone) if timezone is not None else KEEP,
        topic_slugs=None if every_topic else (digest_options.clean_topics(topics) if topics is not None else KEEP),
        weekdays=digest_options.clean_days(days) if days is not None else KEEP,
        mention_role_id=None if no_mention else (mention_role_id if mention_role_id is not None else KEEP),
        post_when_empty=post_when_empty if post_when_empty is not None else KEEP,
    )
