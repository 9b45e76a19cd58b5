"""Read-only records of entries and topics, as the reader commands fetch them.

A reader command is one prepared statement returning plain rows (see db.reader_statements); building
ORM entities and keeping a session around them cost more than the statement itself. A record holds
the same columns under the same names as its table model, in the table's column order, so renderers
read either one, and a row slice becomes a record positionally. Records are named tuples: a page
builds up to thirty of them, and a tuple is made in a tenth of the time a frozen dataclass of
thirty-two fields takes (measured).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeAlias

from sqlalchemy import ColumnElement, FromClause

from db.models import Entry, EntryDates, Topic


class _EntryColumns(NamedTuple):
    id: int
    newsroom_id: int
    topic_id: int
    kind: str
    date_precision: str
    date_earliest: dt.date
    date_latest: dt.date
    date_sort: dt.date
    end_precision: str | None
    end_earliest: dt.date | None
    end_latest: dt.date | None
    status: str | None
    note: str | None
    speaker: str | None
    speaker_key: str | None
    speaker_role: str | None
    speaker_org: str | None
    statement_kind: str | None
    text: str | None
    context: str | None
    headline: str | None
    details: str | None
    source_name: str
    source_url: str | None
    created_by: int
    created_at: dt.datetime
    updated_at: dt.datetime
    edited_at: dt.datetime | None
    retracted_at: dt.datetime | None
    retraction_reason: str | None
    interaction_id: int | None
    seed_key: str | None


class EntryRecord(_EntryColumns, EntryDates):
    __slots__ = ()


class TopicRecord(NamedTuple):
    id: int
    newsroom_id: int
    slug: str
    title: str
    aliases: list[str]
    summary: str
    next_step: str
    background: list[dict[str, Any]]
    search_text: str
    archived: bool
    created_by: int
    created_at: dt.datetime
    updated_at: dt.datetime


# What renderers accept: a record from a reader statement, or an entity an editor command holds.
EntryView: TypeAlias = Entry | EntryRecord
TopicView: TypeAlias = Topic | TopicRecord

ENTRY_WIDTH = len(EntryRecord._fields)
TOPIC_WIDTH = len(TopicRecord._fields)


def entry_columns(table: FromClause) -> list[ColumnElement[Any]]:
    """The entry table's (or an alias's) columns in record order, for a select list."""
    return [table.c[name] for name in EntryRecord._fields]


def topic_columns(table: FromClause) -> list[ColumnElement[Any]]:
    return [table.c[name] for name in TopicRecord._fields]


def entry_at(row: Sequence[Any], start: int) -> EntryRecord | None:
    """The entry whose columns start at `start` in a row; None where an outer join found none."""
    if row[start] is None:
        return None
    return EntryRecord._make(row[start : start + ENTRY_WIDTH])


def topic_at(row: Sequence[Any], start: int) -> TopicRecord:
    return TopicRecord._make(row[start : start + TOPIC_WIDTH])


@dataclass(slots=True)
class TopicCard:
    """Everything `/status` shows about one topic."""

    topic: TopicRecord
    status: EntryRecord | None
    latest_statement: EntryRecord | None
    last_updated: dt.datetime
    entry_count: int
    sources: list[tuple[str, str | None]]


@dataclass(frozen=True, slots=True)
class TopicRow:
    """A line of the topic list: the topic and its current status, if it has one."""

    topic: TopicRecord
    status: EntryRecord | None
