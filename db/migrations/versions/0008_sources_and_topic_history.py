"""every fact sourced: entries' unsourced reasons, background facts' ids and sources, the summary's date

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 07:40:00.000000

Entries stored without a source are marked unsourced with an honest reason ("No source was recorded")
instead of being shown as if one were missing by accident. Background facts get ids (in their order)
and the same mark when they have no source. A topic's summary is dated by the last audit record that
wrote its summary or next step (or by its seed's entries, written with it), or else by its creation.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from bot.core.background import normalise
from bot.core.sourcing import NOT_RECORDED

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENTRY = sa.table(
    "entry",
    sa.column("source_name"),
    sa.column("unsourced_reason"),
    sa.column("topic_id"),
    sa.column("seed_key"),
    sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime),
)
_TOPIC = sa.table(
    "topic",
    sa.column("id"),
    sa.column("background", sa.JSON),
    sa.column("fact_seq"),
    sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime),
    sa.column("summary_updated_at", sqlmodel.sql.sqltypes.UTCDateTime),
)
_AUDIT = sa.table(
    "audit_record",
    sa.column("id"),
    sa.column("topic_id"),
    sa.column("entry_id"),
    sa.column("at", sqlmodel.sql.sqltypes.UTCDateTime),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
)


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: a batch table copy would be refused, as other tables refer to these.
    op.add_column("entry", sa.Column("unsourced_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    # The server default fills existing rows; the bot always writes the column itself.
    op.add_column("topic", sa.Column("fact_seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("topic", sa.Column("summary_updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    bind = op.get_bind()
    bind.execute(
        sa.update(_ENTRY).where(sa.func.coalesce(_ENTRY.c.source_name, "") == "").values(unsourced_reason=NOT_RECORDED)
    )
    _backfill_topics(bind)


def _summary_written(bind: sa.Connection) -> dict[int, Any]:
    """Each topic's last audited write of its summary or next step (its creation included); a seed's
    entries count as one, as a seed story's summary describes them."""
    c = _AUDIT.c
    rows = bind.execute(
        sa.select(c.topic_id, c.at, c.before, c.after)
        .where(c.entry_id.is_(None), c.topic_id.is_not(None))
        .order_by(c.id)
    )
    written: dict[int, Any] = {}
    for topic_id, at, before, after in rows:
        old, new = before or {}, after or {}
        if any(old.get(name) != new.get(name) for name in ("summary", "next_step")):
            written[topic_id] = at
    e = _ENTRY.c
    seeded = sa.select(e.topic_id, sa.func.max(e.created_at)).where(e.seed_key.is_not(None)).group_by(e.topic_id)
    for topic_id, at in bind.execute(seeded):
        if at is not None and (topic_id not in written or written[topic_id] < at):
            written[topic_id] = at
    return written


def _backfill_topics(bind: sa.Connection) -> None:
    written = _summary_written(bind)
    c = _TOPIC.c
    updates = []
    for topic_id, background, created_at in bind.execute(sa.select(c.id, c.background, c.created_at).order_by(c.id)):
        facts, seq = normalise(background or [])
        updates.append({"row_id": topic_id, "facts": facts, "seq": seq, "written": written.get(topic_id, created_at)})
    if updates:
        stmt = (
            sa.update(_TOPIC)
            .where(c.id == sa.bindparam("row_id"))
            .values(
                background=sa.bindparam("facts", type_=sa.JSON),
                fact_seq=sa.bindparam("seq"),
                summary_updated_at=sa.bindparam("written", type_=sqlmodel.sql.sqltypes.UTCDateTime),
            )
        )
        bind.execute(stmt, updates)


def downgrade() -> None:
    # Facts keep their ids and marks in the JSON: the schema before this revision reads them as extra keys.
    op.drop_column("topic", "summary_updated_at")
    op.drop_column("topic", "fact_seq")
    op.drop_column("entry", "unsourced_reason")
