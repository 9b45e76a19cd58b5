"""Reader use cases: one call per command, one statement in the common case.

A command names its topic by the exact slug autocomplete fills in, or by the id a button carries; its
page, total and the newsroom's time zone then come back in one statement (db.reader_statements).
Anything else typed (a title, an alias, a near miss) is resolved first, by the fuller lookup that
also suggests topics when nothing matches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import Row, Select

from bot.core.errors import TopicNotFound
from bot.core.matching import fold
from bot.core.requester import Requester
from bot.core.status_axes import Quantity
from bot.core.vocabulary import EntryKind
from db import reader_statements as statements
from db import topics as topic_queries
from db.engine import MAX_ROW_ID, Database
from db.entries import Position
from db.models import EntryRead, Topic, TopicRead
from db.topic_labels import TopicLabel
from db.topics import escape_like, normalise_lookup

ENTRY_WIDTH = len(statements.ENTRY_FIELDS)
TOPIC_WIDTH = len(statements.TOPIC_FIELDS)


def entry_at(row: Row[Any], start: int) -> EntryRead | None:
    """The entry whose columns start at `start` in a row; None where an outer join found none."""
    if row[start] is None:
        return None
    return EntryRead.model_validate(dict(zip(statements.ENTRY_FIELDS, row[start : start + ENTRY_WIDTH], strict=True)))


def topic_at(row: Row[Any], start: int) -> TopicRead:
    return TopicRead.model_validate(dict(zip(statements.TOPIC_FIELDS, row[start : start + TOPIC_WIDTH], strict=True)))


@dataclass(frozen=True, slots=True)
class StatusNow:
    """A story's status per axis: the newest live status change setting each, and the latest quantity
    given of each (bot.core.status_axes)."""

    decision: EntryRead | None = None
    delivery: EntryRead | None = None
    committed: Quantity | None = None
    delivered: Quantity | None = None

    @property
    def latest(self) -> EntryRead | None:
        """The newer of the two axes' status changes (one entry when it set both)."""
        found = [e for e in (self.decision, self.delivery) if e is not None]
        return max(found, key=lambda e: (e.date_sort, e.id), default=None)


# A status's columns in a row (db.reader_statements: two entries, then QUANTITY_COLUMNS).
STATUS_WIDTH = 2 * ENTRY_WIDTH + len(statements.QUANTITY_COLUMNS)


def status_at(row: Row[Any], start: int) -> StatusNow:
    """The status whose columns start at `start` in a row."""
    quantities = row[start + 2 * ENTRY_WIDTH : start + STATUS_WIDTH]
    committed, delivered = (
        Quantity(float(amount), str(unit or "")) if amount is not None else None
        for amount, unit in (quantities[0:2], quantities[2:4])
    )
    return StatusNow(entry_at(row, start), entry_at(row, start + ENTRY_WIDTH), committed, delivered)


@dataclass(slots=True)
class TopicCard:
    """Everything `/status` shows about one topic."""

    topic: TopicRead
    status: StatusNow
    latest_statement: EntryRead | None
    last_updated: dt.datetime
    entry_count: int
    sources: list[tuple[str, str | None]]
    # The next expected entries not yet settled (the card lists a few), and how many there are.
    expected: list[EntryRead] = field(default_factory=list)
    expected_count: int = 0


@dataclass(frozen=True, slots=True)
class TopicRow:
    """A line of the topic list: the topic and its current status, if it has one."""

    topic: TopicRead
    status: StatusNow


@dataclass(slots=True)
class Page:
    number: int
    per_page: int
    total: int

    @property
    def offset(self) -> int:
        return self.number * self.per_page


@dataclass(slots=True)
class StatusResult:
    timezone: str
    card: TopicCard
    history: list[EntryRead] | None


@dataclass(slots=True)
class EntryListResult:
    timezone: str
    topic: TopicRead
    entries: list[EntryRead]
    page: Page


@dataclass(slots=True)
class TopicListResult:
    rows: list[TopicRow]
    page: Page


# Where the extra columns and the entries start in a row of each statement (see db.reader_statements).
_PAGE_ENTRY = TOPIC_WIDTH + len(statements.PAGE_EXTRAS)
_CARD_STATEMENT = TOPIC_WIDTH + len(statements.CARD_EXTRAS)
_CARD_STATUS = _CARD_STATEMENT + ENTRY_WIDTH
_CARD_EXPECTED = _CARD_STATUS + STATUS_WIDTH
_LIST_STATUS = TOPIC_WIDTH + len(statements.LIST_EXTRAS)


# A reader statement for a topic found by slug or by id (db.reader_statements).
_Statement = Callable[[statements.TopicKey], Select[*tuple[Any, ...]]]


@dataclass(frozen=True, slots=True)
class _Named:
    """The topic a command names: inside this guild, by what was typed or by a button's id."""

    guild_id: int
    query: str | None = None
    topic_id: int | None = None

    def key(self) -> tuple[statements.TopicKey, dict[str, Any]] | None:
        """How the one-statement path finds the topic, or None when it cannot (nothing usable given)."""
        if self.topic_id is not None:
            return ("id", {"topic_id": self.topic_id}) if 0 < self.topic_id <= MAX_ROW_ID else None
        slug = normalise_lookup(self.query or "")
        return ("slug", {"slug": slug}) if slug else None


async def _resolve(db: Database, named: _Named) -> int:
    """The id of a topic named by something other than its exact slug (a title or an alias), or
    TopicNotFound with suggestions."""
    if named.topic_id is not None:
        raise TopicNotFound(f"#{named.topic_id}")
    async with db.read() as session:
        # Archived topics stay readable by exact name: their history is still the record.
        topic: Topic = await topic_queries.resolve_topic(
            session, newsroom_id=named.guild_id, query=named.query or "", include_archived=True, guess=True
        )
    assert topic.id is not None
    return topic.id


async def _rows(db: Database, statement: Select[*tuple[Any, ...]], values: dict[str, Any]) -> Sequence[Row[Any]]:
    async with db.connect() as connection:
        return (await connection.execute(statement, values)).all()


async def _topic_rows(db: Database, statement: _Statement, named: _Named, params: dict[str, Any]) -> Sequence[Row[Any]]:
    """Rows of `statement(key)` for the named topic (every row repeats the topic and the extra
    columns): one statement when it is named exactly."""
    key = named.key()
    if key is not None:
        rows = await _rows(db, statement(key[0]), {"newsroom_id": named.guild_id, **key[1], **params})
        if rows:
            return rows
        if named.topic_id is not None:
            raise TopicNotFound(f"#{named.topic_id}")
    found = await _resolve(db, named)
    rows = await _rows(db, statement("id"), {"newsroom_id": named.guild_id, "topic_id": found, **params})
    if not rows:
        raise TopicNotFound(named.query or "")  # removed in the moment between the two reads
    return rows


def _last_page(total: int, per_page: int) -> int:
    """The last page number that exists (0 for an empty list)."""
    return max((total - 1) // per_page, 0)


@dataclass(slots=True)
class _Entries:
    topic: TopicRead
    timezone: str
    total: int
    entries: list[EntryRead]


async def _entries(db: Database, statement: _Statement, named: _Named, params: dict[str, Any]) -> _Entries:
    rows = await _topic_rows(db, statement, named, params)
    first = rows[0]
    entries = [entry for row in rows if (entry := entry_at(row, _PAGE_ENTRY)) is not None]
    return _Entries(topic_at(first, 0), first[TOPIC_WIDTH], int(first[TOPIC_WIDTH + 1]), entries)


async def _entry_page(
    db: Database, statement: _Statement, named: _Named, params: dict[str, Any], *, page: int, per_page: int
) -> tuple[_Entries, int]:
    """A numbered page; one past the end (the list shrank since a button was drawn) falls back to
    the last page that exists."""
    page = max(page, 0)
    found = await _entries(db, statement, named, {**params, "offset": page * per_page, "limit": per_page})
    if not found.entries and found.total and page > 0:
        page = _last_page(found.total, per_page)
        by_id = _Named(named.guild_id, topic_id=found.topic.id)
        found = await _entries(db, statement, by_id, {**params, "offset": page * per_page, "limit": per_page})
    return found, page


async def status(db: Database, requester: Requester, *, query: str, history: bool = False) -> StatusResult:
    guild_id = requester.guild_id
    # One row per expected entry listed (at least one): the topic, its extras, its latest statement, its
    # status and that expected entry.
    rows = await _topic_rows(db, statements.topic_card, _Named(guild_id, query), {})
    row = rows[0]
    topic = topic_at(row, 0)
    current, latest = status_at(row, _CARD_STATUS), entry_at(row, _CARD_STATEMENT)
    past: list[EntryRead] | None = None
    if history:
        result = await _rows(db, statements.STATUS_HISTORY, {"topic_id": topic.id, "limit": 50})
        past = [entry for history_row in result if (entry := entry_at(history_row, 0)) is not None]
    # Every write to the topic or one of its entries moves topic.updated_at forward.
    live_count = int(row[TOPIC_WIDTH + 1])
    expected = [entry for card_row in rows if (entry := entry_at(card_row, _CARD_EXPECTED)) is not None]
    card = TopicCard(
        topic,
        current,
        latest,
        topic.updated_at,
        live_count,
        _sources(topic, current.decision, current.delivery, latest),
        expected,
        int(row[TOPIC_WIDTH + 2]),
    )
    return StatusResult(row[TOPIC_WIDTH], card, past)


def _sources(topic: TopicRead, *entries: EntryRead | None) -> list[tuple[str, str | None]]:
    """The card's citations: its entries' sources, then the background facts', each once."""
    sources: list[tuple[str, str | None]] = []
    for entry in entries:
        if entry is not None and entry.source_name and (entry.source_name, entry.source_url) not in sources:
            sources.append((entry.source_name, entry.source_url))
    for fact in topic.background:
        pair = (str(fact.get("source", "")), fact.get("url"))
        if pair[0] and pair not in sources:
            sources.append(pair)
    return sources


async def latest(
    db: Database,
    requester: Requester,
    *,
    query: str | None = None,
    topic_id: int | None = None,
    speaker: str | None = None,
    page: int = 0,
    per_page: int = 5,
) -> EntryListResult:
    params: dict[str, Any] = {}
    # Word by word, so "State Department" finds the "U.S. Department of State" too.
    for number, word in enumerate(fold(speaker or "").split()):
        params[f"speaker_{number}"] = f"%{escape_like(word)}%"
    statement = partial(statements.entry_page, kind=EntryKind.STATEMENT, filters=frozenset(params))
    named = _Named(requester.guild_id, query, topic_id)
    found, page = await _entry_page(db, statement, named, params, page=page, per_page=per_page)
    return EntryListResult(found.timezone, found.topic, found.entries, Page(page, per_page, found.total))


async def chronology(
    db: Database,
    requester: Requester,
    *,
    query: str | None = None,
    topic_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    page: int = 0,
    per_page: int = 10,
    after: Position | None = None,
    before: Position | None = None,
) -> EntryListResult:
    """A page of the timeline (live entries oldest first; a fuzzy date is in range when its bounds
    overlap the range): by number, or (from a Previous/Next button) the page just after or before a
    position, which reads only that page's index entries however deep it is."""
    params: dict[str, Any] = {}
    if since is not None:
        params["since"] = since
    if until is not None:
        params["until"] = until
    named = _Named(requester.guild_id, query, topic_id)
    seek = after or before
    if seek is not None:
        backwards = after is None
        # An id past any that can exist compares the same as the largest (and PostgreSQL refuses it).
        seek_params = {**params, "seek_day": seek.day, "seek_id": min(seek.entry_id, MAX_ROW_ID)}
        keyset = partial(statements.entry_page, kind=None, filters=frozenset(seek_params), backwards=backwards)
        found = await _entries(db, keyset, named, {**seek_params, "offset": 0, "limit": per_page})
        if backwards:
            found.entries.reverse()  # read newest first from the position back; shown oldest first
        last_page = _last_page(found.total, per_page)
        # A full page where the button said: the list may have changed since, so the page number
        # is the button's, kept within the pages that now exist.
        if len(found.entries) == per_page or (after is not None and found.entries and max(page, 0) >= last_page):
            number = min(max(page, 0), last_page)
            return EntryListResult(found.timezone, found.topic, found.entries, Page(number, per_page, found.total))
    statement = partial(statements.entry_page, kind=None, filters=frozenset(params))
    found, page = await _entry_page(db, statement, named, params, page=page, per_page=per_page)
    return EntryListResult(found.timezone, found.topic, found.entries, Page(page, per_page, found.total))


async def topic_list(
    db: Database, requester: Requester, *, page: int = 0, per_page: int = 15, include_archived: bool = False
) -> TopicListResult:
    """A page of topics with their current status; past the end, the last page that exists."""
    guild_id = requester.guild_id
    page = max(page, 0)
    async with db.connect() as connection:
        for _attempt in range(2):
            params = {"newsroom_id": guild_id, "offset": page * per_page, "limit": per_page}
            rows = (await connection.execute(statements.topic_list(include_archived), params)).all()
            if rows:
                listed = [TopicRow(topic_at(row, 0), status_at(row, _LIST_STATUS)) for row in rows]
                return TopicListResult(listed, Page(page, per_page, int(rows[0][TOPIC_WIDTH])))
            counted = await connection.scalar(statements.topic_count(include_archived), {"newsroom_id": guild_id})
            total = int(counted or 0)
            if not total or page == 0:
                break
            page = _last_page(total, per_page)
    return TopicListResult([], Page(page, per_page, total))


async def topic_choices(db: Database, requester: Requester, *, current: str, limit: int = 25) -> list[tuple[str, str]]:
    """Autocomplete choices as (label, slug)."""
    guild_id = requester.guild_id
    key = topic_queries.normalise_lookup(current)[:100]
    if not key:
        # Nothing typed yet: the most recently updated topics, one indexed read of two columns.
        async with db.read() as session:
            recent = await topic_queries.recent_topic_labels(session, newsroom_id=guild_id, limit=limit)
        return [_choice(slug, title) for slug, title in recent]
    labels: Sequence[TopicLabel | Topic] | None = await db.topic_labels.search(
        db, newsroom_id=guild_id, key=key, limit=limit
    )
    if labels is None:
        # A newsroom with more topics than the cache may hold: searched in SQL.
        async with db.read() as session:
            labels = await topic_queries.search_topics(session, newsroom_id=guild_id, query=key, limit=limit)
    return [_choice(t.slug, t.title) for t in labels]


def _choice(slug: str, title: str) -> tuple[str, str]:
    return (f"{title} ({slug})" if title else slug), slug
