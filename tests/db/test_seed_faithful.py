"""The ATACMS seed holds to its source, the news report kept next to it: nothing it does not say, every
fact naming the report, quotes word for word, and what the report stresses present."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from typing import Any

import pytest

from bot.core.expected import UNDATED
from db.seeds import SEED_DIR, SeedStory, available_seeds, load_seed_file, parse_seed
from db.writes import entry_values

REPORT = (SEED_DIR / "sources" / "atacms-report.txt").read_text(encoding="utf-8")
# How every seeded fact names its source: the report, by what it is and when.
REPORT_NAME = "News report, Sep 2023"
# Claims an earlier version of the seed made that the report does not support.
UNSUPPORTED = ("ballistic", "already operates", "repeatedly", "briefings", "pentagon", "asked")


def _words(text: str) -> str:
    """Text compared as words: case, curly quotes and spacing aside."""
    return " ".join(text.replace("’", "'").lower().split())


def problems(story: SeedStory, raw: dict[str, Any]) -> list[str]:
    """What in a seed its report does not bear out; empty for a faithful seed."""
    found: list[str] = []
    report = _words(REPORT)
    seed_text = _seed_text(raw)
    for word in UNSUPPORTED:
        if re.search(rf"\b{re.escape(word)}", seed_text):
            found.append(f"unsupported: {word!r}")
    sources = [str(fact.get("source", "")) for fact in story.topic.background]
    sources += [item.draft.source_name for item in story.entries]
    found += [f"source does not name the report: {s!r}" for s in sources if not s.startswith(REPORT_NAME)]
    for item in story.entries:
        draft = item.draft
        if draft.statement_kind == "quote" and _words(draft.text or "") not in report:
            found.append(f"quote not in the report: {item.key}")
    return found


def _seed() -> tuple[SeedStory, dict[str, Any]]:
    path = available_seeds()["atacms"]
    return load_seed_file(path), tomllib.loads(path.read_text(encoding="utf-8"))


def _seed_text(raw: dict[str, Any]) -> str:
    texts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for inner in value.values():  # pyright: ignore[reportUnknownVariableType]
                walk(inner)
        elif isinstance(value, list):
            for inner in value:  # pyright: ignore[reportUnknownVariableType]
                walk(inner)

    walk(raw)
    return _words("\n".join(texts))


def test_the_seed_says_nothing_its_report_does_not_and_names_it_everywhere() -> None:
    story, raw = _seed()
    assert problems(story, raw) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"text": "The missiles are ballistic.", "statement_kind": "quote"}, "quote not in the report"),
        ({"source_name": "White House NSC briefings"}, "source does not name the report"),
    ],
)
def test_the_check_catches_an_unfaithful_seed(change: dict[str, str], problem: str) -> None:
    story, raw = _seed()
    first = story.entries[1]
    changed = dataclasses.replace(first, draft=dataclasses.replace(first.draft, **change))
    story = dataclasses.replace(story, entries=[changed, *story.entries[2:]])
    assert any(p.startswith(problem) for p in problems(story, raw))


def test_an_embellishment_is_caught() -> None:
    story, raw = _seed()
    raw["topic"]["summary"] += " Kyiv has asked for the missiles repeatedly."
    assert "unsupported: 'repeatedly'" in problems(story, raw)


def test_the_anticipated_conversation_is_expected_and_undated() -> None:
    story, _ = _seed()
    call = next(item for item in story.entries if item.key == "atacms-expected-call")
    assert call.draft.expected == "anticipated" and not call.draft.date_announced
    row = entry_values(newsroom_id=1, topic_id=1, draft=call.draft, actor_id=0, interaction_id=None)
    assert row["date_precision"] == UNDATED
    assert "anticipated conversation between" in _words(REPORT)


def test_what_the_report_stresses_is_in_the_seed() -> None:
    story, raw = _seed()
    text = _seed_text(raw)
    # No pledge, no timeline, no binding commitment.
    for phrase in ("officials have avoided pledges or timelines", "no binding commitment has been announced"):
        assert phrase in text and phrase in _words(REPORT)
    # The former fighter's warning: a statement by a speaker described, not named.
    fighter = next(item.draft for item in story.entries if item.key == "atacms-fighter-warning")
    assert fighter.speaker is not None and "not named" in fighter.speaker
    assert _words(fighter.text or "").rstrip(".") in _words(REPORT)
    # Kirby's remarks: his interview with a British newspaper, as the report says, not NSC briefings.
    kirby = next(item.draft for item in story.entries if item.key == "atacms-kirby-interview")
    assert kirby.source_name == f"{REPORT_NAME}, citing an interview with a British newspaper"


def test_a_seed_file_with_an_undated_entry_that_is_not_expected_is_refused() -> None:
    _, raw = _seed()
    call = next(item for item in raw["entries"] if item["key"] == "atacms-expected-call")
    del call["expected"]
    with pytest.raises(ValueError, match="only an expected entry can be logged without a date"):
        parse_seed("atacms", raw)
