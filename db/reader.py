"""Read services used by the reader commands: one call per command, one short read session each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from bot.errors import TopicNotFound
from db import entries as entry_queries
from db import topics as topic_queries
from db.engine import Database
from db.models import Entry, Newsroom, Topic
from db.newsrooms import get_newsroom
from db.topic_labels import TopicLabel


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
    card: entry_queries.TopicCard
    history: list[Entry] | None


@dataclass(slots=True)
class EntryListResult:
    timezone: str
    topic: Topic
    entries: list[Entry]
    page: Page


@dataclass(slots=True)
class TopicListResult:
    rows: list[topic_queries.TopicRow]
    page: Page


def _timezone(newsroom: Newsroom | None) -> str:
    return newsroom.timezone if newsroom is not None else "UTC"


T = TypeVar("T")


async def _page_of(
    fetch: Callable[..., Awaitable[tuple[list[T], int]]], page: int, per_page: int
) -> tuple[list[T], int, int]:
    """Rows of a page and the total; a page past the end (the list shrank since a button was
    drawn) falls back to the last page that exists."""
    page = max(page, 0)
    rows, total = await fetch(offset=page * per_page)
    if not rows and total and page > 0:
        page = max((total - 1) // per_page, 0)
        rows, total = await fetch(offset=page * per_page)
    return rows, total, page


async def _topic(session, *, guild_id: int, query: str | None, topic_id: int | None) -> Topic:  # type: ignore[no-untyped-def]
    if topic_id is not None:
        topic = await topic_queries.get_topic(session, newsroom_id=guild_id, topic_id=topic_id)
        if topic is None:
            raise TopicNotFound(f"#{topic_id}")
        return topic
    # Archived topics stay readable by exact name: their history is still the record.
    return await topic_queries.resolve_topic(session, newsroom_id=guild_id, query=query or "", include_archived=True)


async def _topic_and_timezone(  # type: ignore[no-untyped-def]
    session, *, guild_id: int, query: str | None, topic_id: int | None
) -> tuple[Topic, str]:
    """The topic a command names and its newsroom's time zone, in one statement for the common case
    (an id from a button, or the exact slug autocomplete fills in)."""
    # Archived topics stay readable by exact name: their history is still the record.
    found = await topic_queries.topic_and_newsroom(
        session, newsroom_id=guild_id, slug=query, topic_id=topic_id, include_archived=True
    )
    if found is not None:
        return found[0], found[1].timezone
    topic = await _topic(session, guild_id=guild_id, query=query, topic_id=topic_id)
    return topic, _timezone(await get_newsroom(session, guild_id=guild_id))


async def status(db: Database, *, guild_id: int, query: str, history: bool = False) -> StatusResult:
    async with db.read() as session:
        topic, timezone = await _topic_and_timezone(session, guild_id=guild_id, query=query, topic_id=None)
        card = await entry_queries.topic_card(session, topic=topic)
        past = await entry_queries.status_history(session, topic_id=topic.id) if history and topic.id else None
    return StatusResult(timezone, card, past)


async def latest(
    db: Database,
    *,
    guild_id: int,
    query: str | None = None,
    topic_id: int | None = None,
    speaker: str | None = None,
    page: int = 0,
    per_page: int = 5,
) -> EntryListResult:
    async with db.read() as session:
        topic, timezone = await _topic_and_timezone(session, guild_id=guild_id, query=query, topic_id=topic_id)
        assert topic.id is not None
        fetch = partial(entry_queries.latest_statements, session, topic_id=topic.id, speaker=speaker, limit=per_page)
        rows, total, page = await _page_of(fetch, page, per_page)
    return EntryListResult(timezone, topic, rows, Page(page, per_page, total))


async def chronology(
    db: Database,
    *,
    guild_id: int,
    query: str | None = None,
    topic_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    page: int = 0,
    per_page: int = 10,
    after: entry_queries.Position | None = None,
    before: entry_queries.Position | None = None,
) -> EntryListResult:
    """A page of the timeline: by number, or (from a Previous/Next button) the page just after or
    before a position, which reads only that page's index entries however deep it is."""
    async with db.read() as session:
        topic, timezone = await _topic_and_timezone(session, guild_id=guild_id, query=query, topic_id=topic_id)
        assert topic.id is not None
        fetch = partial(entry_queries.chronology, session, topic_id=topic.id, since=since, until=until, limit=per_page)
        if after is not None or before is not None:
            rows, total = await fetch(after=after, before=before)
            last_page = max((total - 1) // per_page, 0)
            # A full page where the button said: the list may have changed since, so the page number
            # is the button's, kept within the pages that now exist.
            if len(rows) == per_page or (after is not None and rows and max(page, 0) >= last_page):
                return EntryListResult(timezone, topic, rows, Page(min(max(page, 0), last_page), per_page, total))
        rows, total, page = await _page_of(fetch, page, per_page)
    return EntryListResult(timezone, topic, rows, Page(page, per_page, total))


async def topic_list(db: Database, *, guild_id: int, page: int = 0, per_page: int = 15) -> TopicListResult:
    async with db.read() as session:
        fetch = partial(topic_queries.list_topics, session, newsroom_id=guild_id, limit=per_page)
        rows, total, page = await _page_of(fetch, page, per_page)
    return TopicListResult(rows, Page(page, per_page, total))


async def topic_choices(db: Database, *, guild_id: int, current: str, limit: int = 25) -> list[tuple[str, str]]:
    """Autocomplete choices as (label, slug)."""
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
