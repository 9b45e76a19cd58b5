"""Validation of editor input: stated maximum lengths, control characters, mentions, URLs, slugs.

Text is cleaned (control characters removed) and otherwise stored exactly as entered; a value
over its maximum is refused, never truncated.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from bot.core.errors import InvalidInput, echoed

# The stated maximum of every editor field, in characters. Option max_length uses the same numbers.
LIMITS: dict[str, int] = {
    "slug": 32,
    "title": 200,
    "alias": 100,
    "aliases": 600,
    "summary": 1000,
    "next_step": 500,
    "note": 1000,
    "speaker": 100,
    "role": 150,
    "organisation": 150,
    "text": 4000,
    "context": 200,
    "headline": 200,
    "details": 1000,
    "source": 200,
    "url": 500,
    "reason": 500,
    "unit": 50,
    "date": 64,
}
MULTILINE = frozenset({"summary", "note", "text", "details", "reason"})
MAX_ALIASES = 10

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])$")
# @everyone/@here only where they stand alone as a word: inside an e-mail address or a longer word
# ("a@everyone.com") they are text, and what the bot echoes is escaped and never pings anyway.
_MENTION_RE = re.compile(r"(?<![\w.+-])@(everyone|here)(?![\w@-]|\.\w)|<@[!&]?\d+>|<#\d+>|<id:\w+>", re.IGNORECASE)
# Bidirectional overrides and isolates can make stored text display differently from what it says.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_URL_FORBIDDEN = re.compile(r"[\s<>\"`\[\]{}|\\^]")


def strip_controls(value: str, *, multiline: bool) -> str:
    out: list[str] = []
    for ch in value:
        if ch == "\n" and multiline:
            out.append(ch)
        elif ch in "\t\r\n":
            out.append(" " if ch != "\r" else "")
        elif unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS:
            continue
        else:
            out.append(ch)
    return "".join(out)


def clean_text(field: str, value: str | None, *, required: bool = False, label: str | None = None) -> str | None:
    """Cleaned text, None when optional and empty; refuses empty required, overlong and mention text."""
    name = label or field
    if value is None:
        if required:
            raise InvalidInput(f"`{name}` is required.")
        return None
    multiline = field in MULTILINE
    cleaned = strip_controls(value, multiline=multiline)
    cleaned = "\n".join(line.rstrip() for line in cleaned.split("\n")).strip() if multiline else cleaned.strip()
    if not cleaned:
        if required:
            raise InvalidInput(f"`{name}` can't be empty.")
        return None
    limit = LIMITS[field]
    if len(cleaned) > limit:
        raise InvalidInput(f"`{name}` is {len(cleaned)} characters; the maximum is {limit}. Nothing was saved.")
    if _MENTION_RE.search(cleaned):
        raise InvalidInput(
            f"`{name}` contains mention syntax (@everyone, @here or <@…>). Write the name instead; nothing was saved."
        )
    return cleaned


def require_text(field: str, value: str | None, *, label: str | None = None) -> str:
    cleaned = clean_text(field, value, required=True, label=label)
    assert cleaned is not None
    return cleaned


def clean_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    url = strip_controls(value, multiline=False).strip()
    if len(url) > LIMITS["url"]:
        raise InvalidInput(f"`url` is {len(url)} characters; the maximum is {LIMITS['url']}.")
    problem = "it must be a plain http:// or https:// address"
    if _URL_FORBIDDEN.search(url):
        raise InvalidInput(f"`url` is not valid: {problem} without spaces, brackets or markdown.")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise InvalidInput(f"`url` is not valid: {problem}.") from exc
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise InvalidInput(f"`url` is not valid: {problem}.")
    if "." not in host and host != "localhost" and ":" not in host:
        raise InvalidInput("`url` is not valid: the address needs a full host name, e.g. https://www.state.gov/…")
    return url


def clean_slug(value: str) -> str:
    slug = strip_controls(value, multiline=False).strip()
    if not SLUG_RE.fullmatch(slug):
        raise InvalidInput(
            "A slug is 2 to 32 characters of lowercase letters, digits and hyphens "
            "(not starting or ending with a hyphen), e.g. `atacms` or `f16-jets`."
        )
    return slug


def clean_aliases(value: str | None) -> list[str]:
    """Comma-separated aliases: each cleaned, deduplicated case-insensitively, at most ten."""
    if value is None:
        return []
    cleaned = clean_text("aliases", value) or ""
    aliases: list[str] = []
    seen: set[str] = set()
    for raw in cleaned.split(","):
        alias = raw.strip()
        if not alias:
            continue
        if len(alias) > LIMITS["alias"]:
            raise InvalidInput(f"Each alias can be at most {LIMITS['alias']} characters.")
        if alias.casefold() not in seen:
            seen.add(alias.casefold())
            aliases.append(alias)
    if len(aliases) > MAX_ALIASES:
        raise InvalidInput(f"A topic can have at most {MAX_ALIASES} aliases.")
    return aliases


def parse_entry_ref(value: str) -> int:
    text = value.strip().lstrip("#")
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise InvalidInput(f"`{echoed(value, 30)}` is not an entry id. Entry ids look like `#123`.")
    return int(text)
