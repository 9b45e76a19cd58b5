"""After a status change: the Update summary button, its prefilled form, and the card's stale-summary mark.

The form is stored (bot.forms): it can be sent after a restart, only by whoever opened it, and never
over a summary someone else saved after it opened.
"""

from __future__ import annotations

import copy
from typing import Any

from db import audit
from db.engine import Database
from tests.cogs.form_support import EXPIRED, FORGED_TOKENS, pending_forms, refused_form
from tests.cogs.log_support import (
    MODAL,
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    buttons,
    embed_text,
)
from tests.cogs.test_topic import topic_audit, topic_named
from tests.harness import GUILD_B_ID, Reply
from tests.harness.core import EDITOR_ID
from tests.hostile.checker import error_log
from tests.newsroom import EDITORS_ROLE_A, Desk, FakeClock, db_rows, prepare_newsrooms, running_desk, text_of

STALE = "Summary written before the current status"
SUMMARY = "The White House approved a first batch; delivery has not been announced."


def fields(reply: Reply) -> dict[str, dict[str, Any]]:
    """The form's text inputs by label."""
    assert reply.modal is not None
    found = [c for row in reply.modal["components"] for c in row.get("components", [row.get("component")])]
    return {field["label"]: field for field in found}


async def log_approval(desk: Desk) -> tuple[Reply, str]:
    h = desk.harness
    logged = await h.slash(
        "log status",
        {"topic": "atacms", "decision": "approved", "note": "Approved.", "date": "2023-09-19", "source": "Reuters"},
        user=h.editor,
    )
    [button] = [b for b in buttons(logged) if b["label"] == "Update summary"]
    return logged, button["custom_id"]


async def press(desk: Desk, logged: Reply, custom_id: str, user: Any = None) -> tuple[str, dict[str, str]]:
    """Press Update summary: the form's id, its fields' ids by label."""
    opened = await desk.harness.click(custom_id, message=logged.final, user=user or desk.harness.editor)
    assert opened.modal is not None, opened
    return opened.modal["custom_id"], {label: field["custom_id"] for label, field in fields(opened).items()}


async def open_form(desk: Desk) -> tuple[str, dict[str, str]]:
    """Log a status change and open its Update summary form as the editor."""
    return await press(desk, *await log_approval(desk))


def typed(ids: dict[str, str], summary: str = SUMMARY, reason: str = "Approval announced") -> dict[str, str]:
    return {ids["Summary"]: summary, ids["Reason"]: reason}


async def card_text(desk: Desk) -> str:
    card = await desk.harness.slash("status", {"topic": "atacms"}, user=desk.harness.reader)
    return embed_text(card.embeds[0])


async def test_the_card_marks_the_summary_after_a_status_change_until_the_form_updates_it(desk: Desk) -> None:
    h = desk.harness
    assert STALE not in await card_text(desk)  # the seeded summary describes the seeded status
    logged, custom_id = await log_approval(desk)
    topic = await topic_named(desk.database, "atacms")
    assert custom_id == f"nd1:summary:{topic.id}"
    assert STALE in await card_text(desk)

    opened = await h.click(custom_id, message=logged.final, user=h.editor)
    assert opened.response_type == MODAL
    form = fields(opened)
    assert form["Summary"]["value"] == topic.summary and form["Next step"]["value"] == topic.next_step
    assert form["Reason"].get("value") in (None, "")
    assert opened.modal is not None
    submitted = await h.submit_modal(
        opened.modal["custom_id"],
        {form["Summary"]["custom_id"]: SUMMARY, form["Reason"]["custom_id"]: "Approval announced"},
        user=h.editor,
    )
    assert not submitted.ephemeral and "Updated the summary and next step" in text_of(submitted)
    saved = await topic_named(desk.database, "atacms")
    assert (saved.summary, saved.next_step) == (SUMMARY, topic.next_step)
    record = (await topic_audit(desk.database, saved.id or 0))[-1]
    assert (record.action, record.actor_id, record.reason) == ("topic.summary", h.editor.id, "Approval announced")
    assert record.before == audit.snapshot(topic) and record.after == audit.snapshot(saved)
    text = await card_text(desk)
    assert SUMMARY in text and STALE not in text


async def test_submitting_the_form_unchanged_confirms_the_summary(desk: Desk) -> None:
    h = desk.harness
    form, ids = await open_form(desk)
    submitted = await h.submit_modal(form, {ids["Reason"]: "Still right"}, user=h.editor)
    assert not submitted.ephemeral
    topic = await topic_named(desk.database, "atacms")
    record = (await topic_audit(desk.database, topic.id or 0))[-1]
    assert (record.action, record.reason, record.before == record.after) == (
        "topic.summary.confirm",
        "Still right",
        True,
    )
    assert STALE not in await card_text(desk)
    history = await h.slash("topic history", {"topic": "atacms"}, user=h.editor)
    assert "Summary confirmed as current" in embed_text(history.embeds[0])


async def test_a_new_delivery_marks_the_summary_and_an_expected_status_change_does_not(desk: Desk) -> None:
    h = desk.harness
    form, ids = await open_form(desk)  # after a new decision
    await h.submit_modal(form, {ids["Reason"]: "Still right"}, user=h.editor)
    assert STALE not in await card_text(desk)
    promised = {"topic": "atacms", "delivery": "delivered", "note": "Promised", "expected": "promised", "source": "AP"}
    await h.slash("log status", promised, user=h.editor)
    assert STALE not in await card_text(desk)  # expected: current on neither axis
    announced = {"topic": "atacms", "delivery": "announced", "note": "Announced", "date": "20 Sep 2023", "source": "AP"}
    await h.slash("log status", announced, user=h.editor)
    assert STALE in await card_text(desk)  # the delivery moved, the decision did not


async def test_a_non_editor_gets_no_form_and_cannot_submit_one(desk: Desk) -> None:
    h = desk.harness
    logged, custom_id = await log_approval(desk)
    rows = await db_rows(desk.database)
    pressed = await h.click(custom_id, message=logged.final, user=h.reader)
    assert pressed.response_type == 4 and pressed.ephemeral and f"<@&{EDITORS_ROLE_A}>" in text_of(pressed)
    assert await db_rows(desk.database) == rows and await pending_forms(desk.database) == 0
    # An editor opened the form, then lost the role before sending it: checked again on submit.
    form, ids = await press(desk, logged, custom_id)
    h.world.set_roles(h.guild_a, h.editor, [])
    text = await refused_form(desk, form, typed(ids, "Hijacked"), ["Hijacked"], user=h.editor)
    assert f"<@&{EDITORS_ROLE_A}>" in text


async def test_a_forged_or_foreign_button_opens_nothing(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    logged, custom_id = await log_approval(desk)
    rows = await db_rows(desk.database)
    with subtests.test("no such topic"):
        forged = await h.click("nd1:summary:987654321", user=h.editor)
        assert forged.ephemeral and "No topic matches `#987654321`" in text_of(forged)
    with subtests.test("guild A's topic from guild B"):
        forwarded = {**(logged.final or {}), "id": "1", "channel_id": str(h.guild_b.channel.id)}
        foreign = await h.click(custom_id, message=forwarded, user=h.other_guild_user, guild=GUILD_B_ID)
        assert foreign.ephemeral and "No topic matches" in text_of(foreign)
        assert "ATACMS" not in text_of(foreign)
    assert await db_rows(desk.database) == rows


async def test_a_refused_form_hands_back_what_was_typed(desk: Desk) -> None:
    h = desk.harness
    form, ids = await open_form(desk)
    rows = await db_rows(desk.database)
    sent = await h.submit_modal(form, {ids["Summary"]: "Ask <@1> about it", ids["Reason"]: "x"}, user=h.editor)
    assert sent.ephemeral and "mention syntax" in text_of(sent) and "Ask" in text_of(sent)
    assert await db_rows(desk.database) == rows


async def test_only_a_status_change_offers_the_button(desk: Desk) -> None:
    h = desk.harness
    event = await h.slash("log event", {"topic": "atacms", "headline": "Talks", "source": "AP"}, user=h.editor)
    assert [b["label"] for b in buttons(event)] == ["Undo"]


async def test_the_button_works_after_a_restart(database: Database) -> None:
    await prepare_newsrooms(database)
    clock = FakeClock()
    async with running_desk(database, clock) as desk:
        logged, custom_id = await log_approval(desk)
    async with running_desk(database, clock) as desk:
        opened = await desk.harness.click(custom_id, message=logged.final, user=desk.harness.editor)
        assert opened.response_type == MODAL and fields(opened)["Summary"]["value"]


async def test_a_form_opened_before_a_restart_is_saved_after_it_with_one_audit_record(database: Database) -> None:
    await prepare_newsrooms(database)
    clock = FakeClock()
    async with running_desk(database, clock) as first:
        form, ids = await open_form(first)
    topic = await topic_named(database, "atacms")
    records = await topic_audit(database, topic.id or 0)
    assert await pending_forms(database) == 1
    clock.advance(hours=23)
    # A new bot process on the same database: nothing of the form is left in memory.
    with error_log() as log:
        async with running_desk(database, clock) as second:
            h = second.harness
            # Discord's client sends every field of the form it still shows, the prefilled ones too.
            values = typed(ids) | {ids["Next step"]: topic.next_step}
            submitted = await h.submit_modal(form, values, user=h.editor)
            assert submitted.response_type == 4 and not submitted.ephemeral, submitted
            assert "Updated the summary and next step" in text_of(submitted)
    assert log.take() == []
    saved = await topic_named(database, "atacms")
    assert (saved.summary, saved.next_step) == (SUMMARY, topic.next_step)
    [record] = (await topic_audit(database, topic.id or 0))[len(records) :]
    assert (record.action, record.actor_id, record.reason) == ("topic.summary", EDITOR_ID, "Approval announced")
    assert record.interaction_id == submitted.interaction_id


async def test_a_summary_saved_by_someone_else_after_the_form_opened_is_not_overwritten(desk: Desk) -> None:
    h = desk.harness
    logged, custom_id = await log_approval(desk)
    mine, my_ids = await press(desk, logged, custom_id)
    theirs, their_ids = await press(desk, logged, custom_id, h.admin)
    first = await h.submit_modal(theirs, typed(their_ids, "Their summary", "First"), user=h.admin)
    assert not first.ephemeral, first
    text = await refused_form(desk, mine, typed(my_ids, reason="Mine"), [SUMMARY, "Mine"], user=h.editor)
    assert "changed the summary or next step of `atacms` after you opened this form" in text
    assert (await topic_named(desk.database, "atacms")).summary == "Their summary"
    # Pressed again, the form starts from their text, and sends.
    again, ids = await press(desk, logged, custom_id)
    assert not (await h.submit_modal(again, typed(ids), user=h.editor)).ephemeral
    assert (await topic_named(desk.database, "atacms")).summary == SUMMARY


async def test_a_confirmation_or_title_edit_in_between_is_no_conflict(desk: Desk) -> None:
    h = desk.harness
    logged, custom_id = await log_approval(desk)
    mine, my_ids = await press(desk, logged, custom_id)
    theirs, their_ids = await press(desk, logged, custom_id, h.admin)
    assert not (await h.submit_modal(theirs, {their_ids["Reason"]: "Still right"}, user=h.admin)).ephemeral
    edited = await h.slash("topic edit", {"topic": "atacms", "title": "ATACMS", "reason": "Short"}, user=h.admin)
    assert not edited.ephemeral, edited
    assert not (await h.submit_modal(mine, typed(my_ids), user=h.editor)).ephemeral
    assert (await topic_named(desk.database, "atacms")).summary == SUMMARY


async def test_a_retried_delivery_is_answered_the_same_and_a_sent_form_is_used_up(desk: Desk) -> None:
    h = desk.harness
    form, ids = await open_form(desk)
    first = await h.submit_modal(form, typed(ids), user=h.editor)
    assert not first.ephemeral, first
    rows = await db_rows(desk.database)
    retried = await h.dispatch(copy.deepcopy(first.payload))  # the same interaction, delivered again
    assert not retried.ephemeral and text_of(retried) == text_of(first)
    assert await db_rows(desk.database) == rows
    assert EXPIRED in await refused_form(desk, form, typed(ids, "Again"), ["Again"], user=h.editor)


async def test_an_expired_forged_or_someone_elses_form_is_refused_with_the_typed_text(desk: Desk) -> None:
    h = desk.harness
    form, ids = await open_form(desk)
    values, back = typed(ids), [SUMMARY, "Approval announced"]
    for who in (h.admin, h.reader, h.other_guild_user):  # another editor, a reader, another newsroom
        assert EXPIRED in await refused_form(desk, form, values, back, user=who), who
    for forged in [form + "x", *("nd1:form:" + token for token in FORGED_TOKENS)]:
        assert EXPIRED in await refused_form(desk, forged, values, back, user=h.editor), forged
    desk.clock.advance(hours=24, seconds=1)
    assert EXPIRED in await refused_form(desk, form, values, back, user=h.editor)
