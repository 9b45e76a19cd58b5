"""The `/search` query language: parsed here into a small tree, compiled for each database.

Syntax, the same on SQLite and PostgreSQL:
  words            every word must match (`ATACMS range`)
  "exact phrase"   the words next to each other, in order
  a OR b           either side; OR joins the items on each side of it, before the implicit AND
                   (`kirby OR miller range` means `(kirby OR miller) AND range`)
  -word, -"a b"    leave out what matches
  word*            a word starting with these letters

Anything else is text, never an operator: a word is split into its letters and digits (`F-16` is the
phrase "f 16", as both databases index it), other characters only separate words, and `AND`, `NEAR`, `^`,
`:` or a lone `*` are plain words or nothing. Every token reaches the database quoted, so no input can
inject an operator or break the statement around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.errors import InvalidInput

# What a snippet marks around a matched word: private-use characters that text never needs, so a
# renderer can escape everything else and then mark these its own way.
MARK_OPEN = "\ue000"
MARK_CLOSE = "\ue001"
_MARKS = re.compile(f"([{MARK_OPEN}{MARK_CLOSE}])")
QUERY_MAX = 200
ITEMS_MAX = 12
TOKENS_MAX = 24
# Letters and digits of any script, no underscore: what SQLite's unicode61 tokenizer keeps, and what the
# PostgreSQL index keeps once everything else is turned into spaces (migration 0014).
_TOKEN = re.compile(r"[^\W_]+")
# A quoted phrase (the closing quote may be missing: the rest is the phrase) or a run without spaces.
_CHUNK = re.compile(r'(-?)"([^"]*)(?:"|$)(\*?)|(\S+)')


@dataclass(frozen=True, slots=True)
class Phrase:
    """One word (a phrase of one token) or several in order; `prefix` applies to the last."""

    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Items joined by OR."""

    options: tuple[Phrase, ...]


Item = Phrase | AnyOf


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """All of `required` match and none of `excluded`; `any_words` instead asks for any one item."""

    required: tuple[Item, ...]
    excluded: tuple[Phrase, ...] = ()
    any_words: bool = False

    @property
    def words(self) -> list[str]:
        """Every token that can match, for highlighting and tests."""
        found: list[str] = []
        for item in self.required:
            for phrase in item.options if isinstance(item, AnyOf) else (item,):
                found.extend(phrase.tokens)
        return found

    @classmethod
    def any_of(cls, text: str) -> SearchQuery:
        """Free text where any word may match (for a question in plain words): ranking does the rest."""
        tokens = _tokens(text)[:TOKENS_MAX]
        if not tokens:
            raise InvalidInput("Type at least one word to search for.")
        return cls(tuple(Phrase((t,)) for t in dict.fromkeys(tokens)), any_words=True)


def _tokens(text: str) -> list[str]:
    # lower(), not casefold(): both databases lower-case ("ß" stays "ß"), and a token must be spelt as indexed.
    return [t.lower() for t in _TOKEN.findall(text)]


def _phrase(text: str, star: bool) -> Phrase | None:
    tokens = _tokens(text)
    return Phrase(tuple(tokens), star) if tokens else None


def parse(text: str) -> SearchQuery:
    """The query a person typed, or InvalidInput saying what to change."""
    if len(text) > QUERY_MAX:
        raise InvalidInput(f"A search is at most {QUERY_MAX} characters; this one has {len(text)}.")
    # (negated, phrase) per item, with OR markers between them.
    items: list[tuple[bool, Phrase] | str] = []
    for match in _CHUNK.finditer(text):
        quoted_neg, quoted, quoted_star, bare = match.groups()
        if bare is None:
            phrase = _phrase(quoted, bool(quoted_star))
            negated = bool(quoted_neg)
        elif bare in ("OR", "|"):
            items.append("OR")
            continue
        elif bare == "AND":
            continue  # every word must match anyway
        else:
            negated = bare.startswith("-") and len(bare) > 1
            body = bare[1:] if negated else bare
            phrase = _phrase(body, body.endswith("*"))
        if phrase is not None:
            items.append((negated, phrase))
    required: list[Item] = []
    excluded: list[Phrase] = []
    joining = False
    for item in items:
        if item == "OR":
            joining = bool(required)
            continue
        assert isinstance(item, tuple)
        negated, phrase = item
        if negated:
            excluded.append(phrase)
        elif joining:
            last = required.pop()
            previous = last.options if isinstance(last, AnyOf) else (last,)
            required.append(AnyOf((*previous, phrase)))
        else:
            required.append(phrase)
        joining = False
    if not required:
        raise InvalidInput(
            "Type at least one word to search for (a `-word` only leaves things out). "
            'Example: `ATACMS "long-range" -rumour`.'
        )
    query = SearchQuery(tuple(required), tuple(excluded))
    if len(required) + len(excluded) > ITEMS_MAX or len(query.words) > TOKENS_MAX:
        raise InvalidInput(f"A search takes at most {ITEMS_MAX} terms; leave some out.")
    return query


# SQLite FTS5: every token double-quoted (a quote inside doubled, though tokens hold none).
def _fts_phrase(phrase: Phrase) -> str:
    quoted = '"' + " ".join(t.replace('"', '""') for t in phrase.tokens) + '"'
    return quoted + ("*" if phrase.prefix else "")


def _fts_item(item: Item) -> str:
    if isinstance(item, AnyOf):
        return "(" + " OR ".join(_fts_phrase(p) for p in item.options) + ")"
    return _fts_phrase(item)


def to_fts5(query: SearchQuery, *, column: str, scope_column: str, scope: str) -> str:
    """A MATCH expression: the scope token in its own column AND the query in the text column, so the
    newsroom is chosen by the full-text index itself."""
    joiner = " OR " if query.any_words else " AND "
    expression = "(" + joiner.join(_fts_item(i) for i in query.required) + ")"
    if query.excluded:
        expression = f"({expression} NOT ({' OR '.join(_fts_phrase(p) for p in query.excluded)}))"
    return f'{scope_column} : "{scope}" AND {column} : {expression}'


# PostgreSQL tsquery for to_tsquery('simple', ...): every lexeme single-quoted.
def _ts_phrase(phrase: Phrase) -> str:
    lexemes = ["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in phrase.tokens]
    if phrase.prefix:
        lexemes[-1] += ":*"
    return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"


def _ts_item(item: Item) -> str:
    if isinstance(item, AnyOf):
        return "(" + " | ".join(_ts_phrase(p) for p in item.options) + ")"
    return _ts_phrase(item)


def to_tsquery(query: SearchQuery) -> str:
    joiner = " | " if query.any_words else " & "
    expression = "(" + joiner.join(_ts_item(i) for i in query.required) + ")"
    for phrase in query.excluded:
        expression += f" & !{_ts_phrase(phrase)}"
    return expression


def marked_parts(snippet: str) -> list[tuple[str, bool]]:
    """A snippet as (text, matched) runs, from the marks the database put around matched words."""
    parts: list[tuple[str, bool]] = []
    matched = False
    for piece in _MARKS.split(snippet):
        if piece in (MARK_OPEN, MARK_CLOSE):
            matched = piece == MARK_OPEN
        elif piece:
            parts.append((piece, matched))
    return parts
