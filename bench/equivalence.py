"""Proof that the bulk loader stores what the write path stores, compared field by field.

For one draft of each kind the real services (``db.writes.add_entry``, ``edit_entry``,
``retract_entry``, ``create_topic``) store rows through the ORM; the loader stores the same drafts
through ``bench.rows`` + ``bench.bulk``. Then every column of every resulting row (entry, its audit
records, the topic and its audit record) is read back through the raw driver, i.e. as stored, and
compared. Ids differ by construction and are mapped; instants the write path takes from the clock
(``created_at``/``updated_at``/``at``) are handed to the loader where the ORM exposes them, and
otherwise must agree to within a second and be stored in the same format.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlmodel import select

from bench import bulk, rows
from bot.core.drafts import EntryDraft, TopicDraft
from bot.core.fuzzydate import FuzzyDate
from bot.core.vocabulary import EntryKind
from db import writes
from db.engine import Database
from db.models import Entry
from db.newsrooms import ensure_newsroom

GUILD = 880_000_000_000_000_000
ACTOR = 660_000_000_000_000_001
# Columns whose value is an instant the write path reads from the clock itself.
CLOCK_COLUMNS = frozenset({"created_at", "updated_at", "at", "edited_at", "retracted_at"})
FIXED_NOW = dt.datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)


def drafts() -> list[EntryDraft]:
    """One draft of each kind with every optional field used, non-ASCII text and an end date."""
    return [
        EntryDraft(
            kind=EntryKind.STATEMENT,
            date=FuzzyDate.part_of_month(2023, 9, "mid"),
            source_name="State Department — press briefing",
            source_url="https://www.state.gov/briefings/2023-09-14",
            speaker="  Matthew   MILLER ",
            speaker_role="Spokesman",
            speaker_org="U.S. Department of State",
            statement_kind="paraphrase",
            text="«No new decision» to announce;\nthe request is under review. Zelensky’s envoy: “soon”.",
            context="Press briefing",
        ),
        EntryDraft(
            kind=EntryKind.STATUS,
            date=FuzzyDate.season(2023, "winter"),
            source_name="Reuters",
            status="under_review",
            note="Officials are weighing the request; no decision has been announced.",
        ),
        EntryDraft(
            kind=EntryKind.EVENT,
            date=FuzzyDate.exact(dt.date(2024, 2, 29)),
            end_date=FuzzyDate.quarter(2024, 2),
            source_name="AP",
            headline="Leaders meet in Kyiv",
            details="Talks covered air defence and long-range missiles.",
        ),
    ]


TOPIC = TopicDraft(
    slug="atacms-equivalence",
    title="ATACMS long-range missiles",
    aliases=["ATACMS", "long range missiles"],
    summary="Whether the US supplies ATACMS.",
    next_step="Decision expected after the summit.",
    background=[{"fact": "First requested in 2022.", "source": "Reuters", "url": "https://example.org/a"}],
)


@dataclass(slots=True)
class Report:
    backend: str
    rows_compared: int = 0
    fields_compared: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.rows_compared > 0


@contextmanager
def _fixed_clock(now: dt.datetime) -> Iterator[None]:
    # edit_entry and retract_entry take "now" from db.writes.utcnow; pin it so both sides agree.
    saved = writes.utcnow
    writes.utcnow = lambda: now  # type: ignore[assignment]
    try:
        yield
    finally:
        writes.utcnow = saved  # type: ignore[assignment]


async def _write_path(database: Database, topic_draft: TopicDraft, entry_drafts: list[EntryDraft]) -> dict[str, Any]:
    """Store through the real services; returns the ids created."""
    async with database.write() as session:
        await ensure_newsroom(session, guild_id=GUILD, name="Equivalence")
        topic = await writes.create_topic(
            session, newsroom_id=GUILD, draft=topic_draft, actor_id=ACTOR, interaction_id=None
        )
        entries: list[Entry] = []
        for n, draft in enumerate(entry_drafts):
            entry = await writes.add_entry(
                session, topic=topic, draft=draft, actor_id=ACTOR, interaction_id=GUILD + 100 + n
            )
            entries.append(entry)
    # A correction and a retraction, each in its own transaction as the commands do them.
    with _fixed_clock(FIXED_NOW):
        async with database.write() as session:
            entry = await session.get(Entry, entries[0].id)
            assert entry is not None
            await writes.edit_entry(
                session,
                entry=entry,
                changes={"date": FuzzyDate.exact(dt.date(2023, 9, 11)), "speaker": "Matthew Miller"},
                actor_id=ACTOR,
                interaction_id=GUILD + 200,
                reason="Date confirmed",
            )
    with _fixed_clock(FIXED_NOW + dt.timedelta(minutes=3)):
        async with database.write() as session:
            entry = await session.get(Entry, entries[1].id)
            assert entry is not None
            await writes.retract_entry(
                session, entry=entry, actor_id=ACTOR, interaction_id=GUILD + 201, reason="Duplicate"
            )
    async with database.read() as session:
        stored = (await session.execute(select(Entry).where(Entry.topic_id == topic.id).order_by(Entry.id))).scalars()
        created = [e.created_at for e in stored]
    return {"topic_id": topic.id, "entry_ids": [e.id for e in entries], "created": created}


def _bulk_rows(
    topic_draft: TopicDraft, entry_drafts: list[EntryDraft], written: dict[str, Any], *, topic_id: int, first_entry: int
) -> dict[str, list[rows.Values]]:
    """The same story through bench.rows, with the instants the write path used where it exposes them."""
    first_created = written["created"][0]
    topic = rows.topic_values(topic_id=topic_id, newsroom_id=GUILD, draft=topic_draft, actor_id=ACTOR, at=first_created)
    audits = [rows.topic_created(topic, actor_id=ACTOR, interaction_id=None, at=first_created)]
    entries = []
    for n, draft in enumerate(entry_drafts):
        values = rows.entry_values(
            entry_id=first_entry + n,
            newsroom_id=GUILD,
            topic_id=topic_id,
            draft=draft,
            actor_id=ACTOR,
            interaction_id=GUILD + 300 + n,
            at=written["created"][n],
        )
        audits.append(
            rows.entry_created(values, actor_id=ACTOR, interaction_id=GUILD + 300 + n, at=values["created_at"])
        )
        entries.append(values)
    topic["updated_at"] = entries[-1]["created_at"]
    audits.append(
        rows.edit_entry(
            entries[0],
            {"date": FuzzyDate.exact(dt.date(2023, 9, 11)), "speaker": "Matthew Miller"},
            actor_id=ACTOR,
            interaction_id=GUILD + 400,
            reason="Date confirmed",
            at=FIXED_NOW,
        )
    )
    audits.append(
        rows.retract_entry(
            entries[1],
            actor_id=ACTOR,
            interaction_id=GUILD + 401,
            reason="Duplicate",
            at=FIXED_NOW + dt.timedelta(minutes=3),
        )
    )
    return {"topic": [topic], "entry": entries, "audit_record": audits}


async def _raw_rows(url: str, schema: str | None, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows as stored, through the raw driver (no SQLAlchemy type processing in between)."""
    if schema is None:
        conn = sqlite3.connect(bulk.sqlite_path(url))
        try:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql.replace("$1", "?").replace("$2", "?"), args)]
        finally:
            conn.close()
    pg = await asyncpg.connect(bulk.asyncpg_dsn(url), server_settings={"search_path": schema})
    try:
        return [dict(r) for r in await pg.fetch(sql, *args)]
    finally:
        await pg.close()


async def check(url: str, schema: str | None = None) -> Report:
    """Store a story both ways in the (migrated, empty) database at `url` and compare."""
    backend = "sqlite" if schema is None else "postgresql"
    report = Report(backend)
    database = Database(url, schema=schema)
    try:
        entry_drafts = drafts()
        written = await _write_path(database, TOPIC, entry_drafts)
        # The loader's copy lives in a second topic of the same newsroom (slugs are unique per newsroom).
        bulk_topic = TopicDraft(**{**_topic_fields(TOPIC), "slug": TOPIC.slug + "-bulk"})
    finally:
        await database.dispose()

    # Ids well past the write path's, so neither side can collide with the other.
    max_topic, max_entry = written["topic_id"], max(written["entry_ids"])
    topic_id, first_entry = max_topic + 1000, max_entry + 1000
    loaded = _bulk_rows(bulk_topic, drafts(), written, topic_id=topic_id, first_entry=first_entry)
    sink = await bulk.open_sink(url, schema)
    try:
        audit_base = 1_000_000
        for n, values in enumerate(loaded["audit_record"]):
            values["id"] = audit_base + n
        for table in ("topic", "entry", "audit_record"):
            codec = sink.codecs[table]
            await sink.write(table, [codec.encode(v) for v in loaded[table]])
        await bulk.derive_columns(sink)
        await sink.finish()
    finally:
        await sink.close()

    ids = {"written_topic": written["topic_id"], "bulk_topic": topic_id}
    await _compare_topics(url, schema, ids, report)
    entry_map = dict(zip(written["entry_ids"], range(first_entry, first_entry + len(entry_drafts)), strict=True))
    await _compare_entries(url, schema, entry_map, report)
    return report


def _topic_fields(draft: TopicDraft) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in TopicDraft.__dataclass_fields__}


def _same(report: Report, where: str, column: str, ours: Any, theirs: Any) -> None:
    report.fields_compared += 1
    if column in CLOCK_COLUMNS and ours is not None and theirs is not None:
        if type(ours) is not type(theirs):
            report.mismatches.append(f"{where}.{column}: stored as {type(theirs).__name__} vs {type(ours).__name__}")
            return
        if isinstance(ours, str):
            # SQLite keeps instants as text: same format, and the same instant to within a second.
            if len(ours) != len(theirs):
                report.mismatches.append(f"{where}.{column}: format {theirs!r} vs {ours!r}")
                return
            ours_t, theirs_t = dt.datetime.fromisoformat(ours), dt.datetime.fromisoformat(theirs)
        else:
            ours_t, theirs_t = ours, theirs
        if abs(ours_t - theirs_t) > dt.timedelta(seconds=1):
            report.mismatches.append(f"{where}.{column}: {theirs!r} vs {ours!r}")
        return
    if ours != theirs or type(ours) is not type(theirs):
        report.mismatches.append(f"{where}.{column}: write path {theirs!r}, loader {ours!r}")


async def _compare_topics(url: str, schema: str | None, ids: dict[str, int], report: Report) -> None:
    sql = "SELECT * FROM topic WHERE id = $1"
    theirs = (await _raw_rows(url, schema, sql, ids["written_topic"]))[0]
    ours = (await _raw_rows(url, schema, sql, ids["bulk_topic"]))[0]
    report.rows_compared += 1
    for column in theirs:
        if column == "id":
            continue
        if column in ("slug", "search_text"):
            # The loader's copy is the same story under another slug (slugs are unique per newsroom).
            ours[column] = ours[column].replace(TOPIC.slug + "-bulk", TOPIC.slug)
        _same(report, "topic", column, ours[column], theirs[column])
    sql = "SELECT * FROM audit_record WHERE topic_id = $1 AND entry_id IS NULL ORDER BY id"
    theirs_a = await _raw_rows(url, schema, sql, ids["written_topic"])
    ours_a = await _raw_rows(url, schema, sql, ids["bulk_topic"])
    _compare_audits(report, "topic audit", theirs_a, ours_a, {ids["written_topic"]: ids["bulk_topic"]}, {})


async def _compare_entries(url: str, schema: str | None, entry_map: dict[int, int], report: Report) -> None:
    for theirs_id, ours_id in entry_map.items():
        sql = "SELECT * FROM entry WHERE id = $1"
        theirs = (await _raw_rows(url, schema, sql, theirs_id))[0]
        ours = (await _raw_rows(url, schema, sql, ours_id))[0]
        report.rows_compared += 1
        for column in theirs:
            if column in ("id", "topic_id", "interaction_id"):
                continue  # mapped ids: checked through the audit records below
            _same(report, f"entry {theirs['kind']}", column, ours[column], theirs[column])
        report.fields_compared += 1
        if (ours["interaction_id"] is None) != (theirs["interaction_id"] is None):
            report.mismatches.append("entry.interaction_id: presence differs")
        sql = "SELECT * FROM audit_record WHERE entry_id = $1 ORDER BY id"
        theirs_a = await _raw_rows(url, schema, sql, theirs_id)
        ours_a = await _raw_rows(url, schema, sql, ours_id)
        topics = {theirs["topic_id"]: ours["topic_id"]}
        _compare_audits(report, f"entry {theirs['kind']} audit", theirs_a, ours_a, topics, {theirs_id: ours_id})


def _compare_audits(
    report: Report,
    where: str,
    theirs: list[dict[str, Any]],
    ours: list[dict[str, Any]],
    topic_map: dict[int, int],
    entry_map: dict[int, int],
) -> None:
    if len(theirs) != len(ours):
        report.mismatches.append(f"{where}: {len(theirs)} records from the write path, {len(ours)} from the loader")
        return
    for t, o in zip(theirs, ours, strict=True):
        report.rows_compared += 1
        for column in t:
            if column == "id":
                continue
            if column == "interaction_id":
                # Both sides used different interaction ids on purpose; both must have one or neither.
                report.fields_compared += 1
                if (t[column] is None) != (o[column] is None):
                    report.mismatches.append(f"{where}.interaction_id: presence differs")
                continue
            tv, ov = t[column], o[column]
            if column == "topic_id" and tv is not None:
                tv = topic_map.get(tv, tv)
            elif column == "entry_id" and tv is not None:
                tv = entry_map.get(tv, tv)
            elif column in ("before", "after") and isinstance(tv, str) and isinstance(ov, str):
                # Snapshots name the topic by id: map it, then the stored JSON text must match exactly.
                for old, new in topic_map.items():
                    tv = tv.replace(f'"topic_id": {old}', f'"topic_id": {new}')
                tv = tv.replace(TOPIC.slug, TOPIC.slug + "-bulk") if '"slug"' in tv else tv
            _same(report, where, column, ov, tv)
