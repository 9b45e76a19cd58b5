"""search_doc on PostgreSQL: one GIN index over the newsroom and the words together

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 12:00:00.000000

Every search names its newsroom. With the words alone in the GIN index, a common word's posting list
spans every newsroom: the planner either reads all of it and throws away the other newsrooms' rows,
or reads the newsroom's rows and tests each document's words, and at a million documents both cost
tens of milliseconds. `btree_gin` (a contrib extension shipped with PostgreSQL) lets the newsroom
sit in the same GIN index as the words, so the index hands back only the newsroom's matches. Where
the extension cannot be had (a managed server without it), the index on the words stays as it was.
SQLite needs nothing here: its newsroom is already a token of the FTS5 MATCH.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _btree_gin() -> bool:
    """Whether btree_gin is installed, or installable and now installed (in public, so it outlives any
    one schema: a default operator class is found whatever the search path)."""
    bind = op.get_bind()
    if bind.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'")).first():
        return True
    if not bind.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gin'")).first():
        return False
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public")
    return True


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql" or not _btree_gin():
        return
    op.execute("CREATE INDEX ix_search_doc_newsroom_tsv ON search_doc USING gin (newsroom_id, tsv)")
    op.execute("DROP INDEX IF EXISTS ix_search_doc_tsv")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The extension stays: other schemas of the same database may index with it.
    op.execute("CREATE INDEX IF NOT EXISTS ix_search_doc_tsv ON search_doc USING gin (tsv)")
    op.execute("DROP INDEX IF EXISTS ix_search_doc_newsroom_tsv")
