"""entry: a partial index of each newsroom's live statements, newest first (/speaker, /ask)

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-07 11:00:00.000000

/speaker reads one newsroom's statements across all its topics, newest first; the existing indexes
are per topic or per speaker key (which a partial name does not use). Partial, so status changes,
events and retracted statements cost nothing in it; it carries the folded speaker text (at most 410
characters), so a speaker filter and its count read the index alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_STATEMENTS = sa.text("kind = 'statement' AND retracted_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_entry_newsroom_statements",
        "entry",
        ["newsroom_id", "date_sort", "id", "speaker_search"],
        unique=False,
        sqlite_where=LIVE_STATEMENTS,
        postgresql_where=LIVE_STATEMENTS,
    )


def downgrade() -> None:
    op.drop_index("ix_entry_newsroom_statements", table_name="entry")
