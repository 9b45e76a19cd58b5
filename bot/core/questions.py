"""Reading a plain-English question about the newsroom's stories: what is asked, about which story,
person or organisation, and from when. Pure and deterministic: the same question against the same
names always reads the same, and the Reading says how it was read, so the answer can say it too.

The rules are few and ordered (INTENT_RULES): the first whose cue words appear decides what is asked.
Names are found by bot.core.question_names.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.errors import InvalidInput, echoed
from bot.core.fuzzydate import FuzzyDate, FuzzyDateError, parse_fuzzy_date
from bot.core.matching import fold
from bot.core.question_names import (
    CUE_WORDS,
    STOP_WORDS,
    Found,
    SpeakerName,
    TopicName,
    find_speaker,
    find_topic,
    tokens,
)
from bot.core.validation import strip_controls

QUESTION_MAX = 300
_MENTION = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>|<#\d+>", re.IGNORECASE)


class Intent(enum.StrEnum):
    STATUS = "current status"
    DECIDED = "whether it has been decided"
    DELIVERED = "whether it has been delivered"
    STATEMENTS = "who said what"
    SPEAKER = "what someone said"
    WHEN = "when something happened or is expected"
    EXPECTED = "what is expected next"
    BACKGROUND = "background facts"
    SINCE = "what changed since a date"
    TIMELINE = "the timeline"


# What "when" asks about: a decision, a delivery, or an event named by its words.
class WhenTarget(enum.StrEnum):
    DECISION = "decision"
    DELIVERY = "delivery"
    EVENT = "event"


_DECISION_CUES = ("approv", "decid", "decision", "declin", "reject", "agree", "authori", "greenlit", "green light",
                  "green-light", "sign off", "signed off", "on hold", "paused", "commit", "pledge", "allow", "permit",
                  "send", "sent", "give", "giving", "provide", "supply", "supplied", "get ")  # fmt: skip
_DELIVERY_CUES = ("deliver", "arriv", "shipped", "shipment", "received", "handed over", "in ukraine yet",
                  "how many", "transferred", "reached")  # fmt: skip
_SAID_CUES = (" said", " say", " says", "saying", "stated", "statement", "comment", "told", "remark", "quote",
              "position", "think", "view", "announce")  # fmt: skip

# (intent, cues): the first rule with a cue in the question decides. Order matters: "when was it
# delivered" asks when, "who said it was approved" asks who said.
INTENT_RULES: tuple[tuple[Intent, tuple[str, ...]], ...] = (
    (Intent.TIMELINE, ("timeline", "chronology", "history of", "sequence of events", "everything that happened",
                       "all events", "what happened so far", "what has happened")),
    (Intent.SINCE, ("since ", "after ", "changed", "what's new", "whats new", "what is new", "new developments")),
    (Intent.WHEN, ("when ", "what date", "which date", "what day", "how soon", "how long until", "by when")),
    (Intent.BACKGROUND, ("range", "launcher", "launch", "fired from", "fire from", "how far", "kilomet", " km",
                         "background", "cost", "price", "how much does", "manufactur", "who makes", "made by",
                         "built by", "weigh", "specification", "what kind", "what type", "capabilit", "speed",
                         "warhead", "payload", "crew", "engine", "what is a ", "what are the ")),
    (Intent.STATEMENTS, ("who said", "who has said", "who commented", "who spoke", "what did officials",
                         "what have officials", "officials say", "statements", "quotes", "what was said",
                         "what has been said", "who is saying")),
    (Intent.DELIVERED, _DELIVERY_CUES),
    (Intent.EXPECTED, ("next", "expected", "expect", "upcoming", "scheduled", "planned", "anticipat", "coming up",
                       "what to watch", "will happen", "pending", "due ")),
    (Intent.DECIDED, _DECISION_CUES),
    (Intent.STATUS, ("status", "stand", "latest", "update", "situation", "progress", "going on", "happening",
                     "where are we", "what's the state", "news on", "state of play", "current")),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reading:
    """How a question was read: what is asked, about which story and speaker, from when, about what."""

    question: str
    intent: Intent
    cue: str | None
    topic: Found | None = None
    speaker: Found | None = None
    since: FuzzyDate | None = None
    since_text: str | None = None
    when: WhenTarget | None = None
    words: tuple[str, ...] = field(default_factory=tuple)

    def explain(self) -> str:
        """The footnote: how the question was read, in a line."""
        cue = f' (from "{self.cue.strip()}")' if self.cue else " (no cue words: the story's status)"
        parts = [f"Read as: {self.intent.value}{cue}"]
        if self.topic is not None:
            how = f'closest to "{echoed(self.topic.typed)}"' if self.topic.close else f'"{echoed(self.topic.typed)}"'
            parts.append(f"story {self.topic.value} ({how})")
        else:
            parts.append("no story named")
        if self.speaker is not None:
            how = "closest to " if self.speaker.close else ""
            parts.append(f'speaker {echoed(self.speaker.value, 60)} ({how}"{echoed(self.speaker.typed)}")')
        if self.since is not None:
            parts.append(f"since {self.since.render()}")
        if self.when is not None:
            parts.append(f"when: the {self.when.value}")
        if self.words:
            parts.append("about " + ", ".join(self.words[:6]))
        return " · ".join(parts)


def clean_question(text: str, *, name: str = "question", limit: int = QUESTION_MAX) -> str:
    """The question on one line without control characters; empty, overlong or mention text refused."""
    cleaned = " ".join(strip_controls(text, multiline=False).split())
    if not cleaned:
        raise InvalidInput(f"`{name}` can't be empty: ask, for example, `is atacms approved?`")
    if len(cleaned) > limit:
        raise InvalidInput(f"`{name}` is {len(cleaned)} characters; the maximum is {limit}.")
    if _MENTION.search(cleaned):
        raise InvalidInput(f"`{name}` contains mention syntax (@everyone, @here or <@…>): write the name instead.")
    return cleaned


_DATE_AFTER = re.compile(r"\b(?:since|after|from)\s+(.+)$", re.IGNORECASE)


def find_since(question: str, *, today: dt.date) -> tuple[FuzzyDate, str] | None:
    """The date after "since", "after" or "from": the longest run of following words that reads as a
    date ("since 1 Sep 2023?"), read against the newsroom's today."""
    match = _DATE_AFTER.search(question)
    if match is None:
        return None
    words = re.sub(r"[?!,;]+", " ", match.group(1)).split()[:5]
    for size in range(len(words), 0, -1):
        text = " ".join(words[:size]).rstrip(".")
        try:
            value = parse_fuzzy_date(text, reference=today)
        except FuzzyDateError:
            continue
        if value.earliest <= today:
            return value, text
    return None


def _cue(folded: str) -> tuple[Intent, str] | None:
    padded = f" {folded} "
    for intent, cues in INTENT_RULES:
        for cue in cues:
            if cue in padded:
                return intent, cue
    return None


def _when_target(folded: str) -> WhenTarget:
    if any(cue in folded for cue in _DELIVERY_CUES):
        return WhenTarget.DELIVERY
    if any(cue in folded for cue in ("approv", "decid", "decision", "declin", "reject", "authori", "agree")):
        return WhenTarget.DECISION
    return WhenTarget.EVENT


def read_question(
    question: str, *, topics: Sequence[TopicName], speakers: Sequence[SpeakerName], today: dt.date
) -> Reading:
    """What the question asks. `topics` and `speakers` are the asking newsroom's only: nothing else
    can be named."""
    folded = " ".join(fold(question).replace("?", " ").split())
    topic = find_topic(question, topics)
    speaker = find_speaker(question, speakers)
    since = find_since(question, today=today)
    # A story's own name is no cue: "long-range missiles" asks nothing about range.
    named_words = set(tokens(topic.typed.replace("-", " ")) + tokens(topic.typed)) if topic is not None else set()
    unnamed = " ".join(w for w in folded.split() if not named_words.intersection(tokens(w)))
    cue = _cue(unnamed)
    intent, cue_text = cue if cue is not None else (Intent.STATUS, None)
    if intent is Intent.SINCE and since is None and cue_text in ("since ", "after "):
        # "after" without a date ("what happens after the summit") asks what comes next.
        intent, cue_text = Intent.EXPECTED, cue_text
    # A named speaker with a verb of saying asks what that speaker said, whatever else it mentions.
    said = next((c for c in _SAID_CUES if c in f" {folded} "), None)
    if speaker is not None and said is not None and intent not in (Intent.TIMELINE, Intent.SINCE, Intent.WHEN):
        intent, cue_text = Intent.SPEAKER, said
    elif speaker is not None and (intent is Intent.STATEMENTS or (topic is None and cue is None)):
        intent = Intent.SPEAKER
    named: set[str] = set()
    # A speaker's name says what is asked about when the question is not what they said.
    for found in (topic, speaker if intent is Intent.SPEAKER else None):
        if found is not None:
            for name in (found.typed, found.value):
                # The words below are split at hyphens: so is a name ("frontline-pledge" names
                # "frontline" and "pledge", which then ask nothing).
                named.update(tokens(name))
                named.update(tokens(name.replace("-", " ")))
    if since is not None:
        named.update(tokens(since[1]))
    words = tuple(
        dict.fromkeys(
            w
            for w in tokens(question.replace("-", " "))
            if w not in STOP_WORDS and w not in CUE_WORDS and w not in named and len(w) > 2
        )
    )
    return Reading(
        question=question,
        intent=intent,
        cue=cue_text,
        topic=topic,
        speaker=speaker,
        since=since[0] if since else None,
        since_text=since[1] if since else None,
        when=_when_target(folded) if intent is Intent.WHEN else None,
        words=words,
    )


def may_name_speaker(reading: Reading) -> bool:
    """Whether a reading that found no speaker may have missed a misspelt one: it asks what someone
    said, and has words left that name neither the story nor what is asked."""
    if reading.speaker is not None or not reading.words:
        return False
    folded = f" {fold(reading.question)} "
    return any(cue in folded for cue in _SAID_CUES)
