"""entry: a status change's decision and delivery (two axes instead of one status), with quantities

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 07:45:00.000000

Each value of the single ladder maps to a decision and a delivery state; an unknown value stays as the
decision (read as unrecognised) rather than being guessed at. Fingerprints of status changes say what
the change says, so they are computed again from the new columns. The downgrade maps back: the
delivery where one was announced, else the decision; quantities have no place there and are dropped.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from bot.core.matching import entry_fingerprint
from bot.core.status_axes import status_said

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Old status -> (decision, delivery), as bot.core.vocabulary.LEGACY_STATUS has it (written out here so
# the migration keeps meaning what it meant when it ran).
MAPPING = {
    "under_review": ("under_review", "none_announced"),
    "approved": ("approved", "none_announced"),
    "announced": ("approved", "announced"),
    "partially_delivered": ("approved", "partly_delivered"),
    "delivered": ("approved", "delivered"),
    "on_hold": ("on_hold", "none_announced"),
    "declined": ("declined", "none_announced"),
}
BACK_BY_DELIVERY = {"announced": "announced", "partly_delivered": "partially_delivered", "delivered": "delivered"}

_ENTRY = sa.table(
    "entry",
    sa.column("date_earliest", sa.Date),
    sa.column("date_latest", sa.Date),
    sa.column("committed", sa.Float),
    sa.column("delivered", sa.Float),
    *(
        sa.column(name)
        for name in (
            "id", "topic_id", "kind", "date_precision", "status", "decision", "delivery", "unit", "retracted_at",
            "fingerprint",
        )
    ),
)  # fmt: skip


def upgrade() -> None:
    c = _ENTRY.c
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("delivery", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("committed", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("delivered", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True))
    decision = sa.case({old: new[0] for old, new in MAPPING.items()}, value=c.status, else_=c.status)
    delivery = sa.case({old: new[1] for old, new in MAPPING.items()}, value=c.status, else_=sa.null())
    op.execute(sa.update(_ENTRY).where(c.status.is_not(None)).values(decision=decision, delivery=delivery))
    _refingerprint(lambda row: status_said(row.get))
    # Not a batch (table copy): other tables reference entry, and SQLite 3.35+ drops a column in place.
    op.drop_column("entry", "status")


def _refingerprint(said: Callable[[Mapping[Any, Any]], str | None]) -> None:
    """Status changes' fingerprints from what they now say. One left NULL (a live duplicate logged
    before the check existed) stays unguarded; a downgrade's mapping can make two alike, and the
    later one is then left unguarded too."""
    c = _ENTRY.c
    bind = op.get_bind()
    rows = bind.execute(sa.select(_ENTRY).where(c.kind == "status").order_by(c.id)).mappings().all()
    seen: set[tuple[int, str]] = set()
    updates = []
    for row in rows:
        if row["fingerprint"] is None and row["retracted_at"] is None:
            continue
        fingerprint: str | None = entry_fingerprint(
            kind="status",
            date_precision=row["date_precision"],
            date_earliest=row["date_earliest"],
            date_latest=row["date_latest"],
            status=said(row),
        )
        if row["retracted_at"] is None:
            if (row["topic_id"], fingerprint) in seen:
                fingerprint = None
            else:
                seen.add((row["topic_id"], fingerprint))
        updates.append({"row_id": row["id"], "fingerprint": fingerprint})
    if updates:
        stmt = sa.update(_ENTRY).where(c.id == sa.bindparam("row_id")).values(fingerprint=sa.bindparam("fingerprint"))
        bind.execute(stmt, updates)


def downgrade() -> None:
    c = _ENTRY.c
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    status = sa.case(
        *((c.delivery == new, old) for new, old in BACK_BY_DELIVERY.items()),
        (c.decision.is_not(None), c.decision),
        # Only "none announced" was said: nothing decided was reported either.
        else_=sa.literal("under_review"),
    )
    op.execute(sa.update(_ENTRY).where(c.kind == "status").values(status=status))
    _refingerprint(lambda row: row["status"])
    for name in ("unit", "delivered", "committed", "delivery", "decision"):
        op.drop_column("entry", name)
