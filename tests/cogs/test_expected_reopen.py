"""Retracting or undoing the entry that settled an expected one reopens it, audited in the same write;
restoring that entry settles it again, unless another entry settled it meanwhile."""

from __future__ import annotations

from tests.cogs.log_support import (
    UPDATE_MESSAGE,
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    audit_of,
    buttons,
    embed_text,
    entry_logged_by,
    load_entry,
)
from tests.cogs.test_log_expected import EVENT, card_field, seeded
from tests.newsroom import Desk, text_of


async def _settle(desk: Desk, expected_id: int, headline: str, **extra: str) -> int:
    h = desk.harness
    options = {**EVENT, "headline": headline, "date": "19 Sep 2023", "outcome_of": f"#{expected_id}", **extra}
    reply = await h.slash("log event", options, user=h.editor)
    return (await entry_logged_by(desk.database, reply)).id or 0


async def _shown_as_expected_again(desk: Desk, expected_id: int) -> None:
    h = desk.harness
    chronology = (await h.slash("chronology", {"topic": "atacms"}, user=h.reader)).embeds[0]["description"]
    assert "*Expected (anticipated)*" in chronology and "happened on 19 Sep 2023" not in chronology
    listed = card_field(await h.slash("status", {"topic": "atacms"}, user=h.reader), "Expected")
    assert listed is not None and f"`#{expected_id}`" in listed


async def test_retracting_the_settling_entry_reopens_the_expected_one_and_restoring_settles_it_again(
    desk: Desk,
) -> None:
    h = desk.harness
    call = await seeded(desk, "atacms-expected-call")
    call_id = call.id or 0
    later_id = await _settle(desk, call_id, "They spoke")

    retracted = await h.slash("entry retract", {"id": f"#{later_id}", "reason": "Wrong call"}, user=h.editor)
    assert f"`#{call_id}` (anticipated) is expected again" in text_of(retracted)
    reopened = await load_entry(desk.database, call_id)
    assert (reopened.outcome, reopened.outcome_entry_id, reopened.outcome_at) == (None, None, None)
    record = (await audit_of(desk.database, call_id))[-1]
    assert (record.action, record.interaction_id) == ("entry.outcome.cleared", retracted.interaction_id)
    assert record.reason == f"#{later_id} was retracted: Wrong call"
    assert (record.before or {}).get("outcome") == "happened" and (record.after or {}).get("outcome") is None
    await _shown_as_expected_again(desk, call_id)

    restored = await h.slash("entry restore", {"id": f"#{later_id}", "reason": "It was right"}, user=h.editor)
    assert f"Marked `#{call_id}` (anticipated) as happened on 19 Sep 2023 (`#{later_id}`) again." in text_of(restored)
    settled = await load_entry(desk.database, call_id)
    assert (settled.outcome, settled.outcome_entry_id) == ("happened", later_id)
    assert (await audit_of(desk.database, call_id))[-1].action == "entry.outcome"

    history = embed_text((await h.slash("entry history", {"id": f"#{call_id}"}, user=h.editor)).embeds[0])
    assert "Outcome cleared" in history and "**Outcome**: Happened → none" in history
    assert f"reason: \\#{later_id} was retracted: Wrong call" in history
    assert f"reason: \\#{later_id} was restored and says so again" in history


async def test_restoring_keeps_what_another_entry_settled_meanwhile(desk: Desk) -> None:
    h = desk.harness
    call = await seeded(desk, "atacms-expected-call")
    call_id = call.id or 0
    first = await _settle(desk, call_id, "They spoke")
    await h.slash("entry retract", {"id": f"#{first}", "reason": "Wrong call"}, user=h.editor)
    second = await _settle(desk, call_id, "The call was cancelled", outcome="did_not_happen")

    restored = await h.slash("entry restore", {"id": f"#{first}"}, user=h.editor)
    assert not restored.ephemeral
    assert f"`#{call_id}` (anticipated) stays as `#{second}` settled it meanwhile: did not happen" in text_of(restored)
    kept = await load_entry(desk.database, call_id)
    assert (kept.outcome, kept.outcome_entry_id) == ("did_not_happen", second)
    assert (await load_entry(desk.database, first)).retracted_at is None


async def test_undoing_the_settling_entry_reopens_the_expected_one(desk: Desk) -> None:
    h = desk.harness
    window = await seeded(desk, "atacms-hoped-window")
    options = {**EVENT, "headline": "No ATACMS", "outcome_of": f"#{window.id}", "outcome": "did_not_happen"}
    reply = await h.slash("log event", options, user=h.editor)
    later = await entry_logged_by(desk.database, reply)
    clicked = await h.click(buttons(reply)[0]["custom_id"], message=reply.final, user=h.editor)
    assert clicked.response_type == UPDATE_MESSAGE
    assert f"`#{window.id}` (anticipated) is expected again: what `#{later.id}` said" in text_of(clicked)
    reopened = await load_entry(desk.database, window.id or 0)
    assert reopened.outcome is None and reopened.outcome_entry_id is None
    record = (await audit_of(desk.database, window.id or 0))[-1]
    assert (record.action, record.interaction_id) == ("entry.outcome.cleared", clicked.interaction_id)
    assert record.reason is not None and record.reason.startswith(f"#{later.id} was retracted: Undone")
