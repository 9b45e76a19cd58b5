"""The statements behind the reader commands: each command is one statement returning plain rows.

A statement finds the topic (by exact slug or by id, always inside the newsroom), its newsroom's
time zone, the page of entries and the total the pager shows, so a command costs one trip to the
database and no ORM work. Statements are built once per shape and cached (building one costs more
than running it, and a built one keeps its compiled form); values travel as bound parameters.

Row layout: the topic's columns (TopicRead's fields, in order), then the extra columns each builder
names, then entries' columns (a page's entry; or a status's two entries and its quantities, see
_with_status; the card's expected entry last). Where an entry is absent (an empty page, a topic with
no status) an outer join leaves its columns NULL.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from sqlalchemy import ColumnElement, Date, FromClause, Select, Table, bindparam, case, func, or_, select, true

from bot.core.expected import UNDATED
from bot.core.vocabulary import EntryKind
from db.models import Entry, EntryRead, Newsroom, Topic, TopicRead

TopicKey = Literal["slug", "id"]

# How many expected entries the status card lists.
CARD_EXPECTED_MAX = 3

# SQLModel leaves __table__ (set by SQLAlchemy's mapping) undeclared.
_ENTRY: Table = Entry.__table__  # pyright: ignore[reportAttributeAccessIssue]
_TOPIC: Table = Topic.__table__  # pyright: ignore[reportAttributeAccessIssue]
_NEWSROOM: Table = Newsroom.__table__  # pyright: ignore[reportAttributeAccessIssue]

# By best-estimate date, then by log order (id grows with log time).
_NEWEST_FIRST = (_ENTRY.c.date_sort.desc(), _ENTRY.c.id.desc())
_OLDEST_FIRST = (_ENTRY.c.date_sort.asc(), _ENTRY.c.id.asc())

# A read model's columns in its field order, so a slice of a row becomes one (bot.services.reader).
ENTRY_FIELDS = tuple(EntryRead.model_fields)
TOPIC_FIELDS = tuple(TopicRead.model_fields)


def entry_columns(table: FromClause) -> list[ColumnElement[Any]]:
    """The entry table's (or an alias's) columns in the read model's order, for a select list."""
    return [table.c[name] for name in ENTRY_FIELDS]


def topic_columns(table: FromClause) -> list[ColumnElement[Any]]:
    return [table.c[name] for name in TOPIC_FIELDS]


# Columns between the topic's and the entries' in a page row.
PAGE_EXTRAS = ("timezone", "total")
CARD_EXTRAS = ("timezone", "live_count", "expected_count")
LIST_EXTRAS = ("total",)


def _topic_match(by: TopicKey) -> list[Any]:
    """The named topic, only ever inside the asking newsroom (archived topics stay readable)."""
    key = _TOPIC.c.slug == bindparam("slug") if by == "slug" else _TOPIC.c.id == bindparam("topic_id")
    return [_TOPIC.c.newsroom_id == bindparam("newsroom_id"), key]


def _named_topic(*columns: Any) -> Select[*tuple[Any, ...]]:
    return select(*topic_columns(_TOPIC), _NEWSROOM.c.timezone, *columns)


@cache
def entry_page(
    by: TopicKey, kind: EntryKind | None, filters: frozenset[str], *, backwards: bool = False
) -> Select[*tuple[Any, ...]]:
    """A page of one topic's live entries: statements newest first (`kind`), or the whole
    timeline oldest first; `filters` names the optional parameters used (speaker_0..n, since, until,
    seek_day with seek_id for a keyset page after a position, or before it when `backwards`).

    The page's ids are found from the index alone before its rows are read, so a page deep in a
    long timeline skips index entries, not rows."""
    # Uncorrelated, so it is evaluated once rather than per row of the outer statement.
    topic_id = select(_TOPIC.c.id).where(*_topic_match(by)).correlate(None).scalar_subquery()
    where: list[Any] = [_ENTRY.c.topic_id == topic_id, _ENTRY.c.retracted_at.is_(None)]
    if kind is not None:
        where.append(_ENTRY.c.kind == kind.value)
    # A speaker filter's words (speaker_0, speaker_1, ...), each somewhere in the name, role or
    # organisation (folded one per line, bot.core.matching): the topic's statements come from
    # ix_entry_topic_kind_date, and these filter them.
    for name in sorted(f for f in filters if f.startswith("speaker_")):
        where.append(_ENTRY.c.speaker_search.like(bindparam(name), escape="\\"))
    if "since" in filters:
        where.append(_ENTRY.c.date_latest >= bindparam("since", type_=Date))
    if "until" in filters:
        where.append(_ENTRY.c.date_earliest <= bindparam("until", type_=Date))
    newest_first = kind is not None
    seek: list[Any] = []
    if "seek_day" in filters:
        # The first condition is the index range; the second drops the entries on the boundary day
        # up to the position itself. (Row-value comparison would say it in one, but not every
        # SQLite version uses an index for it.)
        day, entry_id = bindparam("seek_day", type_=Date), bindparam("seek_id")
        if backwards:
            seek = [_ENTRY.c.date_sort <= day, or_(_ENTRY.c.date_sort < day, _ENTRY.c.id < entry_id)]
            newest_first = True
        else:
            seek = [_ENTRY.c.date_sort >= day, or_(_ENTRY.c.date_sort > day, _ENTRY.c.id > entry_id)]
    order = _NEWEST_FIRST if newest_first else _OLDEST_FIRST
    total = select(func.count()).select_from(_ENTRY).where(*where).scalar_subquery()
    ids = (
        select(_ENTRY.c.id.label("page_id"))
        .where(*where, *seek)
        .order_by(*order)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery("page_ids")
    )
    page = select(*entry_columns(_ENTRY)).select_from(_ENTRY.join(ids, _ENTRY.c.id == ids.c.page_id)).subquery("page")
    page_order = (page.c.date_sort.desc(), page.c.id.desc()) if newest_first else (page.c.date_sort, page.c.id)
    return (
        _named_topic(total.label("total"), *entry_columns(page))
        .select_from(
            _TOPIC.join(_NEWSROOM, _NEWSROOM.c.id == _TOPIC.c.newsroom_id).outerjoin(page, true()),
        )
        .where(*_topic_match(by))
        .order_by(*page_order)
    )


def _newest_live(kind: EntryKind, topic_id: Any, outer: Any, *setting: str) -> Any:
    """The id of a topic's newest live entry of a kind (setting a column, if named): one backward seek
    in ix_entry_topic_kind_date. An expected one has not happened, so it is never the current status
    on any axis, nor are its quantities the current ones."""
    return (
        select(_ENTRY.c.id)
        .where(
            _ENTRY.c.topic_id == topic_id,
            _ENTRY.c.kind == kind.value,
            _ENTRY.c.retracted_at.is_(None),
            _ENTRY.c.expected.is_(None),
            *(_ENTRY.c[name].is_not(None) for name in setting),
        )
        .order_by(*_NEWEST_FIRST)
        .limit(1)
        .correlate(outer)
        .scalar_subquery()
    )


# After the decision's and the delivery's entries in a row: the latest quantities given, each with its unit.
QUANTITY_COLUMNS = ("committed", "committed_unit", "delivered", "delivered_unit")


def _with_status(joined: Any, topic_id: Any, outer: Any) -> tuple[Any, list[ColumnElement[Any]]]:
    """A topic's status now, joined on: per axis the newest live status change setting it, and per
    quantity the newest live one giving it. Columns: both entries', then QUANTITY_COLUMNS."""
    columns: list[ColumnElement[Any]] = []
    for name in ("decision", "delivery", "committed", "delivered"):
        alias = _ENTRY.alias(f"current_{name}")
        joined = joined.outerjoin(alias, alias.c.id == _newest_live(EntryKind.STATUS, topic_id, outer, name))
        if name in ("decision", "delivery"):
            columns += entry_columns(alias)
        else:
            columns += [alias.c[name], alias.c.unit.label(f"{name}_unit")]
    return joined, columns


def _undated_last(table: FromClause) -> ColumnElement[int]:
    """Expected entries with a date first, soonest first; then those whose date is not announced, by
    when they were reported."""
    return case((table.c.date_precision == UNDATED, 1), else_=0)


@cache
def topic_card(by: TopicKey) -> Select[*tuple[Any, ...]]:
    """The topic, its current status (bot.core.status_axes) and latest statement (each its newest live
    one), how many live entries it has, and its next expected entries not yet settled with how many
    there are: everything /status shows. One row per expected entry shown (at least one row: an outer
    join)."""
    statement = _ENTRY.alias("latest_statement")
    live_count = (
        select(func.count())
        .select_from(_ENTRY)
        .where(_ENTRY.c.topic_id == _TOPIC.c.id, _ENTRY.c.retracted_at.is_(None))
        .correlate(_TOPIC)
        .scalar_subquery()
    )
    topic_id = select(_TOPIC.c.id).where(*_topic_match(by)).correlate(None).scalar_subquery()
    pending = [
        _ENTRY.c.topic_id == topic_id,
        _ENTRY.c.retracted_at.is_(None),
        _ENTRY.c.expected.is_not(None),
        _ENTRY.c.outcome.is_(None),
    ]
    expected_count = select(func.count()).select_from(_ENTRY).where(*pending).scalar_subquery()
    expected = (
        select(*entry_columns(_ENTRY))
        .where(*pending)
        .order_by(_undated_last(_ENTRY), *_OLDEST_FIRST)
        .limit(CARD_EXPECTED_MAX)
        .subquery("expected")
    )
    joined, status = _with_status(_TOPIC.join(_NEWSROOM, _NEWSROOM.c.id == _TOPIC.c.newsroom_id), _TOPIC.c.id, _TOPIC)
    return (
        _named_topic(
            live_count.label("live_count"),
            expected_count.label("expected_count"),
            *entry_columns(statement),
            *status,
            *entry_columns(expected),
        )
        .select_from(
            joined.outerjoin(
                statement, statement.c.id == _newest_live(EntryKind.STATEMENT, _TOPIC.c.id, _TOPIC)
            ).outerjoin(expected, true())
        )
        .where(*_topic_match(by))
        .order_by(_undated_last(expected), expected.c.date_sort, expected.c.id)
    )


# Every status change of a topic, newest first, retracted ones included (they are part of the record).
STATUS_HISTORY = (
    select(*entry_columns(_ENTRY))
    .where(_ENTRY.c.topic_id == bindparam("topic_id"), _ENTRY.c.kind == EntryKind.STATUS.value)
    .order_by(*_NEWEST_FIRST)
    .limit(bindparam("limit"))
)


def _listed(include_archived: bool) -> list[Any]:
    where: list[Any] = [_TOPIC.c.newsroom_id == bindparam("newsroom_id")]
    if not include_archived:
        where.append(_TOPIC.c.archived.is_(False))
    return where


@cache
def topic_list(include_archived: bool) -> Select[*tuple[Any, ...]]:
    """A page of a newsroom's topics by slug, each with its current status, and the total."""
    where = _listed(include_archived)
    total = select(func.count()).select_from(_TOPIC).where(*where).scalar_subquery()
    page = (
        select(*topic_columns(_TOPIC))
        .where(*where)
        .order_by(_TOPIC.c.slug)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery("page")
    )
    joined, status = _with_status(page, page.c.id, page)
    return select(*topic_columns(page), total.label("total"), *status).select_from(joined).order_by(page.c.slug)


@cache
def topic_count(include_archived: bool) -> Select[*tuple[Any, ...]]:
    """The total alone, for a page past the end of the list (no row carries it)."""
    return select(func.count()).select_from(_TOPIC).where(*_listed(include_archived))
