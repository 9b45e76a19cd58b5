"""Names in a question: the story it names (slug, title, alias, or a word of one spelt closely), the
speaker, role or organisation it names (whole, or a person by a surname spelt closely), and the words
it is made of. Pure: the names to look for come from the caller, the asking newsroom's only."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from rapidfuzz import fuzz, process

from bot.core.fuzzy import CUTOFF, MIN_FUZZY_LENGTH
from bot.core.matching import fold

# A person is found by surname only when it is spelt this closely: names are short, and "Biden" must
# not be read as "Bidet".
NAME_CUTOFF = 85.0
_WORD = re.compile(r"[a-z0-9]+(?:[-'.][a-z0-9]+)*")

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
CUE_WORDS = frozenset(_CUE_TEXT.split())


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


def tokens(text: str) -> list[str]:
    """Folded words; an en dash or slash between words separates them ("zelensky–biden")."""
    return list(_tokens(text))


# A question is read against up to a few thousand story and speaker names, each folded and split again
# for every question: a newsroom's names are split once and remembered.
@lru_cache(maxsize=32_768)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text).replace("\u2013", " ").replace("\u2014", " ").replace("/", " ")))


def _compact(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word)


@dataclass(frozen=True, slots=True)
class _TopicIndex:
    """What a newsroom's story names say, worked out once for every question asked against them."""

    # Each name's words as a phrase: its place (the first story, the first name wins) and its story.
    phrases: dict[str, tuple[int, str]]
    # Each word: the stories holding it, and what it says of each (1 in the slug's head, else 0.5).
    holders: dict[str, set[int]]
    weight: dict[tuple[str, int], float]
    vocabulary: list[str]


@lru_cache(maxsize=1024)
def _topic_index(topics: tuple[TopicName, ...]) -> _TopicIndex:
    phrases: dict[str, tuple[int, str]] = {}
    for topic in topics:
        for name in topic.names:
            for phrase in (" ".join(tokens(name)), " ".join(tokens(name.replace("-", " ")))):
                if phrase:
                    phrases.setdefault(phrase, (len(phrases), topic.slug))
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
    return _TopicIndex(phrases, holders, weight, list(holders))


def find_topic(question: str, topics: Sequence[TopicName]) -> Found | None:
    """The story a question names: a slug, title or alias written out (the longest wins), else the one
    story holding a close spelling of the question's distinctive words."""
    index = _topic_index(tuple(topics))
    # Hyphens both ways: "atacms-related" holds the story "atacms", "long range" is "long-range". A
    # name written out is a run of the question's words: each run is looked up, not each name.
    best: tuple[int, int, str, str] | None = None
    for words in (tokens(question), tokens(question.replace("-", " "))):
        for first in range(len(words)):
            for last in range(first + 1, len(words) + 1):
                phrase = " ".join(words[first:last])
                held = index.phrases.get(phrase)
                if held is not None and (best is None or (-len(phrase), held[0]) < (-best[0], best[1])):
                    best = (len(phrase), held[0], held[1], phrase)
    if best is not None:
        return Found(best[2], best[3])
    holders, weight, vocabulary = index.holders, index.weight, index.vocabulary
    scores: dict[int, float] = {}
    typed: dict[int, list[str]] = {}
    close: dict[int, bool] = {}
    for token in tokens(question):
        word = _compact(token)
        if word in STOP_WORDS or word in CUE_WORDS or len(word) < 2:
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
