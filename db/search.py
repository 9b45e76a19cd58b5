"""Full-text search over a newsroom's documents (migration 0014 builds and maintains the index).

One statement per page, on either database: match, filter, rank, count and cut the page in an inner
query over the index, then fetch the page's topics and snippets for those rows only (a snippet costs
a re-read of the document's text, so it is never computed for hits that are not shown).

The newsroom is chosen inside the index query. On SQLite its scope token is part of the MATCH
expression, so FTS5 never reads another newsroom's postings. On PostgreSQL `newsroom_id = :n` sits in
the same WHERE as `tsv @@ query`, which the planner answers from the GIN index and the newsroom's
index together. Documents of retracted entries do not exist, so nothing filters them afterwards either.

Ranking: bm25 (SQLite) or ts_rank (PostgreSQL), best first, then the newer date, then the newer document.
Pages are cut by offset: relevance has no stable position to seek from (a rank changes whenever a
newsroom's documents change, as both functions weigh words by how rare they are), and ranking must
score every match anyway, so an offset costs no more than the first page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.search_query import MARK_CLOSE, MARK_OPEN, SearchQuery, to_fts5, to_tsquery

# The index's own tables: derived data outside the models' metadata, created and dropped by 0014.
INDEX_TABLES = ("search_doc", "search_fts")
SNIPPET_WORDS = 24


def is_index_table(name: str | None) -> bool:
    """The index's tables, FTS5's shadow tables included (schema comparisons leave them out)."""
    return bool(name) and any(name == t or (name or "").startswith(t + "_") for t in INDEX_TABLES)


@dataclass(frozen=True, slots=True)
class Filters:
    topic_id: int | None = None
    kinds: tuple[str, ...] = ()
    # Folded words that must each appear in the entry's speaker, role or organisation (bot.core.matching).
    speaker_words: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Row:
    entry_id: int | None
    fact_id: int | None
    kind: str
    topic_id: int
    topic_slug: str
    topic_title: str
    date_precision: str | None
    date_earliest: dt.date | None
    date_latest: dt.date | None
    source: str
    snippet: str


def _where(filters: Filters, params: dict[str, object]) -> list[str]:
    """Filter clauses over `d` (search_doc) from fixed fragments; every value is a bound parameter."""
    clauses: list[str] = []
    if filters.topic_id is not None:
        clauses.append("d.topic_id = :topic_id")
        params["topic_id"] = filters.topic_id
    if filters.kinds:
        names = [f"kind_{n}" for n in range(len(filters.kinds))]
        clauses.append(f"d.kind IN ({', '.join(':' + n for n in names)})")
        params.update(zip(names, filters.kinds, strict=True))
    if filters.since is not None:
        clauses.append("d.date_latest >= :since")
        params["since"] = filters.since
    if filters.until is not None:
        clauses.append("d.date_earliest <= :until")
        params["until"] = filters.until
    if filters.speaker_words:
        likes = []
        for n, word in enumerate(filters.speaker_words):
            likes.append(f"e.speaker_search LIKE :speaker_{n} ESCAPE '\\'")
            params[f"speaker_{n}"] = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(f"EXISTS (SELECT 1 FROM entry e WHERE e.id = d.entry_id AND {' AND '.join(likes)})")
    return clauses


_PAGE_COLUMNS = (
    "d.entry_id, d.fact_id, d.kind, d.topic_id, t.slug, t.title, d.date_precision, d.date_earliest, d.date_latest, "
    "d.source"
)


def _sqlite(query: SearchQuery, newsroom_id: int, filters: Filters, params: dict[str, object]) -> str:
    params["match"] = to_fts5(query, column="body", scope_column="scope", scope=f"n{newsroom_id}")
    where = " AND ".join(["d.newsroom_id = :newsroom_id", *_where(filters, params)])
    # bm25 can only be computed where FTS5 scans its own matches: ranked there first, then joined. It
    # weighs the scope column at nothing, as it matches every document of the newsroom alike.
    matched = (
        "WITH m AS MATERIALIZED (SELECT rowid AS id, bm25(search_fts, 0.0, 1.0) AS rank "
        "FROM search_fts WHERE search_fts MATCH :match) "
    )
    ranked = (
        "SELECT m.id AS id, m.rank AS rank, d.date_sort AS day, count(*) OVER () AS total "
        f"FROM m JOIN search_doc d ON d.id = m.id WHERE {where} "
        "ORDER BY rank, day DESC, d.id DESC LIMIT :limit OFFSET :offset"
    )
    return (
        f"{matched}SELECT {_PAGE_COLUMNS}, snippet(search_fts, 1, :open, :close, '…', {SNIPPET_WORDS}), h.total "
        f"FROM ({ranked}) AS h JOIN search_fts ON search_fts.rowid = h.id JOIN search_doc d ON d.id = h.id "
        "JOIN topic t ON t.id = d.topic_id WHERE search_fts MATCH :match "
        "ORDER BY h.rank, h.day DESC, h.id DESC"
    )


def _postgresql(query: SearchQuery, filters: Filters, params: dict[str, object]) -> str:
    params["tsquery"] = to_tsquery(query)
    params["headline"] = (
        f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords={SNIPPET_WORDS}, MinWords=8, "
        'MaxFragments=2, FragmentDelimiter=" … "'
    )
    # The query is written out in the WHERE, not joined from a subquery: only a constant beside the
    # newsroom lets the planner answer both from the one GIN index (migration 0016).
    where = " AND ".join(
        ["d.newsroom_id = :newsroom_id", "d.tsv @@ to_tsquery('simple', :tsquery)", *_where(filters, params)]
    )
    ranked = (
        "SELECT d.id AS id, ts_rank(d.tsv, to_tsquery('simple', :tsquery)) AS rank, d.date_sort AS day, "
        f"count(*) OVER () AS total FROM search_doc d WHERE {where} "
        "ORDER BY rank DESC, day DESC NULLS LAST, d.id DESC LIMIT :limit OFFSET :offset"
    )
    return (
        f"SELECT {_PAGE_COLUMNS}, ts_headline('simple', d.body, to_tsquery('simple', :tsquery), :headline), h.total "
        f"FROM ({ranked}) AS h JOIN search_doc d ON d.id = h.id JOIN topic t ON t.id = d.topic_id "
        "ORDER BY h.rank DESC, h.day DESC NULLS LAST, h.id DESC"
    )


async def search_page(
    connection: AsyncConnection,
    *,
    sqlite: bool,
    newsroom_id: int,
    query: SearchQuery,
    filters: Filters,
    limit: int,
    offset: int,
) -> tuple[list[Row], int | None]:
    """A page of hits and the number of hits in all (None when the page is past the last hit)."""
    params: dict[str, object] = {"newsroom_id": newsroom_id, "limit": limit, "offset": offset}
    if sqlite:
        params.update(open=MARK_OPEN, close=MARK_CLOSE)
        statement = _sqlite(query, newsroom_id, filters, params)
    else:
        statement = _postgresql(query, filters, params)
    result: Sequence[Any] = (await connection.execute(_typed(statement, params), params)).all()
    rows = [
        Row(*values[:6], *(_day(v) if n else v for n, v in enumerate(values[6:9])), *values[9:-1]) for values in result
    ]
    total = int(result[0][-1]) if result else None
    return rows, total


def _typed(statement: str, params: dict[str, object]) -> TextClause:
    """The statement with its date parameters typed, as each driver wants dates bound its own way."""
    dates = [bindparam(name, type_=Date) for name in ("since", "until") if name in params]
    return text(statement).bindparams(*dates)


def _day(value: object) -> dt.date | None:
    """A date column read through a text statement: SQLite hands back its ISO text."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


async def count(
    connection: AsyncConnection, *, sqlite: bool, newsroom_id: int, query: SearchQuery, filters: Filters
) -> int:
    """How many hits a search has (for a page asked for past its end)."""
    params: dict[str, object] = {"newsroom_id": newsroom_id}
    if sqlite:
        params["match"] = to_fts5(query, column="body", scope_column="scope", scope=f"n{newsroom_id}")
        where = " AND ".join(["search_fts MATCH :match", "d.newsroom_id = :newsroom_id", *_where(filters, params)])
        statement = f"SELECT count(*) FROM search_fts JOIN search_doc d ON d.id = search_fts.rowid WHERE {where}"
    else:
        params["tsquery"] = to_tsquery(query)
        where = " AND ".join(
            ["d.newsroom_id = :newsroom_id", "d.tsv @@ to_tsquery('simple', :tsquery)", *_where(filters, params)]
        )
        statement = f"SELECT count(*) FROM search_doc d WHERE {where}"
    return int((await connection.execute(_typed(statement, params), params)).scalar_one())


# How many of a newsroom's matching documents /ask's closest entries are ranked among: the most
# recently indexed. A question's words, any of which may match, match a large share of a big
# newsroom, and ranking every match (bm25 and ts_rank score each one) took 15-45 ms there for the
# five lines shown under "Not known".
CLOSEST_WINDOW = 200


async def closest_entries(
    connection: AsyncConnection, *, sqlite: bool, newsroom_id: int, query: SearchQuery, limit: int
) -> list[int]:
    """The ids of the newsroom's live entries closest to `query`: ranked by relevance, then the newer
    date, then the newer document, among its CLOSEST_WINDOW most recently indexed matching documents."""
    params: dict[str, object] = {"newsroom_id": newsroom_id, "limit": limit, "window": CLOSEST_WINDOW}
    if sqlite:
        params["match"] = to_fts5(query, column="body", scope_column="scope", scope=f"n{newsroom_id}")
        # FTS5 walks its matches newest first and stops at the window, scoring only those.
        statement = (
            "WITH m AS MATERIALIZED (SELECT rowid AS id, bm25(search_fts, 0.0, 1.0) AS rank FROM search_fts "
            "WHERE search_fts MATCH :match ORDER BY rowid DESC LIMIT :window) "
            "SELECT d.entry_id FROM m JOIN search_doc d ON d.id = m.id "
            "WHERE d.newsroom_id = :newsroom_id AND d.entry_id IS NOT NULL "
            "ORDER BY m.rank, d.date_sort DESC, d.id DESC LIMIT :limit"
        )
    else:
        params["tsquery"] = to_tsquery(query)
        # The matches come from the GIN index over the newsroom and the words (the CTE keeps the planner
        # from walking the whole table backwards by id instead); only the window's are scored.
        statement = (
            "WITH m AS MATERIALIZED (SELECT d.id FROM search_doc d WHERE d.newsroom_id = :newsroom_id "
            "AND d.tsv @@ to_tsquery('simple', :tsquery)), "
            "w AS (SELECT id FROM m ORDER BY id DESC LIMIT :window) "
            "SELECT d.entry_id FROM w JOIN search_doc d ON d.id = w.id WHERE d.entry_id IS NOT NULL "
            "ORDER BY ts_rank(d.tsv, to_tsquery('simple', :tsquery)) DESC, d.date_sort DESC NULLS LAST, d.id DESC "
            "LIMIT :limit"
        )
    result = await connection.execute(text(statement), params)
    return [int(entry_id) for entry_id in result.scalars()]
