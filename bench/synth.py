"""Deterministic synthetic content: what editors type, with realistic lengths and date precisions.

Generating fresh text for a million rows would dominate the load time, so each kind of text comes
from a pool of a few thousand variants drawn once. The pools follow long-tailed (log-normal) length
distributions clipped to the fields' stated maxima, so row sizes, page sizes and embed budgets look
like a real newsroom's: most quotes are a sentence or two, a few run to thousands of characters.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.drafts import EntryDraft, TopicDraft
from bot.core.fuzzydate import FuzzyDate, Precision
from bot.core.validation import LIMITS
from bot.core.vocabulary import LEGACY_STATUS, EntryKind, StatementKind

# fmt: off
WORDS = (
    "aid", "air", "allies", "ammunition", "announcement", "approval", "armour", "artillery", "assessment",
    "authorisation", "batch", "battalion", "border", "briefing", "budget", "cabinet", "capability", "ceasefire",
    "coalition", "command", "commitment", "committee", "conference", "congress", "contract", "council",
    "counteroffensive", "decision", "defence", "delegation", "delivery", "deployment", "diplomacy", "drones",
    "embassy", "emergency", "envoy", "equipment", "escalation", "export", "fighter", "financing", "frontline",
    "funding", "grain", "guarantee", "howitzer", "industry", "infantry", "intelligence", "interceptor", "jets",
    "league", "legislation", "loan", "logistics", "mandate", "manufacturing", "military", "minister", "ministry",
    "missile", "mission", "negotiation", "nuclear", "officials", "operation", "package", "parliament", "partners",
    "patriot", "payment", "pilot", "pipeline", "pledge", "policy", "president", "production", "programme", "radar",
    "readiness", "reconstruction", "refinery", "regulator", "reserve", "resolution", "restrictions", "review",
    "sanctions", "security", "senate", "shipment", "spokesman", "stockpile", "strategy", "summit", "supply",
    "support", "talks", "tanks", "tariffs", "training", "transfer", "treaty", "troops", "vote", "warehouse",
    "weapons", "winter"
)

FIRST_NAMES = (
    "Anna", "Ben", "Carla", "Dmytro", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kateryna", "Lars",
    "Maria", "Nadia", "Olaf", "Priya", "Quentin", "Rosa", "Samir", "Tanja", "Ulla", "Viktor", "Wen", "Xenia",
    "Yusuf", "Zofia", "Antony", "John", "Matthew", "Volodymyr", "Ursula", "Jens", "Olena", "Pedro", "Mark"
)
LAST_NAMES = (
    "Andersen", "Baker", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat", "Ivanova", "Jensen",
    'Kowalski', 'Lopez', 'Marchetti', 'Novak', 'Olsen', 'Petrov', 'Quinn', 'Rossi', 'Schmidt', 'Tanaka', 'Ueda',
    'Varga', 'Wagner', 'Xu', 'Yilmaz', 'Zhou', 'Kirby', 'Miller', 'Zelensky', 'Blinken', 'Austin', 'Stoltenberg',
    'Kuleba', 'Reznikov', 'Sullivan', 'Rutte', 'Pistorius'
)
# fmt: on
ROLES = (
    "Spokesman",
    "Press Secretary",
    "Minister of Defence",
    "Foreign Minister",
    "Deputy Chief of Staff",
    "Strategic Communications Coordinator",
    "Ambassador",
    "Secretary General",
    "Chair of the Armed Services Committee",
    "National Security Adviser",
    "Prime Minister",
    "President",
)
ORGS = (
    "Department of State",
    "Ministry of Defence",
    "National Security Council",
    "NATO",
    "European Commission",
    "Bundestag",
    "Office of the President",
    "Senate",
    "Pentagon",
    "Foreign Office",
)
OUTLETS = (
    "Reuters",
    "AP",
    "AFP",
    "BBC",
    "Politico",
    "Financial Times",
    "The Guardian",
    "Kyiv Independent",
    "Der Spiegel",
    "White House briefing",
    "State Department press briefing",
    "Ministry of Defence statement",
    "Government press release",
    "Parliamentary record",
    "Bloomberg",
    "Le Monde",
)
DOMAINS = ("www.reuters.com", "apnews.com", "www.bbc.co.uk", "www.politico.eu", "www.ft.com", "www.gov.uk")
CONTEXTS = (
    "Press briefing",
    "Interview with a British newspaper",
    "Remarks at the NATO summit",
    "Statement after the cabinet meeting",
    "Joint press conference",
    "Answer to a parliamentary question",
    "Televised address",
    "Post on social media",
)

# Date precision mix of a real chronology: mostly exact days, a tail of months, seasons and years.
PRECISION_WEIGHTS: tuple[tuple[Precision, float], ...] = (
    (Precision.DAY, 0.62),
    (Precision.MONTH, 0.14),
    (Precision.PART_OF_MONTH, 0.08),
    (Precision.SEASON, 0.05),
    (Precision.QUARTER, 0.05),
    (Precision.PART_OF_YEAR, 0.04),
    (Precision.YEAR, 0.02),
)
KIND_WEIGHTS: tuple[tuple[EntryKind, float], ...] = (
    (EntryKind.STATUS, 0.12),
    (EntryKind.STATEMENT, 0.48),
    (EntryKind.EVENT, 0.40),
)
STATEMENT_KIND_WEIGHTS = ((StatementKind.QUOTE, 0.7), (StatementKind.PARAPHRASE, 0.2), (StatementKind.SUMMARY, 0.1))


# Real prose is Zipfian: a few function words make up a large share of every text, a few hundred
# subject words recur often, and most of the vocabulary is rare. Drawing every word evenly from the
# 111 subject words above made each of them appear in a fifth of all documents, so a one-word search
# matched far more than any real word does. Here word rank r is drawn with weight 1/r over a
# vocabulary of function words (ranks 1-40), the subject words (the next 111, so queries for them
# match a few per cent of a newsroom's documents) and generated rare words.
FUNCTION_WORDS = (
    "the", "of", "and", "to", "in", "a", "on", "for", "that", "is", "said", "with", "by", "at", "was", "as",
    "it", "from", "has", "be", "will", "have", "are", "an", "not", "this", "which", "its", "after", "but",
    "were", "had", "they", "been", "would", "also", "more", "their", "who", "over",
)  # fmt: skip
RARE_WORDS = 30_000


def _accumulate(values: Iterable[float]) -> list[float]:
    total = 0.0
    out: list[float] = []
    for value in values:
        total += value
        out.append(total)
    return out


def _vocabulary() -> tuple[list[str], list[float]]:
    rng = random.Random(7)
    subject = list(WORDS)
    rng.shuffle(subject)
    taken: set[str] = {*FUNCTION_WORDS, *subject}
    onsets, vowels = "bcdfghjklmnprstvz", "aeiou"
    rare: list[str] = []
    while len(rare) < RARE_WORDS:
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
        if word not in taken:
            taken.add(word)
            rare.append(word)
    words = [*FUNCTION_WORDS, *subject, *rare]
    return words, _accumulate(1.0 / rank for rank in range(1, len(words) + 1))


VOCABULARY, _VOCABULARY_CUM = _vocabulary()


def sentence_text(rng: random.Random, length: int) -> str:
    """Plausible-looking prose of about `length` characters (never more), its words Zipf-distributed."""
    parts: list[str] = []
    size = 0
    sentence_left = rng.randint(6, 18)
    capital = True
    draws: list[str] = []
    while size < length:
        if not draws:
            draws = rng.choices(VOCABULARY, cum_weights=_VOCABULARY_CUM, k=64)
        word = draws.pop()
        if capital:
            word = word.capitalize()
            capital = False
        sentence_left -= 1
        if sentence_left == 0:
            word += "."
            sentence_left = rng.randint(6, 18)
            capital = True
        elif rng.random() < 0.06:
            word += ","
        parts.append(word)
        size += len(word) + 1
    text = " ".join(parts)[: length - 1].rstrip(" ,.")
    # Never longer than asked: the stated maxima are enforced by PostgreSQL (VARCHAR(n)).
    return text + "."


def _lognormal_length(rng: random.Random, median: float, sigma: float, low: int, high: int) -> int:
    return int(min(max(rng.lognormvariate(math.log(median), sigma), low), high))


class TextPool:
    """Texts with log-normally distributed lengths, drawn once and picked by index."""

    def __init__(self, rng: random.Random, *, size: int, median: float, sigma: float, low: int, high: int) -> None:
        self.items = [sentence_text(rng, _lognormal_length(rng, median, sigma, low, high)) for _ in range(size)]

    def pick(self, rng: random.Random) -> str:
        return self.items[int(rng.random() * len(self.items))]


@dataclass(frozen=True, slots=True)
class Speaker:
    name: str
    role: str | None
    org: str | None


class DatePool:
    """Every FuzzyDate of each precision in a range of years, so picking one is an index, not a parse."""

    def __init__(self, first_year: int, last_year: int, *, today: dt.date) -> None:
        self.first_year, self.last_year = first_year, last_year
        self.by_year: dict[int, dict[Precision, list[FuzzyDate]]] = {}
        for year in range(first_year, last_year + 1):
            pools: dict[Precision, list[FuzzyDate]] = {p: [] for p, _ in PRECISION_WEIGHTS}
            day = dt.date(year, 1, 1)
            while day.year == year:
                pools[Precision.DAY].append(FuzzyDate.exact(day))
                day += dt.timedelta(days=1)
            for month in range(1, 13):
                pools[Precision.MONTH].append(FuzzyDate.month(year, month))
                for part in ("early", "mid", "late"):
                    pools[Precision.PART_OF_MONTH].append(FuzzyDate.part_of_month(year, month, part))
            for season in ("spring", "summer", "autumn", "winter"):
                pools[Precision.SEASON].append(FuzzyDate.season(year, season))
            for q in (1, 2, 3, 4):
                pools[Precision.QUARTER].append(FuzzyDate.quarter(year, q))
            for part in ("early", "mid", "late"):
                pools[Precision.PART_OF_YEAR].append(FuzzyDate.part_of_year(year, part))
            pools[Precision.YEAR].append(FuzzyDate.year(year))
            # Nothing in a chronology is dated after the day it was logged.
            self.by_year[year] = {
                p: [d for d in items if d.earliest <= today] or items[:1] for p, items in pools.items()
            }
        self._precisions = [p for p, _ in PRECISION_WEIGHTS]
        self._cum_weights = list(_accumulate(w for _, w in PRECISION_WEIGHTS))

    def pick(self, rng: random.Random, first_year: int, last_year: int) -> FuzzyDate:
        year = rng.randint(max(first_year, self.first_year), min(last_year, self.last_year))
        precision = rng.choices(self._precisions, cum_weights=self._cum_weights)[0]
        items = self.by_year[year][precision]
        return items[int(rng.random() * len(items))]


class Content:
    """All pools, built once per run from one seed so every run loads the same data."""

    def __init__(self, seed: int, *, today: dt.date) -> None:
        rng = random.Random(seed)
        self.today = today
        self.statement_texts = TextPool(rng, size=3000, median=220, sigma=0.8, low=30, high=LIMITS["text"])
        self.notes = TextPool(rng, size=2000, median=120, sigma=0.6, low=20, high=LIMITS["note"])
        self.headlines = TextPool(rng, size=2000, median=70, sigma=0.35, low=15, high=LIMITS["headline"])
        self.details = TextPool(rng, size=2000, median=220, sigma=0.6, low=20, high=LIMITS["details"])
        self.summaries = TextPool(rng, size=1500, median=260, sigma=0.5, low=40, high=LIMITS["summary"])
        self.next_steps = TextPool(rng, size=800, median=90, sigma=0.5, low=20, high=LIMITS["next_step"])
        self.facts = TextPool(rng, size=800, median=110, sigma=0.4, low=30, high=300)
        self.speakers = [
            Speaker(
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                rng.choice(ROLES) if rng.random() < 0.85 else None,
                rng.choice(ORGS) if rng.random() < 0.8 else None,
            )
            for _ in range(2000)
        ]
        self.urls = [
            f"https://{rng.choice(DOMAINS)}/{rng.randint(2016, today.year)}/{rng.randint(1, 12):02d}/"
            + "-".join(rng.sample(WORDS, rng.randint(3, 9)))
            + f"-{rng.randint(1000, 99999)}"
            for _ in range(4000)
        ]
        self.dates = DatePool(today.year - 9, today.year, today=today)
        # Both axes, as the ladder stored before them maps to them.
        self._statuses = list(LEGACY_STATUS.values())
        self._kinds = [k for k, _ in KIND_WEIGHTS]
        self._kind_cum = _accumulate(w for _, w in KIND_WEIGHTS)
        self._st_kinds = [k for k, _ in STATEMENT_KIND_WEIGHTS]
        self._st_cum = _accumulate(w for _, w in STATEMENT_KIND_WEIGHTS)

    # -- entries -------------------------------------------------------------------------------------
    def source(self, rng: random.Random) -> tuple[str, str | None]:
        name = OUTLETS[int(rng.random() * len(OUTLETS))]
        url = self.urls[int(rng.random() * len(self.urls))] if rng.random() < 0.7 else None
        return name, url

    def entry_draft(
        self, rng: random.Random, *, kind: EntryKind | None = None, years: tuple[int, int] | None = None
    ) -> EntryDraft:
        """One draft as /log would hand it to the write path (already validated and cleaned)."""
        if kind is None:
            kind = rng.choices(self._kinds, cum_weights=self._kind_cum)[0]
        first, last = years or (self.dates.first_year, self.dates.last_year)
        date = self.dates.pick(rng, first, last)
        source_name, source_url = self.source(rng)
        draft = EntryDraft(kind=kind, date=date, source_name=source_name, source_url=source_url)
        if kind is EntryKind.STATUS:
            decision, delivery = self._statuses[int(rng.random() * len(self._statuses))]
            draft.decision, draft.delivery = decision.value, delivery.value
            draft.note = self.notes.pick(rng)
        elif kind is EntryKind.STATEMENT:
            speaker = self.speakers[int(rng.random() * len(self.speakers))]
            draft.speaker, draft.speaker_role, draft.speaker_org = speaker.name, speaker.role, speaker.org
            draft.statement_kind = rng.choices(self._st_kinds, cum_weights=self._st_cum)[0].value
            draft.text = self.statement_texts.pick(rng)
            draft.context = CONTEXTS[int(rng.random() * len(CONTEXTS))] if rng.random() < 0.5 else None
        else:
            draft.headline = self.headlines.pick(rng)
            draft.details = self.details.pick(rng) if rng.random() < 0.6 else None
            if rng.random() < 0.1:
                end = self.dates.pick(rng, date.earliest.year, last)
                if end.latest >= date.earliest:
                    draft.end_date = end
        return draft

    # -- topics --------------------------------------------------------------------------------------
    def topic_draft(self, rng: random.Random, taken: set[str]) -> TopicDraft:
        words = rng.sample(WORDS, rng.randint(1, 3))
        slug = _unique_slug("-".join(words), taken)
        title = " ".join(w.capitalize() if i == 0 else w for i, w in enumerate(words))
        title = f"{title} for {rng.choice(('Ukraine', 'Taiwan', 'Moldova', 'the Baltics', 'Poland', 'Finland'))}"
        aliases = [" ".join(rng.sample(WORDS, rng.randint(1, 2))) for _ in range(rng.randint(0, 3))]
        background = [
            {"fact": self.facts.pick(rng), "source": OUTLETS[int(rng.random() * len(OUTLETS))]}
            for _ in range(rng.randint(0, 3))
        ]
        return TopicDraft(
            slug=slug,
            title=title,
            aliases=aliases,
            summary=self.summaries.pick(rng),
            next_step=self.next_steps.pick(rng) if rng.random() < 0.6 else "",
            background=background,
        )


_SLUG_CLEAN = re.compile(r"[^a-z0-9-]+")


def _unique_slug(base: str, taken: set[str]) -> str:
    # The same rule /topic create enforces: 2-32 lowercase letters, digits and hyphens.
    base = _SLUG_CLEAN.sub("-", base.lower()).strip("-")[:28].strip("-") or "topic"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug
