"""The synthetic data set as export documents, one newsroom at a time, for `newsdesk import` to load.

A document is what `newsdesk export` writes (``db.portability``): the newsroom, its topics, entries
and audit records with ids kept, dates and times as ISO text. Each newsroom's history reads like
years of editing through the bot: settings changes, topic creations, entries logged in one
network-wide order (so a topic's rows are scattered among its newsroom's, not adjacent), some of
them later corrected or retracted. The
values the bot derives from others (an entry's sort date and speaker key, a topic's search text,
its ``updated_at`` following its entries, the newsroom's topic-label revision) are derived here the
same way, with the product's own helpers where they are pure.

Only one newsroom's document exists at a time: the biggest (the long timeline's) is a few hundred
thousand rows; the whole data set is millions.
"""

from __future__ import annotations

import array
import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from bench.dataset import LOG_SPAN, Dataset, NewsroomSpec, TopicSpec, snowflake
from bench.synth import Content
from bot.core import background
from bot.core.vocabulary import EntryKind
from db import audit, writes
from db.models import midpoint
from db.portability import FORMAT, VERSION
from db.topics import build_search_text

Values = dict[str, Any]
# Share of entries later retracted (some by Undo) and later corrected: both leave audit records.
RETRACTED_SHARE = 0.015
EDITED_SHARE = 0.03
# What bot.services.entries.undo_entry records as the reason.
UNDO_REASON = "Undone by its author right after logging"


def _iso(row: Values) -> Values:
    """A row as an export holds it: dates and times as ISO text (the JSON values are already plain)."""
    return {name: value.isoformat() if isinstance(value, dt.date) else value for name, value in row.items()}


def snapshot(row: Values, fields: tuple[str, ...]) -> Values:
    """What the audit log keeps of an entry or a topic (db.audit.snapshot, from plain values)."""
    return {name: row[name].isoformat() if isinstance(row[name], dt.date) else row[name] for name in fields}


def audit_record(
    *, newsroom_id: int, action: str, actor_id: int, interaction_id: int | None, at: dt.datetime, **rest: Any
) -> Values:
    """An audit record's values but its id (``entry_id``, ``topic_id``, ``before``, ``after``, ``reason``
    default to None)."""
    values: Values = dict.fromkeys(("entry_id", "topic_id", "before", "after", "reason"))
    values.update(newsroom_id=newsroom_id, action=action, actor_id=actor_id, interaction_id=interaction_id, at=at)
    values.update(rest)
    return values


def entry_created(entry: Values, *, actor_id: int, interaction_id: int | None, at: dt.datetime) -> Values:
    """The audit record /log leaves with a new entry (its ``entry_id`` is the entry's id, if it has one)."""
    return audit_record(
        newsroom_id=entry["newsroom_id"],
        action="entry.create",
        actor_id=actor_id,
        interaction_id=interaction_id,
        at=at,
        entry_id=entry.get("id"),
        topic_id=entry["topic_id"],
        after=snapshot(entry, audit.ENTRY_FIELDS),
    )


class Documents:
    """Every newsroom of `dataset` as an export document, in the plan's order."""

    def __init__(self, dataset: Dataset, content: Content) -> None:
        self.dataset = dataset
        self.content = content
        self.rng = random.Random(dataset.seed + 1)
        self.start = dataset.now - LOG_SPAN
        topics = dataset.topics
        total = sum(t.entries for t in topics)
        self.step = (LOG_SPAN - dt.timedelta(hours=1)) / max(total, 1)
        # All topics' entries shuffled into one log order: an entry's place in it sets when it was
        # logged, so each newsroom's topics are interleaved in its timeline as editing leaves them.
        sequence = [i for i, t in enumerate(topics) for _ in range(t.entries)]
        self.rng.shuffle(sequence)
        # Compact arrays: a million entries' places cost megabytes, not the tens a list of ints would.
        self.sequence = array.array("i", sequence)
        self.positions: dict[int, array.array[int]] = {n.id: array.array("i") for n in dataset.newsrooms}
        for index, topic_index in enumerate(sequence):
            self.positions[topics[topic_index].newsroom_id].append(index)
        del sequence
        self.topic_index = {t.id: i for i, t in enumerate(topics)}
        # Ids run newsroom after newsroom, in each in the order its rows were made: what importing the
        # newsrooms one by one into a fresh database leaves. (Interleaving them over the whole range
        # would make every index insert a random one, a cost a real move into one database never has.)
        self.next_entry_id = 1
        self.next_audit_id = 1
        # Order of a newsroom's audit records before they are numbered: settings, topics, entries.
        self.topic_audit_base = 2 * len(dataset.newsrooms)
        self.entry_audit_base = self.topic_audit_base + len(topics)

    def entry_time(self, index: int) -> dt.datetime:
        return self.start + self.step * index

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for number, newsroom in enumerate(self.dataset.newsrooms):
            yield self.document(number, newsroom)

    def document(self, number: int, spec: NewsroomSpec) -> dict[str, Any]:
        rng = self.rng
        audits: list[Values] = []
        created = self.start - dt.timedelta(days=40, minutes=rng.randint(0, 10_000))
        newsroom: Values = {
            "id": spec.id,
            "name": spec.name[:100],
            "timezone": "UTC",
            "editor_role_id": None,
            # Every topic creation bumps it once (the bench edits no topic labels).
            "topic_labels_rev": len(spec.topics),
            "editors_channel_id": None,
            "stale_after_days": 30,
            "alert_grace_seconds": 60,
            "created_at": created,
            "updated_at": created,
        }
        actor = spec.editor_ids[0]
        # The settings an administrator changes first: (name, stored values, audit before, audit after).
        settings: list[tuple[str, Values, Values, Values]] = [
            ("editor_role", {"editor_role_id": spec.editor_role_id}, {"editor_role_id": None},
             {"editor_role_id": str(spec.editor_role_id)}),
        ]  # fmt: skip
        if spec.timezone != "UTC":
            settings.append(("timezone", {"timezone": spec.timezone}, {"timezone": "UTC"}, {"timezone": spec.timezone}))
        for k, (name, values, before, after) in enumerate(settings):
            at = created + dt.timedelta(minutes=5 + k)
            audits.append(
                audit_record(
                    newsroom_id=spec.id,
                    actor_id=actor,
                    action=f"settings.{name}",
                    interaction_id=snowflake(at, k),
                    at=at,
                    id=2 * number + 1 + k,
                    before=before,
                    after=after,
                )
            )
            newsroom.update(values, updated_at=at)

        topics = {t.id: self._topic(t, actor, audits) for t in spec.topics}
        entries = [self._entry(index, spec, audits) for index in self.positions.pop(spec.id)]
        _unguard_repeats(entries)
        for entry in entries:
            # Every change to an entry moves its topic's updated_at forward (db.writes).
            topic = topics[entry["topic_id"]]
            topic["updated_at"] = max(topic["updated_at"], entry["updated_at"])
        audits.sort(key=lambda record: record["id"])
        for record in audits:
            record["id"] = self.next_audit_id
            self.next_audit_id += 1
        return {
            "format": FORMAT,
            "version": VERSION,
            "newsroom": _iso(newsroom),
            "topics": [_iso(topic) for topic in topics.values()],
            "entries": [_iso(entry) for entry in entries],
            "audit": [_iso(record) for record in audits],
            "digests": [],
            "digest_deliveries": [],
            "digest_attempts": [],
        }

    def _topic(self, spec: TopicSpec, actor: int, audits: list[Values]) -> Values:
        created = self.start - dt.timedelta(days=30, minutes=self.rng.randint(0, 40_000))
        draft = spec.draft
        assert draft is not None, "drafts are released only after the load"
        facts, fact_seq = background.normalise(draft.background)
        topic: Values = {
            "id": spec.id,
            "newsroom_id": spec.newsroom_id,
            "slug": draft.slug,
            "title": draft.title,
            "aliases": list(draft.aliases),
            "summary": draft.summary,
            "next_step": draft.next_step,
            "background": facts,
            "fact_seq": fact_seq,
            "summary_updated_at": created,
            "search_text": build_search_text(draft.slug, draft.title, draft.aliases),
            "archived": False,
            "created_by": actor,
            "created_at": created,
            "updated_at": created,
        }
        audits.append(
            audit_record(
                newsroom_id=spec.newsroom_id,
                action="topic.create",
                actor_id=actor,
                interaction_id=snowflake(created, self.topic_index[spec.id]),
                at=created,
                id=self.topic_audit_base + self.topic_index[spec.id],
                topic_id=spec.id,
                after=snapshot(topic, audit.TOPIC_FIELDS),
            )
        )
        return topic

    def _entry(self, index: int, newsroom: NewsroomSpec, audits: list[Values]) -> Values:
        rng, content = self.rng, self.content
        spec = self.dataset.topics[self.sequence[index]]
        at = self.entry_time(index)
        kind = EntryKind.STATUS if newsroom is self.dataset.autocomplete_newsroom else None
        draft = content.entry_draft(rng, kind=kind, years=spec.years)
        actor = newsroom.editor_ids[int(rng.random() * len(newsroom.editor_ids))]
        interaction_id = snowflake(at, index)
        entry: Values = {"id": self.next_entry_id}
        self.next_entry_id += 1
        entry.update(
            writes.entry_values(
                newsroom_id=newsroom.id,
                topic_id=spec.id,
                draft=draft,
                actor_id=actor,
                interaction_id=interaction_id,
                now=at,
            )
        )
        record = entry_created(entry, actor_id=actor, interaction_id=interaction_id, at=at)
        audit_id = self.entry_audit_base + 2 * index + 1
        audits.append({"id": audit_id, **record})
        roll = rng.random()
        if roll < RETRACTED_SHARE + EDITED_SHARE:
            before = record["after"]
            if roll < RETRACTED_SHARE:
                later = at + dt.timedelta(minutes=rng.randint(1, 600))
                undo = later - at <= dt.timedelta(minutes=10)
                action = "entry.undo" if undo else "entry.retract"
                reason = UNDO_REASON if undo else "Duplicate of an earlier entry"
                entry.update(retracted_at=later, retraction_reason=reason)
            else:
                later = at + dt.timedelta(hours=rng.randint(1, 72))
                action, reason = "entry.edit", "Corrected after checking the source"
                _correct(rng, content, entry)
                entry.update(writes.derived_keys(entry))
                entry["edited_at"] = later
            entry["updated_at"] = later
            audits.append(
                audit_record(
                    newsroom_id=newsroom.id,
                    action=action,
                    actor_id=actor,
                    interaction_id=snowflake(later, index),
                    at=later,
                    id=audit_id + 1,
                    entry_id=entry["id"],
                    topic_id=spec.id,
                    before=before,
                    after=snapshot(entry, audit.ENTRY_FIELDS),
                    reason=reason,
                )
            )
        return entry


def _unguard_repeats(entries: list[Values]) -> None:
    """Random statuses and dates repeat within a topic where an editor's would be refused: a live entry
    saying what an earlier live one of its topic says keeps no fingerprint, as the migration that
    introduced them left duplicates logged before the check."""
    seen: set[tuple[int, str]] = set()
    for entry in entries:
        if entry["retracted_at"] is not None:
            continue
        key = (entry["topic_id"], entry["fingerprint"])
        if key in seen:
            entry["fingerprint"] = None
        seen.add(key)


def _correct(rng: random.Random, content: Content, entry: Values) -> None:
    """A typical /entry edit: the date, the source link, or the main text."""
    roll = rng.random()
    if roll < 0.3:
        first = entry["date_earliest"].year
        date = content.dates.pick(rng, first, min(first + 1, content.dates.last_year))
        entry.update(
            date_precision=date.precision.value,
            date_earliest=date.earliest,
            date_latest=date.latest,
            date_sort=midpoint(date),
        )
    elif roll < 0.5:
        entry["source_url"] = content.source(rng)[1] or content.urls[0]
    elif entry["kind"] == EntryKind.STATUS.value:
        entry["note"] = content.notes.pick(rng)
    elif entry["kind"] == EntryKind.STATEMENT.value:
        entry["text"] = content.statement_texts.pick(rng)
    else:
        entry["headline"] = content.headlines.pick(rng)
