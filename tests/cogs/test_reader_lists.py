from __future__ import annotations

import datetime as dt

from sqlmodel import select

from bot.core.drafts import EntryDraft
from bot.core.fuzzydate import FuzzyDate
from bot.core.vocabulary import EntryKind
from db.engine import Database
from db.models import Topic
from db.writes import add_entry
from tests.harness import GUILD_A_ID, GUILD_B_ID
from tests.newsroom import Desk, FakeClock, running_desk, text_of


async def test_latest_lists_the_spokesman_and_the_coordinator_newest_first(desk: Desk) -> None:
    reply = await desk.harness.slash("latest", {"topic": "atacms"}, user=desk.harness.reader)
    assert not reply.ephemeral
    descriptions = [e["description"] for e in reply.embeds]
    assert "John Kirby" in descriptions[0] and "Interview with a British newspaper" in descriptions[0]
    assert "Matthew Miller" in descriptions[1] and "11 Sep 2023" in descriptions[1]
    assert "Spokesman" in descriptions[1] and "U.S. Department of State disclosures" in descriptions[1]
    # Both dated only "2023": the one logged later comes first.
    assert "A former Ukrainian military fighter (not named)" in descriptions[2]
    assert "Volodymyr Zelensky" in descriptions[3]
    assert reply.embeds[-1]["footer"]["text"].endswith("4 statements · newest first")


async def test_latest_filters_by_speaker_and_count(desk: Desk) -> None:
    reply = await desk.harness.slash("latest", {"topic": "atacms", "speaker": "miller"})
    assert len(reply.embeds) == 1 and "Matthew Miller" in reply.embeds[0]["description"]
    reply = await desk.harness.slash("latest", {"topic": "atacms", "count": 1})
    assert len(reply.embeds) == 1 and "page 1 of 4" in reply.embeds[0]["footer"]["text"]
    none = await desk.harness.slash("latest", {"topic": "atacms", "speaker": "nobody"})
    assert "No statements" in none.embeds[0]["description"]


async def test_chronology_is_in_date_order_and_shows_autumn_2023(desk: Desk) -> None:
    reply = await desk.harness.slash("chronology", {"topic": "atacms"})
    text = reply.embeds[0]["description"]
    order = [text.index(mark) for mark in ("**2023**", "**11 Sep 2023**", "**Sep 2023**", "**autumn 2023**")]
    assert order == sorted(order)
    assert "Window Kyiv hoped for" in text
    assert "7 entries · oldest first" in reply.embeds[0]["footer"]["text"]


async def test_chronology_since_until_filter_on_overlap(desk: Desk) -> None:
    reply = await desk.harness.slash("chronology", {"topic": "atacms", "since": "Oct 2023"})
    text = reply.embeds[0]["description"]
    # Only entries whose bounds reach into October: autumn 2023 and the year-precise statement.
    assert "autumn 2023" in text and "**2023**" in text and "11 Sep 2023" not in text
    reply = await desk.harness.slash("chronology", {"topic": "atacms", "since": "2023-09-10", "until": "2023-09-12"})
    assert "11 Sep 2023" in reply.embeds[0]["description"]


async def test_chronology_rejects_a_bad_date_with_accepted_forms(desk: Desk) -> None:
    reply = await desk.harness.slash("chronology", {"topic": "atacms", "since": "03/04/2023"})
    assert reply.ephemeral and "Use one of" in text_of(reply) and not reply.embeds
    reply = await desk.harness.slash("chronology", {"topic": "atacms", "since": "2024", "until": "2023"})
    assert reply.ephemeral and "after" in text_of(reply)


async def test_topics_lists_the_newsroom_with_status(desk: Desk) -> None:
    reply = await desk.harness.slash("topics", {})
    assert "`atacms`" in reply.embeds[0]["description"] and "Under review" in reply.embeds[0]["description"]
    other = await desk.harness.slash("topics", {}, guild=GUILD_B_ID, user=desk.harness.other_guild_user)
    assert "No topics yet" in other.embeds[0]["description"]


async def test_topic_autocomplete_matches_slug_title_alias_and_caps_at_25(desk: Desk) -> None:
    async with desk.database.write() as session:
        for n in range(30):
            session.add(
                Topic(
                    newsroom_id=GUILD_A_ID,
                    slug=f"story-{n:02d}",
                    title=f"Story {n}",
                    search_text=f"story-{n:02d}\nstory {n}",
                )
            )
        session.add(
            Topic(
                newsroom_id=GUILD_A_ID, slug="gone", title="Archived story", search_text="gone\narchived", archived=True
            )
        )
    assert [c["value"] for c in await desk.harness.autocomplete("status", "topic", "ATA")] == ["atacms"]
    by_alias = await desk.harness.autocomplete("status", "topic", "tactical missile")
    assert [c["value"] for c in by_alias] == ["atacms"]
    many = await desk.harness.autocomplete("latest", "topic", "story")
    assert len(many) == 25 and all(len(c["name"]) <= 100 for c in many)
    assert await desk.harness.autocomplete("chronology", "topic", "archived") == []
    other = await desk.harness.autocomplete(
        "status", "topic", "ata", guild=GUILD_B_ID, user=desk.harness.other_guild_user
    )
    assert other == []


async def _add_events(database: Database, count: int) -> None:
    async with database.write() as session:
        topic = (await session.execute(select(Topic).where(Topic.slug == "atacms"))).scalars().one()
        for n in range(count):
            draft = EntryDraft(
                kind=EntryKind.EVENT,
                date=FuzzyDate.exact(dt.date(2024, 1, 1) + dt.timedelta(days=n)),
                headline=f"Event number {n}",
                source_name="Desk",
            )
            await add_entry(session, topic=topic, draft=draft, actor_id=1, interaction_id=None)


async def test_chronology_pages_work_after_a_restart(database: Database) -> None:
    from tests.newsroom import prepare_newsrooms

    await prepare_newsrooms(database)
    await _add_events(database, 25)  # 31 entries: 4 pages of 10
    clock = FakeClock()
    async with running_desk(database, clock) as first:
        page1 = await first.harness.slash("chronology", {"topic": "atacms"})
        assert "page 1 of 4" in page1.embeds[0]["footer"]["text"]
        next_button = page1.components[0]["components"][2]
        assert next_button["label"] == "Next" and not next_button.get("disabled")
    # A new bot process: the button's state lives in its custom_id, not in memory.
    async with running_desk(database, clock) as second:
        page2 = await second.harness.click(next_button["custom_id"], message=page1.final, user=second.harness.reader)
        assert page2.response_type == 7  # the message is updated in place
        assert "page 2 of 4" in page2.embeds[0]["footer"]["text"]
        assert "Event number 4" in page2.embeds[0]["description"]
        last = page2.components[0]["components"][2]["custom_id"]
        page3 = await second.harness.click(last, message=page2.final)
        assert "page 3 of 4" in page3.embeds[0]["footer"]["text"]


async def test_latest_pages_work_after_a_restart(database: Database) -> None:
    from tests.newsroom import prepare_newsrooms

    await prepare_newsrooms(database)
    clock = FakeClock()
    async with running_desk(database, clock) as first:
        page1 = await first.harness.slash("latest", {"topic": "atacms", "count": 2})
        button = page1.components[0]["components"][2]["custom_id"]
    async with running_desk(database, clock) as second:
        page2 = await second.harness.click(button, message=page1.final)
        assert "page 2 of 2" in page2.embeds[-1]["footer"]["text"]
        assert "Volodymyr Zelensky" in page2.embeds[1]["description"]
