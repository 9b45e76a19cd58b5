"""Full-text search over everything a newsroom has logged: the use case behind `/search`.

Other features call it too, for the closest hits to free text:

    page = await search(db, requester, "ATACMS range", limit=5)
    page = await search(db, requester, SearchQuery.any_of(question), limit=5)   # any word may match
    for hit in page.hits:
        hit.entry_id, hit.topic_slug, hit.topic_title, hit.kind, hit.date, hit.source, hit.snippet_parts()

`query` is the `/search` syntax (bot.core.search_query) or a parsed query; a string that cannot be a
search raises InvalidInput. Hits are ranked by relevance, newer first among equals, and only ever
come from the requester's newsroom; retracted entries have no documents. A hit is an entry (its kind:
status, statement, event), a topic's summary and next step ("summary"), or a background fact ("fact",
with `fact_id`); only entries have an `entry_id`. `page` counts from 0; one past the last page that
exists comes back as that last page, with `moved` set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.fuzzydate import FuzzyDate
from bot.core.matching import fold
from bot.core.requester import Requester
from bot.core.search_query import SearchQuery, marked_parts, parse
from db import search as index
from db import topics as topic_queries
from db.engine import Database

KINDS = ("status", "statement", "event", "summary", "fact")
PER_PAGE_MAX = 25


@dataclass(frozen=True, slots=True)
class Hit:
    entry_id: int | None
    fact_id: int | None
    kind: str
    topic_id: int
    topic_slug: str
    topic_title: str
    date: FuzzyDate | None
    source: str
    # The matched words sit between bot.core.search_query's MARK_OPEN and MARK_CLOSE.
    snippet: str

    def snippet_parts(self) -> list[tuple[str, bool]]:
        """The snippet as (text, matched) runs."""
        return marked_parts(self.snippet)


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: SearchQuery
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    topic_id: int | None = None
    # The page asked for no longer exists (fewer hits than when its button was drawn): this is the last
    # one that does (the first, when none is left).
    moved: bool = False

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def _date(row: index.Row) -> FuzzyDate | None:
    if row.date_precision is None or row.date_earliest is None or row.date_latest is None:
        return None
    try:
        return FuzzyDate.from_storage(row.date_precision, row.date_earliest, row.date_latest)
    except ValueError:
        return None  # an expected entry whose date is not announced: its bounds only place it


def _hit(row: index.Row) -> Hit:
    return Hit(
        row.entry_id,
        row.fact_id,
        row.kind,
        row.topic_id,
        row.topic_slug,
        row.topic_title,
        _date(row),
        row.source,
        row.snippet,
    )


async def _topic_id(db: Database, requester: Requester, topic: str) -> int:
    async with db.read() as session:
        found = await topic_queries.resolve_topic(
            session, newsroom_id=requester.guild_id, query=topic, include_archived=True, guess=True
        )
    assert found.id is not None
    return found.id


async def search(
    db: Database,
    requester: Requester,
    query: SearchQuery | str,
    *,
    limit: int = 10,
    page: int = 0,
    topic: str | None = None,
    topic_id: int | None = None,
    speaker: str | None = None,
    kinds: tuple[str, ...] = (),
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> SearchPage:
    """A page of the newsroom's best hits for `query` (see the module's docstring)."""
    parsed = parse(query) if isinstance(query, str) else query
    limit = min(max(limit, 1), PER_PAGE_MAX)
    page = max(page, 0)
    if topic_id is None and topic:
        topic_id = await _topic_id(db, requester, topic)
    filters = index.Filters(
        topic_id=topic_id,
        kinds=tuple(k for k in kinds if k in KINDS),
        speaker_words=tuple(fold(speaker or "").split()),
        since=since,
        until=until,
    )
    args = {"sqlite": db.is_sqlite, "newsroom_id": requester.guild_id, "query": parsed, "filters": filters}
    async with db.connect() as connection:
        rows, total = await index.search_page(connection, **args, limit=limit, offset=page * limit)
        moved = False
        if total is None and page > 0:
            counted = await index.count(connection, **args)
            # Past the end now: the last page that exists, or the first (and empty) one.
            page, moved = max(counted - 1, 0) // limit, True
            if counted:
                rows, total = await index.search_page(connection, **args, limit=limit, offset=page * limit)
    return SearchPage(parsed, [_hit(r) for r in rows], total or 0, page, limit, topic_id, moved)
