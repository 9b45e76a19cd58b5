"""Turning /digest options into validated values, and checking the bot can post in a channel."""

from __future__ import annotations

from bot.core.errors import InvalidInput
from bot.core.schedule import ScheduleError, format_local_time, parse_days, parse_local_time
from bot.core.validation import strip_controls

# What posting a digest needs, in the words Discord's permission settings use.
REQUIRED_PERMISSIONS = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)
MAX_TOPICS = 25


def clean_time(value: str) -> str:
    try:
        return format_local_time(parse_local_time(value))
    except ScheduleError as exc:
        raise InvalidInput(str(exc)) from exc


def clean_days(value: str | None) -> list[int] | None:
    try:
        days = parse_days(strip_controls(value, multiline=False) if value else None)
    except ScheduleError as exc:
        raise InvalidInput(str(exc)) from exc
    return sorted(days) if days is not None else None


def clean_topics(value: str | None) -> list[str] | None:
    """Comma-separated slugs; the database check says which ones the newsroom does not have."""
    if value is None:
        return None
    slugs = [s.strip().lower() for s in strip_controls(value, multiline=False).split(",")]
    slugs = list(dict.fromkeys(s for s in slugs if s))
    if not slugs:
        return None
    if len(slugs) > MAX_TOPICS:
        raise InvalidInput(f"A digest can follow at most {MAX_TOPICS} topics; leave `topics` empty to follow all.")
    return slugs
