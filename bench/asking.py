"""/ask and /speaker in the bench: questions a reader types about the synthetic stories, and speakers'
names across a newsroom's topics. Our time only (no raw lower bound: /ask is several statements in one
snapshot, and what it reads depends on how the question is read)."""

from __future__ import annotations

import random

from bench import gateway
from bench.dataset import NewsroomSpec, TopicSpec
from bench.measure import Command, Target
from bench.synth import LAST_NAMES, WORDS
from bench.targets import Targets

QUESTIONS = (
    "Has {slug} been approved?",
    "What is the status of {title}?",
    "Have the {slug} been delivered?",
    "What did {surname} say about {slug}?",
    "What did {surname} say?",
    "Who said what about {slug}?",
    "When is the next {word} on {slug} expected?",
    "What changed on {slug} since {year}?",
    "{slug} timeline",
    "What is the range of {slug}?",
    "What's next for {slug}?",
    "Is there any news about {word} {other}?",
)


def _topic(targets: Targets, rng: random.Random) -> tuple[NewsroomSpec, TopicSpec]:
    topic = targets.topics[int(rng.random() * len(targets.topics))]
    return targets.dataset.newsroom(topic.newsroom_id), topic


def ask(targets: Targets, rng: random.Random) -> Target:
    newsroom, topic = _topic(targets, rng)
    question = QUESTIONS[int(rng.random() * len(QUESTIONS))].format(
        slug=topic.slug,
        title=topic.title,
        surname=LAST_NAMES[int(rng.random() * len(LAST_NAMES))],
        word=WORDS[int(rng.random() * len(WORDS))],
        other=WORDS[int(rng.random() * len(WORDS))],
        year=rng.randint(topic.years[0], topic.years[1]),
    )
    payload = gateway.slash("ask", {"question": question[:300]}, newsroom, gateway.reader_of(newsroom))
    return Target(payload, None, ())


def speaker(targets: Targets, rng: random.Random) -> Target:
    newsroom, _picked = _topic(targets, rng)
    name = LAST_NAMES[int(rng.random() * len(LAST_NAMES))]
    payload = gateway.slash("speaker", {"name": name}, newsroom, gateway.reader_of(newsroom))
    return Target(payload, None, ())


def commands(targets: Targets, *, iterations: int) -> list[Command]:
    message = gateway.CHANNEL_MESSAGE
    return [
        Command("speaker", "/speaker (every topic)", "read", message, lambda rng: speaker(targets, rng), iterations),
        Command("ask", "/ask (plain-English question)", "ask", message, lambda rng: ask(targets, rng), iterations),
    ]
