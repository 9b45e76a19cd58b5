"""entry: expected entries (anticipated, scheduled, promised), undated ones, and their outcome

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 07:40:00.000000

Existing rows are not expected, with two exceptions from the ATACMS seed, each unless an editor has
corrected it: the anticipated Zelensky-Biden conversation, stored dated "Sep 2023" (the month it was
reported) as if it had happened then, becomes what the report says: anticipated, date not announced,
placed by that month (its fingerprint follows its date, as on every write); and the autumn 2023
window Kyiv hoped for becomes anticipated.

A status change's fingerprint is made of what it says on the two axes (0006), read from their columns.
"""

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from bot.core.fuzzydate import FuzzyDate, Precision
from bot.core.matching import entry_fingerprint
from bot.core.status_axes import status_said

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNDATED = "undated"
# Seeded entries that were anticipated, and what each becomes.
ANTICIPATED = {
    "atacms-expected-call": {"date_precision": UNDATED, "expected": "anticipated"},
    "atacms-hoped-window": {"expected": "anticipated"},
}

# What an entry's fingerprint is made of: the columns of the same names, except a status change's
# `status`, which is what it says on the two axes (bot.core.status_axes.status_said).
_FINGERPRINTED = tuple(name for name in inspect.signature(entry_fingerprint).parameters if name != "status")
_ENTRY = sa.table(
    "entry",
    sa.column("date_earliest", sa.Date),
    sa.column("date_latest", sa.Date),
    sa.column("edited_at", sqlmodel.sql.sqltypes.UTCDateTime),
    sa.column("committed", sa.Float),
    sa.column("delivered", sa.Float),
    *(
        sa.column(name)
        for name in (
            "id", "kind", "date_precision", "decision", "delivery", "unit", "speaker", "text", "headline",
            "seed_key", "expected", "fingerprint",
        )
    ),
)  # fmt: skip


def _columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("expected", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("outcome_entry_id", sa.Integer(), nullable=True),
        sa.Column("outcome_precision", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("outcome_earliest", sa.Date(), nullable=True),
        sa.Column("outcome_latest", sa.Date(), nullable=True),
        sa.Column("outcome_by", sa.BigInteger(), nullable=True),
        sa.Column("outcome_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    ]


def upgrade() -> None:
    # Not a batch (table copy): other tables reference entry, and adding a nullable column is in place.
    for column in _columns():
        op.add_column("entry", column)
    c = _ENTRY.c
    _rewrite(
        sa.select(_ENTRY).where(
            c.seed_key.in_(ANTICIPATED), c.kind == "event", c.edited_at.is_(None), c.expected.is_(None)
        ),
        lambda row: ANTICIPATED[row["seed_key"]],
    )


def _dated(row: sa.RowMapping) -> dict[str, object]:
    """An undated entry's bounds are the day or span it was reported: the narrowest precision they fit."""
    for precision in Precision:
        try:
            FuzzyDate(precision, row["date_earliest"], row["date_latest"])
        except (TypeError, ValueError):
            continue
        return {"date_precision": precision.value}
    day = row["date_earliest"]
    return {"date_precision": Precision.DAY.value, "date_latest": day}


def _rewrite(query: sa.Select[Any], change: Callable[[sa.RowMapping], Mapping[str, object]]) -> None:
    """Set the columns `change` gives for each row found, and recompute the fingerprint, which covers
    the date (Python's folding, as in 0005)."""
    bind = op.get_bind()
    for row in bind.execute(query).mappings().all():
        updates = change(row)
        values = {**row, **updates}
        fingerprint = entry_fingerprint(
            **{name: values[name] for name in _FINGERPRINTED}, status=status_said(values.get)
        )
        bind.execute(sa.update(_ENTRY).where(_ENTRY.c.id == row["id"]).values(**updates, fingerprint=fingerprint))


def downgrade() -> None:
    # Before 0007 every entry had a date: an undated one takes the span it was reported in.
    _rewrite(sa.select(_ENTRY).where(_ENTRY.c.date_precision == UNDATED), _dated)
    # SQLite 3.35+ drops a column in place.
    for column in reversed(_columns()):
        op.drop_column("entry", column.name)
