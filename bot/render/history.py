"""An entry's audit history as a person reads it: fields by the names editors know, dates as dates,
times in the newsroom's zone, before and after side by side, paged within Discord's limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import discord

from bot.core.expected import UNDATED, UNDATED_TEXT, expectation_label, outcome_label
from bot.core.fuzzydate import FuzzyDate
from bot.render import custom_ids
from bot.render.editor import ACTION_LABELS
from bot.render.entries import COLOUR, entry_summary, pager, short_id
from bot.render.status import field_value_label
from bot.render.text import (
    EMBED_TOTAL_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    clip,
    inline,
    local_time,
    pack_fields,
    plural,
)
from db.models import AuditRecord, Entry, Topic

# Stored columns -> the field names of /entry edit. A fuzzy date is three columns (precision and
# bounds) but one field to its readers, so the three are compared and shown together.
_DATES = {"date": ("Date", "date_"), "end": ("End date", "end_")}
_LABELS = {
    # Records written before the two axes keep the single status.
    "status": "Status",
    "decision": "Decision",
    "delivery": "Delivery",
    "committed": "Committed",
    "delivered": "Delivered",
    "unit": "Unit",
    "note": "Note",
    "speaker": "Speaker",
    "speaker_role": "Role",
    "speaker_org": "Organisation",
    "statement_kind": "Kind",
    "text": "Text",
    "context": "Context",
    "headline": "Headline",
    "details": "Details",
    "source_name": "Source",
    "source_url": "URL",
    "expected": "Expected",
    "outcome": "Outcome",
    "unsourced_reason": "Unsourced",
}
# Each side of a change: two sides and the label stay within one field value.
_SIDE_MAX = 300
SUMMARY_MAX = 1500
# Title, page footer and the gaps between fields, with room to spare.
_FRAME = 600


def _fuzzy(state: dict[str, Any], prefix: str) -> str:
    precision, earliest, latest = (state.get(prefix + part) for part in ("precision", "earliest", "latest"))
    if not (precision and earliest and latest):
        return "none"
    if precision == UNDATED:
        return UNDATED_TEXT
    try:
        return FuzzyDate.from_storage(
            str(precision), dt.date.fromisoformat(str(earliest)), dt.date.fromisoformat(str(latest))
        ).render()
    except ValueError:
        # A record written before a format change still reads, as its stored values.
        return f"{earliest} – {latest}"


def _value(column: str, value: Any) -> str:
    if value is None or value == "":
        return "none"
    label = field_value_label(column, value)
    if label is not None:
        return label
    if column == "outcome":
        return outcome_label(str(value))
    if column == "expected":
        return expectation_label(str(value))
    return inline(clip(str(value), _SIDE_MAX))


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """One "**Field**: before → after" line for each field that changed."""
    before, after = before or {}, after or {}
    lines: list[str] = []
    for label, prefix in _DATES.values():
        old, new = _fuzzy(before, prefix), _fuzzy(after, prefix)
        if old != new:
            lines.append(f"**{label}**: {old} → {new}")
    for column, label in _LABELS.items():
        if before.get(column) != after.get(column):
            lines.append(f"**{label}**: {_value(column, before.get(column))} → {_value(column, after.get(column))}")
    return lines


def record_field(
    record: AuditRecord, *, timezone: str, describe: Callable[[Any, Any], list[str]] = changes
) -> tuple[str, str]:
    label = ACTION_LABELS.get(record.action, record.action)
    name = clip(f"{label} · {local_time(record.at, timezone)}", FIELD_NAME_MAX)
    # A member mention names them in the reader's own client; allowed_mentions keeps it from pinging.
    parts = [f"by <@{record.actor_id}>" if record.actor_id else "by the seed loader"]
    reason = record.reason
    if reason is None and record.action in ("entry.retract", "entry.undo"):
        reason = (record.after or {}).get("retraction_reason")
    if reason:
        parts.append(f"reason: {inline(clip(str(reason), _SIDE_MAX))}")
    if not record.action.endswith(".create"):
        parts += describe(record.before, record.after)
    return name, clip("\n".join(parts), FIELD_VALUE_MAX)


def history_page(
    *,
    title: str,
    description: str,
    fields: list[tuple[str, str]],
    footer: str,
    page: int,
    make_id: Callable[[int], str],
) -> tuple[discord.Embed, discord.ui.View | None]:
    """One page of audit records as fields, as many as fit one message; `footer` is what precedes the
    page number (which follows only when there are several pages)."""
    pages = pack_fields(fields, room=EMBED_TOTAL_MAX - len(description) - _FRAME)
    page = min(max(page, 0), len(pages) - 1)
    embed = discord.Embed(title=title, colour=COLOUR, description=description)
    for name, value in pages[page]:
        embed.add_field(name=name, value=value, inline=False)
    where = f" · page {page + 1} of {len(pages)}" if len(pages) > 1 else ""
    head, _, tail = footer.partition(" · oldest first")
    embed.set_footer(text=f"{head}{where} · oldest first{tail}")
    return embed, (pager(page, len(pages), make_id) if len(pages) > 1 else None)


def entry_history(
    entry: Entry, topic: Topic, records: Sequence[AuditRecord], *, timezone: str, page: int = 0
) -> tuple[discord.Embed, discord.ui.View | None]:
    """One page of the history, oldest first; pages are as many records as fit one message."""
    state = "retracted" if entry.retracted_at else ("corrected" if entry.edited_at else "as logged")
    assert entry.id is not None
    entry_id = entry.id
    return history_page(
        title=f"History of {short_id(entry)} ({state})",
        description=clip(entry_summary(entry, budget=SUMMARY_MAX, timezone=timezone), SUMMARY_MAX),
        fields=[record_field(record, timezone=timezone) for record in records],
        footer=f"{topic.slug} · {plural(len(records), 'record')} · oldest first · the audit log is append-only",
        page=page,
        make_id=lambda p: custom_ids.history_id(entry_id, p),
    )
