"""How typed text is compared with stored text: speaker lookups, and the fingerprint that makes a
duplicate entry recognisable whatever its spelling of case, spacing and punctuation."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Iterable

# Control characters that are not white space; white space is folded instead. PostgreSQL refuses NUL
# in any text parameter, and stored text never holds them (validation strips them).
DROP_CONTROLS = {c: None for c in range(0xA0) if unicodedata.category(chr(c)) == "Cc" and not chr(c).isspace()}
# Joins the parts of a search text: typed text is whitespace-folded, so it never holds one, and a
# match can never run from one part into the next.
SEPARATOR = "\n"


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "José Ávila" and "jose avila" read the same."""
    if text.isascii():
        # ASCII is its own decomposition and has no combining marks: only case and spacing to fold.
        return " ".join(text.translate(DROP_CONTROLS).casefold().split())
    decomposed = unicodedata.normalize("NFKD", text.translate(DROP_CONTROLS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def speaker_search_text(speaker: str | None, role: str | None, organisation: str | None) -> str | None:
    """A statement's speaker, role and organisation folded, one per line, so a speaker filter is one
    LIKE that matches any of the three."""
    if not speaker:
        return None
    return SEPARATOR.join(fold(part) for part in (speaker, role, organisation) if part)


def _wording(text: str) -> str:
    # Punctuation becomes a space, so "end.Next" and "end. Next" read the same once spaces fold.
    spaced = "".join(" " if unicodedata.category(c).startswith("P") else c for c in fold(text))
    return " ".join(spaced.split())


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def entry_fingerprint(
    *,
    kind: str,
    date_precision: str,
    date_earliest: dt.date,
    date_latest: dt.date,
    status: str | None = None,
    speaker: str | None = None,
    text: str | None = None,
    headline: str | None = None,
) -> str:
    """What makes two entries of a topic the same news: a status change's date and what it says
    (`status`: bot.core.status_axes.status_said; before the two axes, the single status value), a
    statement's speaker, date and words, an event's headline and date. Case, spacing, accents and
    punctuation do not count."""
    date = (date_precision, date_earliest.isoformat(), date_latest.isoformat())
    if kind == "status":
        said: tuple[str, ...] = (status or "",)
    elif kind == "statement":
        said = (_wording(speaker or ""), _wording(text or ""))
    else:
        said = (_wording(headline or ""),)
    return _digest((kind, *date, *said))
