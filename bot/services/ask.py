"""/ask: a plain-English question answered from the store, deterministic and explainable.

The question is read by bot.core.questions against the asking newsroom's own story and speaker names;
the Reading then picks the view that answers it, read with the reader commands' own statements
(db.reader_statements, db.speaker_statements) in one snapshot, so every part of the answer sees the
same state. The answer carries the entries and facts it rests on; where the store holds nothing that
answers it, it says so and carries the closest hits instead (a HitFinder).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.dates import today_in
from bot.core.matching import fold
from bot.core.question_names import SpeakerName, TopicName, name_words, tokens
from bot.core.questions import Intent, Reading, WhenTarget, clean_question, may_name_speaker, read_question
from bot.core.requester import Requester
from bot.core.vocabulary import EntryKind
from bot.services.ask_hits import Hit, HitFinder, said_text, search_hits
from bot.services.reader import ENTRY_WIDTH, STATUS_WIDTH, TOPIC_WIDTH, StatusNow, entry_at, status_at, topic_at
from db import reader_statements as reader
from db import speaker_statements as statements
from db.engine import Database
from db.models import EntryRead, TopicRead
from db.topics import escape_like

HITS_MAX = 5
EVIDENCE_MAX = 5
TIMELINE_MAX = 10
# Where the parts of the reader statements' rows start (db.reader_statements' row layout).
_CARD_STATEMENT = TOPIC_WIDTH + len(reader.CARD_EXTRAS)
_CARD_STATUS = _CARD_STATEMENT + ENTRY_WIDTH
_CARD_EXPECTED = _CARD_STATUS + STATUS_WIDTH
_PAGE_ENTRY = TOPIC_WIDTH + len(reader.PAGE_EXTRAS)
_SPEAKER_ENTRY = len(statements.SPEAKER_EXTRAS)

# What a background question's cue looks for in the facts, beyond its own words.
_FACT_WORDS = {
    "how far": ("range", "kilomet", " km"),
    "kilomet": ("range", "kilomet"),
    " km": ("range", "kilomet", " km"),
    "launcher": ("launch", "fired"),
    "launch": ("launch", "fired"),
    "fired from": ("launch", "fired"),
    "fire from": ("launch", "fired"),
    "who makes": ("made by", "manufactur", "built by"),
    "made by": ("made by", "manufactur", "built by"),
    "built by": ("made by", "manufactur", "built by"),
    "manufactur": ("made by", "manufactur", "built by"),
}

# Background cues that say nothing of what is asked: the question's own words do.
_GENERAL_CUES = frozenset(("what kind", "what type", "what is a ", "what are the ", "specification", "capabilit"))


@dataclass(slots=True)
class Answer:
    """What the store holds that answers a reading; `grounded` False: nothing does (then `hits`)."""

    reading: Reading
    timezone: str
    grounded: bool
    topic: TopicRead | None = None
    status: StatusNow | None = None
    entries: list[EntryRead] = field(default_factory=list)
    # The topic of each entry, where they span topics (a speaker's statements, the hits).
    slugs: dict[int, str] = field(default_factory=dict)
    facts: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    hits: list[Hit] = field(default_factory=list)


async def _topics(session: AsyncSession, guild_id: int) -> tuple[str, list[TopicName]]:
    """The newsroom's time zone and the names its active stories go by."""
    rows = (await session.execute(statements.TOPIC_NAMES, {"newsroom_id": guild_id})).all()
    timezone = str(rows[0][3]) if rows else "UTC"
    return timezone, [TopicName(slug, (slug, title, *(aliases or []))) for slug, title, aliases, _tz in rows if slug]


async def _people(session: AsyncSession, guild_id: int) -> list[SpeakerName]:
    """Everyone who has spoken lately in the newsroom (db.speaker_statements.STATEMENTS_SCAN_MAX), by
    name alone: what a misspelt surname may mean."""
    rows = (await session.execute(statements.SPEAKERS_BY_NAME, {"newsroom_id": guild_id})).all()
    return [SpeakerName(name, False, (search or "").split("\n", 1)[0]) for name, search in rows if name]


async def _speakers(session: AsyncSession, guild_id: int, words: Sequence[str]) -> list[SpeakerName]:
    """The newsroom's speakers, roles and organisations holding one of a question's `words`."""
    params: dict[str, Any] = {"newsroom_id": guild_id}
    params.update({f"word_{n}": f"%{escape_like(word)}%" for n, word in enumerate(words)})
    rows = (await session.execute(statements.speaker_names(len(words)), params)).all()
    speakers: list[SpeakerName] = []
    seen: set[tuple[str, bool]] = set()
    for speaker, role, organisation, search, _latest in rows:
        # The speaker search text holds the three folded, one a line, those given only: folding
        # hundreds of names again per question would cost more than the rest of the answer.
        lines = iter((search or "").split("\n"))
        for value, whole in ((speaker, False), (role, True), (organisation, True)):
            if not value:
                continue
            folded = next(lines, "") or fold(value)
            if (folded, whole) not in seen:
                seen.add((folded, whole))
                speakers.append(SpeakerName(value, whole, folded))
    return speakers


async def _card(session: AsyncSession, guild_id: int, slug: str) -> tuple[TopicRead, StatusNow, list[EntryRead], int]:
    """The topic's /status card: the topic, its status, its pending expected entries and their count."""
    rows = (await session.execute(reader.topic_card("slug"), {"newsroom_id": guild_id, "slug": slug})).all()
    row = rows[0]
    expected = [entry for card_row in rows if (entry := entry_at(card_row, _CARD_EXPECTED)) is not None]
    return topic_at(row, 0), status_at(row, _CARD_STATUS), expected, int(row[TOPIC_WIDTH + 2])


async def _page(
    session: AsyncSession, guild_id: int, slug: str, kind: EntryKind | None, params: dict[str, Any], limit: int
) -> tuple[list[EntryRead], int]:
    statement = reader.entry_page("slug", kind, frozenset(params))
    values = {"newsroom_id": guild_id, "slug": slug, **params, "offset": 0, "limit": limit}
    rows = (await session.execute(statement, values)).all()
    entries = [entry for row in rows if (entry := entry_at(row, _PAGE_ENTRY)) is not None]
    return entries, int(rows[0][TOPIC_WIDTH + 1]) if rows else 0


async def _speaker(
    session: AsyncSession, guild_id: int, name: str, topic_id: int | None
) -> tuple[list[EntryRead], dict[int, str], int]:
    params: dict[str, Any] = {f"speaker_{n}": f"%{escape_like(w)}%" for n, w in enumerate(fold(name).split())}
    params.update(newsroom_id=guild_id, offset=0, limit=EVIDENCE_MAX)
    if topic_id is not None:
        params["topic_id"] = topic_id
    rows = (await session.execute(statements.speaker_page(frozenset(params)), params)).all()
    entries = [entry for row in rows if (entry := entry_at(row, _SPEAKER_ENTRY)) is not None]
    slugs = {entry.id: str(row[2]) for row in rows if (entry := entry_at(row, _SPEAKER_ENTRY)) is not None}
    return entries, slugs, int(rows[0][1]) if rows else 0


async def _matching(
    session: AsyncSession, guild_id: int, topic_id: int | None, words: Sequence[str]
) -> list[EntryRead]:
    """The live entries of the topic (or the newsroom) holding the most of `words`, best first."""
    if not words:
        return []
    params: dict[str, Any] = {f"word_{n}": f"%{escape_like(w)}%" for n, w in enumerate(words)}
    params.update(newsroom_id=guild_id, limit=50)
    if topic_id is not None:
        params["topic_id"] = topic_id
    rows = (await session.execute(statements.words_match(len(words), topic_id is not None), params)).all()
    found = [entry for row in rows if (entry := entry_at(row, 1)) is not None]
    scored = [(sum(w in said_text(e) for w in words), e) for e in found]
    best = max((score for score, _e in scored), default=0)
    # Half the words at least: "zelensky biden call" finds the Zelensky–Biden conversation.
    return [e for score, e in scored if score == best and score * 2 >= len(words)]


async def _slug_of(session: AsyncSession, guild_id: int, entry: EntryRead) -> str:
    slug = await session.scalar(statements.TOPIC_SLUG, {"topic_id": entry.topic_id, "newsroom_id": guild_id})
    return str(slug)


def _facts(topic: TopicRead, reading: Reading) -> list[dict[str, Any]]:
    """The background facts saying what a background question asks: what its cue names ("range",
    "launcher"); for a general one ("what kind of gun"), its own words, not the story's name."""
    cue = reading.cue or ""
    if cue.strip() == "background":
        return list(topic.background)
    wanted = list(_FACT_WORDS.get(cue, (cue.strip(),)))
    if cue in _GENERAL_CUES:
        named = {word for name in (topic.slug, topic.title, *topic.aliases) for word in tokens(name)}
        wanted = [w for w in reading.words if w not in named]
    return [fact for fact in topic.background if any(w and w in f" {fold(str(fact.get('fact', '')))}" for w in wanted)]


async def ask(
    db: Database, requester: Requester, *, question: str, now: dt.datetime, hits: HitFinder = search_hits
) -> Answer:
    """The answer to a question typed in a newsroom, from that newsroom's stories only."""
    text = clean_question(question)
    guild_id = requester.guild_id
    async with db.read(snapshot=True) as session:
        timezone, topics = await _topics(session, guild_id)
        today = today_in(timezone, now)
        # Only the speakers holding a word of the question can be named by it, but a misspelt
        # surname holds none: when the question asks what someone said and names nobody, it is
        # read again against every speaker.
        words = name_words(text)
        speakers = await _speakers(session, guild_id, words) if words else []
        reading = read_question(text, topics=topics, speakers=speakers, today=today)
        if may_name_speaker(reading):
            people = await _people(session, guild_id)
            reading = read_question(text, topics=topics, speakers=people, today=today)
        answer = await _answer(session, guild_id, reading, timezone)
    if not answer.grounded:
        answer.hits = await hits(db, requester, text, HITS_MAX)
        answer.slugs.update({hit.entry.id: hit.topic_slug for hit in answer.hits})
    return answer


async def _answer(session: AsyncSession, guild_id: int, reading: Reading, timezone: str) -> Answer:
    intent = reading.intent
    if intent is Intent.SPEAKER and reading.speaker is not None:
        topic_id = None
        topic = None
        if reading.topic is not None:
            topic, _status, _expected, _count = await _card(session, guild_id, reading.topic.value)
            topic_id = topic.id
        entries, slugs, total = await _speaker(session, guild_id, reading.speaker.value, topic_id)
        return Answer(reading, timezone, bool(entries), topic, entries=entries, slugs=slugs, total=total)
    if reading.topic is None:
        if intent is Intent.WHEN and reading.words:
            # No story named, but the words may name one thing logged ("the Zelensky-Biden call").
            found = await _matching(session, guild_id, None, reading.words)
            topics = {e.topic_id for e in found}
            if len(topics) == 1:
                slug = await _slug_of(session, guild_id, found[0])
                topic, status, _expected, _count = await _card(session, guild_id, slug)
                return Answer(reading, timezone, True, topic, status, entries=found[:EVIDENCE_MAX])
        return Answer(reading, timezone, False)
    slug = reading.topic.value
    topic, status, expected, expected_count = await _card(session, guild_id, slug)
    answer = Answer(reading, timezone, False, topic, status)
    if intent in (Intent.STATUS, Intent.DECIDED, Intent.DELIVERED):
        shown = {Intent.DECIDED: [status.decision], Intent.DELIVERED: [status.delivery]}.get(
            intent, [status.decision, status.delivery]
        )
        # One entry may set both axes: cited once.
        answer.entries = list({e.id: e for e in shown if e is not None}.values())
        answer.grounded = bool(answer.entries)
    elif intent in (Intent.STATEMENTS, Intent.SPEAKER):
        answer.entries, answer.total = await _page(session, guild_id, slug, EntryKind.STATEMENT, {}, EVIDENCE_MAX)
        answer.grounded = bool(answer.entries)
    elif intent is Intent.EXPECTED:
        answer.entries, answer.total = expected, expected_count
        answer.grounded = bool(expected) or bool(topic.next_step)
    elif intent is Intent.BACKGROUND:
        answer.facts = _facts(topic, reading)
        answer.grounded = bool(answer.facts)
    elif intent is Intent.TIMELINE:
        answer.entries, answer.total = await _page(session, guild_id, slug, None, {}, TIMELINE_MAX)
        answer.grounded = bool(answer.entries)
    elif intent is Intent.SINCE and reading.since is not None:
        params = {"since": reading.since.earliest}
        answer.entries, answer.total = await _page(session, guild_id, slug, None, params, TIMELINE_MAX)
        answer.grounded = True  # "nothing since" is an answer the store gives
    elif intent is Intent.WHEN:
        await _when(session, guild_id, answer, expected)
    return answer


async def _when(session: AsyncSession, guild_id: int, answer: Answer, expected: list[EntryRead]) -> None:
    reading, status, topic = answer.reading, answer.status, answer.topic
    assert status is not None and topic is not None and topic.id is not None
    if reading.when is WhenTarget.DECISION:
        decided = status.decision
        if decided is not None and decided.decision != "under_review":
            answer.entries, answer.grounded = [decided], True
        else:
            answer.entries = [decided] if decided is not None else []
        return
    if reading.when is WhenTarget.DELIVERY:
        delivery = status.delivery
        if delivery is not None and delivery.delivery in ("delivered", "partly_delivered"):
            answer.entries, answer.grounded = [delivery], True
            return
        pending = [e for e in expected if e.delivery is not None or "deliver" in said_text(e)]
        answer.entries = pending or ([delivery] if delivery is not None else [])
        answer.grounded = bool(pending)
        return
    found = await _matching(session, guild_id, topic.id, reading.words)
    answer.entries = found[:EVIDENCE_MAX]
    answer.grounded = bool(found)
