"""The commands the bench measures and the targets each one is run against, built from the data set."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from bench import documents, gateway, raw
from bench.dataset import Dataset, NewsroomSpec, TopicSpec, snowflake
from bench.measure import CHRONOLOGY_PER_PAGE, Command, Target
from bench.synth import WORDS, Content
from bot.core.vocabulary import EntryKind
from bot.render import custom_ids
from db import writes


class Targets:
    """Builds each command's targets from the data set; one seeded generator, so runs repeat."""

    def __init__(self, dataset: Dataset, content: Content, *, long_timeline: list[tuple[Any, int]]) -> None:
        self.dataset = dataset
        self.content = content
        self.ordinary = dataset.ordinary_newsrooms
        self.topics = [t for n in self.ordinary for t in n.topics]
        self.long_timeline = long_timeline
        self.long_topic_live = len(long_timeline)
        self.autocomplete_slugs = [t.slug for t in dataset.autocomplete_newsroom.topics]
        self.logged = 0

    def _topic(self, rng: random.Random) -> tuple[NewsroomSpec, TopicSpec]:
        topic = self.topics[int(rng.random() * len(self.topics))]
        return self.dataset.newsroom(topic.newsroom_id), topic

    def status(self, rng: random.Random) -> Target:
        newsroom, topic = self._topic(rng)
        payload = gateway.slash("status", {"topic": topic.slug}, newsroom, gateway.reader_of(newsroom))
        return Target(payload, raw.STATUS, (newsroom.id, topic.slug))

    def latest(self, rng: random.Random) -> Target:
        newsroom, topic = self._topic(rng)
        payload = gateway.slash("latest", {"topic": topic.slug}, newsroom, gateway.reader_of(newsroom))
        return Target(payload, raw.LATEST, (newsroom.id, topic.slug))

    def chronology(self, rng: random.Random) -> Target:
        newsroom, topic = self._topic(rng)
        payload = gateway.slash("chronology", {"topic": topic.slug}, newsroom, gateway.reader_of(newsroom))
        return Target(payload, raw.CHRONOLOGY_BY_SLUG, (newsroom.id, topic.slug, 0))

    def deep_page(self) -> int:
        pages = max(math.ceil(self.long_topic_live / CHRONOLOGY_PER_PAGE), 1)
        return pages // 2

    def chronology_deep(self, rng: random.Random) -> Target:
        """The Next button of a page in the middle of the long timeline, clicked directly: its id
        carries the position after the previous page's last entry, as the bot draws it."""
        topic = self.dataset.long_topic
        newsroom = self.dataset.newsroom(topic.newsroom_id)
        middle = self.deep_page()
        page = max(middle + rng.randint(-25, 25), 1)
        day, entry_id = self.long_timeline[page * CHRONOLOGY_PER_PAGE - 1]
        position = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
        custom_id = custom_ids.chronology_id(topic.id, page, seek=custom_ids.Seek(True, position, entry_id))
        payload = gateway.click(custom_id, newsroom, gateway.reader_of(newsroom))
        return Target(payload, raw.CHRONOLOGY_AFTER, (newsroom.id, topic.id, day, entry_id))

    def topics_list(self, rng: random.Random) -> Target:
        newsroom = self.ordinary[int(rng.random() * len(self.ordinary))]
        payload = gateway.slash("topics", {}, newsroom, gateway.reader_of(newsroom))
        return Target(payload, raw.TOPICS, (newsroom.id, 0))

    def topics_big(self, rng: random.Random) -> Target:
        newsroom = self.dataset.autocomplete_newsroom
        payload = gateway.slash("topics", {}, newsroom, gateway.reader_of(newsroom))
        return Target(payload, raw.TOPICS, (newsroom.id, 0))

    def typed_text(self, rng: random.Random) -> str:
        """What a reader has typed so far: nothing yet, the start of a slug, a word from a title, or a
        slug with a letter missing (matched only by its close spelling: the slowest path)."""
        roll = rng.random()
        if roll < 0.1:
            return ""
        if roll < 0.2:
            slug = self.autocomplete_slugs[int(rng.random() * len(self.autocomplete_slugs))].replace("-", " ")
            cut = rng.randrange(len(slug))
            return slug[:cut] + slug[cut + 1 :]
        if roll < 0.7:
            slug = self.autocomplete_slugs[int(rng.random() * len(self.autocomplete_slugs))]
            return slug[: rng.randint(1, min(len(slug), 8))]
        word = WORDS[int(rng.random() * len(WORDS))]
        return word[: rng.randint(3, len(word))] if len(word) > 3 else word

    def autocomplete(self, rng: random.Random) -> Target:
        newsroom = self.dataset.autocomplete_newsroom
        typed = self.typed_text(rng)
        payload = gateway.slash("status", {"topic": typed}, newsroom, gateway.reader_of(newsroom), focused="topic")
        sql, args = raw.autocomplete_query(newsroom.id, typed)
        return Target(payload, sql, args)

    def floor(self, rng: random.Random) -> Target:
        """/chronology with a date no calendar has: refused by validation before any query, so its
        time is discord.py's dispatch, our option parsing and the reply, the floor under every command."""
        newsroom, topic = self._topic(rng)
        options = {"topic": topic.slug, "since": f"{rng.randint(32, 99)} Sep 2023"}
        return Target(gateway.slash("chronology", options, newsroom, gateway.reader_of(newsroom)), None, ())

    def log_status(self, rng: random.Random) -> Target:
        """/log status with a note, a fuzzy date, a source and a link, as an editor types it."""
        newsroom, topic = self._topic(rng)
        draft = self.content.entry_draft(rng, kind=EntryKind.STATUS, years=topic.years)
        # A new figure each time: a random decision, delivery and date can repeat a change already
        # logged in the topic, which /log rightly refuses as a duplicate instead of writing it.
        draft.committed, draft.unit = float(self.logged + 1), "missiles"
        options: dict[str, Any] = {
            "topic": topic.slug,
            "decision": draft.decision,
            "delivery": draft.delivery,
            "committed": draft.committed,
            "unit": draft.unit,
            "note": draft.note,
            "date": draft.date.render(),
            "source": draft.source_name,
        }
        if draft.source_url:
            options["url"] = draft.source_url
        member = gateway.editor_of(newsroom, int(rng.random() * 8))
        payload = gateway.slash("log status", options, newsroom, member)
        # The raw lower bound stores the same draft: entry, audit record, topic's updated_at.
        at = self.dataset.now
        self.logged += 1
        interaction_id = snowflake(at, 0x300000 + self.logged)
        values = writes.entry_values(
            newsroom_id=newsroom.id, topic_id=topic.id, draft=draft, actor_id=member.user_id,
            interaction_id=interaction_id, now=at,
        )  # fmt: skip
        # The database assigns the id. The bot has stored this very draft already (or will): without a
        # fingerprint the copy is not refused as its duplicate.
        entry = {"id": None, **values, "fingerprint": None}
        audit = documents.entry_created(entry, actor_id=member.user_id, interaction_id=interaction_id, at=at)
        return Target(payload, None, (), write=(entry, audit, topic.id))


def commands(targets: Targets, *, iterations: int, write_iterations: int) -> list[Command]:
    read, auto, write = "read", "autocomplete", "write"
    message, update = gateway.CHANNEL_MESSAGE, gateway.UPDATE_MESSAGE
    return [
        Command("status", "/status", read, message, targets.status, iterations),
        Command("latest", "/latest", read, message, targets.latest, iterations),
        Command("chronology", "/chronology (first page)", read, message, targets.chronology, iterations),
        Command(
            "chronology_deep",
            f"/chronology page ~{targets.deep_page() + 1} (Next button)",
            read,
            update,
            targets.chronology_deep,
            iterations,
        ),
        Command("topics", "/topics", read, message, targets.topics_list, iterations),
        Command("topics_big", "/topics (10k-topic newsroom)", read, message, targets.topics_big, iterations),
        Command(
            "autocomplete",
            "topic autocomplete (10k topics)",
            auto,
            gateway.AUTOCOMPLETE_RESULT,
            targets.autocomplete,
            iterations,
        ),
        Command("log_status", "/log status (one writer)", write, message, targets.log_status, write_iterations),
        Command("floor", "floor: a command refused before any query", "floor", message, targets.floor, iterations),
    ]


# -- concurrent writers ----------------------------------------------------------------------------
