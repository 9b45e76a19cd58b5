"""The shapes editors submit, already validated; separate from the table models they become."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field, fields
from typing import Any

from bot.core.fuzzydate import FuzzyDate
from bot.core.vocabulary import EntryKind


@dataclass(slots=True)
class EntryDraft:
    kind: EntryKind
    date: FuzzyDate
    source_name: str = ""
    source_url: str | None = None
    unsourced_reason: str | None = None
    # status change
    decision: str | None = None
    delivery: str | None = None
    committed: float | None = None
    delivered: float | None = None
    unit: str | None = None
    note: str | None = None
    # statement
    speaker: str | None = None
    speaker_role: str | None = None
    speaker_org: str | None = None
    statement_kind: str | None = None
    text: str | None = None
    context: str | None = None
    # event
    headline: str | None = None
    details: str | None = None
    end_date: FuzzyDate | None = None
    # expected entries (bot.core.expected): without an announced date, `date` is when it was reported
    expected: str | None = None
    date_announced: bool = True


@dataclass(slots=True)
class TopicDraft:
    slug: str
    title: str
    aliases: list[str] = field(default_factory=list)
    summary: str = ""
    next_step: str = ""
    background: list[dict[str, Any]] = field(default_factory=list)


def draft_to_json(draft: EntryDraft) -> dict[str, Any]:
    """A draft as plain JSON, to keep while a form waits for the rest of it."""
    out: dict[str, Any] = {}
    for f in fields(draft):
        value = getattr(draft, f.name)
        if isinstance(value, FuzzyDate):
            value = [value.precision.value, value.earliest.isoformat(), value.latest.isoformat()]
        elif isinstance(value, enum.Enum):
            value = value.value
        out[f.name] = value
    return out


def draft_from_json(data: dict[str, Any]) -> EntryDraft:
    """The draft draft_to_json kept; ValueError, KeyError or TypeError when it is not one."""

    def date(value: Any) -> FuzzyDate | None:
        if value is None:
            return None
        precision, earliest, latest = value
        return FuzzyDate.from_storage(precision, dt.date.fromisoformat(earliest), dt.date.fromisoformat(latest))

    values = {f.name: data[f.name] for f in fields(EntryDraft) if f.name in data}
    values["kind"] = EntryKind(data["kind"])
    values["date"] = date(data["date"])
    values["end_date"] = date(data.get("end_date"))
    return EntryDraft(**values)
