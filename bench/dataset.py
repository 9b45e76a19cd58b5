"""The synthetic data set's plan: which newsrooms and topics exist, and who edits where.

The plan is small and kept in memory so the benchmark can pick targets; the rows themselves are
generated newsroom by newsroom as export documents (``bench.documents``), because a million entries
with their audit records do not need to exist in memory at once.

Shape (default profile): 1,000 newsrooms with 10,000 topics between them (a few big newsrooms, a
long tail of small ones), entries per topic log-normally distributed, plus one newsroom with
10,000 topics (autocomplete, /topics at their worst) and one topic with a 20,000-entry timeline.
Entries of all topics are interleaved in log order, as years of editing would leave them, so a
topic's rows are scattered over the table rather than conveniently adjacent.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from bench.profiles import Profile
from bench.synth import Content
from bot.core.drafts import TopicDraft

DISCORD_EPOCH_MS = 1_420_070_400_000
GUILD_BASE = 800_000_000_000_000_000
USER_BASE = 600_000_000_000_000_000
# Ids inside a guild, as offsets from the guild id (Discord: the @everyone role's id is the guild's id).
EDITORS_ROLE = 1
BOT_ROLE = 9
FIRST_CHANNEL = 10
CHANNELS_PER_GUILD = 4
TIMEZONES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Europe/Kyiv", "Asia/Tokyo")
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
