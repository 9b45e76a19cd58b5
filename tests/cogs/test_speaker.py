"""/speaker through discord.py's dispatch: a speaker's statements across topics, newest first, with the
role held at the time; only live ones, as corrected; paged with persistent buttons; never another
newsroom's; forgiving names and suggestions; hostile input refused."""

from __future__ import annotations

import re
from typing import Any

from tests.cogs.ask_stories import create_stories
from tests.cogs.log_support import NO_PINGS, embed_text
from tests.harness import GUILD_B_ID, Reply
from tests.newsroom import Desk, db_rows, text_of
from tests.pages import assert_within_limits, every_page


async def speaker(desk: Desk, name: str, *, b: bool = False, **options: Any) -> Reply:
    h = desk.harness
    if b:
        return await h.slash("speaker", {"name": name, **options}, user=h.other_guild_user, guild=GUILD_B_ID)
    return await h.slash("speaker", {"name": name, **options}, user=h.reader)


def text(reply: Reply) -> str:
    assert not reply.ephemeral, reply.content
    return "\n".join(embed_text(embed) for embed in reply.embeds)


def cited_ids(reply: Reply) -> list[int]:
    return [int(found) for found in re.findall(r"`#([0-9]+)`", text(reply))]


async def test_statements_across_topics_newest_first_with_the_role_held_then(desk: Desk) -> None:
    ids = await create_stories(desk)
    h = desk.harness
    options = {
        "topic": "f16-jets", "speaker": "John Kirby", "role": "Press Secretary", "organisation": "Pentagon",
        "date": "Feb 2022", "text": "We are not going to get ahead of decisions on aircraft.",
        "source": "Pentagon briefing",
    }  # fmt: skip
    logged = await h.slash("log statement", options, user=h.editor)
    assert not logged.ephemeral
    reply = await speaker(desk, "Kirby")
    assert reply.callback_data is not None and reply.callback_data.get("allowed_mentions") == NO_PINGS
    assert_within_limits(reply)
    shown = text(reply)
    newer, older = shown.split("Press Secretary")[0], shown.split("Press Secretary")[1]
    assert "Strategic Communications Coordinator, National Security Council" in newer and "Sep 2023" in newer
    assert "topic **atacms**" in newer and f"`#{ids['kirby']}`" in newer
    assert "Pentagon" in older and "Feb 2022" in older and "topic **f16-jets**" in older
    assert "Source: Pentagon briefing" in older and "2 statements" in shown and "every topic" in shown


async def test_only_live_statements_as_corrected_are_shown(desk: Desk) -> None:
    ids = await create_stories(desk)
    shown = text(await speaker(desk, "Lloyd Austin"))
    assert "has begun in Arizona" in shown and "corrected" in shown
    assert "under way" not in shown and "Christmas" not in shown and "squadrons" not in shown
    assert cited_ids(await speaker(desk, "Lloyd Austin")) == [ids["austin"]]


async def test_names_match_forgivingly_and_only_as_stored(desk: Desk) -> None:
    ids = await create_stories(desk)
    for typed in ("kirby", "JOHN KIRBY", "national security council", "Strategic"):
        assert cited_ids(await speaker(desk, typed)) == [ids["kirby"]], typed
    assert cited_ids(await speaker(desk, "State Department")) == [ids["miller"], ids["blinken"]]
    assert cited_ids(await speaker(desk, "Pentagon")) == [ids["austin"]]
    typo = await speaker(desk, "Kirbey")
    assert cited_ids(typo) == [ids["kirby"]] and "Closest to “Kirbey”" in text(typo)
    nobody = text(await speaker(desk, "Department of Defense"))
    assert "No live statements" in nobody and "#" not in nobody


async def test_a_topic_limits_it_to_one_story(desk: Desk) -> None:
    ids = await create_stories(desk)
    assert cited_ids(await speaker(desk, "Department of State", topic="f16-jets")) == [ids["blinken"]]
    assert cited_ids(await speaker(desk, "Department of State", topic="atcms")) == [ids["miller"]]
    assert "No live statements" in text(await speaker(desk, "Kirby", topic="abrams"))
    unknown = await speaker(desk, "Kirby", topic="zqxjw")
    assert unknown.ephemeral and "No topic matches" in text_of(unknown)


async def test_pages_are_reached_by_persistent_buttons(desk: Desk) -> None:
    await create_stories(desk)
    h = desk.harness
    for number in range(12):
        options = {
            "topic": ("atacms", "f16-jets", "abrams")[number % 3],
            "speaker": "Pat Official", "role": f"Deputy {number}", "organisation": "Office of Tests",
            "date": f"{number + 1} Jan 2023", "text": f"Statement number {number}.", "source": "Wire",
        }  # fmt: skip
        assert not (await h.slash("log statement", options, user=h.editor)).ephemeral
    pages = await every_page(h, await speaker(desk, "Pat Official"))
    assert len(pages) == 3
    numbers = [int(n) for page in pages for n in re.findall(r"Statement number ([0-9]+)", text(page))]
    assert numbers == list(range(11, -1, -1))
    assert "Deputy 11" in text(pages[0]) and "Deputy 0" in text(pages[-1])
    assert all("12 statements" in text(page) for page in pages)


async def test_nothing_crosses_newsrooms(desk: Desk) -> None:
    ids = await create_stories(desk)
    h = desk.harness
    for name in ("Kirby", "State Department", "Lloyd Austin"):
        shown = text(await speaker(desk, name, b=True))
        assert "No live statements" in shown and "#" not in shown, name
    assert cited_ids(await speaker(desk, "Scholz", b=True)) == [ids["scholz"]]
    assert "No live statements" in text(await speaker(desk, "Scholz"))
    # A page button naming newsroom A's topic, pressed in newsroom B, finds nothing of A's.
    atacms = (await speaker(desk, "Kirby", topic="atacms")).embeds
    assert atacms
    forged = await h.click("nd1:spk::0:kirby", user=h.other_guild_user, guild=GUILD_B_ID)
    assert "No live statements" in text(forged) and "has not committed" not in text(forged)
    choices = await h.autocomplete("speaker", "name", "", user=h.other_guild_user, guild=GUILD_B_ID)
    assert {c["value"] for c in choices} == {"Olaf Scholz", "Government of Germany"}


async def test_autocomplete_offers_names_and_organisations_at_most_25(desk: Desk) -> None:
    h = desk.harness
    choices = await h.autocomplete("speaker", "name", "state", user=h.reader)
    assert {"name": "U.S. Department of State", "value": "U.S. Department of State"} in choices
    everything = await h.autocomplete("speaker", "name", "", user=h.reader)
    assert {"John Kirby", "Matthew Miller", "National Security Council"} <= {c["value"] for c in everything}
    for number in range(30):
        options = {
            "topic": "atacms", "speaker": f"Official {number}", "organisation": f"Office {number}",
            "text": "No comment.", "source": "Reuters",
        }  # fmt: skip
        assert not (await h.slash("log statement", options, user=h.editor)).ephemeral
    choices = await h.autocomplete("speaker", "name", "", user=h.reader)
    assert len(choices) == 25 and choices[0]["value"] == "Official 29"
    for choice in (await h.autocomplete("speaker", "name", "office 1", user=h.reader))[:3]:
        assert "No live statements" not in text(await speaker(desk, choice["value"])), choice


async def test_hostile_names_are_refused_clearly_and_change_nothing(desk: Desk) -> None:
    h = desk.harness
    before = await db_rows(desk.database)
    overlong = await h.slash_forged("speaker", {"name": "x"}, {"name": "Kirby " * 800})
    assert overlong.ephemeral and "the maximum is 40" in text_of(overlong)
    for name, expected in (("@everyone", "mention syntax"), ("\x00\x01\x02", "can't be empty")):
        reply = await speaker(desk, name)
        assert reply.ephemeral and expected in text_of(reply), name
    assert "John Kirby" in text(await speaker(desk, "Kir\x00by"))
    forged = await h.click("nd1:spk:99999999999:0:kirby", user=h.reader)
    assert forged.ephemeral and "out of date or invalid" in text_of(forged)
    assert await db_rows(desk.database) == before
