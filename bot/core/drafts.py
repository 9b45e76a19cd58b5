"""The shapes editors submit, already validated; separate from the table models they become."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core.fuzzydate import FuzzyDate
from bot.core.vocabulary import EntryKind


@dataclass(slots=True)
class EntryDraft:
    kind: EntryKind
    date: FuzzyDate
    source_name: str = ""
    source_url: str | None = None
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


@dataclass(slots=True)
class TopicDraft:
    slug: str
    title: str
    aliases: list[str] = field(default_factory=list)
    summary: str = ""
    next_step: str = ""
    background: list[dict[str, Any]] = field(default_factory=list)
