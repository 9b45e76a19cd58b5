"""Database state for the hostile suite: fingerprints of the four tables and every consistency rule."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from bot.core.validation import LIMITS, MULTILINE, SLUG_RE
from db.audit import ENTRY_FIELDS, TOPIC_FIELDS
from db.engine import Database
from db.models import AuditRecord, Entry, Newsroom, Topic
from db.seeds import available_seeds
from tests.hostile.strategies import Pools

# --------------------------------------------------------------------------------------------------
# Database state: fingerprints and consistency
# --------------------------------------------------------------------------------------------------
MODELS: tuple[type[Any], ...] = (Newsroom, Topic, Entry, AuditRecord)


Fingerprint = dict[str, list[dict[str, Any]]]


async def fingerprint(database: Database) -> Fingerprint:
    """Every row of the four tables, in primary-key order."""
    out: Fingerprint = {}
    async with database.read() as session:
        for model in MODELS:
            table = model.__table__
            stmt = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [dict(row._mapping) for row in (await session.execute(stmt)).all()]
    return out


def of_newsroom(state: Fingerprint, newsroom_id: int) -> Fingerprint:
    """The rows one newsroom owns."""
    return {
        name: [r for r in rows if r.get("newsroom_id", r.get("id") if name == "newsroom" else None) == newsroom_id]
        for name, rows in state.items()
    }


def fingerprint_diff(before: Fingerprint, after: Fingerprint) -> str:
    lines = []
    for name in before:
        old, new = before[name], after[name]
        if old != new:
            gone = [r for r in old if r not in new][:3]
            came = [r for r in new if r not in old][:3]
            lines.append(f"{name}: {len(old)} -> {len(new)} rows; removed/changed {gone}; added/changed {came}")
    return "\n".join(lines)


def _instant(value: Any) -> Any:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value


def _jsonish(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _instant(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _normalised(snapshot: dict[str, Any] | None, fields: tuple[str, ...]) -> dict[str, Any]:
    snapshot = snapshot or {}
    return {f: (_instant(snapshot.get(f)) if f == "retracted_at" else snapshot.get(f)) for f in fields}


def _current(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: _jsonish(getattr(row, f)) for f in fields}


# The validation contract as the README states it, written out here rather than imported, so a bug in the
# bot's own patterns cannot hide from the check: no mention syntax, no bidirectional overrides/isolates.
# @everyone/@here count where they stand alone: not inside an e-mail address or a longer word.
STORED_MENTION = re.compile(r"(?<![\w.+-])@(everyone|here)(?![\w@-]|\.\w)|<@[!&]?\d+>|<#\d+>|<id:\w+>", re.IGNORECASE)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Entry column -> the LIMITS key its editor field is validated with.
ENTRY_TEXT = {
    "note": "note",
    "speaker": "speaker",
    "speaker_role": "role",
    "speaker_org": "organisation",
    "text": "text",
    "context": "context",
    "headline": "headline",
    "details": "details",
    "source_name": "source",
    "source_url": "url",
    "retraction_reason": "reason",
}
TOPIC_TEXT = {"title": "title", "summary": "summary", "next_step": "next_step"}
RETRACTING = ("entry.retract", "entry.undo")
RETRACTION_ACTIONS = (*RETRACTING, "entry.restore")


def _text_problems(where: str, field: str, value: str | None) -> list[str]:
    """The validation contract, checked on what was stored: cleaned, bounded, no mention syntax."""
    if not value:
        return []
    problems = []
    if len(value) > LIMITS[field]:
        problems.append(f"{where}: {field} stored with {len(value)} > {LIMITS[field]} characters")
    allowed_newline = field in MULTILINE
    bad = [c for c in value if (unicodedata.category(c) == "Cc" and not (c == "\n" and allowed_newline))]
    bad += [c for c in value if c in BIDI_CONTROLS]
    if bad:
        problems.append(f"{where}: {field} stored with control/bidi characters {bad!r}")
    if field != "url" and STORED_MENTION.search(value):  # "@" is ordinary in a URL, which only embeds show
        problems.append(f"{where}: {field} stored with mention syntax: {value!r}")
    if value != value.strip():
        problems.append(f"{where}: {field} stored with surrounding whitespace: {value!r}")
    return problems


def rows_of(state: Fingerprint, model: type[Any]) -> dict[int, Any]:
    """One table of a fingerprint as objects with attribute access, by primary key."""
    return {row["id"]: SimpleNamespace(**row) for row in state[model.__table__.name]}


async def consistency_problems(database: Database) -> list[str]:
    return state_problems(await fingerprint(database))


def state_problems(state: Fingerprint) -> list[str]:
    """Every consistency rule, checked on one snapshot of the four tables."""
    newsrooms = rows_of(state, Newsroom)
    topics = rows_of(state, Topic)
    entries = rows_of(state, Entry)
    records = sorted(rows_of(state, AuditRecord).values(), key=lambda r: r.id)
    problems: list[str] = []
    for t in topics.values():
        if t.newsroom_id not in newsrooms:
            problems.append(f"topic {t.id} belongs to missing newsroom {t.newsroom_id}")
        if not SLUG_RE.fullmatch(t.slug):
            problems.append(f"topic {t.id} has slug {t.slug!r}")
        for name, field in TOPIC_TEXT.items():
            problems += _text_problems(f"topic {t.id}", field, getattr(t, name))
        for alias in t.aliases:
            problems += _text_problems(f"topic {t.id} alias", "alias", alias)
    for e in entries.values():
        topic = topics.get(e.topic_id)
        if topic is None or topic.newsroom_id != e.newsroom_id:
            problems.append(f"entry {e.id} (newsroom {e.newsroom_id}) points at topic {e.topic_id} of another newsroom")
        for name, field in ENTRY_TEXT.items():
            problems += _text_problems(f"entry {e.id}", field, getattr(e, name))
    trails: dict[tuple[str, int], list[Any]] = {}
    for r in records:
        if r.newsroom_id not in newsrooms:
            problems.append(f"audit {r.id} belongs to missing newsroom {r.newsroom_id}")
        if r.entry_id is not None:
            entry = entries.get(r.entry_id)
            if entry is None or entry.newsroom_id != r.newsroom_id:
                problems.append(f"audit {r.id} (newsroom {r.newsroom_id}) names entry {r.entry_id} of another newsroom")
            elif r.topic_id != entry.topic_id:
                problems.append(f"audit {r.id} names topic {r.topic_id} but its entry is in topic {entry.topic_id}")
            trails.setdefault(("entry", r.entry_id), []).append(r)
        elif r.topic_id is not None:
            trails.setdefault(("topic", r.topic_id), []).append(r)
        if r.topic_id is not None:
            topic = topics.get(r.topic_id)
            if topic is None or topic.newsroom_id != r.newsroom_id:
                problems.append(f"audit {r.id} (newsroom {r.newsroom_id}) names topic {r.topic_id} of another newsroom")
        if r.reason is not None:
            problems += _text_problems(f"audit {r.id}", "reason", r.reason)
    for e in entries.values():
        problems += _replay("entry", e, trails.get(("entry", e.id), []), ENTRY_FIELDS, "entry.create")
        last = [r.action for r in trails.get(("entry", e.id), []) if r.action in RETRACTION_ACTIONS]
        retracted = bool(last) and last[-1] in RETRACTING
        if (e.retracted_at is not None) != retracted:
            problems.append(f"entry {e.id}: retracted_at={e.retracted_at} but its last retract/restore is {last[-1:]}")
    for t in topics.values():
        problems += _replay("topic", t, trails.get(("topic", t.id), []), TOPIC_FIELDS, "topic.create")
    return problems


def _replay(kind: str, row: Any, trail: list[Any], fields: tuple[str, ...], create: str) -> list[str]:
    if not trail:
        return [f"{kind} {row.id} has no audit trail"]
    if trail[0].action != create or trail[0].before is not None:
        return [f"{kind} {row.id}: audit trail starts with {trail[0].action} (before={trail[0].before!r})"]
    state = _normalised(trail[0].after, fields)
    for r in trail[1:]:
        if _normalised(r.before, fields) != state:
            return [f"{kind} {row.id}: audit {r.id} ({r.action}) 'before' does not continue the trail"]
        state = _normalised(r.after, fields)
    current = _normalised(_current(row, fields), fields)
    if state != current:
        diff = {f: (state.get(f), current.get(f)) for f in fields if state.get(f) != current.get(f)}
        return [f"{kind} {row.id}: replaying its audit trail gives {diff} (replayed, stored)"]
    return []


def pools_of(state: Fingerprint) -> Pools:
    """Topic queries and entry refs of *both* guilds, and known speakers, from one snapshot."""
    queries: list[str] = []
    for t in sorted(rows_of(state, Topic).values(), key=lambda t: t.id):
        queries += [t.slug, t.title, *t.aliases[:2], f"#{t.id}"]
    entries = sorted(rows_of(state, Entry).values(), key=lambda e: e.id)
    ids = [e.id for e in entries]
    refs = [f"#{i}" for i in ids] + [str(i) for i in ids[-5:]] + [f"#{(ids[-1] if ids else 0) + 1}"]
    speakers = sorted({e.speaker for e in entries if e.speaker})
    return Pools(topic_queries=queries, entry_refs=refs, speakers=speakers, seeds=sorted(available_seeds()))
