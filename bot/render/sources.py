"""How sourcing reads on the card and in lists: the unsourced mark, background facts with their own
sources, and a summary written before the current status."""

from __future__ import annotations

from typing import Any

from bot.render.text import clip, inline, link, local_time
from db.models import EntryBase, TopicBase


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


def summary_written_before(topic: TopicBase, status: EntryBase | None) -> bool:
    """Whether the current status was logged after the summary and next step were last written."""
    if status is None or topic.summary_updated_at is None or not (topic.summary or topic.next_step):
        return False
    return status.created_at > topic.summary_updated_at


def stale_summary_mark(topic: TopicBase, status: EntryBase | None, timezone: str) -> str | None:
    if not summary_written_before(topic, status) or topic.summary_updated_at is None:
        return None
    written = local_time(topic.summary_updated_at, timezone).rsplit(" ", 2)[0]
    return f"*Summary written before the current status ({written})*"
