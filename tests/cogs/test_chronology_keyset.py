"""Chronology Previous/Next buttons carry where their page starts, so deep pages read only their rows."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlmodel import col, select

from bot.core.drafts import EntryDraft
from bot.core.fuzzydate import FuzzyDate
from bot.core.vocabulary import EntryKind
from bot.render import custom_ids
from db.engine import Database
from db.models import Entry, Topic
from db.writes import add_entry, retract_entry
from tests.newsroom import Desk

EVENTS = 44  # with the seven seeded entries, 51: six pages of ten, the last with one


async def add_events(database: Database, count: int, *, first_day: dt.date, prefix: str = "Event") -> None:
    async with database.write() as session:
        topic = (await session.execute(select(Topic).where(Topic.slug == "atacms"))).scalars().one()
        for n in range(count):
            draft = EntryDraft(
                kind=EntryKind.EVENT,
                # Three entries a day: the position has to tell entries of one day apart by id.
                date=FuzzyDate.exact(first_day + dt.timedelta(days=n // 3)),
                headline=f"{prefix} {n:02}",
                source_name="Desk",
            )
            await add_entry(session, topic=topic, draft=draft, actor_id=1, interaction_id=None)


def ids_on(reply: Any) -> list[str]:
    return re.findall(r"`#(\d+)`", reply.embeds[0]["description"])


def footer(reply: Any) -> str:
    return str(reply.embeds[0]["footer"]["text"])


def button(reply: Any, label: str) -> dict[str, Any]:
    return next(b for b in reply.components[0]["components"] if b["label"] == label)


async def test_next_and_previous_walk_the_same_pages_as_page_numbers(desk: Desk) -> None:
    h = desk.harness
    await add_events(desk.database, EVENTS, first_day=dt.date(2024, 1, 1))
    first = await h.slash("chronology", {"topic": "atacms"})
    walked = [ids_on(first)]
    reply = first
    for _ in range(5):
        nxt = button(reply, "Next")
        assert re.fullmatch(custom_ids.CHRONOLOGY_TEMPLATE, nxt["custom_id"])
        assert ":a" in nxt["custom_id"]  # carries the position after this page's last entry
        reply = await h.click(nxt["custom_id"], message=reply.final)
        walked.append(ids_on(reply))
    assert "page 6 of 6" in footer(reply) and button(reply, "Next").get("disabled")
    # The same pages by number (a button without a position, as older messages carry; the harness
    # makes up a message holding it).
    found = re.search(r"nd1:chron:(\d+):", button(first, "Next")["custom_id"])
    assert found is not None
    topic_id = found.group(1)
    by_number = []
    for page in range(6):
        numbered = await h.click(f"nd1:chron:{topic_id}:{page}::")
        by_number.append(ids_on(numbered))
    assert walked == by_number
    assert sum(len(p) for p in walked) == EVENTS + 7 and len({i for p in walked for i in p}) == EVENTS + 7
    # And back again with Previous, from the last page to the first.
    back = [ids_on(reply)]
    for _ in range(5):
        prev = button(reply, "Previous")
        assert ":b" in prev["custom_id"]
        reply = await h.click(prev["custom_id"], message=reply.final)
        back.append(ids_on(reply))
    assert back == list(reversed(walked))
    assert "page 1 of 6" in footer(reply)


async def test_entries_added_before_the_page_neither_repeat_nor_skip_an_entry(desk: Desk) -> None:
    h = desk.harness
    await add_events(desk.database, EVENTS, first_day=dt.date(2024, 1, 1))
    page1 = await h.slash("chronology", {"topic": "atacms"})
    # While the reader looks at page 1, editors log five entries dated before everything on it.
    await add_events(desk.database, 5, first_day=dt.date(2001, 1, 1), prefix="Early")
    page2 = await h.click(button(page1, "Next")["custom_id"], message=page1.final)
    seen = ids_on(page1)
    following = ids_on(page2)
    assert not set(seen) & set(following)
    async with desk.database.read() as session:
        ordered = (
            (
                await session.execute(
                    select(Entry.id)
                    .where(col(Entry.retracted_at).is_(None))
                    .order_by(col(Entry.date_sort), col(Entry.id))
                )
            )
            .scalars()
            .all()
        )
    # Page 2 continues exactly where page 1 ended.
    start = ordered.index(int(seen[-1])) + 1
    assert [int(i) for i in following] == ordered[start : start + 10]


async def test_a_retracted_boundary_entry_still_positions_the_page(desk: Desk) -> None:
    h = desk.harness
    await add_events(desk.database, EVENTS, first_day=dt.date(2024, 1, 1))
    page1 = await h.slash("chronology", {"topic": "atacms"})
    last_id = int(ids_on(page1)[-1])
    async with desk.database.write() as session:
        entry = await session.get(Entry, last_id)
        assert entry is not None
        await retract_entry(session, entry=entry, actor_id=1, interaction_id=None, reason="Wrong")
    page2 = await h.click(button(page1, "Next")["custom_id"], message=page1.final)
    assert str(last_id) not in ids_on(page2)
    assert len(ids_on(page2)) == 10 and not set(ids_on(page1)) & set(ids_on(page2))


async def test_a_forged_or_impossible_position_falls_back_to_the_page_number(desk: Desk) -> None:
    h = desk.harness
    await add_events(desk.database, EVENTS, first_day=dt.date(2024, 1, 1))
    page1 = await h.slash("chronology", {"topic": "atacms"})
    found = re.search(r"nd1:chron:(\d+):", button(page1, "Next")["custom_id"])
    assert found is not None
    topic_id = found.group(1)
    expected = ids_on(await h.click(f"nd1:chron:{topic_id}:2::"))
    for seek in ("a9999999.1", "b0.5", "a1.9999999999", "b3652059.9999999999", "a738000.0"):
        reply = await h.click(f"nd1:chron:{topic_id}:2:::{seek}")
        assert not reply.ephemeral, seek
        # Either the page the position names, or (when it names nothing usable) page 3 by number.
        assert len(ids_on(reply)) == 10 and "page 3 of 6" in footer(reply), seek
    impossible = await h.click(f"nd1:chron:{topic_id}:2:::a3652059.1")
    assert ids_on(impossible) == expected


async def test_the_longest_button_id_fits_discords_limit() -> None:
    longest = custom_ids.chronology_id(
        2**31 - 1,
        999_999,
        dt.date(9999, 12, 31),
        dt.date(9999, 12, 31),
        custom_ids.Seek(False, dt.date(9999, 12, 31), 2**31 - 1),
    )
    assert len(longest) <= 100
    assert re.fullmatch(custom_ids.CHRONOLOGY_TEMPLATE, longest)
    assert custom_ids.Seek.parse("b", str(dt.date(9999, 12, 31).toordinal()), str(2**31 - 1)) == custom_ids.Seek(
        False, dt.date(9999, 12, 31), 2**31 - 1
    )
    assert custom_ids.Seek.parse("a", "0", "5") is None  # day 0 does not exist
    assert custom_ids.Seek.parse(None, None, None) is None
