"""Seed stories: structured TOML files in `seeds/`, loaded into a newsroom idempotently."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bot.core.drafts import EntryDraft, TopicDraft
from bot.core.errors import InvalidInput
from bot.core.expected import Expectation, read_logged_date
from bot.core.fuzzydate import FuzzyDateError, parse_fuzzy_date
from bot.core.status_axes import check_fields
from bot.core.vocabulary import LEGACY_STATUS, EntryKind, StatementKind, legacy_axes
from db.models import Entry, Topic, utcnow
from db.topic_writes import create_topic
from db.topics import find_topic
from db.writes import add_entry

SEED_FORMAT = 1
SEED_DIR = Path(__file__).resolve().parent.parent / "seeds"


class SeedError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SeedEntry:
    key: str
    draft: EntryDraft


@dataclass(frozen=True, slots=True)
class SeedStory:
    name: str
    topic: TopicDraft
    entries: list[SeedEntry]


@dataclass(frozen=True, slots=True)
class SeedResult:
    story: str
    topic_created: bool
    entries_added: int


@functools.cache
def available_seeds(directory: Path = SEED_DIR) -> dict[str, Path]:
    """Seed files by name; read once, since the directory ships with the code."""
    return {path.stem: path for path in sorted(directory.glob("*.toml"))}


async def load_seed_file_async(path: Path) -> SeedStory:
    return await asyncio.to_thread(load_seed_file, path)


def _text(item: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = item.get(name)
    if value is None:
        if required:
            raise SeedError(f"missing {name!r}")
        return None
    if not isinstance(value, str):
        raise SeedError(f"{name!r} must be text")
    return value


def parse_seed(name: str, data: dict[str, Any]) -> SeedStory:
    if data.get("format") != SEED_FORMAT:
        raise SeedError(f"{name}: unsupported seed format {data.get('format')!r} (expected {SEED_FORMAT})")
    try:
        reference = dt.date.fromisoformat(str(data["reference_date"]))
        raw_topic = data["topic"]
        topic = TopicDraft(
            slug=str(raw_topic["slug"]),
            title=str(raw_topic["title"]),
            aliases=[str(a) for a in raw_topic.get("aliases", [])],
            summary=str(raw_topic.get("summary", "")),
            next_step=str(raw_topic.get("next_step", "")),
            background=[_parse_fact(dict(fact)) for fact in raw_topic.get("background", [])],
        )
        entries = [_parse_entry(item, reference) for item in data.get("entries", [])]
    except (KeyError, TypeError, ValueError) as exc:
        raise SeedError(f"{name}: {exc}") from exc
    keys = [e.key for e in entries]
    if len(set(keys)) != len(keys):
        raise SeedError(f"{name}: entry keys must be unique")
    return SeedStory(name=name, topic=topic, entries=entries)


def _parse_entry(item: dict[str, Any], reference: dt.date) -> SeedEntry:
    key = _text(item, "key", required=True)
    kind = EntryKind(_text(item, "kind", required=True))
    expected_text = _text(item, "expected")
    expected = Expectation(expected_text) if expected_text else None
    try:
        # Read as on the day of the report: an expected entry may be undated ("not announced").
        logged = read_logged_date(
            date=_text(item, "date", required=True),
            reported=_text(item, "reported"),
            expected=expected,
            today=reference,
        )
        end_text = _text(item, "end")
        end = parse_fuzzy_date(end_text, reference=reference) if end_text else None
    except (FuzzyDateError, InvalidInput) as exc:
        raise SeedError(f"entry {key}: {exc}") from exc
    name, url, reason = _sourcing(item, f"entry {key}")
    draft = EntryDraft(
        kind=kind,
        date=logged.date,
        end_date=end,
        source_name=name,
        source_url=url,
        unsourced_reason=reason,
        expected=expected.value if expected else None,
        date_announced=logged.announced,
    )
    if kind is EntryKind.STATUS:
        _status_fields(item, key or "", draft)
        draft.note = _text(item, "note", required=True)
    elif kind is EntryKind.STATEMENT:
        draft.speaker = _text(item, "speaker", required=True)
        draft.speaker_role = _text(item, "role")
        draft.speaker_org = _text(item, "organisation")
        draft.statement_kind = StatementKind(_text(item, "statement_kind") or "quote").value
        draft.text = _text(item, "text", required=True)
        draft.context = _text(item, "context")
    else:
        draft.headline = _text(item, "headline", required=True)
        draft.details = _text(item, "details")
    return SeedEntry(key=key or "", draft=draft)


def _number(item: dict[str, Any], name: str, key: str) -> float | None:
    value = item.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise SeedError(f"entry {key}: {name!r} must be a number")
    return None if value is None else float(value)


def _status_fields(item: dict[str, Any], key: str, draft: EntryDraft) -> None:
    """The two axes and quantities, or the single `status` of seeds written before them (mapped as the
    migration to two axes mapped stored ones)."""
    legacy = _text(item, "status")
    if legacy is not None:
        if legacy not in LEGACY_STATUS or "decision" in item or "delivery" in item:
            raise SeedError(
                f"entry {key}: `status` must be one of {', '.join(LEGACY_STATUS)}, without decision/delivery"
            )
        draft.decision, draft.delivery = legacy_axes(legacy)
    else:
        draft.decision, draft.delivery = _text(item, "decision"), _text(item, "delivery")
    draft.committed, draft.delivered = _number(item, "committed", key), _number(item, "delivered", key)
    draft.unit = _text(item, "unit")
    try:
        check_fields(lambda name: getattr(draft, name))
    except InvalidInput as exc:
        raise SeedError(f"entry {key}: {exc.message}") from exc


def _sourcing(item: dict[str, Any], what: str) -> tuple[str, str | None, str | None]:
    """A source (with an optional url) or an `unsourced` reason: exactly one, as editors must give."""
    name, url, reason = _text(item, "source"), _text(item, "url"), _text(item, "unsourced")
    if bool(name) == bool(reason):
        raise SeedError(f"{what}: give either a `source` or an `unsourced` reason")
    if reason and url:
        raise SeedError(f"{what}: an unsourced one has no `url`")
    return name or "", url, reason


def _parse_fact(item: dict[str, Any]) -> dict[str, Any]:
    fact = _text(item, "fact", required=True) or ""
    name, url, reason = _sourcing(item, f"background fact {fact[:40]!r}")
    parsed: dict[str, Any] = {"fact": fact, "source": name, "url": url}
    if reason:
        parsed["unsourced"] = reason
    return parsed


def load_seed_file(path: Path) -> SeedStory:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"{path.name}: {exc}") from exc
    return parse_seed(path.stem, data)


async def apply_seed(
    session: AsyncSession,
    *,
    newsroom_id: int,
    story: SeedStory,
    actor_id: int = 0,
    interaction_id: int | None = None,
) -> SeedResult:
    """Add what the newsroom lacks of the story; running it again adds nothing."""
    topic = await find_topic(session, newsroom_id=newsroom_id, query=story.topic.slug, include_archived=True)
    created = topic is None or topic.slug != story.topic.slug
    if created:
        topic = await create_topic(
            session, newsroom_id=newsroom_id, draft=story.topic, actor_id=actor_id, interaction_id=interaction_id
        )
    assert topic is not None and topic.id is not None
    present = set(
        (
            await session.execute(
                select(Entry.seed_key).where(Entry.newsroom_id == newsroom_id, Entry.topic_id == topic.id)
            )
        ).scalars()
    )
    added = 0
    for item in story.entries:
        if item.key in present:
            continue
        try:
            # In a savepoint: the insert refused leaves the rest of the seeding standing.
            async with session.begin_nested():
                await add_entry(
                    session, topic=topic, draft=item.draft, actor_id=actor_id, interaction_id=None, seed_key=item.key
                )
        except IntegrityError:
            # An editor logged it by hand already (the live-twin index refused it; a seed entry
            # carries no interaction id, and its topic is there).
            continue
        added += 1
    if created:
        # The story's summary describes its entries as seeded: it is not older than their status.
        topic.summary_updated_at = utcnow()
        session.add(topic)
    return SeedResult(story=story.name, topic_created=created, entries_added=added)


async def topic_exists(session: AsyncSession, *, newsroom_id: int, slug: str) -> bool:
    stmt = select(Topic.id).where(Topic.newsroom_id == newsroom_id, Topic.slug == slug)
    return (await session.execute(stmt)).first() is not None
