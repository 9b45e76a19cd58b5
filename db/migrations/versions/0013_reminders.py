"""reminders: the editors' channel and stale threshold on the newsroom; reminder messages and keys

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07 11:00:00.000000

The newsroom's new columns are plain ALTER TABLE on both databases, as in 0011. The notice table
keeps SQLite's AUTOINCREMENT, as the digest tables do since 0004: a removed row's id never returns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("newsroom", sa.Column("editors_channel_id", sa.BigInteger(), nullable=True))
    op.add_column("newsroom", sa.Column("stale_after_days", sa.Integer(), nullable=False, server_default="30"))
    op.create_table(
        "reminder_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("newsroom_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=25), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["newsroom_id"], ["newsroom.id"]),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_reminder_notice_unfinished", "reminder_notice", ["state", "lease_until"])
    op.create_index("ix_reminder_notice_newsroom", "reminder_notice", ["newsroom_id", "id"])
    op.create_table(
        "reminder_key",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("newsroom_id", sa.BigInteger(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["newsroom_id"], ["newsroom.id"]),
        sa.ForeignKeyConstraint(["notice_id"], ["reminder_notice.id"]),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_reminder_key_notice", "reminder_key", ["notice_id"])


def downgrade() -> None:
    op.drop_index("ix_reminder_key_notice", table_name="reminder_key")
    op.drop_table("reminder_key")
    op.drop_index("ix_reminder_notice_newsroom", table_name="reminder_notice")
    op.drop_index("ix_reminder_notice_unfinished", table_name="reminder_notice")
    op.drop_table("reminder_notice")
    for column in ("stale_after_days", "editors_channel_id"):
        op.execute(sa.text(f"ALTER TABLE newsroom DROP COLUMN {column}"))
