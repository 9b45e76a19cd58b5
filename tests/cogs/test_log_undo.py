"""The Undo button on a logged entry: by its author in time, and refused otherwise."""

from __future__ import annotations

from typing import Any

from db import audit
from db.models import Entry
from tests.cogs.log_support import (
    STATUS_NOTE,
    UPDATE_MESSAGE,
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    audit_of,
    buttons,
    entry_logged_by,
    load_entry,
)
from tests.harness import Reply
from tests.newsroom import EDITORS_ROLE_A, Desk, db_rows, text_of


# ------------------------------------------------------------------------------------------------
# Undo
# ------------------------------------------------------------------------------------------------
async def _logged(desk: Desk) -> tuple[Reply, Entry, str]:
    reply = await desk.harness.slash(
        "log status",
        {"topic": "atacms", "decision": "approved", "note": STATUS_NOTE, "source": "Reuters"},
        user=desk.harness.editor,
    )
    entry = await entry_logged_by(desk.database, reply)
    return reply, entry, buttons(reply)[0]["custom_id"]


async def test_undo_by_its_author_within_ten_minutes_retracts_with_an_audit_record(desk: Desk) -> None:
    h = desk.harness
    reply, entry, undo = await _logged(desk)
    desk.clock.advance(minutes=9, seconds=59)
    clicked = await h.click(undo, message=reply.final, user=h.editor)
    assert clicked.response_type == UPDATE_MESSAGE
    assert f"Undone `#{entry.id}`" in text_of(clicked) and clicked.final is not None
    assert clicked.components == []  # the button is gone from the message
    undone = await load_entry(desk.database, entry.id or 0)
    assert undone.retracted_at is not None and undone.retraction_reason
    created, record = await audit_of(desk.database, entry.id or 0)
    assert created.action == "entry.create"
    assert (record.action, record.actor_id, record.interaction_id) == (
        "entry.undo",
        h.editor.id,
        clicked.interaction_id,
    )
    assert record.before == audit.snapshot(entry) and record.after == audit.snapshot(undone)
    status = await h.slash("status", {"topic": "atacms"}, user=h.reader)
    assert "Under review" in status.embeds[0]["description"]  # the undone status is no longer current


UNDO_REFUSALS: list[tuple[str, float, str]] = [
    ("admin", 1, "Only the editor who logged this entry can undo it"),
    ("reader", 1, "Only the editor who logged this entry can undo it"),
    ("editor", 10.02, "undo window has passed"),
    ("editor", 60 * 24, "undo window has passed"),
]


async def test_undo_is_refused_late_or_for_anyone_else_and_changes_nothing(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    for who, minutes, refusal in UNDO_REFUSALS:
        with subtests.test(f"{who} after {minutes} min"):
            desk.clock.advance(days=1)  # the entries stay: each of the same status on a day of its own
            reply, _, undo = await _logged(desk)
            desk.clock.advance(minutes=minutes)
            rows = await db_rows(desk.database)
            clicked = await h.click(undo, message=reply.final, user=getattr(h, who))
            assert clicked.ephemeral and refusal in text_of(clicked)
            assert await db_rows(desk.database) == rows


async def test_undo_by_an_author_who_is_no_longer_an_editor_is_refused(desk: Desk) -> None:
    h = desk.harness
    reply, _, undo = await _logged(desk)
    h.set_member_roles(h.guild_a, h.editor, [])
    rows = await db_rows(desk.database)
    clicked = await h.click(undo, message=reply.final, user=h.editor)
    assert clicked.ephemeral and f"<@&{EDITORS_ROLE_A}>" in text_of(clicked)
    assert await db_rows(desk.database) == rows


async def test_undo_pressed_twice_is_refused_the_second_time(desk: Desk) -> None:
    h = desk.harness
    reply, entry, undo = await _logged(desk)
    await h.click(undo, message=reply.final, user=h.editor)
    rows = await db_rows(desk.database)
    again = await h.click(undo, message=reply.final, user=h.editor)
    assert again.ephemeral and "already retracted" in text_of(again)
    assert await db_rows(desk.database) == rows
    assert [r.action for r in await audit_of(desk.database, entry.id or 0)] == ["entry.create", "entry.undo"]
