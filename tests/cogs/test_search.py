"""/search through discord.py's real dispatch: hits, filters, pages, isolation, hostile input, and an index
that follows every logging, correction, retraction, restore and undo."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import select

from bot.core.drafts import EntryDraft
from bot.core.fuzzydate import FuzzyDate
from bot.core.vocabulary import EntryKind
from db.engine import Database
from db.models import Newsroom, Topic
from db.writes import add_entry
from tests.cogs.log_support import buttons, embed_text
from tests.harness import GUILD_B_ID, Reply
from tests.newsroom import Desk

HIT_ID = re.compile(r"`#(\d+)`")


def hit_ids(reply: Reply) -> list[int]:
    assert reply.embeds, f"no results embed in {reply!r}"
    return [int(n) for n in HIT_ID.findall(reply.embeds[0].get("description", ""))]


async def add_events(database: Database, headlines: list[str], *, guild_id: int | None = None) -> None:
    """Events dated a day apart, oldest first, in the ATACMS topic (or a topic of their own in another guild)."""
    async with database.write() as session:
        if guild_id is None:
            topic = (await session.execute(select(Topic).where(Topic.slug == "atacms"))).scalars().one()
        else:
            assert await session.get(Newsroom, guild_id) is not None
            topic = Topic(newsroom_id=guild_id, slug="other", title="Other story", search_text="other")
            session.add(topic)
            await session.flush()
        for n, headline in enumerate(headlines):
            draft = EntryDraft(
                kind=EntryKind.EVENT,
                date=FuzzyDate.exact(dt.date(2024, 1, 1) + dt.timedelta(days=n)),
                headline=headline,
                source_name="Desk wire",
            )
            await add_entry(session, topic=topic, draft=draft, actor_id=1, interaction_id=None)


async def test_search_shows_topic_kind_date_snippet_in_bold_source_and_id(desk: Desk) -> None:
    reply = await desk.harness.slash("search", {"query": "Kirby"}, user=desk.harness.reader)
    assert not reply.ephemeral and len(hit_ids(reply)) == 1
    text = reply.embeds[0]["description"]
    assert "Statement · ATACMS" in text and "(`atacms`)" in text and "Sep 2023" in text
    assert "**Kirby**" in text and "Source: News report" in text
    assert reply.embeds[0]["footer"]["text"].startswith("page 1 of 1 · 1 hit · best first\nquery: Kirby")
    private = await desk.harness.slash("search", {"query": "Kirby", "private": True})
    assert private.ephemeral and hit_ids(private) == hit_ids(reply)


async def test_a_snippet_separates_the_fields_it_spans(desk: Desk) -> None:
    async with desk.database.write() as session:
        topic = (await session.execute(select(Topic).where(Topic.slug == "atacms"))).scalars().one()
        draft = EntryDraft(
            kind=EntryKind.EVENT,
            date=FuzzyDate.exact(dt.date(2024, 1, 1)),
            headline="Convoy reached the border",
            details="Officials confirmed the arrival",
            source_name="Desk wire",
        )
        await add_entry(session, topic=topic, draft=draft, actor_id=1, interaction_id=None)
    reply = await desk.harness.slash("search", {"query": "convoy"})
    text = reply.embeds[0]["description"]
    assert "**Convoy** reached the border · Officials confirmed the arrival" in text, text
    assert "> ·" not in text and "· ·" not in text


async def test_summaries_and_background_facts_are_found_without_an_entry_id(desk: Desk) -> None:
    reply = await desk.harness.slash("search", {"query": "kilometers", "kind": "fact"})
    text = reply.embeds[0]["description"]
    assert "Background fact" in text and "**kilometers**" in text and hit_ids(reply) == []
    summary = await desk.harness.slash("search", {"query": "Washington", "kind": "summary"})
    assert "Summary · ATACMS" in summary.embeds[0]["description"]


async def test_filters_by_speaker_kind_topic_and_dates(desk: Desk) -> None:
    h = desk.harness
    everything = hit_ids(await h.slash("search", {"query": "ATACMS", "kind": "statement"}))
    by_miller = hit_ids(await h.slash("search", {"query": "ATACMS", "speaker": "State Department"}))
    assert len(by_miller) == 1 and by_miller[0] in everything
    events = await h.slash("search", {"query": "ATACMS", "kind": "event"})
    assert "Event ·" in events.embeds[0]["description"] and "Statement ·" not in events.embeds[0]["description"]
    in_topic = hit_ids(await h.slash("search", {"query": "ATACMS", "topic": "atacms", "kind": "statement"}))
    assert in_topic == everything
    dated = hit_ids(
        await h.slash("search", {"query": "ATACMS", "kind": "statement", "since": "2023-09-10", "until": "2023-09-12"})
    )
    assert by_miller[0] in dated
    later = await h.slash("search", {"query": "ATACMS", "kind": "statement", "since": "2024"})
    assert hit_ids(later) == [] and "Nothing matches" in later.embeds[0]["description"]
    unknown = await h.slash("search", {"query": "ATACMS", "topic": "no-such-story"})
    assert unknown.ephemeral and "No topic matches" in (unknown.content or "")
    swapped = await h.slash("search", {"query": "ATACMS", "since": "2024", "until": "2023"})
    assert swapped.ephemeral and "after" in (swapped.content or "")


async def test_equal_matches_rank_newest_first_and_page_with_buttons_that_survive_the_data(desk: Desk) -> None:
    await add_events(desk.database, [f"Patriot battery shipment {n}" for n in range(7)])
    h = desk.harness
    first = await h.slash("search", {"query": "patriot battery"})
    ids = hit_ids(first)
    assert len(ids) == 5 and ids == sorted(ids, reverse=True)  # same words, newer date first
    assert "page 1 of 2 · 7 hits" in first.embeds[0]["footer"]["text"]
    following = next(b for b in buttons(first) if b.get("label") == "Next")
    second = await h.click(following["custom_id"], message=first.final)
    assert len(hit_ids(second)) == 2 and not set(hit_ids(second)) & set(ids)
    # The data shrinks under the button: it answers with the last page that still exists, and says so.
    for entry_id in ids[:4]:
        await h.slash("entry retract", {"id": str(entry_id), "reason": "Duplicate"}, user=h.editor)
    again = await h.click(following["custom_id"], message=first.final)
    assert "fewer hits" in (again.content or "") and len(hit_ids(again)) == 3
    for entry_id in hit_ids(again):
        await h.slash("entry retract", {"id": str(entry_id), "reason": "Duplicate"}, user=h.editor)
    gone = await h.click(following["custom_id"], message=first.final)
    assert "no hits any more" in (gone.content or "") and "Nothing matches" in gone.embeds[0]["description"]
    # A page id on a message that does not carry its search is refused, as a forged one.
    forged = following["custom_id"][:-8] + "00000000"
    refused = await h.click(forged)
    assert refused.ephemeral and "out of date or invalid" in (refused.content or "")


async def test_nothing_from_another_newsroom_ever_matches(desk: Desk) -> None:
    await add_events(desk.database, ["Zebrafish export quota"], guild_id=GUILD_B_ID)
    h = desk.harness
    mine = await h.slash("search", {"query": "zebrafish"}, user=h.other_guild_user, guild=GUILD_B_ID)
    assert len(hit_ids(mine)) == 1
    for query in ("zebrafish", "zebra*", '"export quota"', f"n{GUILD_B_ID}", "zebrafish OR atacms"):
        theirs = await h.slash("search", {"query": query})
        assert "Zebrafish" not in embed_text(theirs.embeds[0])
    outside = await h.slash("search", {"query": "ATACMS"}, user=h.other_guild_user, guild=GUILD_B_ID)
    assert hit_ids(outside) == [] and "Nothing matches" in outside.embeds[0]["description"]


async def test_the_index_follows_logging_correction_retraction_restore_and_undo(desk: Desk) -> None:
    h = desk.harness
    logged = await h.slash(
        "log statement", {"topic": "atacms", "speaker": "Jane Quill", "text": "The quokka plan stands.", "source": "AP"}
    )
    entry_id = int(HIT_ID.findall(logged.content or "")[0])
    assert hit_ids(await h.slash("search", {"query": "quokka"})) == [entry_id]
    assert hit_ids(await h.slash("search", {"query": "quill", "speaker": "quill"})) == [entry_id]
    await h.slash("entry edit", {"id": str(entry_id), "field": "text", "value": "The wombat plan stands."})
    assert hit_ids(await h.slash("search", {"query": "quokka"})) == []
    assert hit_ids(await h.slash("search", {"query": "wombat"})) == [entry_id]
    await h.slash("entry retract", {"id": str(entry_id), "reason": "Wrong speaker"})
    assert hit_ids(await h.slash("search", {"query": "wombat"})) == []
    await h.slash("entry restore", {"id": str(entry_id), "reason": "Confirmed"})
    assert hit_ids(await h.slash("search", {"query": "wombat"})) == [entry_id]
    event = await h.slash("log event", {"topic": "atacms", "headline": "Platypus summit", "source": "AP"})
    assert len(hit_ids(await h.slash("search", {"query": "platypus"}))) == 1
    undo = next(b for b in buttons(event) if "undo" in b.get("custom_id", ""))
    await h.click(undo["custom_id"], message=event.final, user=h.editor)
    assert hit_ids(await h.slash("search", {"query": "platypus"})) == []
    await h.slash("topic fact add", {"topic": "atacms", "text": "Echidna clause applies", "source": "Memo"})
    fact = await h.slash("search", {"query": "echidna"})
    assert "Background fact" in fact.embeds[0]["description"] and "Source: Memo" in fact.embeds[0]["description"]


HOSTILE = [
    "NEAR(atacms kirby)",
    "atacms AND kirby",
    "^atacms",
    "body:atacms",
    "*",
    '"unbalanced atacms',
    '""',
    "-atacms",
    "atacms\x00\x07\x1b[31m",
    "@everyone atacms",
    "'; DROP TABLE entry; --",
    "atacms OR",
    "OR OR OR",
    "!atacms & | <-> :*",
    "(atacms",
    "zz* " * 30,
]


async def test_hostile_queries_give_a_result_or_a_clear_ephemeral_error(desk: Desk) -> None:
    for query in HOSTILE:
        reply = await desk.harness.slash("search", {"query": query})
        if reply.embeds:
            assert "Search:" in reply.embeds[0]["title"], query
            assert "@everyone" not in embed_text(reply.embeds[0]), query
        else:
            text = reply.content or ""
            assert reply.ephemeral and text and "Something went wrong" not in text, (query, text)
    # Past the option's limit (which Discord's client enforces), the bot still answers clearly.
    for query in ("a" * 4000, "atacms " * 40):
        long = await desk.harness.slash_forged("search", {"query": "atacms"}, {"query": query})
        assert long.ephemeral and "the maximum is 200" in (long.content or "")
    # Operators typed as words are read as words: still a sensible answer.
    assert hit_ids(await desk.harness.slash("search", {"query": "atacms AND kirby"}))
    assert hit_ids(await desk.harness.slash("search", {"query": '"unbalanced atacms'})) == []
    assert len(hit_ids(await desk.harness.slash("search", {"query": "^kirby"}))) == 1
