"""Table models. Every row belongs to one newsroom (a Discord guild) and carries its id.

Status changes, statements and events share one `entry` table with a `kind` discriminator: the
chronology, corrections, retractions and the digest all treat them as one stream ordered by date,
so one indexed table serves every read path without a UNION. Kind-specific columns are nullable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from bot.core.expected import UNDATED
from bot.core.fuzzydate import FuzzyDate


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def midpoint(value: FuzzyDate) -> dt.date:
    return value.earliest + (value.latest - value.earliest) / 2


class Newsroom(SQLModel, table=True):
    # The guild id is the primary key: a newsroom is a guild, never anything else.
    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    name: str = Field(default="", max_length=100)
    timezone: str = Field(default="UTC", max_length=64)
    editor_role_id: int | None = Field(default=None, sa_type=BigInteger)
    # Bumped in the transaction of every change to a topic's slug, title, aliases or archived flag, so a
    # process can keep the newsroom's autocomplete labels in memory and know, with one primary-key
    # read, whether they are still current.
    topic_labels_rev: int = Field(default=0)
    # Where the bot speaks to editors on its own (reminders, pause notices; bot.services.reminders):
    # None keeps it silent there. A topic with no change for `stale_after_days` is reminded weekly.
    editors_channel_id: int | None = Field(default=None, sa_type=BigInteger)
    stale_after_days: int = Field(default=30)
    # How long a change waits before instant alerts post it (bot.core.alert_rules): an entry undone
    # within it never alerts.
    alert_grace_seconds: int = Field(default=60)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class TopicBase(SQLModel):
    """A topic's columns, declared once: the table model and the read model both derive from it."""

    id: int | None = Field(default=None, primary_key=True)
    newsroom_id: int = Field(sa_type=BigInteger, foreign_key="newsroom.id")
    slug: str = Field(max_length=32)
    title: str = Field(max_length=200)
    aliases: list[str] = Field(default_factory=list, sa_type=JSON)
    summary: str = Field(default="", max_length=1000)
    next_step: str = Field(default="", max_length=500)
    # Facts as {id, fact, source, url[, unsourced]} (bot.core.background); ids come from fact_seq, the
    # last one issued, so a removed fact's id is never given to another.
    background: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    fact_seq: int = Field(default=0)
    # Set by every write of the summary or next step: the card compares it with its status's logging.
    summary_updated_at: dt.datetime | None = None
    # Lower-cased slug, title and aliases joined, so autocomplete is one indexed-scope LIKE.
    search_text: str = Field(default="", max_length=2000)
    archived: bool = Field(default=False)
    created_by: int = Field(default=0, sa_type=BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Topic(TopicBase, table=True):
    __table_args__ = (
        UniqueConstraint("newsroom_id", "slug", name="uq_topic_newsroom_slug"),
        Index("ix_topic_newsroom_archived_slug", "newsroom_id", "archived", "slug"),
        # Autocomplete with no text yet: the most recently updated topics first.
        Index("ix_topic_newsroom_recent", "newsroom_id", "archived", "updated_at"),
    )


class TopicRead(TopicBase):
    """A topic as the reader commands fetch it: read from a Core statement's row, never written back."""

    # Required here: pydantic does not carry the base's default over to a redeclared field, but pyright
    # models it on stdlib dataclasses, which do.
    id: int  # pyright: ignore[reportGeneralTypeIssues]


class EntryBase(SQLModel):
    """An entry's columns, declared once: the table model and the read model both derive from it, and
    so do the audit snapshot's and the digest's field lists (db.audit)."""

    id: int | None = Field(default=None, primary_key=True)
    newsroom_id: int = Field(sa_type=BigInteger, foreign_key="newsroom.id")
    topic_id: int = Field(foreign_key="topic.id")
    kind: str = Field(max_length=16)

    date_precision: str = Field(max_length=16)
    date_earliest: dt.date
    date_latest: dt.date
    # The midpoint of the bounds: the best single estimate, so "Sep 2023" sorts after "11 Sep 2023"
    # and "2023" sits mid-year instead of claiming 1 January.
    date_sort: dt.date
    end_precision: str | None = Field(default=None, max_length=16)
    end_earliest: dt.date | None = None
    end_latest: dt.date | None = None

    # status changes: the axes they set (one or both) and the quantities they give (bot.core.status_axes)
    decision: str | None = Field(default=None, max_length=32)
    delivery: str | None = Field(default=None, max_length=32)
    committed: float | None = None
    delivered: float | None = None
    unit: str | None = Field(default=None, max_length=50)
    note: str | None = Field(default=None, max_length=1000)
    # statements
    speaker: str | None = Field(default=None, max_length=100)
    speaker_key: str | None = Field(default=None, max_length=100)
    speaker_role: str | None = Field(default=None, max_length=150)
    speaker_org: str | None = Field(default=None, max_length=150)
    statement_kind: str | None = Field(default=None, max_length=16)
    text: str | None = Field(default=None, max_length=4000)
    context: str | None = Field(default=None, max_length=200)
    # events
    headline: str | None = Field(default=None, max_length=200)
    details: str | None = Field(default=None, max_length=1000)

    source_name: str = Field(default="", max_length=200)
    source_url: str | None = Field(default=None, max_length=500)
    # Why an entry has no source, shown to readers in its place (bot.core.sourcing).
    unsourced_reason: str | None = Field(default=None, max_length=500)

    # Expected entries (bot.core.expected): anticipated, scheduled or promised; an undated one has the
    # date precision "undated". Once a later entry says whether it happened: the outcome, that entry
    # and its date, who recorded it and when. No foreign key on the entry: it points forward to a
    # later row (which an import inserts after it), and entries are never deleted.
    expected: str | None = Field(default=None, max_length=16)
    outcome: str | None = Field(default=None, max_length=16)
    outcome_entry_id: int | None = None
    outcome_precision: str | None = Field(default=None, max_length=16)
    outcome_earliest: dt.date | None = None
    outcome_latest: dt.date | None = None
    outcome_by: int | None = Field(default=None, sa_type=BigInteger)
    outcome_at: dt.datetime | None = None

    created_by: int = Field(default=0, sa_type=BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    edited_at: dt.datetime | None = None
    retracted_at: dt.datetime | None = None
    retraction_reason: str | None = Field(default=None, max_length=500)
    # The interaction that created it: a retried delivery of the same interaction cannot store twice.
    interaction_id: int | None = Field(default=None, sa_type=BigInteger, unique=True)
    seed_key: str | None = Field(default=None, max_length=100)
    # Derived from the content on every write (bot.core.matching): the speaker's name, role and
    # organisation folded, one per line, for the speaker filter; and what makes a duplicate.
    speaker_search: str | None = Field(default=None, max_length=410)
    fingerprint: str | None = Field(default=None, max_length=40)

    @property
    def date(self) -> FuzzyDate | None:
        """None for an expected entry whose date has not been announced: its bounds only place it."""
        if self.date_precision == UNDATED:
            return None
        return FuzzyDate.from_storage(self.date_precision, self.date_earliest, self.date_latest)

    @property
    def outcome_date(self) -> FuzzyDate | None:
        if self.outcome_precision is None or self.outcome_earliest is None or self.outcome_latest is None:
            return None
        return FuzzyDate.from_storage(self.outcome_precision, self.outcome_earliest, self.outcome_latest)

    @property
    def end_date(self) -> FuzzyDate | None:
        if self.end_precision is None or self.end_earliest is None or self.end_latest is None:
            return None
        return FuzzyDate.from_storage(self.end_precision, self.end_earliest, self.end_latest)


class Entry(EntryBase, table=True):
    __table_args__ = (
        # Chronology reads: one topic's live entries in date order. Partial, so retracted entries cost
        # neither space nor a skipped row, and counting a long timeline reads only this index.
        Index(
            "ix_entry_topic_live_date",
            "topic_id",
            "date_sort",
            "id",
            sqlite_where=text("retracted_at IS NULL"),
            postgresql_where=text("retracted_at IS NULL"),
        ),
        Index("ix_entry_topic_kind_date", "topic_id", "kind", "date_sort", "id"),
        # Digest reads: what changed in a newsroom since a point in time.
        Index("ix_entry_newsroom_updated", "newsroom_id", "updated_at"),
        Index("ix_entry_newsroom_speaker", "newsroom_id", "speaker_key"),
        # /speaker and /ask: a newsroom's live statements across its topics, newest first, with the
        # folded speaker text their filter reads, so it needs no row until one matches.
        Index(
            "ix_entry_newsroom_statements",
            "newsroom_id",
            "date_sort",
            "id",
            "speaker_search",
            sqlite_where=text("kind = 'statement' AND retracted_at IS NULL"),
            postgresql_where=text("kind = 'statement' AND retracted_at IS NULL"),
        ),
        UniqueConstraint("newsroom_id", "seed_key", name="uq_entry_newsroom_seed"),
        # One live entry per fingerprint in a topic: two editors logging the same statement at once
        # store it once, whichever database serialises them (bot.core.matching says what counts).
        Index(
            "uq_entry_topic_live_fingerprint",
            "topic_id",
            "fingerprint",
            unique=True,
            sqlite_where=text("retracted_at IS NULL"),
            postgresql_where=text("retracted_at IS NULL"),
        ),
    )

    def set_date(self, value: FuzzyDate) -> None:
        self.date_precision = value.precision.value
        self.date_earliest = value.earliest
        self.date_latest = value.latest
        self.date_sort = midpoint(value)

    def set_end_date(self, value: FuzzyDate | None) -> None:
        self.end_precision = value.precision.value if value else None
        self.end_earliest = value.earliest if value else None
        self.end_latest = value.latest if value else None


class EntryRead(EntryBase):
    """An entry as the reader commands fetch it: read from a Core statement's row, never written back."""

    # Required here: pydantic does not carry the base's default over to a redeclared field, but pyright
    # models it on stdlib dataclasses, which do.
    id: int  # pyright: ignore[reportGeneralTypeIssues]


class AuditRecord(SQLModel, table=True):
    """Append-only: the bot has no code path that updates or deletes these rows."""

    __tablename__: ClassVar[str] = "audit_record"
    __table_args__ = (
        Index("ix_audit_entry", "entry_id", "id"),
        Index("ix_audit_topic", "topic_id", "id"),
        Index("ix_audit_newsroom_at", "newsroom_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    newsroom_id: int = Field(sa_type=BigInteger, foreign_key="newsroom.id")
    entry_id: int | None = Field(default=None, foreign_key="entry.id")
    topic_id: int | None = Field(default=None, foreign_key="topic.id")
    action: str = Field(max_length=32)
    actor_id: int = Field(default=0, sa_type=BigInteger)
    interaction_id: int | None = Field(default=None, sa_type=BigInteger)
    at: dt.datetime = Field(default_factory=utcnow)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    reason: str | None = Field(default=None, max_length=500)


class AppState(SQLModel, table=True):
    __tablename__: ClassVar[str] = "app_state"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(max_length=200)
    updated_at: dt.datetime = Field(default_factory=utcnow)
