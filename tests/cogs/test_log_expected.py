"""/log event and /log status with `expected`: future or undated, shown apart in reader views, and settled
by a later entry (`outcome_of`), audited, refused clearly when it cannot be."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlmodel import select

from db.models import Entry
from tests.cogs.log_support import (
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    audit_of,
    deliver_unchecked,
    embed_text,
    entry_logged_by,
    load_entry,
)
from tests.harness import GUILD_B_ID, Reply
from tests.newsroom import Desk, db_rows, text_of

# The tests' today is 20 Sep 2023 (FakeClock).
TODAY = dt.date(2023, 9, 20)
EVENT = {"topic": "atacms", "headline": "Biden and Zelensky speak", "source": "AP"}
PROMISED_APPROVAL = {
    "topic": "atacms",
    "decision": "approved",
    "note": "Approval promised",
    "expected": "promised",
    "date": "Oct 2023",
    "source": "AP",
}


async def seeded(desk: Desk, key: str) -> Entry:
    async with desk.database.read() as session:
        return (await session.execute(select(Entry).where(Entry.seed_key == key))).scalars().one()


def card_field(reply: Reply, name: str) -> str | None:
    return next((f["value"] for f in reply.embeds[0].get("fields", []) if f["name"] == name), None)


async def test_an_expected_event_may_be_dated_after_today(desk: Desk) -> None:
    h = desk.harness
    reply = await h.slash("log event", {**EVENT, "expected": "scheduled", "date": "2 Oct 2023"}, user=h.editor)
    entry = await entry_logged_by(desk.database, reply)
    assert (entry.expected, entry.date_precision, entry.date_earliest) == ("scheduled", "day", dt.date(2023, 10, 2))
    assert "*Expected (scheduled)*" in reply.embeds[0]["description"]


async def test_an_expected_event_without_a_date_is_undated_and_placed_by_when_it_was_reported(desk: Desk) -> None:
    h = desk.harness
    for extra, sort_day in (
        ({}, TODAY),
        ({"date": "not announced"}, TODAY),
        ({"date": "Unknown", "reported": "11 Sep 2023"}, dt.date(2023, 9, 11)),
    ):
        options = {**EVENT, "headline": f"Talks {len(extra)}", "expected": "anticipated", **extra}
        reply = await h.slash("log event", options, user=h.editor)
        entry = await entry_logged_by(desk.database, reply)
        assert (entry.expected, entry.date_precision, entry.date_sort) == ("anticipated", "undated", sort_day)
        assert entry.date is None
        assert f"`#{entry.id}`, **date not announced**, on **ATACMS" in text_of(reply)
    chronology = await h.slash("chronology", {"topic": "atacms"}, user=h.reader)
    text = chronology.embeds[0]["description"]
    # Placed by when they were reported: the one reported on 11 Sep before Miller's statement of that day
    # is logged later (id order), both before those reported today.
    assert text.index("Talks 2") < text.index("Talks 0") and text.index("Talks 1") > text.index("Talks 2")
    assert "**date not announced** \N{HOURGLASS WITH FLOWING SAND} *Expected (anticipated)*" in text


async def test_without_expected_a_future_or_missing_date_is_refused_and_nothing_changes(desk: Desk) -> None:
    h = desk.harness
    before = await db_rows(desk.database)
    for options, message in (
        ({**EVENT, "date": "2 Oct 2023"}, "reads as 2 Oct 2023, which is after today (20 Sep 2023)"),
        ({**EVENT, "date": "not announced"}, "only an expected entry can be logged without a date"),
        ({**EVENT, "date": "Sep 2023", "reported": "Sep 2023"}, "`reported` is for an expected entry"),
        ({**EVENT, "expected": "promised", "end": "Oct 2023"}, "has no end date"),
        (
            {"topic": "atacms", "decision": "approved", "note": "Approved.", "date": "2024"},
            "If it has not happened yet, log it as `expected`",
        ),
    ):
        command = "log status" if "decision" in options else "log event"
        reply = await h.slash(command, options, user=h.editor)
        assert reply.ephemeral and message in text_of(reply), text_of(reply)
    assert await db_rows(desk.database) == before


async def test_an_expected_status_is_not_the_current_status_until_a_later_one_says_it_happened(desk: Desk) -> None:
    h = desk.harness
    promised = await h.slash("log status", PROMISED_APPROVAL, user=h.editor)
    expected = await entry_logged_by(desk.database, promised)
    card = await h.slash("status", {"topic": "atacms"}, user=h.reader)
    assert "**Decision: Under review**" in card.embeds[0]["description"]
    listed = card_field(card, "Expected")
    assert listed is not None and f"`#{expected.id}` **Oct 2023** · Promised: Decision: **Approved**" in listed
    topics = await h.slash("topics", user=h.reader)
    assert "Under review" in topics.embeds[0]["description"]
    history = await h.slash("status", {"topic": "atacms", "history": True}, user=h.reader)
    assert f"`#{expected.id}` **Oct 2023** \N{HOURGLASS WITH FLOWING SAND} *Expected (promised)*" in str(history.embeds)

    approved = await h.slash(
        "log status",
        {
            "topic": "atacms",
            "decision": "approved",
            "note": "Approved",
            "date": "20 Sep 2023",
            "source": "AP",
            "outcome_of": f"#{expected.id}",
        },
        user=h.editor,
    )
    later = await entry_logged_by(desk.database, approved)
    assert f"Marked `#{expected.id}` (promised) as happened on 20 Sep 2023 (`#{later.id}`)." in text_of(approved)
    card = await h.slash("status", {"topic": "atacms"}, user=h.reader)
    assert "**Decision: Approved**" in card.embeds[0]["description"]
    listed = card_field(card, "Expected")
    assert listed is None or f"#{expected.id}`" not in listed


async def test_an_expected_status_change_is_current_on_neither_axis_nor_are_its_quantities(desk: Desk) -> None:
    h = desk.harness
    promised = {
        "topic": "atacms",
        "delivery": "delivered",
        "committed": 300,
        "delivered": 300,
        "unit": "missiles",
        "note": "Delivery promised",
        "expected": "promised",
        "date": "not announced",
        "source": "AP",
    }
    expected = await entry_logged_by(desk.database, await h.slash("log status", promised, user=h.editor))
    decided = {"topic": "atacms", "decision": "approved", "note": "Approved", "date": "19 Sep 2023", "source": "AP"}
    await h.slash("log status", decided, user=h.editor)
    card = await h.slash("status", {"topic": "atacms"}, user=h.reader)
    description = card.embeds[0]["description"]
    # The decision moved; the delivery stays where the seed put it, without the promised quantities.
    assert "**Decision: Approved**" in description and "**Delivery: None announced**" in description
    assert "300" not in description
    listed = card_field(card, "Expected")
    assert (
        listed is not None and f"`#{expected.id}` **date not announced** · Promised: Delivery: **Delivered**" in listed
    )
    topics = await h.slash("topics", user=h.reader)
    assert "Delivery: None announced" in topics.embeds[0]["description"]


async def test_a_later_event_marks_the_anticipated_call_as_happened_with_an_audit_record(desk: Desk) -> None:
    h = desk.harness
    call = await seeded(desk, "atacms-expected-call")
    assert (call.expected, call.date_precision) == ("anticipated", "undated")
    card = await h.slash("status", {"topic": "atacms"}, user=h.reader)
    listed = card_field(card, "Expected")
    # Dated ones first (autumn 2023), then the undated call.
    assert listed is not None and listed.index("**autumn 2023**") < listed.index(f"`#{call.id}` **date not announced**")

    reply = await h.slash("log event", {**EVENT, "date": "21 Sep 2023", "outcome_of": str(call.id)}, user=h.editor)
    assert reply.ephemeral, text_of(reply)  # 21 Sep is after the tests' today
    reply = await h.slash("log event", {**EVENT, "date": "19 Sep 2023", "outcome_of": str(call.id)}, user=h.editor)
    later = await entry_logged_by(desk.database, reply)
    settled = await load_entry(desk.database, call.id or 0)
    assert (settled.outcome, settled.outcome_entry_id, settled.outcome_by) == ("happened", later.id, h.editor.id)
    assert settled.outcome_at is not None and settled.outcome_date is not None
    assert settled.outcome_date.render() == "19 Sep 2023"
    record = (await audit_of(desk.database, call.id or 0))[-1]
    assert (record.action, record.actor_id, record.interaction_id) == (
        "entry.outcome",
        h.editor.id,
        reply.interaction_id,
    )
    assert (record.before or {}).get("outcome") is None and (record.after or {}).get("outcome") == "happened"

    chronology = await h.slash("chronology", {"topic": "atacms"}, user=h.reader)
    assert f"*Expected (anticipated): happened on 19 Sep 2023 (`#{later.id}`)*" in chronology.embeds[0]["description"]
    card = await h.slash("status", {"topic": "atacms"}, user=h.reader)
    listed = card_field(card, "Expected")
    assert listed is not None and f"`#{call.id}`" not in listed
    history = await h.slash("entry history", {"id": f"#{call.id}"}, user=h.editor)
    text = embed_text(history.embeds[0])
    assert "Outcome recorded" in text and "**Outcome**: none → Happened" in text
    assert f"happened on 19 Sep 2023 (`#{later.id}`)" in text


async def test_an_expected_event_that_did_not_happen(desk: Desk) -> None:
    h = desk.harness
    window = await seeded(desk, "atacms-hoped-window")
    reply = await h.slash(
        "log event",
        {**EVENT, "headline": "No ATACMS this autumn", "outcome_of": f"#{window.id}", "outcome": "did_not_happen"},
        user=h.editor,
    )
    later = await entry_logged_by(desk.database, reply)
    assert f"as did not happen (`#{later.id}`)" in text_of(reply)
    chronology = await h.slash("chronology", {"topic": "atacms"}, user=h.reader)
    assert f"*Expected (anticipated): did not happen (`#{later.id}`)*" in chronology.embeds[0]["description"]


async def _refused(desk: Desk, options: dict[str, Any], *, guild: int | None = None) -> str:
    h = desk.harness
    before = await db_rows(desk.database)
    if guild is None:
        reply = await h.slash("log event", {**EVENT, **options}, user=h.editor)
    else:
        reply = await h.slash("log event", {**EVENT, **options}, user=h.other_guild_user, guild=guild)
    assert reply.ephemeral and not reply.embeds
    assert await db_rows(desk.database) == before
    return text_of(reply)


async def test_settling_is_refused_clearly_for_what_cannot_be_settled(desk: Desk) -> None:
    h = desk.harness
    call = await seeded(desk, "atacms-expected-call")
    miller = await seeded(desk, "atacms-miller-sep11")
    assert "is not expected" in await _refused(desk, {"outcome_of": f"#{miller.id}"})
    assert "cannot itself be expected" in await _refused(desk, {"outcome_of": f"#{call.id}", "expected": "promised"})
    assert "give its id in `outcome_of`" in await _refused(desk, {"outcome": "happened"})
    assert "is not an entry id" in await _refused(desk, {"outcome_of": "soon"})

    await h.slash("entry retract", {"id": str(call.id), "reason": "Checking"}, user=h.editor)
    assert "is retracted" in await _refused(desk, {"outcome_of": f"#{call.id}"})
    await h.slash("entry restore", {"id": str(call.id), "reason": "Checked"}, user=h.editor)

    await h.slash("log event", {**EVENT, "headline": "They spoke", "outcome_of": f"#{call.id}"}, user=h.editor)
    assert "already has its outcome (happened)" in await _refused(desk, {"outcome_of": f"#{call.id}"})

    await h.slash("topic create", {"slug": "f16", "title": "F-16 jets"}, user=h.editor)
    elsewhere = await _refused(desk, {"topic": "f16", "outcome_of": f"#{call.id}", "outcome": "did_not_happen"})
    assert "belongs to another story" in elsewhere


async def test_an_expected_entry_of_another_newsroom_reads_as_one_that_does_not_exist(desk: Desk) -> None:
    h = desk.harness
    window = await seeded(desk, "atacms-hoped-window")
    await h.slash("topic create", {"slug": "atacms", "title": "B's story"}, user=h.other_guild_user, guild=GUILD_B_ID)
    theirs = await _refused(desk, {"outcome_of": f"#{window.id}"}, guild=GUILD_B_ID)
    missing = await _refused(desk, {"outcome_of": "#7654321"}, guild=GUILD_B_ID)
    assert theirs.replace(f"#{window.id}", "#7654321") == missing
    assert "No entry `#7654321` in this newsroom" in missing


async def test_a_retried_delivery_that_settles_stores_once_and_answers_the_same(desk: Desk) -> None:
    h = desk.harness
    call = await seeded(desk, "atacms-expected-call")
    first = await h.slash("log event", {**EVENT, "outcome_of": f"#{call.id}"}, user=h.editor)
    before = await db_rows(desk.database)
    options = {**EVENT, "outcome_of": f"#{call.id}"}
    again = await h.slash("log event", options, user=h.editor, interaction_id=first.interaction_id)
    assert await db_rows(desk.database) == before
    found = re.search(r"`#(\d+)`", text_of(again))
    assert found is not None and int(found[1]) == (await entry_logged_by(desk.database, first)).id
    settled = await load_entry(desk.database, call.id or 0)
    assert settled.outcome_entry_id == int(found[1])


async def test_a_correction_may_date_an_expected_entry_after_today_and_no_other(desk: Desk) -> None:
    h = desk.harness
    call = await seeded(desk, "atacms-expected-call")
    options = {"id": f"#{call.id}", "field": "date", "value": "12 Oct 2023", "reason": "Date announced"}
    moved = await h.slash("entry edit", options, user=h.editor)
    assert f"Corrected `#{call.id}`, now dated **12 Oct 2023**," in text_of(moved)
    announced = await load_entry(desk.database, call.id or 0)
    assert (announced.expected, announced.date_precision, announced.date_earliest) == (
        "anticipated",
        "day",
        dt.date(2023, 10, 12),
    )
    miller = await seeded(desk, "atacms-miller-sep11")
    before = await db_rows(desk.database)
    refused = await h.slash("entry edit", {**options, "id": f"#{miller.id}"}, user=h.editor)
    assert refused.ephemeral and "which is after today" in text_of(refused)
    assert await db_rows(desk.database) == before


async def test_forged_expected_and_outcome_values_are_refused_and_nothing_changes(desk: Desk) -> None:
    h = desk.harness
    call = await seeded(desk, "atacms-expected-call")
    probe = await h.slash("log event", {**EVENT, "headline": "Probe", "expected": "promised"}, user=h.editor)
    before = await db_rows(desk.database)
    forged = await deliver_unchecked(h, probe, {"expected": "imminent"})
    assert forged.ephemeral and "`expected` must be one of: anticipated, scheduled, promised." in text_of(forged)
    settling = await h.slash("log event", {**EVENT, "headline": "Probe 2", "outcome_of": f"#{call.id}"}, user=h.editor)
    before = await db_rows(desk.database)
    forged = await deliver_unchecked(h, settling, {"outcome": "maybe"})
    assert forged.ephemeral and "`outcome` must be one of:" in text_of(forged)
    assert await db_rows(desk.database) == before
