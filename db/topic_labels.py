"""Topic autocomplete from memory: each newsroom's labels, kept per process and checked for freshness.

Autocomplete fires on every keystroke and must answer well inside Discord's 3 s, over newsrooms with
ten thousand topics. A substring LIKE cannot use an index, so instead the labels (slug, title, search
text) of a newsroom are loaded once and searched in Python. Every change to a label bumps
`newsroom.topic_labels_rev` in the same transaction, so one primary-key read tells whether the copy
here is current, whichever process made the change.

When the slug prefix and substring matches leave room in the list, close spellings fill it
(bot.core.fuzzy): "atcms" still offers ATACMS.
"""

from __future__ import annotations

import asyncio
import heapq
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.fuzzy import WordIndex
from db.models import Newsroom, Topic


class Reads(Protocol):
    """What the cache needs of the database (db.engine.Database): sessions to read with."""

    def read(self, *, snapshot: bool = False) -> AbstractAsyncContextManager[AsyncSession]: ...


# Labels kept across all newsrooms, about 150 bytes each: the cache stays within a few MB however
# many guilds use autocomplete; the least recently used newsrooms make room.
DEFAULT_BUDGET = 50_000
LOAD_BATCH = 1_000


@dataclass(frozen=True, slots=True)
class TopicLabel:
    slug: str
    title: str
    search_text: str


@dataclass(frozen=True, slots=True)
class _Labels:
    revision: int
    # More labels than the whole budget: not kept, searched in SQL instead.
    oversize: bool
    # Ordered by (slug length, slug): a scan meets the best-ranked matches first and can stop early.
    # Plain (slug, title, search text) tuples: the collector stops tracking a tuple of strings, so
    # ten thousand labels add nothing to the cost of a full garbage collection.
    labels: tuple[tuple[str, str, str], ...]
    # Every search text joined by NUL (which no normalised text or key contains), and where each
    # starts: str.find runs through all of them at C speed, so a rare key costs one pass over memory.
    haystack: str
    starts: list[int]
    # The slugs in alphabetical order, each with its label's position in `labels`: the slugs that
    # start with a key are one contiguous run, found by bisection.
    slugs: list[str]
    slug_positions: list[int]
    # The words of the labels, for the close spellings that fill what the matches above leave.
    words: WordIndex

    @classmethod
    def build(cls, revision: int, labels: tuple[tuple[str, str, str], ...]) -> _Labels:
        starts: list[int] = []
        position = 0
        for _slug, _title, search_text in labels:
            starts.append(position)
            position += len(search_text) + 1
        alphabetical = sorted(range(len(labels)), key=lambda i: labels[i][0])
        return cls(
            revision,
            False,
            labels,
            "\0".join(label[2] for label in labels),
            starts,
            [labels[i][0] for i in alphabetical],
            alphabetical,
            WordIndex.build(label[2] for label in labels),
        )

    @classmethod
    def too_many(cls, revision: int) -> _Labels:
        return cls(revision, True, (), "", [], [], [], WordIndex.build(()))

    def search(self, key: str, limit: int) -> list[TopicLabel]:
        # Slug prefix matches first: the run of slugs starting with the key, best ranked first.
        low = bisect_left(self.slugs, key)
        high = bisect_left(self.slugs, key + "\U0010ffff", low)
        found = heapq.nsmallest(limit, self.slug_positions[low:high])
        # Then other labels containing the key, in rank order, until the list is full.
        wanted = limit - len(found)
        position = self.haystack.find(key) if wanted > 0 else -1
        while position >= 0:
            index = bisect_right(self.starts, position) - 1
            if not self.labels[index][0].startswith(key):
                found.append(index)
                wanted -= 1
                if wanted == 0:
                    break
            # Each label counts once: continue after the one just matched.
            if index + 1 >= len(self.starts):
                break
            position = self.haystack.find(key, self.starts[index + 1])
        # Only then close spellings: the fuzzy pass costs more than the two above, and typed text
        # that matches outright needs none.
        if len(found) < limit:
            found.extend(position for position, _score in self.words.close(key, limit - len(found), exclude=found))
        return [TopicLabel(*self.labels[index]) for index in found]


_BUMP = (
    update(Newsroom)
    .where(col(Newsroom.id) == bindparam("newsroom_id"))
    .values(topic_labels_rev=col(Newsroom.topic_labels_rev) + 1)
    .execution_options(synchronize_session=False)
)


async def bump_revision(session: AsyncSession, *, newsroom_id: int) -> None:
    """Call in the transaction that changes a topic's slug, title, aliases or archived flag."""
    await session.execute(_BUMP, {"newsroom_id": newsroom_id})


_REVISION = select(col(Newsroom.topic_labels_rev)).where(col(Newsroom.id) == bindparam("newsroom_id"))


class TopicLabelCache:
    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._by_newsroom: OrderedDict[int, _Labels] = OrderedDict()
        self._size = 0
        self.loads = 0

    async def search(self, db: Reads, *, newsroom_id: int, key: str, limit: int) -> list[TopicLabel] | None:
        """Active topics whose slug, title or alias contains `key` (already normalised), slug
        prefix matches first, then shorter slugs, then alphabetical, then close spellings; None
        when the newsroom has more topics than the cache may hold (the caller searches in SQL)."""
        async with db.read() as session:
            revision = (await session.execute(_REVISION, {"newsroom_id": newsroom_id})).scalar()
        if revision is None:
            return []
        cached = self._by_newsroom.get(newsroom_id)
        if cached is None or cached.revision != revision:
            cached = await self._load(db, newsroom_id)
        else:
            self._by_newsroom.move_to_end(newsroom_id)
        return None if cached.oversize else cached.search(key, limit)

    async def _load(self, db: Reads, newsroom_id: int) -> _Labels:
        # The revision and the labels from one snapshot, so the copy is exactly that revision's.
        async with db.read(snapshot=True) as session:
            revision = (await session.execute(_REVISION, {"newsroom_id": newsroom_id})).scalar() or 0
            # Streamed in batches so a newsroom with ten thousand topics does not hold the event
            # loop for the whole load: other interactions run between batches.
            result = await session.stream(
                select(col(Topic.slug), col(Topic.title), col(Topic.search_text)).where(
                    col(Topic.newsroom_id) == newsroom_id, col(Topic.archived).is_(False)
                )
            )
            loaded: list[tuple[str, str, str]] = []
            async for batch in result.partitions(LOAD_BATCH):
                loaded.extend((slug, title, search_text) for slug, title, search_text in batch)
        self.loads += 1
        if len(loaded) > self.budget:
            built = _Labels.too_many(revision)
        else:
            # Sorting and indexing ten thousand labels is pure Python for several milliseconds; in a
            # worker thread the interpreter still hands the event loop its turn every few ms.
            built = await asyncio.to_thread(_build_sorted, revision, loaded)
        self._store(newsroom_id, built)
        return built

    def _store(self, newsroom_id: int, entry: _Labels) -> None:
        old = self._by_newsroom.pop(newsroom_id, None)
        if old is not None:
            self._size -= len(old.labels)
        self._by_newsroom[newsroom_id] = entry
        self._size += len(entry.labels)
        while self._size > self.budget:
            _, evicted = self._by_newsroom.popitem(last=False)
            self._size -= len(evicted.labels)


def _build_sorted(revision: int, loaded: list[tuple[str, str, str]]) -> _Labels:
    loaded.sort(key=_rank)
    return _Labels.build(revision, tuple(loaded))


def _rank(label: tuple[str, str, str]) -> tuple[int, str]:
    return len(label[0]), label[0]
