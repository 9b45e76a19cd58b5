"""Unit tests of bot/validation.py: every editor field goes through these before anything is stored."""

from __future__ import annotations

import unicodedata

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import InvalidInput
from bot.core.validation import (
    LIMITS,
    MAX_ALIASES,
    MULTILINE,
    clean_aliases,
    clean_slug,
    clean_text,
    clean_url,
    parse_entry_ref,
    require_text,
    strip_controls,
)
from bot.render.text import defang, inline
from db.topics import normalise_lookup


# ------------------------------------------------------------------------------------------------
# strip_controls
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "multiline", "expected"),
    [
        ("plain text", False, "plain text"),
        ("a\tb", False, "a b"),
        ("a\tb", True, "a b"),
        ("a\nb", False, "a b"),
        ("a\nb", True, "a\nb"),
        ("a\r\nb", True, "a\nb"),
        ("a\r\nb", False, "a b"),
        ("a\x00b\x07c\x1b[0md\x7f", False, "abc[0md"),
        ("C1\x85\x9fcontrols", True, "C1controls"),
        ("right\u202eto-left", False, "rightto-left"),
        ("\u2066isolated\u2069", False, "isolated"),
        ("café ✓ 😀 👩\u200d💻 a\u00a0b", False, "café ✓ 😀 👩\u200d💻 a\u00a0b"),  # not controls: kept
        ("", True, ""),
    ],
)
def test_strip_controls(value: str, multiline: bool, expected: str) -> None:
    assert strip_controls(value, multiline=multiline) == expected


# ------------------------------------------------------------------------------------------------
# clean_text / require_text
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("note", "  Approved.  ", "Approved."),
        ("note", None, None),
        ("note", "", None),
        ("note", " \t\x00 ", None),
        ("speaker", "John\nKirby", "John Kirby"),
        ("speaker", "John\x00 Kirby\u202e", "John Kirby"),
        ("text", " line one  \n\n  line two \r\n", "line one\n\n  line two"),
        ("text", "*bold* _kept_ `as` entered", "*bold* _kept_ `as` entered"),
        ("source", "press@state.gov", "press@state.gov"),
        ("source", "@ everyone, here", "@ everyone, here"),
        ("source", "a@everyone.com", "a@everyone.com"),
        ("source", "press@here.org, desk@everyone.net", "press@here.org, desk@everyone.net"),
        ("note", "mail news@everyonewire.com today", "mail news@everyonewire.com today"),
        ("note", "@everyone.com is a domain", "@everyone.com is a domain"),
        ("context", "<not a mention>", "<not a mention>"),
    ],
)
def test_clean_text_cleans_and_otherwise_keeps_text_as_entered(field: str, value: str | None, expected: str) -> None:
    assert clean_text(field, value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "`note` is required."),
        ("", "`note` can't be empty."),
        ("  \n\t ", "`note` can't be empty."),
        ("\x00\x1b", "`note` can't be empty."),
    ],
)
def test_required_text_refuses_missing_and_empty(value: str | None, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_text("note", value, required=True)
    assert refused.value.message == message


@pytest.mark.parametrize(
    "value",
    [
        "@everyone",
        "Heads up @here",
        "Heads up @here.",
        "@everyone, look",
        "(@everyone)",
        "@everyone's call",
        "@EVERYONE",
        "ask <@123456789012345678>",
        "ask <@!123>",
        "ping <@&987>",
        "see <#555>",
        "open <id:customize>",
        "@every\x00one",  # joined up once the control character is removed
        "<@\u202e123>",
    ],
)
def test_mention_syntax_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="contains mention syntax"):
        clean_text("text", value)


@pytest.mark.parametrize("field", sorted(LIMITS))
def test_each_field_takes_exactly_its_stated_maximum_and_refuses_one_more(field: str) -> None:
    limit = LIMITS[field]
    assert clean_text(field, "x" * limit) == "x" * limit
    assert clean_text(field, "x" * limit + "\x00\x07") == "x" * limit  # removed characters don't count
    with pytest.raises(InvalidInput) as refused:
        clean_text(field, "x" * (limit + 1))
    assert refused.value.message == (f"`{field}` is {limit + 1} characters; the maximum is {limit}. Nothing was saved.")


def test_messages_use_the_label_when_given() -> None:
    with pytest.raises(InvalidInput, match="`what was said` can't be empty"):
        require_text("text", " ", label="what was said")
    assert require_text("text", " ok ") == "ok"


@given(value=st.text(max_size=300), field=st.sampled_from(sorted(LIMITS)))
def test_clean_text_never_stores_controls_or_overlong_text_and_is_stable(value: str, field: str) -> None:
    try:
        cleaned = clean_text(field, value)
    except InvalidInput:
        return
    if cleaned is None:
        assert not strip_controls(value, multiline=field in MULTILINE).strip()
        return
    assert 0 < len(cleaned) <= LIMITS[field]
    multiline = field in MULTILINE
    assert all(unicodedata.category(c) != "Cc" or (multiline and c == "\n") for c in cleaned)
    assert clean_text(field, cleaned) == cleaned


# ------------------------------------------------------------------------------------------------
# clean_url
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.state.gov/briefings/", "https://www.state.gov/briefings/"),
        ("http://defense.gov", "http://defense.gov"),
        ("  https://x.org/a  ", "https://x.org/a"),
        ("HTTPS://X.ORG/Case", "HTTPS://X.ORG/Case"),
        ("https://x.org/wiki/A_(b)", "https://x.org/wiki/A_(b)"),
        ("https://x.org:8443/p?q=1&r=2#part", "https://x.org:8443/p?q=1&r=2#part"),
        ("http://localhost:8080/x", "http://localhost:8080/x"),
        ("https://例え.jp/ページ", "https://例え.jp/ページ"),
        ("https://x.org/a\x00b", "https://x.org/ab"),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_clean_url_accepts_plain_web_addresses(value: str | None, expected: str | None) -> None:
    assert clean_url(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "ftp://example.org/file",
        "javascript:alert(1)",
        "javascript://x.org/%0aalert(1)",
        "mailto:press@state.gov",
        "data:text/html,<b>hi</b>",
        "https://",
        "http:///path/only",
        "www.state.gov/briefing",
        "https://www.state.gov/a briefing",
        "https://x.org)[y](https://evil.example",
        "[label](https://x.org)",
        "<https://x.org>",
        'https://x.org/"quoted"',
        "https://x.org/`code`",
        "https://x.org/{a}|b^",
        "https://user:pw@state.gov/",
        "https://user@state.gov/",
        "https://x.org:99999/",
        "https://x.org:port/",
        "https://[::1]/",
        "https://intranet/page",
    ],
)
def test_clean_url_refuses_anything_but_a_plain_http_address(value: str) -> None:
    with pytest.raises(InvalidInput, match="`url` is not valid"):
        clean_url(value)


def test_clean_url_refuses_an_address_over_its_maximum() -> None:
    at_limit = "https://x.org/" + "a" * (LIMITS["url"] - len("https://x.org/"))
    assert clean_url(at_limit) == at_limit
    with pytest.raises(InvalidInput, match="the maximum is 500"):
        clean_url(at_limit + "a")


# ------------------------------------------------------------------------------------------------
# clean_slug
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("atacms", "atacms"),
        ("ab", "ab"),
        ("f16-jets", "f16-jets"),
        ("2024", "2024"),
        ("a" * 32, "a" * 32),
        ("  atacms\n", "atacms"),
        ("ata\x00cms", "atacms"),
        ("f16\u202e", "f16"),
    ],
)
def test_clean_slug_accepts_the_slug_rules(value: str, expected: str) -> None:
    assert clean_slug(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", "a", "a" * 33, "ATACMS", "f16_jets", "f16 jets", "-f16", "f16-", "f16!", "ünï", "#atacms", "a/b"],
)
def test_clean_slug_refuses_anything_else_with_the_rule(value: str) -> None:
    with pytest.raises(InvalidInput, match="A slug is 2 to 32 characters of lowercase letters, digits and hyphens"):
        clean_slug(value)


# ------------------------------------------------------------------------------------------------
# clean_aliases
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, []),
        ("", []),
        (" , ,, ", []),
        ("F-16, Fighting Falcon", ["F-16", "Fighting Falcon"]),
        ("F-16, f-16 ,F-16", ["F-16"]),
        ("one,\ttwo\x00", ["one", "two"]),
        (",".join(f"a{i}" for i in range(MAX_ALIASES)), [f"a{i}" for i in range(MAX_ALIASES)]),
        ("x" * LIMITS["alias"], ["x" * LIMITS["alias"]]),
    ],
)
def test_clean_aliases_splits_trims_and_deduplicates(value: str | None, expected: list[str]) -> None:
    assert clean_aliases(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (",".join(f"a{i}" for i in range(MAX_ALIASES + 1)), "at most 10 aliases"),
        ("ok, " + "x" * (LIMITS["alias"] + 1), "Each alias can be at most 100 characters"),
        (", ".join("y" * 90 for _ in range(7)), "`aliases` is 642 characters; the maximum is 600"),
        ("jets, @here", "contains mention syntax"),
    ],
)
def test_clean_aliases_refuses_too_many_too_long_or_mentions(value: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        clean_aliases(value)


# ------------------------------------------------------------------------------------------------
# parse_entry_ref
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [("#42", 42), ("42", 42), (" #7 ", 7), ("##5", 5), ("0042", 42), ("#" + "9" * 18, int("9" * 18))],
)
def test_parse_entry_ref_reads_ids_with_or_without_hash(value: str, expected: int) -> None:
    assert parse_entry_ref(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", "#", "abc", "#-1", "4 2", "42.0", "0x2A", "²", "\u0664\u0662", "４２", "9" * 19, "#42abc"],
)
def test_parse_entry_ref_refuses_anything_but_ascii_digits(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_entry_ref(value)
    assert refused.value.message == f"`{value[:30]}` is not an entry id. Entry ids look like `#123`."


@given(st.text(alphabet=st.sampled_from(list("ab Z9.,'\n@<>_\\~|*`#-[]():/shtp")), max_size=40) | st.text(max_size=40))
def test_inline_fast_path_escapes_exactly_like_the_full_escape(text: str) -> None:
    assert inline(text) == discord.utils.escape_markdown(defang(text), as_needed=False)


# ------------------------------------------------------------------------------------------------
# normalise_lookup (how typed topic names and speakers are matched)
# ------------------------------------------------------------------------------------------------
@given(st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=40))
def test_lookups_drop_control_characters_and_fold_case_and_space(typed: str) -> None:
    kept = "".join(c for c in typed if c.isspace() or unicodedata.category(c) != "Cc")
    assert normalise_lookup(typed) == " ".join(kept.casefold().split())


def test_lookups_keep_no_control_character() -> None:
    assert normalise_lookup("\x00AT\x7fACMS\x9f \t\x1c Deal\u0085") == "atacms deal"
