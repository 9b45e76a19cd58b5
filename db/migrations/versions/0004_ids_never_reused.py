"""ids never reused: AUTOINCREMENT on SQLite for the tables the bot deletes rows from

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 06:10:00.000000

`/digest remove` deletes a subscription with its deliveries and attempts. Without AUTOINCREMENT,
SQLite hands the highest removed id to the next row, so a new digest took the removed one's number
(and its delivery took the removed delivery's id). PostgreSQL's sequences never go back: nothing to
do there.

SQLite cannot add AUTOINCREMENT to a table, so the three tables are rebuilt. Not with Alembic's batch
mode: it drops each old table while the others still point at it, which the enforced foreign keys
refuse (and they cannot be switched off inside the migration's transaction). Instead all three are
renamed aside first (SQLite rewrites the references between them), built again from their own
reflected definition (columns, constraints, indexes), filled, and the old ones dropped children first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Parents before children.
TABLES = ("digest_subscription", "digest_delivery", "digest_attempt")


def _rebuild(*, autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    reflected = sa.MetaData()
    for name in TABLES:
        sa.Table(name, reflected, autoload_with=bind)
    rebuilt = sa.MetaData()
    # The referenced tables (newsroom) come along so the foreign keys resolve; only ours are created.
    for table in reflected.tables.values():
        table.to_metadata(rebuilt)
    for name in TABLES:
        rebuilt.tables[name].dialect_kwargs["sqlite_autoincrement"] = autoincrement
        # Index names are global in SQLite: the rebuilt tables take them over.
        for index in reflected.tables[name].indexes:
            op.drop_index(str(index.name), table_name=name)
        op.rename_table(name, f"_old_{name}")
    for name in TABLES:
        table = rebuilt.tables[name]
        table.create(bind)
        columns = ", ".join(f'"{column.name}"' for column in table.columns)
        # With AUTOINCREMENT, SQLite's sequence moves to the highest id copied here.
        op.execute(f'INSERT INTO "{name}" ({columns}) SELECT {columns} FROM "_old_{name}"')
    for name in reversed(TABLES):
        op.drop_table(f"_old_{name}")


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
