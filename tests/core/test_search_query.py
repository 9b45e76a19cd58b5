"""The /search query language: parsed into a small tree, compiled with every token quoted for both databases."""

from __future__ import annotations

import re

import pytest

from bot.core.errors import InvalidInput
from bot.core.search_query import (
    MARK_CLOSE,
    MARK_OPEN,
    QUERY_MAX,
    AnyOf,
    Phrase,
    SearchQuery,
    marked_parts,
    parse,
    to_fts5,
    to_tsquery,
)


def fts(text: str) -> str:
    return to_fts5(parse(text), column="body", scope_column="scope", scope="n1")


@pytest.mark.parametrize(
    ("text", "required", "excluded"),
    [
        ("ATACMS range", (Phrase(("atacms",)), Phrase(("range",))), ()),
        ('"long range" missiles', (Phrase(("long", "range")), Phrase(("missiles",))), ()),
        ("F-16", (Phrase(("f", "16")),), ()),
        ("deliver*", (Phrase(("deliver",), prefix=True),), ()),
        ("kirby OR miller range", (AnyOf((Phrase(("kirby",)), Phrase(("miller",)))), Phrase(("range",))), ()),
        ("a OR b OR c", (AnyOf((Phrase(("a",)), Phrase(("b",)), Phrase(("c",)))),), ()),
        ('ukraine -kirby -"white house"', (Phrase(("ukraine",)),), (Phrase(("kirby",)), Phrase(("white", "house")))),
        ('"unbalanced phrase', (Phrase(("unbalanced", "phrase")),), ()),
        ("x AND y", (Phrase(("x",)), Phrase(("y",))), ()),
        ("NEAR(a b) ^c d:e", (Phrase(("near", "a")), Phrase(("b",)), Phrase(("c",)), Phrase(("d", "e"))), ()),
        ("OR first", (Phrase(("first",)),), ()),
    ],
)
def test_parse(text: str, required: tuple[object, ...], excluded: tuple[object, ...]) -> None:
    query = parse(text)
    assert (query.required, query.excluded) == (required, excluded)


@pytest.mark.parametrize("text", ["", "   ", "*", "-only", '""', "^ : ( )", "OR OR", "\x00\x07"])
def test_nothing_to_find_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(InvalidInput, match="at least one word"):
        parse(text)


def test_overlong_and_too_many_terms_are_refused() -> None:
    with pytest.raises(InvalidInput, match=f"at most {QUERY_MAX}"):
        parse("a" * (QUERY_MAX + 1))
    with pytest.raises(InvalidInput, match="at most 12 terms"):
        parse(" ".join(f"w{n}" for n in range(13)))


def test_compiled_queries_quote_every_token_and_keep_the_scope_apart() -> None:
    assert fts('kirby OR miller "long range" deliver* -rumour') == (
        'scope : "n1" AND body : ((("kirby" OR "miller") AND "long range" AND "deliver"*) NOT ("rumour"))'
    )
    query = parse('kirby OR miller "long range" deliver* -rumour')
    assert to_tsquery(query) == "(('kirby' | 'miller') & ('long' <-> 'range') & 'deliver':*) & !'rumour'"


@pytest.mark.parametrize(
    "text", ['"a" OR b) NOT c', "a' & 'b", 'x"y', "a\\b", "NOT:* <-> !x", "col:x {a b}", "'; DROP TABLE entry; --"]
)
def test_no_operator_survives_from_the_input(text: str) -> None:
    query = parse(text)
    assert all(token.isalnum() for token in query.words)
    # Take out every quoted token: what is left is only what the compiler writes.
    ts_rest = re.sub(r"'[^']*'(:\*)?", "", to_tsquery(query))
    assert set(ts_rest) <= set("&|!<->() ")
    fts_rest = re.sub(r'"[^"]*"\*?', "", fts(text)).replace("scope :", "").replace("body :", "")
    assert set(re.sub(r"\b(AND|OR|NOT)\b", "", fts_rest)) <= set("() ")


def test_any_of_asks_for_any_word_once() -> None:
    query = SearchQuery.any_of("Did the White House approve the ATACMS? the")
    assert query.any_words and query.words == ["did", "the", "white", "house", "approve", "atacms"]
    assert to_tsquery(query).startswith("('did' | 'the' |")
    assert " OR " in to_fts5(query, column="body", scope_column="scope", scope="n1")


def test_marked_parts_splits_a_snippet_at_the_marks() -> None:
    snippet = f"before {MARK_OPEN}word{MARK_CLOSE} between {MARK_OPEN}two{MARK_CLOSE}"
    assert marked_parts(snippet) == [("before ", False), ("word", True), (" between ", False), ("two", True)]
