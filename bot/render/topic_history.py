"""A topic's own history (its edits and background-fact changes) as readers read an entry's: fields by
the names editors type, who and when in the newsroom's zone, before and after, paged within limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.render import custom_ids
from bot.render.history import history_page, record_field
from bot.render.sources import fact_line
from bot.render.text import clip, inline, plural
from db.models import AuditRecord, Topic

# Topic columns -> the option names of /topic edit.
_LABELS = {"title": "Title", "slug": "Slug", "aliases": "Aliases", "summary": "Summary", "next_step": "Next step"}
_SIDE_MAX = 300


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    return inline(clip(str(value), _SIDE_MAX))


def _facts(state: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    return {fact.get("id"): fact for fact in state.get("background") or [] if isinstance(fact, dict)}


def _fact_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old, new = _facts(before), _facts(after)
    lines: list[str] = []
    for fact_id in [*old, *(i for i in new if i not in old)]:
        was, now = old.get(fact_id), new.get(fact_id)
        if was == now:
            continue
        if was is None or now is None:
            verb, fact = ("added", now) if was is None else ("removed", was)
            assert fact is not None
            lines.append(f"**Background fact #{fact_id}** {verb}: {fact_line(fact, room=_SIDE_MAX)[2:]}")
            continue
        for key, label in (("fact", "text"), ("source", "source"), ("url", "URL"), ("unsourced", "unsourced")):
            if was.get(key) != now.get(key):
                lines.append(f"**Background fact #{fact_id} {label}**: {_value(was.get(key))} → {_value(now.get(key))}")
    return lines


def topic_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """One line for each field that changed, and one for each background fact added, removed or corrected."""
    before, after = before or {}, after or {}
    lines = [
        f"**{label}**: {_value(before.get(column))} → {_value(after.get(column))}"
        for column, label in _LABELS.items()
        if before.get(column) != after.get(column)
    ]
    if before.get("archived") != after.get("archived"):
        lines.append(
            f"**Archived**: {'yes' if before.get('archived') else 'no'} → {'yes' if after.get('archived') else 'no'}"
        )
    return lines + _fact_changes(before, after)


def topic_history(
    topic: Topic, records: Sequence[AuditRecord], *, timezone: str, page: int = 0
) -> tuple[discord.Embed, discord.ui.View | None]:
    """One page of the topic's history, oldest first; a page is as many records as fit one message."""
    assert topic.id is not None
    topic_id = topic.id
    return history_page(
        title=f"History of topic `{topic.slug}`",
        description=clip(inline(topic.title), 256),
        fields=[record_field(record, timezone=timezone, describe=topic_changes) for record in records],
        footer=f"{plural(len(records), 'record')} · oldest first · entries' changes: /entry history",
        page=page,
        make_id=lambda p: custom_ids.topic_history_id(topic_id, p),
    )
