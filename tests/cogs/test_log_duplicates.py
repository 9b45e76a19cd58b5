"""A live entry logged twice is refused with a pointer to the first, also when two editors send it at
once; a retracted entry does not count, and an edit or a restore cannot make a duplicate either."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from db import writes
from tests.cogs.log_support import (
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    entry_logged_by,
)
from tests.harness import Reply
from tests.newsroom import Desk, db_rows, text_of

STATEMENT = {
    "topic": "atacms",
    "speaker": "Antony Blinken",
    "role": "Secretary of State",
    "text": "We will keep supporting Ukraine, for as long as it takes.",
    "date": "2023-09-12",
    "source": "State Department",
}
# The same speaker, date and words: case, spacing and punctuation differ, and so do the fields that
# are not what was said (role, source).
RETYPED = {
    **STATEMENT,
    "speaker": "antony  BLINKEN",
    "role": "Secretary",
    "text": "we will keep supporting Ukraine for as long as it takes!",
    "source": "Reuters",
}
EVENT = {"topic": "atacms", "headline": "Biden and Zelensky meet", "date": "15 Sep 2023", "source": "AP"}
STATUS = {"topic": "atacms", "decision": "approved", "note": "Approved.", "date": "2023-09-17", "source": "Reuters"}


def logged_id(reply: Reply) -> int:
    match = re.search(r"`#(\d+)`", text_of(reply))
    assert match, text_of(reply)
    return int(match.group(1))


async def refused_as_duplicate_of(desk: Desk, command: str, options: dict[str, Any], first: int) -> None:
    rows = await db_rows(desk.database)
    reply = await desk.harness.slash(command, options, user=desk.harness.editor)
    assert reply.ephemeral and f"already logged as #{first}" in text_of(reply), text_of(reply)
    assert await db_rows(desk.database) == rows


async def test_the_same_statement_retyped_is_refused_with_the_first_ones_id(desk: Desk) -> None:
    first = await desk.harness.slash("log statement", STATEMENT, user=desk.harness.editor)
    first_id = logged_id(first)
    await refused_as_duplicate_of(desk, "log statement", RETYPED, first_id)
    # Another day, other words or another speaker are other statements.
    for change in ({"date": "2023-09-13"}, {"text": "We will keep supporting Ukraine."}, {"speaker": "John Kirby"}):
        reply = await desk.harness.slash("log statement", {**STATEMENT, **change}, user=desk.harness.editor)
        assert not reply.ephemeral and logged_id(reply) != first_id, change


async def test_the_same_event_or_status_change_is_refused(desk: Desk) -> None:
    h = desk.harness
    event = logged_id(await h.slash("log event", EVENT, user=h.editor))
    await refused_as_duplicate_of(
        desk, "log event", {**EVENT, "headline": "Biden and Zelensky meet.", "source": "BBC"}, event
    )
    status = logged_id(await h.slash("log status", STATUS, user=h.editor))
    await refused_as_duplicate_of(desk, "log status", {**STATUS, "note": "Another note"}, status)
    # The same status on another day is a change of its own.
    assert not (await h.slash("log status", {**STATUS, "date": "2023-09-18"}, user=h.editor)).ephemeral


async def test_a_retracted_entry_does_not_count_and_cannot_be_restored_over_its_twin(desk: Desk) -> None:
    h = desk.harness
    first = logged_id(await h.slash("log statement", STATEMENT, user=h.editor))
    retracted = await h.slash("entry retract", {"id": f"#{first}", "reason": "Wrong date"}, user=h.editor)
    assert not retracted.ephemeral
    again = await h.slash("log statement", RETYPED, user=h.editor)
    assert not again.ephemeral
    second = logged_id(again)
    assert second != first
    rows = await db_rows(desk.database)
    restored = await h.slash("entry restore", {"id": f"#{first}"}, user=h.editor)
    assert restored.ephemeral and f"already logged as #{second}" in text_of(restored)
    assert await db_rows(desk.database) == rows


async def test_an_edit_that_would_make_a_duplicate_is_refused(desk: Desk) -> None:
    h = desk.harness
    first = logged_id(await h.slash("log event", EVENT, user=h.editor))
    other = logged_id(await h.slash("log event", {**EVENT, "date": "16 Sep 2023"}, user=h.editor))
    rows = await db_rows(desk.database)
    options = {"id": f"#{other}", "field": "date", "value": "15 Sep 2023", "reason": "Moved"}
    edited = await h.slash("entry edit", options, user=h.editor)
    assert edited.ephemeral and f"already logged as #{first}" in text_of(edited)
    assert await db_rows(desk.database) == rows


async def test_concurrent_identical_logs_store_one_and_refuse_the_others(desk: Desk) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    editors = [h.editor, h.admin, h.owner] * 2
    replies = await asyncio.gather(*(h.slash("log statement", STATEMENT, user=user) for user in editors))
    stored = [r for r in replies if not r.ephemeral]
    assert len(stored) == 1
    first = logged_id(stored[0])
    for reply in replies:
        if reply.ephemeral:
            assert f"already logged as #{first}" in text_of(reply), text_of(reply)
    after = await db_rows(desk.database)
    assert len(after["entry"]) == len(rows["entry"]) + 1
    assert len(after["audit_record"]) == len(rows["audit_record"]) + 1


async def test_a_retried_interaction_is_answered_with_its_entry_not_refused(desk: Desk) -> None:
    h = desk.harness
    first = await h.slash("log statement", STATEMENT, user=h.editor)
    entry = await entry_logged_by(desk.database, first)
    retried = await h.slash("log statement", STATEMENT, user=h.editor, interaction_id=first.interaction_id)
    assert not retried.ephemeral and f"#{entry.id}" in text_of(retried)


async def test_identical_logs_that_all_pass_the_check_before_any_writes_store_one(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check is given time for every editor to pass it before anyone inserts: PostgreSQL runs the
    writes side by side and its unique index refuses all but one; SQLite's writers take turns, so
    each later check sees the first entry."""
    h = desk.harness
    check = writes.refuse_twin

    async def slow_check(*args: Any, **kwargs: Any) -> None:
        await check(*args, **kwargs)
        await asyncio.sleep(0.2)

    monkeypatch.setattr(writes, "refuse_twin", slow_check)
    rows = await db_rows(desk.database)
    replies = await asyncio.gather(*(h.slash("log event", EVENT, user=user) for user in (h.editor, h.admin, h.owner)))
    stored = [r for r in replies if not r.ephemeral]
    assert len(stored) == 1
    first = logged_id(stored[0])
    assert all(f"already logged as #{first}" in text_of(r) for r in replies if r.ephemeral)
    after = await db_rows(desk.database)
    assert len(after["entry"]) == len(rows["entry"]) + 1


async def test_a_restore_racing_a_log_of_the_same_entry_leaves_one_live(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = desk.harness
    first = logged_id(await h.slash("log event", EVENT, user=h.editor))
    assert not (await h.slash("entry retract", {"id": f"#{first}", "reason": "Unsure"}, user=h.editor)).ephemeral
    check = writes.refuse_twin

    async def slow_check(*args: Any, **kwargs: Any) -> None:
        await check(*args, **kwargs)
        await asyncio.sleep(0.2)

    monkeypatch.setattr(writes, "refuse_twin", slow_check)
    restore, log = await asyncio.gather(
        h.slash("entry restore", {"id": f"#{first}"}, user=h.editor), h.slash("log event", EVENT, user=h.admin)
    )
    assert [restore.ephemeral, log.ephemeral].count(True) == 1, (text_of(restore), text_of(log))
    refusal = text_of(restore if restore.ephemeral else log)
    assert "already logged as #" in refusal or "just logged or restored the same entry" in refusal
