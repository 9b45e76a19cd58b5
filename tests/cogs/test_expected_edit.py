"""Expected entries read yearless dates forward, and /entry edit corrects whether an entry was expected
and whether its date is announced, each change refused clearly or audited and shown in history."""

from __future__ import annotations

import datetime as dt

from tests.cogs.log_support import (
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    audit_of,
    embed_text,
    entry_logged_by,
    load_entry,
)
from tests.cogs.test_log_expected import EVENT, seeded
from tests.newsroom import Desk, db_rows, text_of

# The tests' today is 20 Sep 2023 (FakeClock).


async def test_a_yearless_date_of_an_expected_entry_is_the_next_such_day_and_says_so(desk: Desk) -> None:
    h = desk.harness
    reply = await h.slash("log event", {**EVENT, "expected": "scheduled", "date": "Jun 1"}, user=h.editor)
    entry = await entry_logged_by(desk.database, reply)
    assert (entry.date_precision, entry.date_earliest) == ("day", dt.date(2024, 6, 1))
    assert 'Read "Jun 1" as 1 Jun 2024; for another year type `1 Jun 2023`.' in text_of(reply)
    past = await h.slash("log event", {**EVENT, "headline": "Earlier talks", "date": "Jun 1"}, user=h.editor)
    assert (await entry_logged_by(desk.database, past)).date_earliest == dt.date(2023, 6, 1)

    call = await seeded(desk, "atacms-expected-call")
    moved = await h.slash("entry edit", {"id": f"#{call.id}", "field": "date", "value": "Mar 3"}, user=h.editor)
    assert "now dated **3 Mar 2024**" in text_of(moved) and 'Read "Mar 3" as 3 Mar 2024' in text_of(moved)


async def test_an_editor_corrects_the_kind_of_expectation_audited_and_in_history(desk: Desk) -> None:
    h = desk.harness
    call = await seeded(desk, "atacms-expected-call")
    options = {"id": f"#{call.id}", "field": "expected", "value": "Scheduled", "reason": "It was set"}
    reply = await h.slash("entry edit", options, user=h.editor)
    assert not reply.ephemeral and f"Corrected `#{call.id}`" in text_of(reply)
    assert (await load_entry(desk.database, call.id or 0)).expected == "scheduled"
    record = (await audit_of(desk.database, call.id or 0))[-1]
    assert (record.action, record.reason) == ("entry.edit", "It was set")
    history = embed_text((await h.slash("entry history", {"id": f"#{call.id}"}, user=h.editor)).embeds[0])
    assert "**Expected**: Anticipated → Scheduled" in history


async def test_an_expected_entry_may_become_undated_and_dated_again(desk: Desk) -> None:
    h = desk.harness
    reply = await h.slash("log event", {**EVENT, "expected": "promised", "date": "2 Oct 2023"}, user=h.editor)
    entry = await entry_logged_by(desk.database, reply)
    options = {"id": f"#{entry.id}", "field": "date", "value": "not announced", "reason": "Postponed"}
    undated = await h.slash("entry edit", options, user=h.editor)
    assert "now dated **date not announced**" in text_of(undated)
    stored = await load_entry(desk.database, entry.id or 0)
    # Placed by the day it was logged.
    assert (stored.date_precision, stored.date_sort) == ("undated", stored.created_at.date())
    history = embed_text((await h.slash("entry history", {"id": f"#{entry.id}"}, user=h.editor)).embeds[0])
    assert "**Date**: 2 Oct 2023 → date not announced" in history
    dated = await h.slash("entry edit", {**options, "value": "5 Nov 2023"}, user=h.editor)
    assert "now dated **5 Nov 2023**" in text_of(dated)
    assert (await load_entry(desk.database, entry.id or 0)).date_earliest == dt.date(2023, 11, 5)


async def _refused(desk: Desk, options: dict[str, str]) -> str:
    h = desk.harness
    before = await db_rows(desk.database)
    reply = await h.slash("entry edit", options, user=h.editor)
    assert reply.ephemeral and not reply.embeds, text_of(reply)
    assert await db_rows(desk.database) == before
    return text_of(reply)


async def test_what_cannot_stop_being_expected_is_refused_and_nothing_changes(desk: Desk) -> None:
    h = desk.harness
    call = await seeded(desk, "atacms-expected-call")
    miller = await seeded(desk, "atacms-miller-sep11")
    none = {"field": "expected", "value": "none"}
    assert "has no date announced" in await _refused(desk, {"id": f"#{call.id}", **none})
    future = await h.slash("log event", {**EVENT, "expected": "promised", "date": "2 Oct 2023"}, user=h.editor)
    future_entry = await entry_logged_by(desk.database, future)
    assert "is dated 2 Oct 2023, after today" in await _refused(desk, {"id": f"#{future_entry.id}", **none})
    settling = await h.slash("log event", {**EVENT, "headline": "Spoke", "outcome_of": f"#{call.id}"}, user=h.editor)
    later = await entry_logged_by(desk.database, settling)
    assert "is settled (happened" in await _refused(desk, {"id": f"#{call.id}", **none})
    assert "cannot itself be expected" in await _refused(
        desk, {"id": f"#{later.id}", "field": "expected", "value": "promised"}
    )
    assert "must be one of: anticipated" in await _refused(
        desk, {"id": f"#{call.id}", "field": "expected", "value": "soon"}
    )
    assert "has no `expected` field" in await _refused(
        desk, {"id": f"#{miller.id}", "field": "expected", "value": "promised"}
    )
    # As when logged, an undated entry has no end date.
    assert "no end date" in await _refused(desk, {"id": f"#{call.id}", "field": "end", "value": "Q4 2023"})
    undated = await _refused(desk, {"id": f"#{later.id}", "field": "date", "value": "not announced"})
    assert 'is not expected, so its date cannot be "not announced"' in undated


async def test_a_past_dated_expected_entry_may_be_corrected_to_not_expected(desk: Desk) -> None:
    h = desk.harness
    reply = await h.slash("log event", {**EVENT, "expected": "anticipated", "date": "18 Sep 2023"}, user=h.editor)
    entry = await entry_logged_by(desk.database, reply)
    changed = await h.slash("entry edit", {"id": f"#{entry.id}", "field": "expected", "value": "none"}, user=h.editor)
    assert not changed.ephemeral, text_of(changed)
    assert (await load_entry(desk.database, entry.id or 0)).expected is None
    history = embed_text((await h.slash("entry history", {"id": f"#{entry.id}"}, user=h.editor)).embeds[0])
    assert "**Expected**: Anticipated → none" in history
    # No longer expected, so its date is held to today again.
    refused = await _refused(desk, {"id": f"#{entry.id}", "field": "date", "value": "2 Oct 2023"})
    assert "after today" in refused
