"""read paths: a partial live-entry index, recent-topic index, topic label revision

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("retracted_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("newsroom", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic_labels_rev", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.create_index("ix_topic_newsroom_recent", ["newsroom_id", "archived", "updated_at"], unique=False)
    op.create_index(
        "ix_entry_topic_live_date",
        "entry",
        ["topic_id", "date_sort", "id"],
        unique=False,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.drop_index("ix_entry_topic_date", table_name="entry")
    # From now on a topic's updated_at follows edits and retractions of its entries too ("last updated"
    # on /status reads it alone); bring existing topics up to date once.
    op.execute(
        "UPDATE topic SET updated_at = latest.at "
        "FROM (SELECT topic_id, max(updated_at) AS at FROM entry GROUP BY topic_id) AS latest "
        "WHERE latest.topic_id = topic.id AND latest.at > topic.updated_at"
    )


def downgrade() -> None:
    op.create_index("ix_entry_topic_date", "entry", ["topic_id", "date_sort", "id"], unique=False)
    op.drop_index("ix_entry_topic_live_date", table_name="entry")
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.drop_index("ix_topic_newsroom_recent")
    # Not a batch (table copy): other tables reference newsroom, and SQLite 3.35+ drops a column in place.
    op.drop_column("newsroom", "topic_labels_rev")
