"""entry: speaker search text (name, role, organisation) and a fingerprint unique among a topic's live entries

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 06:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from bot.core.matching import entry_fingerprint, speaker_search_text

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("retracted_at IS NULL")
# Dates typed, so SQLite's stored text comes back as dates.
_ENTRY = sa.table(
    "entry",
    sa.column("date_earliest", sa.Date),
    sa.column("date_latest", sa.Date),
    *(
        sa.column(name)
        for name in (
            "id", "topic_id", "kind", "date_precision", "status", "speaker", "speaker_role", "speaker_org", "text",
            "headline", "retracted_at", "speaker_search", "fingerprint",
        )
    ),
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("speaker_search", sqlmodel.sql.sqltypes.AutoString(length=410), nullable=True))
        batch_op.add_column(sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    _backfill()
    op.create_index(
        "uq_entry_topic_live_fingerprint",
        "entry",
        ["topic_id", "fingerprint"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def _backfill() -> None:
    """The folding is Python's (Unicode tables neither database has alike), so rows are read and written
    back here. Live duplicates logged before the check existed keep a NULL fingerprint after the first
    of them: nothing is changed or hidden, they are just not guarded."""
    c = _ENTRY.c
    bind = op.get_bind()
    rows = bind.execute(sa.select(_ENTRY).order_by(c.id)).mappings().all()
    seen: set[tuple[int, str]] = set()
    updates = []
    for row in rows:
        fingerprint: str | None = entry_fingerprint(
            kind=row["kind"],
            date_precision=row["date_precision"],
            date_earliest=row["date_earliest"],
            date_latest=row["date_latest"],
            status=row["status"],
            speaker=row["speaker"],
            text=row["text"],
            headline=row["headline"],
        )
        if row["retracted_at"] is None:
            if (row["topic_id"], fingerprint) in seen:
                fingerprint = None
            else:
                seen.add((row["topic_id"], fingerprint))
        search = speaker_search_text(row["speaker"], row["speaker_role"], row["speaker_org"])
        updates.append({"row_id": row["id"], "search": search, "fingerprint": fingerprint})
    if updates:
        stmt = (
            sa.update(_ENTRY)
            .where(c.id == sa.bindparam("row_id"))
            .values(speaker_search=sa.bindparam("search"), fingerprint=sa.bindparam("fingerprint"))
        )
        bind.execute(stmt, updates)


def downgrade() -> None:
    op.drop_index("uq_entry_topic_live_fingerprint", table_name="entry")
    # Not a batch (table copy): other tables reference entry, and SQLite 3.35+ drops a column in place.
    op.drop_column("entry", "fingerprint")
    op.drop_column("entry", "speaker_search")
