"""Counts read as a person writes them: "1 topic", "2 topics", "1 entry"."""

from __future__ import annotations

import pytest

from bot.render import entries as reader
from bot.render.text import plural
from bot.services.reader import StatusNow, TopicRow
from db.models import TopicRead


@pytest.mark.parametrize(
    ("count", "word", "expected"),
    [(0, "topic", "0 topics"), (1, "topic", "1 topic"), (2, "entry", "2 entries"), (1, "entry", "1 entry"),
     (1, "more field", "1 more field"), (3, "statement", "3 statements")],
)  # fmt: skip
def test_plural(count: int, word: str, expected: str) -> None:
    assert plural(count, word) == expected


def test_a_newsroom_with_one_topic_says_one_topic() -> None:
    topic = TopicRead(id=1, newsroom_id=1, slug="atacms", title="ATACMS")
    embed, view = reader.topics_page([TopicRow(topic, StatusNow())], total=1, page=0, per_page=15, guild_name="Desk")
    assert embed.footer.text == "page 1 of 1 · 1 topic · /status <topic> for details" and view is None
    embed, _ = reader.chronology_page(topic, [], total=1, page=0, per_page=10, since=None, until=None, timezone="UTC")
    assert "· 1 entry ·" in (embed.footer.text or "")
