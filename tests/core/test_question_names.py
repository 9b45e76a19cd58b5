"""The story a question names, from its words: the longest name written out wins (between names of one
length, the first story's), hyphens read both ways, and a story's names changing is seen at once."""

from __future__ import annotations

from bot.core.question_names import TopicName, find_topic

TOPICS = [
    TopicName("patriot", ("patriot", "Patriot air defence")),
    TopicName("patriot-germany", ("patriot-germany", "Patriot batteries from Germany")),
    TopicName("f16-jets", ("f16-jets", "F-16 jets", "fighter jets")),
    TopicName("jets-b", ("jets-b", "Fighter jets")),
]


def test_the_longest_name_written_out_names_the_story() -> None:
    found = find_topic("Have the Patriot batteries from Germany arrived?", TOPICS)
    assert found is not None and found.value == "patriot-germany"
    found = find_topic("Is Patriot air defence approved?", TOPICS)
    assert found is not None and (found.value, found.typed) == ("patriot", "patriot air defence")


def test_names_of_one_length_go_to_the_first_story_holding_them() -> None:
    found = find_topic("What about the fighter jets?", TOPICS)
    assert found is not None and found.value == "f16-jets"
    found = find_topic("What about the fighter jets?", list(reversed(TOPICS)))
    assert found is not None and found.value == "jets-b"


def test_hyphens_are_read_both_ways_and_renamed_stories_are_seen_at_once() -> None:
    found = find_topic("Any news on patriot germany?", TOPICS)
    assert found is not None and found.value == "patriot-germany"
    renamed = [TopicName("patriot", ("patriot", "Missile shield")), *TOPICS[1:]]
    found = find_topic("Is the missile shield ready?", renamed)
    assert found is not None and found.value == "patriot"
    assert find_topic("Is the missile shield ready?", TOPICS) is None
