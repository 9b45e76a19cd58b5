"""alerts and follows: digest subscriptions get a mode (digest, alert, follow), the kinds they post,
per-topic kinds and a recipient for follows; newsrooms an alert grace; and two tables for the entries
each alert posted and the edits still to make to posted alerts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:45:00.000000

Existing subscriptions are digests, which the server default says. Columns are added and dropped
with plain ALTER TABLE on both databases (SQLite 3.35+ drops columns too): Alembic's batch mode would
rebuild the SQLite table and lose the AUTOINCREMENT migration 0004 gave it. The new tables never
reuse ids either, for the same reason as the digest's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBSCRIPTION_COLUMNS = ("recipient_id", "topic_kinds", "kinds", "mode")


def upgrade() -> None:
    op.add_column(
        "digest_subscription",
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="digest"),
    )
    op.add_column("digest_subscription", sa.Column("kinds", sa.JSON(), nullable=True))
    op.add_column("digest_subscription", sa.Column("topic_kinds", sa.JSON(), nullable=True))
    op.add_column("digest_subscription", sa.Column("recipient_id", sa.BigInteger(), nullable=True))
    # The due query of each scheduler now names its mode.
    op.drop_index("ix_digest_subscription_due", table_name="digest_subscription")
    op.create_index(
        "ix_digest_subscription_due", "digest_subscription", ["mode", "paused", "next_attempt_at"], unique=False
    )
    op.create_index(
        "ix_digest_subscription_recipient", "digest_subscription", ["newsroom_id", "recipient_id"], unique=False
    )
    op.add_column("newsroom", sa.Column("alert_grace_seconds", sa.Integer(), nullable=False, server_default="60"))

    op.create_table(
        "alert_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["digest_subscription.id"]),
        sa.ForeignKeyConstraint(["delivery_id"], ["digest_delivery.id"]),
        sa.ForeignKeyConstraint(["entry_id"], ["entry.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_id", "entry_id", name="uq_alert_entry_delivery"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_alert_entry_subscription_entry", "alert_entry", ["subscription_id", "entry_id"], unique=False)
    op.create_table(
        "alert_edit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["subscription_id"], ["digest_subscription.id"]),
        sa.ForeignKeyConstraint(["delivery_id"], ["digest_delivery.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_id", "record_id", name="uq_alert_edit_record"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_alert_edit_pending", "alert_edit", ["done", "id"], unique=False)
    op.create_index("ix_alert_edit_delivery", "alert_edit", ["delivery_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_alert_edit_delivery", table_name="alert_edit")
    op.drop_index("ix_alert_edit_pending", table_name="alert_edit")
    op.drop_table("alert_edit")
    op.drop_index("ix_alert_entry_subscription_entry", table_name="alert_entry")
    op.drop_table("alert_entry")
    op.execute(sa.text("ALTER TABLE newsroom DROP COLUMN alert_grace_seconds"))
    # Alerts and follows have no meaning to the schema below: only digests stay.
    op.execute(
        sa.text(
            "DELETE FROM digest_attempt WHERE delivery_id IN (SELECT d.id FROM digest_delivery d "
            "JOIN digest_subscription s ON s.id = d.subscription_id WHERE s.mode <> 'digest')"
        )
    )
    op.execute(
        sa.text(
            "DELETE FROM digest_delivery WHERE subscription_id IN "
            "(SELECT id FROM digest_subscription WHERE mode <> 'digest')"
        )
    )
    op.execute(sa.text("DELETE FROM digest_subscription WHERE mode <> 'digest'"))
    op.drop_index("ix_digest_subscription_recipient", table_name="digest_subscription")
    op.drop_index("ix_digest_subscription_due", table_name="digest_subscription")
    op.create_index("ix_digest_subscription_due", "digest_subscription", ["paused", "next_attempt_at"], unique=False)
    for column in SUBSCRIPTION_COLUMNS:
        op.execute(sa.text(f"ALTER TABLE digest_subscription DROP COLUMN {column}"))
