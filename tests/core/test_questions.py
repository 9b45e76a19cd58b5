"""The question reader alone: intents, names, dates and the footnote, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.errors import InvalidInput
from bot.core.question_names import SpeakerName, TopicName, correct_words
from bot.core.questions import Intent, Reading, WhenTarget, clean_question, find_since, read_question

TOPICS = (
    TopicName("atacms", ("atacms", "ATACMS long-range missiles for Ukraine", "army tactical missile system")),
    TopicName("f16-jets", ("f16-jets", "F-16 jets for Ukraine", "f-16", "fighter jets")),
    TopicName("leopard-tanks", ("leopard-tanks", "Leopard tanks for Ukraine")),
    TopicName("abrams-tanks", ("abrams-tanks", "Abrams tanks for Ukraine")),
)
SPEAKERS = (
    SpeakerName("John Kirby"),
    SpeakerName("U.S. Department of State", whole=True),
    SpeakerName("Secretary of Defense", whole=True),
)
TODAY = dt.date(2024, 9, 1)


def read(question: str) -> Reading:
    return read_question(question, topics=TOPICS, speakers=SPEAKERS, today=TODAY)


@pytest.mark.parametrize(
    ("question", "intent", "topic", "speaker"),
    [
        ("Has ATACMS been approved?", Intent.DECIDED, "atacms", None),
        ("Have the F-16s been delivered?", Intent.DELIVERED, "f16-jets", None),
        ("what did kirby say about atacms", Intent.SPEAKER, "atacms", "John Kirby"),
        ("What has the State Department said?", Intent.SPEAKER, None, "U.S. Department of State"),
        ("What did the secretary of defense say?", Intent.SPEAKER, None, "Secretary of Defense"),
        ("Any update on long-range missiles for Ukraine?", Intent.STATUS, "atacms", None),
        ("What is the range of ATACMS?", Intent.BACKGROUND, "atacms", None),
        ("leopard tanks", Intent.STATUS, "leopard-tanks", None),
        ("status of the tanks", Intent.STATUS, None, None),  # two stories have tanks: neither is named
        ("status of atcms", Intent.STATUS, "atacms", None),
        ("What happens after the summit on atacms?", Intent.EXPECTED, "atacms", None),
        ("atacms timeline", Intent.TIMELINE, "atacms", None),
    ],
)
def test_intents_and_names(question: str, intent: Intent, topic: str | None, speaker: str | None) -> None:
    reading = read(question)
    assert reading.intent is intent
    assert (reading.topic.value if reading.topic else None) == topic
    assert (reading.speaker.value if reading.speaker else None) == speaker


def test_when_reads_what_it_asks_about() -> None:
    assert read("When was ATACMS approved?").when is WhenTarget.DECISION
    assert read("When will F-16s arrive?").when is WhenTarget.DELIVERY
    call = read("When is the Zelensky-Biden call on atacms?")
    assert call.when is WhenTarget.EVENT and call.words == ("zelensky", "biden", "call")


def test_since_reads_the_longest_date_and_never_a_future_one() -> None:
    found = find_since("what changed since 1 Sep 2023?", today=TODAY)
    assert found is not None and found[1] == "1 Sep 2023" and found[0].earliest == dt.date(2023, 9, 1)
    assert find_since("what changed since 2031?", today=TODAY) is None
    reading = read("What changed on atacms since autumn 2023")
    assert reading.intent is Intent.SINCE and reading.since is not None and reading.since.render() == "autumn 2023"


def test_the_footnote_says_how_it_was_read() -> None:
    assert read("status of atcms").explain() == (
        'Read as: current status (from "status") · story atacms (closest to "atcms")'
    )
    assert "no story named" in read("hello").explain()
    assert "(no cue words: the story's status)" in read("atacms").explain()


def test_questions_are_cleaned_or_refused() -> None:
    assert clean_question("  Has\x00 ATACMS\n been approved? ") == "Has ATACMS been approved?"
    for bad in ("", "\x00\x07", "@everyone status", "<@123> hi", "x" * 301):
        with pytest.raises(InvalidInput):
            clean_question(bad)


def test_typed_words_are_corrected_to_stored_spellings_only_when_close() -> None:
    vocabulary = ["john", "kirby", "national", "security", "council"]
    assert correct_words(["kirbey"], vocabulary) == ["kirby"]
    assert correct_words(["kirby"], vocabulary) is None  # nothing to correct
    assert correct_words(["pentagon"], vocabulary) is None


def test_a_hyphenated_story_name_leaves_none_of_its_words_to_ask_about() -> None:
    # The words a question asks about are split at hyphens; so is the story's name it is read as.
    reading = read("Who said what about leopard-tanks?")
    assert reading.topic is not None and reading.topic.value == "leopard-tanks"
    assert reading.words == ()
    assert read("When is the next summit on leopard-tanks expected?").words == ("summit",)
