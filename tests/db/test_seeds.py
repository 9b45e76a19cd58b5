from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from sqlmodel import func, select, update

from db.engine import Database
from db.models import AuditRecord, Entry, Topic
from db.newsrooms import ensure_newsroom
from db.seeds import SeedError, apply_seed, available_seeds, load_seed_file, parse_seed

GUILD = 424242


async def _seed(database: Database) -> tuple[int, int]:
    story = load_seed_file(available_seeds()["atacms"])
    async with database.write() as session:
        await ensure_newsroom(session, guild_id=GUILD, name="Desk")
        result = await apply_seed(session, newsroom_id=GUILD, story=story)
    return int(result.topic_created), result.entries_added


async def test_seeding_twice_adds_nothing_the_second_time(database: Database) -> None:
    assert await _seed(database) == (1, 7)
    assert await _seed(database) == (0, 0)
    async with database.read() as session:
        topics = (await session.execute(select(func.count()).select_from(Topic))).scalar_one()
        entries = (await session.execute(select(func.count()).select_from(Entry))).scalar_one()
        audits = (await session.execute(select(func.count()).select_from(AuditRecord))).scalar_one()
    assert (topics, entries, audits) == (1, 7, 8)


async def test_seeding_skips_an_entry_an_editor_already_logged_by_hand(database: Database) -> None:
    story = load_seed_file(available_seeds()["atacms"])
    async with database.write() as session:
        await ensure_newsroom(session, guild_id=GUILD, name="Desk")
        partial = dataclasses.replace(story, entries=story.entries[:1])
        assert (await apply_seed(session, newsroom_id=GUILD, story=partial)).entries_added == 1
        # The same facts under another seed key: what an editor typing them in would store.
        await session.execute(update(Entry).values(seed_key=None))
    assert await _seed(database) == (0, 6)
    async with database.read() as session:
        entries = (await session.execute(select(func.count()).select_from(Entry))).scalar_one()
    assert entries == 7


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
    assert autumn and autumn[0].date is not None and autumn[0].date.render() == "autumn 2023"
    assert all(e.source_name for e in entries)


def _story(entry: dict[str, str], fact: dict[str, str]) -> dict[str, object]:
    return {
        "format": 1,
        "reference_date": "2023-09-20",
        "topic": {"slug": "s", "title": "S", "background": [{"fact": "A fact.", **fact}]},
        "entries": [{"key": "k", "kind": "event", "date": "2023-09-01", "headline": "H", **entry}],
    }


def test_a_seed_needs_a_source_or_an_unsourced_reason_for_each_entry_and_fact() -> None:
    story = parse_seed("s", _story({"unsourced": "Seen by us"}, {"unsourced": "Common knowledge"}))
    assert story.entries[0].draft.unsourced_reason == "Seen by us" and story.entries[0].draft.source_name == ""
    assert story.topic.background == [{"fact": "A fact.", "source": "", "url": None, "unsourced": "Common knowledge"}]
    for entry, fact, message in [
        ({}, {"source": "AP"}, "entry k: give either a `source` or an `unsourced` reason"),
        ({"source": "AP", "unsourced": "x"}, {"source": "AP"}, "entry k: give either"),
        ({"unsourced": "x", "url": "https://ap.org"}, {"source": "AP"}, "entry k: an unsourced one has no `url`"),
        ({"source": "AP"}, {}, "background fact 'A fact.': give either"),
    ]:
        with pytest.raises(SeedError, match=re.escape(message)):
            parse_seed("s", _story(entry, fact))
