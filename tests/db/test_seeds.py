from __future__ import annotations

import dataclasses
import datetime as dt

from sqlmodel import func, select, update

from db.engine import Database
from db.models import AuditRecord, Entry, Topic
from db.newsrooms import ensure_newsroom
from db.seeds import apply_seed, available_seeds, load_seed_file

GUILD = 424242


async def _seed(database: Database) -> tuple[int, int]:
    story = load_seed_file(available_seeds()["atacms"])
    async with database.write() as session:
        await ensure_newsroom(session, guild_id=GUILD, name="Desk")
        result = await apply_seed(session, newsroom_id=GUILD, story=story)
    return int(result.topic_created), result.entries_added


async def test_seeding_twice_adds_nothing_the_second_time(database: Database) -> None:
    assert await _seed(database) == (1, 6)
    assert await _seed(database) == (0, 0)
    async with database.read() as session:
        topics = (await session.execute(select(func.count()).select_from(Topic))).scalar_one()
        entries = (await session.execute(select(func.count()).select_from(Entry))).scalar_one()
        audits = (await session.execute(select(func.count()).select_from(AuditRecord))).scalar_one()
    assert (topics, entries, audits) == (1, 6, 7)


async def test_seeding_skips_an_entry_an_editor_already_logged_by_hand(database: Database) -> None:
    story = load_seed_file(available_seeds()["atacms"])
    async with database.write() as session:
        await ensure_newsroom(session, guild_id=GUILD, name="Desk")
        partial = dataclasses.replace(story, entries=story.entries[:1])
        assert (await apply_seed(session, newsroom_id=GUILD, story=partial)).entries_added == 1
        # The same facts under another seed key: what an editor typing them in would store.
        await session.execute(update(Entry).values(seed_key=None))
    assert await _seed(database) == (0, 5)
    async with database.read() as session:
        entries = (await session.execute(select(func.count()).select_from(Entry))).scalar_one()
    assert entries == 6


async def test_seed_holds_the_atacms_facts_with_sources(database: Database) -> None:
    await _seed(database)
    async with database.read() as session:
        entries = list((await session.execute(select(Entry))).scalars())
    by_speaker = {e.speaker: e for e in entries if e.kind == "statement"}
    miller = by_speaker["Matthew Miller"]
    assert (miller.date_precision, miller.date_earliest) == ("day", dt.date(2023, 9, 11))
    assert miller.speaker_org == "U.S. Department of State"
    assert by_speaker["John Kirby"].context == "Interview with a British newspaper"
    # The seed's single `status` is read as both axes, as the migration to them mapped stored ones.
    assert [(e.decision, e.delivery) for e in entries if e.kind == "status"] == [("under_review", "none_announced")]
    autumn = [e for e in entries if e.date_precision == "season"]
    assert autumn and autumn[0].date.render() == "autumn 2023"
    assert all(e.source_name for e in entries)


def test_seed_text_is_not_copied_from_the_article() -> None:
    # The seed paraphrases: no run of eight words may match the source article's wording.
    article_phrases = {
        "has not committed to delivering ATACMS",
        "with a flight range near 300 kilometers",
        "were still evaluating the matter of ATACMS assistance",
        "discussions in the United States about using long-range cruise missiles",
    }
    text = available_seeds()["atacms"].read_text(encoding="utf-8")
    for phrase in article_phrases:
        assert phrase not in text
