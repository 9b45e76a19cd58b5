"""Paged replies in dispatch tests: every page reached through its buttons, each within Discord's limits."""

from __future__ import annotations

from typing import Any

from tests.harness import DiscordHarness, Reply
from tests.hostile.messages import message_bodies, message_problems


def assert_within_limits(reply: Reply) -> None:
    bodies = message_bodies(reply)
    assert bodies, reply
    for what, body in bodies:
        assert message_problems(body) == [], what


async def every_page(h: DiscordHarness[Any], first: Reply) -> list[Reply]:
    """The first page and every page its Next button leads to, each checked against Discord's limits."""
    pages = [first]
    assert_within_limits(first)
    while first.components:
        previous, indicator, following = first.components[0]["components"]
        assert previous["label"] == "Previous" and following["label"] == "Next"
        assert indicator["label"] == f"{len(pages)}/{indicator['label'].split('/')[1]}"
        if following.get("disabled"):
            break
        first = await h.click(following["custom_id"], message=first.final, user=h.editor)
        assert first.response_type == 7  # the same message, updated in place
        assert_within_limits(first)
        pages.append(first)
    return pages


def numbered_fields(pages: list[Reply]) -> list[dict[str, Any]]:
    """Every page's fields in order, each page's footer saying its number."""
    for number, page in enumerate(pages, 1):
        assert f"page {number} of {len(pages)}" in page.embeds[0]["footer"]["text"]
    return [field for page in pages for field in page.embeds[0]["fields"]]
