"""The synthetic data set: which newsrooms and topics exist, and every row the write path would store.

The plan (newsrooms, topics, who edits where) is small and kept in memory so the benchmark can pick
targets; the rows are streamed in batches, because a million entries with their audit records do
not need to exist in memory at once.

Shape (default profile): 1,000 newsrooms with 10,000 topics between them (a few big newsrooms, a
long tail of small ones), entries per topic log-normally distributed, plus one newsroom with
10,000 topics (autocomplete, /topics at their worst) and one topic with a 20,000-entry timeline.
Entries of all topics are interleaved in log order, as years of editing would leave them, so a
topic's rows are scattered over the table rather than conveniently adjacent.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from bench import rows
from bench.profiles import Profile
from bench.synth import Content
from bot.core.drafts import TopicDraft
from bot.core.vocabulary import EntryKind

DISCORD_EPOCH_MS = 1_420_070_400_000
GUILD_BASE = 800_000_000_000_000_000
USER_BASE = 600_000_000_000_000_000
# Ids inside a guild, as offsets from the guild id (Discord: the @everyone role's id is the guild's id).
EDITORS_ROLE = 1
BOT_ROLE = 9
FIRST_CHANNEL = 10
CHANNELS_PER_GUILD = 4
TIMEZONES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Europe/Kyiv", "Asia/Tokyo")
# Share of entries later retracted (some by Undo) and later corrected: both leave audit records.
RETRACTED_SHARE = 0.015
EDITED_SHARE = 0.03
# What db.editing.undo_entry records as the reason.
UNDO_REASON = "Undone by its author right after logging"
# How long the synthetic newsrooms have been logging.
LOG_SPAN = dt.timedelta(days=3 * 365)


def snowflake(at: dt.datetime, sequence: int) -> int:
    """A Discord-style id for an interaction at `at`; `sequence` keeps ids unique within a millisecond."""
    ms = int(at.timestamp() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (sequence & 0x3FFFFF)


@dataclass(slots=True)
class TopicSpec:
    id: int
    newsroom_id: int
    slug: str
    title: str
    entries: int
    years: tuple[int, int]
    #: what the loader needs to build the topic's row; dropped after the load (see release_drafts)
    draft: TopicDraft | None = field(repr=False)


@dataclass(slots=True)
class NewsroomSpec:
    id: int
    name: str
    timezone: str
    editor_ids: list[int]
    topics: list[TopicSpec] = field(default_factory=list)

    @property
    def editor_role_id(self) -> int:
        return self.id + EDITORS_ROLE

    @property
    def bot_role_id(self) -> int:
        return self.id + BOT_ROLE

    @property
    def channel_ids(self) -> list[int]:
        return [self.id + FIRST_CHANNEL + i for i in range(CHANNELS_PER_GUILD)]


@dataclass(slots=True)
class Dataset:
    profile: Profile
    seed: int
    now: dt.datetime
    newsrooms: list[NewsroomSpec]
    topics: list[TopicSpec]
    long_topic: TopicSpec
    autocomplete_newsroom: NewsroomSpec
    entry_count: int = 0
    audit_count: int = 0
    _by_id: dict[int, NewsroomSpec] = field(default_factory=dict, init=False, repr=False)

    @property
    def ordinary_newsrooms(self) -> list[NewsroomSpec]:
        return [n for n in self.newsrooms if n is not self.autocomplete_newsroom]

    def newsroom(self, guild_id: int) -> NewsroomSpec:
        return self._by_id[guild_id]

    def __post_init__(self) -> None:
        self._by_id = {n.id: n for n in self.newsrooms}

    def release_drafts(self) -> None:
        """Forget the topic drafts once loaded. The benchmark shares its process (and its garbage
        collector) with the bot under test; every object the bench keeps makes the bot's full
        collections look slower than they would be in a bot process of its own."""
        for topic in self.topics:
            topic.draft = None


def _spread(total: int, weights: list[float], minimum: int) -> list[int]:
    """Split `total` into integers proportional to `weights`, each at least `minimum`."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"cannot give {len(weights)} buckets {minimum} each out of {total}")
    scale = sum(weights)
    counts = [minimum + int(spare * w / scale) for w in weights]
    # Hand the rounding remainder to the heaviest buckets.
    order = sorted(range(len(weights)), key=lambda i: -weights[i])
    for i in range(total - sum(counts)):
        counts[order[i % len(order)]] += 1
    return counts


def plan(profile: Profile, *, seed: int, now: dt.datetime, content: Content) -> Dataset:
    rng = random.Random(seed)
    first_year, last_year = content.dates.first_year, content.dates.last_year
    newsrooms: list[NewsroomSpec] = []
    for i in range(profile.newsrooms + 1):
        gid = GUILD_BASE + i * 1000
        editors = [USER_BASE + i * 100 + k for k in range(rng.randint(1, 6))]
        timezone = TIMEZONES[0] if rng.random() < 0.6 else rng.choice(TIMEZONES[1:])
        newsrooms.append(NewsroomSpec(gid, f"Newsroom {i:04d}", timezone, editors))
    autocomplete = newsrooms[-1]
    autocomplete.name = "Newsroom with every story"

    # Topics per ordinary newsroom: Zipf-like, so a few big desks and a long tail of small ones.
    per_newsroom = _spread(profile.topics, [1 / (i + 1) ** 0.7 for i in range(profile.newsrooms)], 1)
    ordinary_entries = profile.entries - profile.long_timeline - profile.autocomplete_topics
    # Entries per topic: log-normal (most stories have dozens, a few have thousands).
    weights = [rng.lognormvariate(0, 1.0) for _ in range(profile.topics - 1)]
    per_topic = iter(_spread(ordinary_entries, weights, 1))

    topics: list[TopicSpec] = []
    next_id = 1
    long_topic: TopicSpec | None = None
    for newsroom, count in zip(newsrooms, [*per_newsroom, profile.autocomplete_topics], strict=True):
        taken: set[str] = set()
        for k in range(count):
            draft = content.topic_draft(rng, taken)
            if newsroom is autocomplete:
                entries, years = 1, (last_year, last_year)
            elif long_topic is None:
                # The biggest newsroom's first topic carries the long timeline, over all the years.
                entries, years = profile.long_timeline, (first_year, last_year)
            else:
                entries = next(per_topic)
                start = rng.randint(first_year, last_year - 1)
                years = (start, last_year)
            spec = TopicSpec(next_id, newsroom.id, draft.slug, draft.title, entries, years, draft)
            if newsroom is not autocomplete and long_topic is None and k == 0:
                long_topic = spec
            newsroom.topics.append(spec)
            topics.append(spec)
            next_id += 1
    assert long_topic is not None
    return Dataset(profile, seed, now, newsrooms, topics, long_topic, autocomplete)


@dataclass(slots=True)
class Batch:
    table: str
    rows: list[rows.Values]


class RowStream:
    """Every row of the data set in insertion order (parents before children), in batches."""

    def __init__(self, dataset: Dataset, content: Content, *, batch_size: int = 20_000) -> None:
        self.dataset = dataset
        self.content = content
        self.batch_size = batch_size
        self.rng = random.Random(dataset.seed + 1)
        self.audit_id = 0
        self.start = dataset.now - LOG_SPAN
        total = sum(t.entries for t in dataset.topics)
        self.step = (LOG_SPAN - dt.timedelta(hours=1)) / max(total, 1)
        # Which topic each entry id belongs to: all topics' entries shuffled into one log order.
        sequence = [i for i, t in enumerate(dataset.topics) for _ in range(t.entries)]
        self.rng.shuffle(sequence)
        self.sequence = sequence
        last: dict[int, int] = {}
        for entry_index, topic_index in enumerate(sequence):
            last[topic_index] = entry_index
        self.last_entry = last

    def _audit(self, values: rows.Values) -> rows.Values:
        self.audit_id += 1
        values["id"] = self.audit_id
        return values

    def entry_time(self, index: int) -> dt.datetime:
        return self.start + self.step * index

    def __iter__(self) -> Iterator[Batch]:
        ds, rng = self.dataset, self.rng
        audits: list[rows.Values] = []
        newsrooms: list[rows.Values] = []
        for n in ds.newsrooms:
            created = self.start - dt.timedelta(days=40, minutes=rng.randint(0, 10_000))
            values = rows.newsroom_values(guild_id=n.id, name=n.name, at=created)
            actor = n.editor_ids[0]
            at = created + dt.timedelta(minutes=5)
            audits.append(
                self._audit(
                    rows.set_editor_role(
                        values, role_id=n.editor_role_id, actor_id=actor, interaction_id=snowflake(at, 0), at=at
                    )
                )
            )
            if n.timezone != "UTC":
                at += dt.timedelta(minutes=1)
                audits.append(
                    self._audit(
                        rows.set_timezone(
                            values, timezone=n.timezone, actor_id=actor, interaction_id=snowflake(at, 1), at=at
                        )
                    )
                )
            newsrooms.append(values)
        yield Batch("newsroom", newsrooms)

        topics: list[rows.Values] = []
        for index, spec in enumerate(ds.topics):
            newsroom = ds.newsroom(spec.newsroom_id)
            created = self.start - dt.timedelta(days=30, minutes=rng.randint(0, 40_000))
            actor = newsroom.editor_ids[0]
            assert spec.draft is not None, "drafts are released only after the load"
            values = rows.topic_values(
                topic_id=spec.id,
                newsroom_id=spec.newsroom_id,
                draft=spec.draft,
                actor_id=actor,
                at=created,
            )
            audits.append(
                self._audit(
                    rows.topic_created(values, actor_id=actor, interaction_id=snowflake(created, index), at=created)
                )
            )
            # add_entry moves the topic's updated_at to each new entry's created_at.
            if index in self.last_entry:
                values["updated_at"] = self.entry_time(self.last_entry[index])
            topics.append(values)
            if len(topics) >= self.batch_size:
                yield Batch("topic", topics)
                topics = []
        yield Batch("topic", topics)
        yield Batch("audit_record", audits)

        entries: list[rows.Values] = []
        audits = []
        topic_specs = ds.topics
        autocomplete_id = ds.autocomplete_newsroom.id
        content = self.content
        for index, topic_index in enumerate(self.sequence):
            spec = topic_specs[topic_index]
            newsroom = ds.newsroom(spec.newsroom_id)
            at = self.entry_time(index)
            kind = EntryKind.STATUS if spec.newsroom_id == autocomplete_id else None
            draft = content.entry_draft(rng, kind=kind, years=spec.years)
            actor = newsroom.editor_ids[int(rng.random() * len(newsroom.editor_ids))]
            interaction_id = snowflake(at, index)
            values = rows.entry_values(
                entry_id=index + 1,
                newsroom_id=spec.newsroom_id,
                topic_id=spec.id,
                draft=draft,
                actor_id=actor,
                interaction_id=interaction_id,
                at=at,
            )
            audits.append(self._audit(rows.entry_created(values, actor_id=actor, interaction_id=interaction_id, at=at)))
            roll = rng.random()
            if roll < RETRACTED_SHARE:
                later = at + dt.timedelta(minutes=rng.randint(1, 600))
                undo = later - at <= dt.timedelta(minutes=10)
                audits.append(
                    self._audit(
                        rows.retract_entry(
                            values,
                            actor_id=actor,
                            interaction_id=snowflake(later, index),
                            reason=UNDO_REASON if undo else "Duplicate of an earlier entry",
                            at=later,
                            action="entry.undo" if undo else "entry.retract",
                        )
                    )
                )
            elif roll < RETRACTED_SHARE + EDITED_SHARE:
                later = at + dt.timedelta(hours=rng.randint(1, 72))
                changes = _correction(rng, content, values)
                audits.append(
                    self._audit(
                        rows.edit_entry(
                            values,
                            changes,
                            actor_id=actor,
                            interaction_id=snowflake(later, index),
                            reason="Corrected after checking the source",
                            at=later,
                        )
                    )
                )
            entries.append(values)
            if len(entries) >= self.batch_size:
                yield Batch("entry", entries)
                yield Batch("audit_record", audits)
                entries, audits = [], []
        yield Batch("entry", entries)
        yield Batch("audit_record", audits)


def _correction(rng: random.Random, content: Content, values: rows.Values) -> rows.Values:
    """A typical /entry edit: the date, the source link, or the main text."""
    roll = rng.random()
    if roll < 0.3:
        first = values["date_earliest"].year
        return {"date": content.dates.pick(rng, first, min(first + 1, content.dates.last_year))}
    if roll < 0.5:
        return {"source_url": content.source(rng)[1] or content.urls[0]}
    if values["kind"] == EntryKind.STATUS.value:
        return {"note": content.notes.pick(rng)}
    if values["kind"] == EntryKind.STATEMENT.value:
        return {"text": content.statement_texts.pick(rng)}
    return {"headline": content.headlines.pick(rng)}
