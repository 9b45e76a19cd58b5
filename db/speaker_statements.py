"""The statements behind /speaker and /ask: a speaker's statements across a newsroom's topics, the
names a question can use, and the entries whose words a question shares.

Every statement is scoped to the asking newsroom by its bound `newsroom_id` and reads live entries
only (retracted and undone ones have `retracted_at` set; a corrected one holds its current text).
The kind is written into the SQL as a literal, so both databases can use the partial index
ix_entry_newsroom_statements that migration 0015 adds: a newsroom's live statements, newest first,
with their folded speaker text, so a speaker filter (and its count) reads the index alone.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    Subquery,
    Table,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)

from db.models import Entry, Newsroom, Topic
from db.reader_statements import entry_columns

_ENTRY: Table = Entry.__table__  # pyright: ignore[reportAttributeAccessIssue]
_TOPIC: Table = Topic.__table__  # pyright: ignore[reportAttributeAccessIssue]
_NEWSROOM: Table = Newsroom.__table__  # pyright: ignore[reportAttributeAccessIssue]

_STATEMENT = literal_column("'statement'")
_EARLIEST = literal(dt.date(1, 1, 1), Date)
# Columns before the entry's in a speaker page row.
SPEAKER_EXTRAS = ("timezone", "total", "topic_slug", "topic_title")
# How many names a question is read against: a newsroom's most recently updated topics and speakers.
NAMES_MAX = 2000
# How many of a newsroom's latest statements the names a question can use are read from.
STATEMENTS_SCAN_MAX = 2000


def _live_statements() -> list[ColumnElement[bool]]:
    return [
        _ENTRY.c.newsroom_id == bindparam("newsroom_id"),
        _ENTRY.c.kind == _STATEMENT,
        _ENTRY.c.retracted_at.is_(None),
        # True of every entry. SQLite keeps no statistics, so an equality on the newsroom alone looks
        # the same to it in every index that starts with the newsroom: a count or a grouping then
        # read the newsroom's every entry (27 ms in a 60,000-entry newsroom) instead of the index of
        # its live statements (4 ms). A range on that index's second column tells them apart.
        _ENTRY.c.date_sort >= _EARLIEST,
    ]


@cache
def speaker_page(filters: frozenset[str]) -> Select[*tuple[Any, ...]]:
    """A page of a newsroom's live statements whose speaker text holds every word (speaker_0..n,
    LIKE patterns over the folded name, role and organisation), newest first, optionally in one topic
    (`topic_id`); with the newsroom's time zone, the total and each statement's topic. At least one
    row (the newsroom's) when the newsroom exists: an empty page has NULL entry columns."""
    where = _live_statements()
    for name in sorted(f for f in filters if f.startswith("speaker_")):
        where.append(_ENTRY.c.speaker_search.like(bindparam(name), escape="\\"))
    if "topic_id" in filters:
        where.append(_ENTRY.c.topic_id == bindparam("topic_id"))
    total = select(func.count()).select_from(_ENTRY).where(*where).scalar_subquery()
    ids = (
        select(_ENTRY.c.id.label("page_id"))
        .where(*where)
        .order_by(_ENTRY.c.date_sort.desc(), _ENTRY.c.id.desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery("page_ids")
    )
    page = select(*entry_columns(_ENTRY)).select_from(_ENTRY.join(ids, _ENTRY.c.id == ids.c.page_id)).subquery("page")
    topic = _TOPIC.alias("page_topic")
    return (
        select(_NEWSROOM.c.timezone, total.label("total"), topic.c.slug, topic.c.title, *entry_columns(page))
        .select_from(
            _NEWSROOM.outerjoin(page, true()).outerjoin(
                topic, (topic.c.id == page.c.topic_id) & (topic.c.newsroom_id == _NEWSROOM.c.id)
            )
        )
        .where(_NEWSROOM.c.id == bindparam("newsroom_id"))
        .order_by(page.c.date_sort.desc(), page.c.id.desc())
    )


# The speaker texts of a newsroom's live statements, for a typed name no LIKE found (a typo).
SPEAKER_TEXTS = (
    select(_ENTRY.c.speaker_search)
    .where(*_live_statements(), _ENTRY.c.speaker_search.is_not(None))
    .group_by(_ENTRY.c.speaker_search)
    .limit(NAMES_MAX)
)


def _latest_statements() -> Subquery:
    """The ids and speaker texts of a newsroom's STATEMENTS_SCAN_MAX latest live statements, newest
    first, read from its index of live statements alone (ix_entry_newsroom_statements). The names a
    question can use come from these: a question names someone who has spoken lately, and reading a
    large newsroom's whole history of statements costs more than the rest of the answer. A filter on
    the speaker text goes outside this bound: inside it, a rare word would scan every statement."""
    return (
        select(_ENTRY.c.id, _ENTRY.c.speaker_search)
        .where(*_live_statements(), _ENTRY.c.speaker_search.is_not(None))
        .order_by(_ENTRY.c.date_sort.desc(), _ENTRY.c.id.desc())
        .limit(STATEMENTS_SCAN_MAX)
        .subquery("recent")
    )


@cache
def speaker_names(words: int = 0) -> Select[*tuple[Any, ...]]:
    """Who has spoken lately in a newsroom (its STATEMENTS_SCAN_MAX latest statements): each name,
    role and organisation, with the folded search text, the most recent first; with `words`, only
    speakers whose search text holds one of the patterns word_0..n (a question's words), tested on the
    index's copy, so the rows of those who do not are never read."""
    recent = _latest_statements()
    holding = [recent.c.speaker_search.like(bindparam(f"word_{n}"), escape="\\") for n in range(words)]
    latest = func.max(_ENTRY.c.id)
    columns = (_ENTRY.c.speaker, _ENTRY.c.speaker_role, _ENTRY.c.speaker_org, _ENTRY.c.speaker_search)
    statement = select(*columns, latest.label("latest")).select_from(_ENTRY.join(recent, recent.c.id == _ENTRY.c.id))
    if holding:
        statement = statement.where(or_(*holding))
    return statement.group_by(*columns).order_by(latest.desc()).limit(NAMES_MAX)


def _speakers_by_name() -> Select[*tuple[Any, ...]]:
    recent = _latest_statements()
    return (
        select(_ENTRY.c.speaker, func.min(_ENTRY.c.speaker_search))
        .select_from(_ENTRY.join(recent, recent.c.id == _ENTRY.c.id))
        .where(_ENTRY.c.speaker.is_not(None))
        .group_by(_ENTRY.c.speaker)
        .limit(NAMES_MAX)
    )


# The names of everyone who has spoken lately in a newsroom (its STATEMENTS_SCAN_MAX latest
# statements), each with its folded search text (whose first line is the name folded): what a
# misspelt surname is compared with.
SPEAKERS_BY_NAME = _speakers_by_name()

# The names a question can give a story: active topics of the newsroom, most recently updated first.
TOPIC_NAMES = (
    select(_TOPIC.c.slug, _TOPIC.c.title, _TOPIC.c.aliases, _NEWSROOM.c.timezone)
    .select_from(_NEWSROOM.outerjoin(_TOPIC, (_TOPIC.c.newsroom_id == _NEWSROOM.c.id) & _TOPIC.c.archived.is_(False)))
    .where(_NEWSROOM.c.id == bindparam("newsroom_id"))
    .order_by(_TOPIC.c.updated_at.desc())
    .limit(NAMES_MAX)
)

TOPIC_SLUG = select(_TOPIC.c.slug).where(
    _TOPIC.c.id == bindparam("topic_id"), _TOPIC.c.newsroom_id == bindparam("newsroom_id")
)


def _said(table: Table) -> ColumnElement[str]:
    """What an entry says, lowercased: its headline, text, note and details in one text."""
    parts = [func.coalesce(table.c[name], "") for name in ("headline", "text", "note", "details", "speaker")]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + " " + part
    return func.lower(joined)


# The plain word match reads at most this many entries, the most recent: it stands in for a full-text
# index, and a scan of every entry of a large newsroom would cost more than the rest of an answer.
WORDS_SCAN_MAX = 1000


@cache
def words_match(count: int, in_topic: bool) -> Select[*tuple[Any, ...]]:
    """Live entries of the newsroom (or of one topic, `topic_id`) whose words hold any of `count`
    patterns (word_0..n, lowercased LIKE patterns), newest first, with their topic's slug; among the
    WORDS_SCAN_MAX most recently updated (in a topic: latest dated) live entries."""
    if in_topic:
        scope = [_ENTRY.c.topic_id == bindparam("topic_id"), _ENTRY.c.retracted_at.is_(None)]
        recent: Any = (_ENTRY.c.date_sort.desc(), _ENTRY.c.id.desc())
    else:
        scope = [_ENTRY.c.newsroom_id == bindparam("newsroom_id"), _ENTRY.c.retracted_at.is_(None)]
        recent = (_ENTRY.c.updated_at.desc(),)
    scanned = select(_ENTRY.c.id).where(*scope).order_by(*recent).limit(WORDS_SCAN_MAX).subquery("scanned")
    said = _said(_ENTRY)
    return (
        select(_TOPIC.c.slug, *entry_columns(_ENTRY))
        .select_from(_ENTRY.join(scanned, scanned.c.id == _ENTRY.c.id).join(_TOPIC, _TOPIC.c.id == _ENTRY.c.topic_id))
        .where(
            _ENTRY.c.newsroom_id == bindparam("newsroom_id"),
            or_(*(said.like(bindparam(f"word_{n}"), escape="\\") for n in range(count))),
        )
        .order_by(_ENTRY.c.date_sort.desc(), _ENTRY.c.id.desc())
        .limit(bindparam("limit"))
    )


# The live entries behind search hits, in the asking newsroom only, with their topic's slug. The
# newsroom is tested as `newsroom_id + 0`, which no index answers: SQLite, with no statistics, would
# otherwise read the whole newsroom through its index (10 ms in a 60,000-entry one) instead of the
# few ids asked for through the primary key.
ENTRIES_BY_ID = (
    select(_TOPIC.c.slug, *entry_columns(_ENTRY))
    .select_from(_ENTRY.join(_TOPIC, _TOPIC.c.id == _ENTRY.c.topic_id))
    .where(
        _ENTRY.c.id.in_(bindparam("ids", expanding=True)),
        _ENTRY.c.newsroom_id + 0 == bindparam("newsroom_id"),
        _ENTRY.c.retracted_at.is_(None),
    )
)
