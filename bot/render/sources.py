"""How sourcing reads on the card and in lists: the unsourced mark, background facts with their own
sources, and a summary written before the current status (on either axis)."""

from __future__ import annotations

from typing import Any

from bot.render.text import clip, inline, link, local_time
from bot.services.reader import StatusNow
from db.models import TopicBase


def unsourced_text(reason: str, room: int) -> str:
    """The mark readers see where an entry's or fact's source would be."""
    return clip(f"Unsourced: {inline(reason)}", max(room, 30))


def fact_line(fact: dict[str, Any], *, room: int = 300) -> str:
    """One background fact and its own source."""
    unsourced = fact.get("unsourced")
    if unsourced:
        cited = unsourced_text(str(unsourced), room // 2)
    else:
        cited = link(str(fact.get("source") or ""), fact.get("url")) if fact.get("source") else ""
        if len(cited) > room // 2:
            cited = clip(inline(str(fact.get("source") or "")), room // 2)
    text = clip(inline(str(fact.get("fact", ""))), max(room - len(cited) - 6, 40))
    return f"• {text} ({cited})" if cited else f"• {text}"


def summary_written_before(topic: TopicBase, status: StatusNow) -> bool:
    """Whether the current status was logged after the summary and next step were last written: the
    status change current on either axis (never an expected one, which has not happened), so a new
    decision and a new delivery each call for the summary to be read again."""
    if topic.summary_updated_at is None or not (topic.summary or topic.next_step):
        return False
    written = topic.summary_updated_at
    return any(e is not None and e.created_at > written for e in (status.decision, status.delivery))


def stale_summary_mark(topic: TopicBase, status: StatusNow, timezone: str) -> str | None:
    if not summary_written_before(topic, status) or topic.summary_updated_at is None:
        return None
    written = local_time(topic.summary_updated_at, timezone).rsplit(" ", 2)[0]
    return f"*Summary written before the current status ({written})*"
