"""Typo-tolerant matching of topic names: "atcms", "atacsm" or "ATACMS missles" still find ATACMS.

Names are compared word by word. Every word of the labels (slug, title, aliases) goes into a
vocabulary, each with the labels that hold it; a typed word is matched against that vocabulary with
rapidfuzz, and a label is close when every typed word is close to one of its words. Matching whole
labels instead would let a short typed name drown in a long title, and the vocabulary is far smaller
than the labels (words repeat across topics), so the fuzzy pass stays cheap over ten thousand topics.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

# rapidfuzz's ratio is 2 x (letters in common, in order) / (both lengths) x 100. One slip (a letter
# dropped, added, mistyped or swapped with its neighbour) in a word of five letters or more scores at
# least 80: "atcms" 91, "atacsm" 83, "missles" 93, "tank" 89 against "tanks"; two slips need ten
# letters. Below 80 the "match" is mostly another word ("patriot"/"pilot" 67).
CUTOFF = 80.0
# Shorter words have too few letters to tell a slip from a different word: they must match exactly.
MIN_FUZZY_LENGTH = 4
# A typed word is compared with at most this many of its closest vocabulary words.
_CLOSE_WORDS = 8
_PUNCTUATION = re.compile(r"[^\w]+|_")


def _split(token: str) -> tuple[list[str], str | None]:
    """A token's parts ("long", "range" from "long-range") and, where a part is too short to be
    matched closely on its own, the token whole without punctuation ("f16" from "f-16")."""
    parts = [part for part in _PUNCTUATION.split(token) if part]
    compact = "".join(parts) if len(parts) > 1 and min(map(len, parts)) < MIN_FUZZY_LENGTH else None
    return parts, compact


def typed_words(text: str) -> list[str]:
    """The words of a (normalised) typed name: "f-16" reads as "f16", "long-range" as "long" and "range"."""
    words: list[str] = []
    for token in text.split():
        parts, compact = _split(token)
        words.extend([compact] if compact else parts)
    return words


def label_words(text: str) -> set[str]:
    """The words a label can be found by: every part, and the compact form where there is one. Whole
    tokens are not kept otherwise: every slug would add a word of its own, and the vocabulary would
    grow with the topics."""
    found: set[str] = set()
    for token in text.split():
        parts, compact = _split(token)
        found.update(parts)
        if compact:
            found.add(compact)
    return found


@dataclass(frozen=True, slots=True)
class WordIndex:
    """The vocabulary of a list of labels (in rank order) and, for each word, the labels holding it."""

    # Each word with the positions of the labels holding it, ascending: rank order. Arrays of 32-bit
    # ints take a fraction of the memory of tuples of Python ints.
    holders: dict[str, array[int]]
    vocabulary: list[str]

    @classmethod
    def build(cls, texts: Iterable[str]) -> WordIndex:
        holders: dict[str, array[int]] = {}
        for position, text in enumerate(texts):
            for word in label_words(text):
                holders.setdefault(word, array("I")).append(position)
        return cls(holders, list(holders))

    def close(self, key: str, limit: int, *, exclude: Iterable[int] = ()) -> list[tuple[int, float]]:
        """Up to `limit` (position, score) of labels close to `key`, best score first, then rank;
        the score is the mean over the typed words of the best match of each."""
        words = typed_words(key)
        if not words or not self.vocabulary or limit <= 0:
            return []
        scores: dict[int, float] | None = None
        for word in words:
            best = self._holders(word)
            # A label must hold a close match of every typed word: the running scores narrow.
            scores = best if scores is None else {p: s + best[p] for p, s in scores.items() if p in best}
            if not scores:
                return []
        assert scores is not None
        for position in exclude:
            scores.pop(position, None)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [(position, total / len(words)) for position, total in ranked]

    def _holders(self, word: str) -> dict[int, float]:
        """Each label holding a word close to `word`, with the best such word's score."""
        # A word spelt as some label spells it is taken as meant: its neighbours ("tank" for "tanks")
        # would only widen the search, at a cost. Shorter words are matched only exactly.
        if word in self.holders or len(word) < MIN_FUZZY_LENGTH:
            matches: Sequence[tuple[str, float, int]] = [(word, 100.0, 0)] if word in self.holders else []
        else:
            matches = process.extract(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=CUTOFF, limit=_CLOSE_WORDS)
        best: dict[int, float] = {}
        for found, score, _index in matches:
            for position in self.holders[found]:
                if best.get(position, -1.0) < score:
                    best[position] = score
        return best
