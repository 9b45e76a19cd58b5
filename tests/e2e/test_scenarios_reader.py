"""End-to-end: every reader command, answered by the real bot process through the stand-in.

Guild A tracks the seeded ATACMS story (3 statements: Kirby, Sep 2023; Miller, 11 Sep 2023;
Zelensky, 2023). Readers are members without any role (READER_USER).
"""

from __future__ import annotations

import pytest

from tests.e2e.botproc import LiveDesk, buttons, module_desk
from tests.e2e.standin import GUILD_A, GUILD_B, READER_USER

pytestmark = pytest.mark.asyncio(loop_scope="module")

desk = module_desk("reader")


def in_order(text: str, *needles: str) -> bool:
    positions = [text.find(n) for n in needles]
    return -1 not in positions and positions == sorted(positions)


async def test_status_card_cites_the_latest_statement(desk: LiveDesk) -> None:
    async with desk.scenario():
        card = await desk.slash("status", {"topic": "atacms"}, user=READER_USER)
        assert card.callback_type == 4 and not card.ephemeral
        assert "ATACMS long-range missiles for Ukraine" in card.text
        assert "Under review" in card.text
        assert "John Kirby" in card.text and "National Security Council" in card.text
        assert set(buttons(card.message)) == {"Latest statements", "Chronology"}

        # The card's buttons answer the clicking reader privately instead of spamming the channel.
        opened = await desk.click(card.message, "Latest statements", user=READER_USER)
        assert opened.callback_type == 4 and opened.ephemeral
        assert opened.message["id"] != card.message["id"]
        assert in_order(opened.text, "John Kirby", "Matthew Miller", "Volodymyr Zelensky")
        chronology = await desk.click(card.message, "Chronology", user=READER_USER)
        assert chronology.ephemeral and "Chronology: ATACMS" in chronology.text

        # An alias finds the story too; history:true adds the status history embed.
        history = await desk.slash("status", {"topic": "long-range missiles for ukraine", "history": True})
        assert len(history.message["embeds"]) == 2 and "Under review" in history.text


async def test_latest_lists_statements_newest_first_and_pages(desk: LiveDesk) -> None:
    async with desk.scenario():
        latest = await desk.slash("latest", {"topic": "atacms"}, user=READER_USER)
        assert latest.callback_type == 4 and not latest.ephemeral
        assert in_order(latest.text, "John Kirby", "Matthew Miller", "Volodymyr Zelensky")
        assert "11 Sep 2023" in latest.text and "Source: News report, Sep 2023, citing an interview" in latest.text

        only_miller = await desk.slash("latest", {"topic": "atacms", "speaker": "miller"}, user=READER_USER)
        assert "Matthew Miller" in only_miller.text and "John Kirby" not in only_miller.text

        paged = await desk.slash("latest", {"topic": "atacms", "count": 1}, user=READER_USER)
        assert "page 1 of 4" in paged.text and "John Kirby" in paged.text
        page2 = await desk.click(paged.message, "Next", user=READER_USER)
        # A page turn edits the same message in place (UPDATE_MESSAGE), it does not post a new one.
        assert page2.callback_type == 7 and page2.message["id"] == paged.message["id"]
        assert "page 2 of 4" in page2.text and "Matthew Miller" in page2.text
        back = await desk.click(page2.message, "Previous", user=READER_USER)
        assert "page 1 of 4" in back.text and "John Kirby" in back.text


async def test_chronology_oldest_first_with_date_filters(desk: LiveDesk) -> None:
    async with desk.scenario():
        chronology = await desk.slash("chronology", {"topic": "atacms"}, user=READER_USER)
        assert chronology.callback_type == 4 and not chronology.ephemeral
        assert in_order(chronology.text, "Volodymyr Zelensky", "Matthew Miller", "Under review")
        assert "Window Kyiv hoped for" in chronology.text

        empty = await desk.slash("chronology", {"topic": "atacms", "since": "2024"}, user=READER_USER)
        assert "Nothing logged in this period" in empty.text

        refused = await desk.slash("chronology", {"topic": "atacms", "since": "03/04/2023"}, user=READER_USER)
        assert refused.ephemeral and "03/04/2023" in refused.text


async def test_topics_lists_the_newsroom_stories(desk: LiveDesk) -> None:
    async with desk.scenario():
        topics = await desk.slash("topics", user=READER_USER)
        assert topics.callback_type == 4 and not topics.ephemeral
        assert "Newsroom A" in topics.text and "`atacms`" in topics.text and "Under review" in topics.text


async def test_topic_autocomplete_matches_slug_title_and_alias(desk: LiveDesk) -> None:
    async with desk.scenario():
        for typed in ("ata", "Long-range", "army tactical"):
            turn = await desk.autocomplete("status", {"topic": typed}, "topic", user=READER_USER)
            assert turn.callback_type == 8
            assert [c["value"] for c in turn.choices] == ["atacms"], typed
        for command in ("latest", "chronology"):
            turn = await desk.autocomplete(command, {"topic": ""}, "topic", user=READER_USER)
            assert [c["value"] for c in turn.choices] == ["atacms"]
        nothing = await desk.autocomplete("status", {"topic": "zzz"}, "topic", user=READER_USER)
        assert nothing.choices == []


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("status", {"topic": "atacms"}),
        ("latest", {"topic": "atacms"}),
        ("chronology", {"topic": "atacms"}),
        ("topics", {}),
    ],
)
async def test_private_option_answers_ephemerally(desk: LiveDesk, command: str, options: dict[str, object]) -> None:
    async with desk.scenario():
        public = await desk.slash(command, options, user=READER_USER)
        private = await desk.slash(command, {**options, "private": True}, user=READER_USER)
        assert public.message["flags"] & 64 == 0
        assert private.callback_type == 4 and private.message["flags"] & 64 == 64
        # Same answer, only its visibility differs.
        assert private.message["embeds"] == public.message["embeds"]


async def test_newsrooms_do_not_see_each_other(desk: LiveDesk) -> None:
    async with desk.scenario():
        missing = await desk.slash("status", {"topic": "atacms"}, user=READER_USER, guild=GUILD_B)
        assert missing.ephemeral and "No topic matches `atacms`" in missing.text
        suggestions = await desk.autocomplete("status", {"topic": "ata"}, "topic", user=READER_USER, guild=GUILD_B)
        assert suggestions.choices == []
        topics = await desk.slash("topics", user=READER_USER, guild=GUILD_B)
        assert "atacms" not in topics.text
        # Guild A is unaffected.
        assert "atacms" in (await desk.slash("topics", user=READER_USER, guild=GUILD_A)).text
