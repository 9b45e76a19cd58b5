"""digest_subscription: where a digest posts (text or announcement channel, thread, forum) and
whether it publishes in an announcement channel

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 08:10:00.000000

Existing digests post in text channels and never publish, which the server defaults say. Plain
ALTER TABLE on both databases (SQLite 3.35+ drops columns too): Alembic's batch mode would rebuild
the SQLite table and lose the AUTOINCREMENT migration 0004 gave it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "digest_subscription",
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="text"),
    )
    op.add_column("digest_subscription", sa.Column("publish", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for column in ("publish", "target"):
        op.execute(sa.text(f"ALTER TABLE digest_subscription DROP COLUMN {column}"))
