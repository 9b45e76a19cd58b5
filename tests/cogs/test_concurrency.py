"""Concurrent commands through the harness (asyncio.gather of real dispatches), on SQLite and PostgreSQL.

The harness attributes HTTP calls per dispatch through a ContextVar, so gathered ``h.slash`` calls each get
their own Reply while the bot handles them interleaved, exactly as a busy gateway would deliver them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import random
from typing import Any

from sqlmodel import col, select

from bot.core.vocabulary import DECISION_INFO, Decision
from db import audit
from db.engine import Database
from db.models import AuditRecord, Entry, Newsroom, Topic
from tests.harness import GUILD_A_ID, Reply
from tests.newsroom import Desk


async def entries_and_audit(database: Database) -> tuple[list[Entry], list[AuditRecord]]:
    async with database.read() as session:
        entries = list((await session.execute(select(Entry).order_by(col(Entry.id)))).scalars())
        records = list((await session.execute(select(AuditRecord).order_by(col(AuditRecord.id)))).scalars())
    return entries, records


async def seeded(database: Database, seed_key: str) -> Entry:
    async with database.read() as session:
        return (await session.execute(select(Entry).where(Entry.seed_key == seed_key))).scalars().one()


def current_status_of(card: Reply) -> tuple[str, str]:
    """(status label, note) as the /status card shows them."""
    description = card.embeds[0]["description"]
    label = next(info.label for info in DECISION_INFO.values() if f"**Decision: {info.label}**" in description)
    return label, description


async def test_twenty_concurrent_log_status_calls_all_persist_and_status_picks_the_latest(desk: Desk) -> None:
    h = desk.harness
    entries_before, audit_before = await entries_and_audit(desk.database)
    statuses = list(Decision)
    # 19 distinct days up to today, the latest one twice: date decides, then log time breaks the tie.
    days = [dt.date(2023, 9, 2) + dt.timedelta(days=i) for i in range(19)] + [dt.date(2023, 9, 20)]
    random.Random(20).shuffle(days)  # the newest date is not the last one sent
    calls = [
        {
            "topic": "atacms",
            "decision": statuses[i % len(statuses)].value,
            "note": f"Update {i}",
            "date": day.isoformat(),
            "source": "Reuters",
        }
        for i, day in enumerate(days)
    ]
    replies = await asyncio.gather(*(h.slash("log status", options, user=h.editor) for options in calls))
    assert len({r.interaction_id for r in replies}) == 20
    assert all(r.response_type == 4 and not r.ephemeral and "Logged" in (r.content or "") for r in replies)

    entries_after, audit_after = await entries_and_audit(desk.database)
    new = entries_after[len(entries_before) :]
    assert len(new) == 20
    assert sorted(e.note or "" for e in new) == sorted(c["note"] for c in calls)
    for reply in replies:  # each reply names the entry its own interaction stored
        [mine] = [e for e in new if e.interaction_id == reply.interaction_id]
        assert f"`#{mine.id}`" in (reply.content or "")
    new_audit = audit_after[len(audit_before) :]
    assert len(new_audit) == 20
    assert sorted(r.entry_id or 0 for r in new_audit) == sorted(e.id or 0 for e in new)
    assert {r.action for r in new_audit} == {"entry.create"}

    newest_day = [e for e in new if e.date_earliest == dt.date(2023, 9, 20)]
    assert len(newest_day) == 2
    winner = max(newest_day, key=lambda e: e.id or 0)  # logged later
    card = await h.slash("status", {"topic": "atacms", "history": True}, user=h.reader)
    label, description = current_status_of(card)
    assert winner.note is not None
    assert label == DECISION_INFO[Decision(winner.decision)].label and winner.note in description
    history = card.embeds[1]["description"]
    shown_ids = [int(part.split("`")[0]) for part in history.split("`#")[1:]]
    expected = sorted(new + entries_before, key=lambda e: (e.date_sort, e.id or 0), reverse=True)
    assert shown_ids == [e.id for e in expected if e.kind == "status"]


async def test_current_status_is_latest_by_effective_date_then_by_log_time(desk: Desk) -> None:
    h = desk.harness

    async def log(status: str, date: str) -> None:
        reply = await h.slash(
            "log status", {"topic": "atacms", "decision": status, "note": status, "date": date, "source": "Reuters"}
        )
        assert not reply.ephemeral

    async def current() -> str:
        return current_status_of(await h.slash("status", {"topic": "atacms"}, user=h.reader))[0]

    await log("approved", "2023-09-18")
    await log("declined", "2023-09-12")  # logged later, but effective earlier
    assert await current() == "Approved"
    await log("on_hold", "2023-09-18")  # same day, logged later: it wins the tie
    assert await current() == "On hold"
    await log("approved", "Sep 2023")  # month precision sorts at its midpoint, before the 18th
    assert await current() == "On hold"


async def test_the_same_interaction_delivered_twice_at_once_is_stored_once(desk: Desk) -> None:
    h = desk.harness
    entries_before, audit_before = await entries_and_audit(desk.database)
    first = await h.slash("status", {"topic": "atacms"}, user=h.reader)  # any id the harness minted
    interaction_id = first.interaction_id + 1_000
    options = {"topic": "atacms", "decision": "approved", "note": "Approved once.", "source": "Reuters"}
    await asyncio.gather(*(h.slash("log status", options, interaction_id=interaction_id) for _ in range(2)))
    entries_after, audit_after = await entries_and_audit(desk.database)
    assert [e.note for e in entries_after[len(entries_before) :]] == ["Approved once."]
    assert len(audit_after) == len(audit_before) + 1


async def warm_up(desk: Desk) -> None:
    """Open the pool's connections first: a cold pool's connection set-up would serialise the race away."""
    h = desk.harness
    await asyncio.gather(*(h.slash("status", {"topic": "atacms"}, user=h.reader) for _ in range(8)))


async def test_concurrent_creates_of_one_slug_make_one_topic_and_clear_refusals(desk: Desk) -> None:
    h = desk.harness
    distinct = await asyncio.gather(*(h.slash("topic create", {"slug": f"s{i}", "title": "T"}) for i in range(6)))
    assert all(r.content == f"Created topic `s{i}`." for i, r in enumerate(distinct))
    replies = await asyncio.gather(
        *(h.slash("topic create", {"slug": "f16-jets", "title": f"F-16s, take {i}"}) for i in range(6))
    )
    created = [r for r in replies if not r.ephemeral]
    refused = [r for r in replies if r.ephemeral]
    assert len(created) == 1 and created[0].content == "Created topic `f16-jets`."
    assert len(refused) == 5
    assert all("A topic with the slug `f16-jets` already exists" in (r.content or "") for r in refused)
    async with desk.database.read() as session:
        topics = list((await session.execute(select(Topic).where(Topic.slug == "f16-jets"))).scalars())
        records = list(
            (await session.execute(select(AuditRecord).where(AuditRecord.action == "topic.create"))).scalars()
        )
    assert len(topics) == 1 and topics[0].newsroom_id == GUILD_A_ID
    assert len([r for r in records if r.topic_id == topics[0].id]) == 1


async def test_concurrent_edits_of_one_entry_keep_an_unbroken_audit_chain(desk: Desk) -> None:
    h = desk.harness
    await warm_up(desk)
    kirby = await seeded(desk.database, "atacms-kirby-interview")
    edits: list[dict[str, Any]] = [
        {"id": str(kirby.id), "field": "text", "value": f"Wording {i}", "reason": f"Edit {i}"} for i in range(6)
    ] + [{"id": str(kirby.id), "field": "context", "value": f"Context {i}"} for i in range(4)]
    replies = await asyncio.gather(*(h.slash("entry edit", options) for options in edits))
    assert all(not r.ephemeral for r in replies), [r.content for r in replies if r.ephemeral]
    async with desk.database.read() as session:
        final = await session.get(Entry, kirby.id)
        stmt = select(AuditRecord).where(AuditRecord.entry_id == kirby.id).order_by(col(AuditRecord.id))
        records = list((await session.execute(stmt)).scalars())
    assert final is not None
    assert [r.action for r in records] == ["entry.create"] + ["entry.edit"] * 10
    # Each record starts where the one before it ended, and the last one ends where the entry is now:
    # the trail replays to the stored row with no change lost or misattributed.
    for earlier, later in itertools.pairwise(records[1:]):
        assert later.before == earlier.after
    assert records[-1].after == audit.snapshot(final)


async def test_concurrent_retractions_of_one_entry_retract_it_once(desk: Desk) -> None:
    h = desk.harness
    await warm_up(desk)
    kirby = await seeded(desk.database, "atacms-kirby-interview")
    replies = await asyncio.gather(
        *(h.slash("entry retract", {"id": str(kirby.id), "reason": f"Reason {i}"}) for i in range(5))
    )
    done = [r for r in replies if not r.ephemeral]
    refused = [r for r in replies if r.ephemeral]
    assert len(done) == 1 and len(refused) == 4
    assert all("already retracted" in (r.content or "") for r in refused)
    async with desk.database.read() as session:
        stmt = select(AuditRecord).where(AuditRecord.entry_id == kirby.id, AuditRecord.action == "entry.retract")
        assert len(list((await session.execute(stmt)).scalars())) == 1


async def test_concurrent_archives_of_one_topic_archive_it_once(desk: Desk) -> None:
    h = desk.harness
    await warm_up(desk)
    replies = await asyncio.gather(*(h.slash("topic archive", {"topic": "atacms"}) for _ in range(5)))
    assert sorted(bool(r.ephemeral) for r in replies) == [False] + [True] * 4
    assert all("already archived" in (r.content or "") for r in replies if r.ephemeral)
    async with desk.database.read() as session:
        stmt = select(AuditRecord).where(AuditRecord.action == "topic.archive")
        assert len(list((await session.execute(stmt)).scalars())) == 1


async def test_concurrent_settings_changes_keep_an_unbroken_audit_chain(desk: Desk) -> None:
    h = desk.harness
    await warm_up(desk)
    zones = ["Europe/London", "Europe/Kyiv", "America/New_York", "Asia/Tokyo", "UTC", "Europe/Berlin"]
    replies = await asyncio.gather(*(h.slash("settings timezone", {"timezone": z}, user=h.admin) for z in zones))
    assert all("Time zone saved" in (r.content or "") for r in replies)
    async with desk.database.read() as session:
        stmt = select(AuditRecord).where(AuditRecord.action == "settings.timezone").order_by(col(AuditRecord.id))
        records = list((await session.execute(stmt)).scalars())
        newsroom = await session.get(Newsroom, GUILD_A_ID)
    assert newsroom is not None and len(records) == len(zones)
    assert records[0].before == {"timezone": "UTC"}
    for earlier, later in itertools.pairwise(records):
        assert later.before == earlier.after
    assert records[-1].after == {"timezone": newsroom.timezone}
