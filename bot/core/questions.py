"""Reading a plain-English question about the newsroom's stories: what is asked, about which story,
person or organisation, and from when. Pure and deterministic: the same question against the same
names always reads the same, and the Reading says how it was read, so the answer can say it too.

The rules are few and ordered (INTENT_RULES): the first whose cue words appear decides what is asked.
Names are found in two passes, as a reader would: a story's slug, title or alias written out in the
question, else a word of one spelt closely (bot.core.fuzzy's cut-off); a speaker's name or
organisation, whole or by surname.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from rapidfuzz import fuzz, process

from bot.core.errors import InvalidInput, echoed
from bot.core.fuzzy import CUTOFF, MIN_FUZZY_LENGTH
from bot.core.fuzzydate import FuzzyDate, FuzzyDateError, parse_fuzzy_date
from bot.core.matching import fold
from bot.core.validation import strip_controls

QUESTION_MAX = 300
# A person is found by surname only when it is spelt this closely: names are short, and "Biden" must
# not be read as "Bidet".
NAME_CUTOFF = 85.0
_MENTION = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>|<#\d+>", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+(?:[-'.][a-z0-9]+)*")


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

# Words that carry no name and no subject: left out of the names search and of the content words.
_STOP_TEXT = """a about above after again all also am an and any anything are around as ask at be been before being
    between both but by can could did do does doing done for from further get gets getting got had has have
    having he her here him his how i if in into is it its itself just latest let me more most my new news no
    nor not now of off on once only or other our out over own please same she should so some such tell than
    that the their them then there these they this those through to too under until up us very was we were
    what whats when where which while who whom why will with would yet you your ever currently right today
    know known anyone someone something say said says saying statement statements status"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
# Cue words left out of the content words: they say what is asked, not what about.
_CUE_TEXT = """approve approved approval decide decided decision declined rejected delivered delivery deliver
    arrive arrived
    expected expect next upcoming scheduled planned anticipated happen happened happening timeline chronology
    history since changed change range launcher launched background when date day soon agreed committed
    send sent provide supplied supply give given stand standing situation progress update comment commented
    officials official said told remarks position think view announce announced many much"""
_CUE_WORDS = frozenset(_CUE_TEXT.split())


@dataclass(frozen=True, slots=True)
class TopicName:
    """A story as the question can name it: its slug and its names (slug, title, aliases), lowercased."""

    slug: str
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SpeakerName:
    """A speaker the store knows: a person's name, or a role or organisation (`whole`: named by all of
    its words, never by a surname)."""

    value: str
    whole: bool = False
    # The value folded (bot.core.matching.fold), where the caller has it already.
    folded: str = ""


@dataclass(frozen=True, slots=True)
class Found:
    """A name found in the question, and the words that named it (a close spelling is said so)."""

    value: str
    typed: str
    close: bool = False


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


def tokens(text: str) -> list[str]:
    """Folded words; an en dash or slash between words separates them ("zelensky–biden")."""
    return _WORD.findall(fold(text).replace("\u2013", " ").replace("\u2014", " ").replace("/", " "))


def _phrase_in(phrase: str, folded: str) -> bool:
    """Whether whole words (joined by single spaces, as `tokens` gives them) stand in the text."""
    return bool(phrase) and f" {phrase} " in f" {folded} "


def _compact(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word)


def find_topic(question: str, topics: Sequence[TopicName]) -> Found | None:
    """The story a question names: a slug, title or alias written out (the longest wins), else the one
    story holding a close spelling of the question's distinctive words."""
    # Hyphens both ways: "atacms-related" holds the story "atacms", "long range" is "long-range".
    folded = (" ".join(tokens(question)), " ".join(tokens(question.replace("-", " "))))
    best: tuple[int, str, str] | None = None
    for topic in topics:
        for name in topic.names:
            phrases = (" ".join(tokens(name)), " ".join(tokens(name.replace("-", " "))))
            for phrase in phrases:
                if any(_phrase_in(phrase, text) for text in folded) and (best is None or len(phrase) > best[0]):
                    best = (len(phrase), topic.slug, phrase)
    if best is not None:
        return Found(best[1], best[2])
    # Words as the stories spell them; "f-16" is also "f16". A word in many stories says little, and
    # a word of a title or alias half what a word of the slug says: "missiles" alone names no story.
    holders: dict[str, set[int]] = {}
    weight: dict[tuple[str, int], float] = {}
    for position, topic in enumerate(topics):
        # The slug's head ("f16" of f16-jets) and the slug whole name the story; its other words
        # ("jets") describe it, as a title's do.
        head = [*tokens(topic.slug.replace("-", " "))[:1], _compact(topic.slug)]
        for name in topic.names:
            for word in tokens(name.replace("-", " ")) + tokens(name):
                for form in {word, _compact(word)}:
                    if form not in STOP_WORDS and len(form) >= 2:
                        holders.setdefault(form, set()).add(position)
                        key = (form, position)
                        weight[key] = max(weight.get(key, 0.0), 1.0 if form in head else 0.5)
    vocabulary = list(holders)
    scores: dict[int, float] = {}
    typed: dict[int, list[str]] = {}
    close: dict[int, bool] = {}
    for token in tokens(question):
        word = _compact(token)
        if word in STOP_WORDS or word in _CUE_WORDS or len(word) < 2:
            continue
        if word in holders:
            matches = [(word, 100.0)]
        elif len(word) >= MIN_FUZZY_LENGTH and vocabulary:
            found = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=CUTOFF)
            matches = [(found[0], found[1])] if found else []
        else:
            matches = []
        for match, score in matches:
            for position in holders[match]:
                scores[position] = scores.get(position, 0.0) + weight[(match, position)] / len(holders[match])
                typed.setdefault(position, []).append(token)
                close[position] = close.get(position, False) or score < 100.0
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    # Enough to name a story: a word of its slug, or two of its title (a word shared by several
    # stories counts for a share).
    if not ranked or ranked[0][1] < 0.75 or (len(ranked) > 1 and ranked[0][1] - ranked[1][1] < 0.25):
        return None
    position = ranked[0][0]
    return Found(topics[position].slug, " ".join(typed[position]), close[position])


_PARENTHESIS = re.compile(r"\(.*?\)")


def _parts(folded: str) -> list[str]:
    """The words a (folded) name is named by: no stop words, nothing in parentheses ("(not named)")."""
    if "(" in folded:
        folded = _PARENTHESIS.sub(" ", folded)
    return [w for w in _WORD.findall(folded) if w not in STOP_WORDS and len(w) >= 2]


def find_speaker(question: str, speakers: Sequence[SpeakerName]) -> Found | None:
    """A person, role or organisation the question names: every significant word of it present ("state
    department" for the U.S. Department of State), else a person's surname spelt closely. A newsroom
    has hundreds of speakers: only those holding a word of the question are looked at closely, and the
    surnames are matched in one pass per question word."""
    words = [w for w in tokens(question) if w not in STOP_WORDS]
    if not words:
        return None
    present = set(words)
    best: tuple[float, Found] | None = None
    texts = [speaker.folded or fold(speaker.value) for speaker in speakers]
    # Every name joined by NUL (which no folded text holds): str.find meets the few holding a word of
    # the question at C speed, and only those are looked at word by word.
    haystack = "\0".join(texts)
    starts = list(accumulate((len(text) + 1 for text in texts[:-1]), initial=0))
    candidates: set[int] = set()
    for word in present:
        at = haystack.find(word)
        while at != -1:
            candidates.add(bisect_right(starts, at) - 1)
            at = haystack.find(word, at + 1)
    for position in sorted(candidates):
        speaker, parts = speakers[position], _parts(texts[position])
        found = sum(part in present for part in parts)
        named = found == len(parts) or (speaker.whole and found >= 2 and found >= len(parts) - 1)
        if parts and named and (best is None or 100.0 + len(parts) > best[0]):
            best = (100.0 + len(parts), Found(speaker.value, " ".join(p for p in parts if p in present)))
    if best is not None:
        return best[1]
    surnames: dict[str, SpeakerName] = {}
    for speaker, folded in zip(speakers, texts, strict=True):
        if not speaker.whole:
            surname = (_parts(folded) or [""])[-1] if "(" in folded else folded.rsplit(" ", 1)[-1]
            if len(surname) >= MIN_FUZZY_LENGTH:
                surnames.setdefault(surname, speaker)
    vocabulary = list(surnames)
    for word in words:
        if len(word) < MIN_FUZZY_LENGTH or not vocabulary:
            continue
        match = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=NAME_CUTOFF)
        if match is not None and (best is None or match[1] > best[0]):
            best = (float(match[1]), Found(surnames[match[0]].value, word, close=match[1] < 100.0))
    return best[1] if best is not None else None


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
            named.update(tokens(found.typed))
            named.update(tokens(found.value))
    if since is not None:
        named.update(tokens(since[1]))
    words = tuple(
        dict.fromkeys(
            w
            for w in tokens(question.replace("-", " "))
            if w not in STOP_WORDS and w not in _CUE_WORDS and w not in named and len(w) > 2
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


def correct_words(words: Sequence[str], vocabulary: Sequence[str]) -> list[str] | None:
    """The typed words with each one no stored word holds replaced by its close spelling
    ("kirbey" by "kirby"); None when a word has none, or nothing needed replacing."""
    known = set(vocabulary)
    corrected: list[str] = []
    for word in words:
        if any(word in stored for stored in known):
            corrected.append(word)
            continue
        if len(word) < MIN_FUZZY_LENGTH:
            return None
        match = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=CUTOFF)
        if match is None:
            return None
        corrected.append(match[0])
    return corrected if corrected != list(words) else None


NAME_WORDS_MAX = 8


def name_words(question: str) -> list[str]:
    """The words of a question that may be part of a speaker's name, role or organisation."""
    words = tokens(question) + tokens(question.replace("-", " "))
    return list(dict.fromkeys(w for w in words if w not in STOP_WORDS and len(w) >= 3))[:NAME_WORDS_MAX]


def may_name_speaker(reading: Reading) -> bool:
    """Whether a reading that found no speaker may have missed a misspelt one: it asks what someone
    said, and has words left that name neither the story nor what is asked."""
    if reading.speaker is not None or not reading.words:
        return False
    folded = f" {fold(reading.question)} "
    return any(cue in folded for cue in _SAID_CUES)
