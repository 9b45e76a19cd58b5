"""full-text search: one document per live entry, topic summary and background fact, indexed on both databases

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-07 10:40:00.000000

`search_doc` holds the searchable text of every live entry (headline, text, context, note, details,
speaker, role, organisation, source), of each topic's summary and next step, and of each background
fact with its source. Triggers on `entry` and `topic` rewrite a row's documents in the statement that
changes it, so the index is always in step with its rows, whoever writes them (commands, seeds,
imports, this migration's backfill): a retracted or undone entry has none, a corrected one has its
current text.

SQLite indexes the documents in an external-content FTS5 table (`search_fts`), kept by triggers on
`search_doc`; each document's newsroom is a token of its own column, so a search names its newsroom
inside the MATCH. PostgreSQL keeps a generated `tsvector` with a GIN index. Both see the same words: the
letters and digits of the text, lower-cased, with no stemming and no stop words (FTS5's unicode61
tokenizer; PostgreSQL's `simple` configuration over the text with everything else turned into spaces).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENTRY_TEXT = (
    "headline",
    "text",
    "context",
    "note",
    "details",
    "speaker",
    "speaker_role",
    "speaker_org",
    "source_name",
)
_ENTRY_WATCHED = ("topic_id", "kind", "date_precision", "date_earliest", "date_latest", "date_sort", "retracted_at")
_TOPIC_WATCHED = ("summary", "next_step", "background", "summary_updated_at")
_COLUMNS = (
    "newsroom_id, topic_id, entry_id, fact_id, kind, date_precision, date_earliest, date_latest, date_sort, "
    "source, scope, body"
)


def _entry_select(row: str, sqlite: bool) -> str:
    """The values of an entry's document, from `row` (NEW in a trigger, the table in the backfill)."""
    if sqlite:
        body = " || char(10) || ".join(f"coalesce({row}.{name}, '')" for name in _ENTRY_TEXT)
        scope = f"'n' || {row}.newsroom_id"
    else:
        body = "concat_ws(E'\\n', " + ", ".join(f"{row}.{name}" for name in _ENTRY_TEXT) + ")"
        scope = f"'n' || {row}.newsroom_id::text"
    return (
        f"{row}.newsroom_id, {row}.topic_id, {row}.id, NULL, {row}.kind, {row}.date_precision, {row}.date_earliest, "
        f"{row}.date_latest, {row}.date_sort, {row}.source_name, {scope}, {body}"
    )


def _topic_selects(row: str, sqlite: bool) -> list[str]:
    """SELECTs of a topic's documents: its summary with its next step, then one per background fact. With
    `row` "topic" they read the table (the backfill); with "new", a trigger's row."""
    topic = "topic, " if row == "topic" else ""
    if sqlite:
        day = f"substr(coalesce({row}.summary_updated_at, {row}.created_at), 1, 10)"
        scope = f"'n' || {row}.newsroom_id"
        summary = f"coalesce({row}.summary, '') || char(10) || coalesce({row}.next_step, '')"
        fact, source = "json_extract(f.value, '$.fact')", "coalesce(json_extract(f.value, '$.source'), '')"
        fact_id = "json_extract(f.value, '$.id')"
        facts_from = (
            f"json_each(CASE WHEN json_type({row}.background) = 'array' THEN {row}.background ELSE '[]' END) AS f"
        )
    else:
        day = f"(coalesce({row}.summary_updated_at, {row}.created_at) AT TIME ZONE 'UTC')::date"
        scope = f"'n' || {row}.newsroom_id::text"
        summary = f"concat_ws(E'\\n', {row}.summary, {row}.next_step)"
        fact, source = "f.value ->> 'fact'", "coalesce(f.value ->> 'source', '')"
        fact_id = "(f.value ->> 'id')::integer"
        facts_from = (
            f"json_array_elements(CASE WHEN json_typeof({row}.background) = 'array' "
            f"THEN {row}.background ELSE '[]'::json END) AS f(value)"
        )
    return [
        f"SELECT {row}.newsroom_id, {row}.id, NULL, NULL, 'summary', 'day', {day}, {day}, {day}, '', {scope}, {summary} "
        + ("FROM topic " if topic else "")
        + f"WHERE coalesce({row}.summary, '') <> '' OR coalesce({row}.next_step, '') <> ''",
        f"SELECT {row}.newsroom_id, {row}.id, NULL, {fact_id}, 'fact', NULL, NULL, NULL, NULL, {source}, {scope}, {fact} "
        f"FROM {topic}{facts_from} WHERE coalesce({fact}, '') <> ''",
    ]


def _sqlite_upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(scope, body, content='search_doc', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        "CREATE TRIGGER search_doc_ai AFTER INSERT ON search_doc BEGIN "
        "INSERT INTO search_fts(rowid, scope, body) VALUES (new.id, new.scope, new.body); END"
    )
    op.execute(
        "CREATE TRIGGER search_doc_ad AFTER DELETE ON search_doc BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, scope, body) VALUES ('delete', old.id, old.scope, old.body); END"
    )
    entry_doc = (
        f"INSERT INTO search_doc ({_COLUMNS}) SELECT {_entry_select('new', True)} WHERE new.retracted_at IS NULL;"
    )
    op.execute(f"CREATE TRIGGER search_entry_ai AFTER INSERT ON entry BEGIN {entry_doc} END")
    op.execute(
        f"CREATE TRIGGER search_entry_au AFTER UPDATE OF {', '.join(_ENTRY_TEXT + _ENTRY_WATCHED)} ON entry BEGIN "
        f"DELETE FROM search_doc WHERE entry_id = old.id; {entry_doc} END"
    )
    op.execute(
        "CREATE TRIGGER search_entry_ad AFTER DELETE ON entry BEGIN DELETE FROM search_doc WHERE entry_id = old.id; END"
    )
    topic_docs = " ".join(f"INSERT INTO search_doc ({_COLUMNS}) {select};" for select in _topic_selects("new", True))
    topic_clear = "DELETE FROM search_doc WHERE topic_id = old.id AND entry_id IS NULL;"
    op.execute(f"CREATE TRIGGER search_topic_ai AFTER INSERT ON topic BEGIN {topic_docs} END")
    op.execute(
        f"CREATE TRIGGER search_topic_au AFTER UPDATE OF {', '.join(_TOPIC_WATCHED)} ON topic BEGIN "
        f"{topic_clear} {topic_docs} END"
    )
    op.execute(f"CREATE TRIGGER search_topic_ad AFTER DELETE ON topic BEGIN {topic_clear} END")


def _postgresql_upgrade() -> None:
    op.execute(
        "ALTER TABLE search_doc ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
        "(to_tsvector('simple'::regconfig, regexp_replace(body, '[^[:alnum:]]+', ' ', 'g'))) STORED"
    )
    op.execute("CREATE INDEX ix_search_doc_tsv ON search_doc USING gin (tsv)")
    op.execute(
        "CREATE FUNCTION search_entry_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN DELETE FROM search_doc WHERE entry_id = OLD.id; END IF; "
        "IF TG_OP <> 'DELETE' AND NEW.retracted_at IS NULL THEN "
        f"INSERT INTO search_doc ({_COLUMNS}) SELECT {_entry_select('NEW', False)}; END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        f"CREATE TRIGGER search_entry_sync AFTER INSERT OR DELETE OR UPDATE OF {', '.join(_ENTRY_TEXT + _ENTRY_WATCHED)} "
        "ON entry FOR EACH ROW EXECUTE FUNCTION search_entry_sync()"
    )
    topic_docs = " ".join(f"INSERT INTO search_doc ({_COLUMNS}) {select};" for select in _topic_selects("NEW", False))
    op.execute(
        "CREATE FUNCTION search_topic_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN DELETE FROM search_doc WHERE topic_id = OLD.id AND entry_id IS NULL; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {topic_docs} END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        f"CREATE TRIGGER search_topic_sync AFTER INSERT OR DELETE OR UPDATE OF {', '.join(_TOPIC_WATCHED)} "
        "ON topic FOR EACH ROW EXECUTE FUNCTION search_topic_sync()"
    )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "search_doc",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("newsroom_id", sa.BigInteger(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("fact_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("date_precision", sa.String(16), nullable=True),
        sa.Column("date_earliest", sa.Date(), nullable=True),
        sa.Column("date_latest", sa.Date(), nullable=True),
        sa.Column("date_sort", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False, server_default=""),
        sa.Column("scope", sa.String(24), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_search_doc_entry", "search_doc", ["entry_id"])
    op.create_index("ix_search_doc_topic", "search_doc", ["topic_id", "entry_id"])
    if sqlite:
        _sqlite_upgrade()
    else:
        op.create_index("ix_search_doc_newsroom", "search_doc", ["newsroom_id", "kind"])
        _postgresql_upgrade()
    # The backfill: every existing row's documents, through the index's own triggers on SQLite.
    op.execute(
        f"INSERT INTO search_doc ({_COLUMNS}) SELECT {_entry_select('entry', sqlite)} FROM entry WHERE entry.retracted_at IS NULL"
    )
    for select in _topic_selects("topic", sqlite):
        op.execute(f"INSERT INTO search_doc ({_COLUMNS}) {select}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("entry_ai", "entry_au", "entry_ad", "topic_ai", "topic_au", "topic_ad", "doc_ai", "doc_ad"):
            op.execute(f"DROP TRIGGER IF EXISTS search_{trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS search_entry_sync ON entry")
        op.execute("DROP TRIGGER IF EXISTS search_topic_sync ON topic")
        op.execute("DROP FUNCTION IF EXISTS search_entry_sync()")
        op.execute("DROP FUNCTION IF EXISTS search_topic_sync()")
    op.drop_table("search_doc")
