"""Text helpers for Discord output: limits, clipping on word boundaries, mention-safe echoing."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import discord

# Discord's documented limits.
CONTENT_MAX = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_NAME_MAX = 256
EMBED_TOTAL_MAX = 6000
AUTOCOMPLETE_MAX = 25
CHOICE_NAME_MAX = 100

NO_MENTIONS = discord.AllowedMentions.none()
ELLIPSIS = "…"

_MENTION_LIKE = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")


def clip(text: str, limit: int, *, marker: str = ELLIPSIS) -> str:
    """Shorten to at most `limit` characters, cutting at a word boundary, never mid-word."""
    if len(text) <= limit:
        return text
    room = max(limit - len(marker), 0)
    cut = text[:room]
    space = cut.rfind(" ")
    if space >= room // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-\n") + marker


def defang(text: str) -> str:
    """Neutralise mention syntax in echoed text so it reads as text even where mentions would render."""
    return _MENTION_LIKE.sub(lambda m: m.group(0).replace("@", "@\u200b").replace("<", "<\u200b"), text)


# Every character that mention syntax, markdown or a link needs. Most news text has none of them,
# and one scan for them is far cheaper than escape_markdown's alternation of patterns.
_SPECIAL = re.compile(r"[@<_\\~|*`>\[#\-:]")


def inline(text: str) -> str:
    """User text inside our own markdown: escape markdown so it cannot restyle the card."""
    if _SPECIAL.search(text) is None:
        return text
    return discord.utils.escape_markdown(defang(text), as_needed=False)


def link(label: str, url: str | None) -> str:
    """A masked link whose label cannot smuggle another link; plain label when there is no URL."""
    label = inline(label) or "source"
    if not url:
        return label
    safe = url.replace(")", "%29").replace("(", "%28").replace(" ", "%20")
    # Brackets in the label would end the masked link early; the URL is percent-encoded likewise.
    label = label.replace("[", "(").replace("]", ")")
    return f"[{label}]({safe})"


def local_time(moment: dt.datetime, timezone: str) -> str:
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = moment.astimezone(zone)
    return local.strftime("%-d %b %Y %H:%M ") + (local.tzname() or timezone)


def plural(count: int, word: str) -> str:
    """ "1 topic", "2 topics", "1 entry", "2 entries"."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1] + 'ies' if word.endswith('y') else word + 's'}"


def pack_fields(fields: list[tuple[str, str]], *, room: int) -> list[list[tuple[str, str]]]:
    """Fields grouped into pages: each page's names and values fit `room` characters (what the page's
    title, description and footer leave of the message total) and Discord's 25 fields an embed.
    Each field must already be within the name and value limits."""
    pages: list[list[tuple[str, str]]] = [[]]
    used = 0
    for name, value in fields:
        size = len(name) + len(value)
        if pages[-1] and (used + size > room or len(pages[-1]) >= EMBED_FIELDS_MAX):
            pages.append([])
            used = 0
        pages[-1].append((name, value))
        used += size
    return pages
