"""The editors' channel is asked about an expected entry whose date has passed, once; its buttons open a
form whose answer settles the entry as `/log event ... outcome_of:` would. Driven through dispatch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from db.models import Entry
from tests.cogs.log_support import MODAL, audit_of, buttons, entry_logged_by, load_entry
from tests.digest.support import ChannelStore, utc
from tests.harness import Reply
from tests.newsroom import Desk, db_rows, text_of
from tests.reminders.support import alerts, posted, runner, set_channel, tick, titled

QUESTION = "Did it happen?"
NOW = utc(2026, 3, 20, 12, 0)
SUMMIT = {"topic": "atacms", "headline": "Summit on deliveries", "source": "Reuters"}


async def expect_summit(desk: Desk, date: str = "25 Mar 2026", **extra: str) -> Entry:
    reply = await desk.harness.slash(
        "log event", {**SUMMIT, "expected": "scheduled", "date": date, **extra}, user=desk.harness.editor
    )
    return await entry_logged_by(desk.database, reply)


def questions_about(store: ChannelStore, channel: int, entry_id: int) -> list[dict[str, Any]]:
    return [m for m in titled(posted(store, channel), QUESTION) if f"#{entry_id}:" in m["embeds"][0]["description"]]


def question_message(store: ChannelStore, channel: int, entry_id: int) -> dict[str, Any]:
    """The question as Discord stores it, with the buttons the bot sent (the store keeps no components)."""
    [message] = questions_about(store, channel, entry_id)
    [send] = [c for c in store.sends(channel) if f"#{entry_id}:" in str((c.json or {}).get("embeds"))]
    return {**message, "components": (send.json or {})["components"]}


def button_ids(message: dict[str, Any]) -> dict[str, str]:
    return {b["label"]: b["custom_id"] for row in message["components"] for b in row["components"]}


async def ask(desk: Desk, store: ChannelStore) -> tuple[Entry, dict[str, Any]]:
    channel = alerts(desk.harness)
    await set_channel(desk.bot, channel)
    entry = await expect_summit(desk)
    assert entry.id is not None
    desk.clock.now = NOW + dt.timedelta(days=6)
    await tick(runner(desk.bot), desk.clock.now)
    return entry, question_message(store, channel, entry.id)


async def test_the_question_comes_once_the_date_has_passed_and_only_once(room: Desk, store: ChannelStore) -> None:
    channel = alerts(room.harness)
    await set_channel(room.bot, channel)
    entry = await expect_summit(room)
    assert entry.id is not None
    proc = runner(room.bot)
    for day in (0, 3, 5):  # up to and on the expected day: not yet
        await tick(proc, NOW + dt.timedelta(days=day))
    assert questions_about(store, channel, entry.id) == []
    await tick(proc, NOW + dt.timedelta(days=6))
    message = question_message(store, channel, entry.id)
    assert "Summit on deliveries" in message["embeds"][0]["description"]
    assert "Scheduled for **25 Mar 2026**" in message["embeds"][0]["description"]
    ids = button_ids(message)
    assert ids == {"Happened": f"nd1:expq:{entry.id}:h", "Did not happen": f"nd1:expq:{entry.id}:n"}
    assert store.allowed_mentions[message["id"]] == {"parse": []}
    for day in (7, 14, 60):
        await tick(proc, NOW + dt.timedelta(days=day))
    assert len(questions_about(store, channel, entry.id)) == 1


async def test_settled_retracted_and_undated_expected_entries_are_not_asked_about(
    room: Desk, store: ChannelStore
) -> None:
    h, channel = room.harness, alerts(room.harness)
    await set_channel(room.bot, channel)
    asked = await expect_summit(room, headline="Asked summit")
    settled = await expect_summit(room, headline="Settled summit")
    retracted = await expect_summit(room, headline="Retracted summit")
    undated = await expect_summit(room, headline="Undated summit", date="not announced")
    logged = await h.slash(
        "log event",
        {**SUMMIT, "headline": "Summit held early", "outcome_of": f"#{settled.id}", "date": "20 Mar 2026"},
        user=h.editor,
    )
    assert (await load_entry(room.database, settled.id or 0)).outcome == "happened", text_of(logged)
    await h.slash("entry retract", {"id": f"#{retracted.id}", "reason": "Never scheduled"}, user=h.editor)
    undo_logged = await h.slash(
        "log event",
        {**SUMMIT, "headline": "Undone summit", "expected": "scheduled", "date": "25 Mar 2026"},
        user=h.editor,
    )
    undone = await entry_logged_by(room.database, undo_logged)
    [undo] = [b["custom_id"] for b in buttons(undo_logged) if b["label"] == "Undo"]
    await h.click(undo, message=undo_logged.final, user=h.editor)
    assert (await load_entry(room.database, undone.id or 0)).retracted_at is not None
    await tick(runner(room.bot), NOW + dt.timedelta(days=30))
    assert asked.id is not None and len(questions_about(store, channel, asked.id)) == 1
    for entry in (settled, retracted, undated, undone):
        assert entry.id is not None and questions_about(store, channel, entry.id) == []


async def test_an_editor_answers_through_the_form_and_the_entry_is_settled_as_log_would(
    room: Desk, store: ChannelStore
) -> None:
    h = room.harness
    entry, message = await ask(room, store)
    assert entry.id is not None
    opened = await h.click(button_ids(message)["Did not happen"], message=message, user=h.editor)
    assert opened.response_type == MODAL and opened.modal is not None, opened
    assert opened.modal["title"] == f"Did not happen: #{entry.id}"
    answered = await h.submit_modal(
        opened.modal["custom_id"], {"source": "AP", "url": "https://apnews.com/x", "note": "Postponed"}, user=h.editor
    )
    assert not answered.ephemeral and "Logged" in text_of(answered)
    settled = await load_entry(room.database, entry.id)
    later = await entry_logged_by(room.database, answered)
    assert (settled.outcome, settled.outcome_entry_id, settled.outcome_by) == ("did_not_happen", later.id, h.editor.id)
    assert (later.kind, later.headline, later.source_name, later.details) == (
        "event",
        "Did not happen: Summit on deliveries",
        "AP",
        "Postponed",
    )
    assert later.date_earliest == dt.date(2026, 3, 26)
    assert [a.action for a in await audit_of(room.database, entry.id)][-1] == "entry.outcome"
    assert answered.allowed_mentions == {"parse": []}

    # The same question, clicked again: already settled, said clearly, nothing changes.
    before = await db_rows(room.database)
    again = await h.click(button_ids(message)["Happened"], message=message, user=h.editor)
    assert again.ephemeral and again.modal is None and "already has its outcome" in text_of(again)
    assert await db_rows(room.database) == before


async def test_a_form_submitted_after_the_entry_was_settled_meanwhile_changes_nothing(
    room: Desk, store: ChannelStore
) -> None:
    h = room.harness
    entry, message = await ask(room, store)
    opened = await h.click(button_ids(message)["Happened"], message=message, user=h.editor)
    assert opened.modal is not None
    await h.slash("log event", {**SUMMIT, "headline": "Summit held", "outcome_of": f"#{entry.id}"}, user=h.editor)
    before = await db_rows(room.database)
    late = await h.submit_modal(opened.modal["custom_id"], {"source": "AP"}, user=h.editor)
    assert late.ephemeral and "already has its outcome" in text_of(late)
    assert await db_rows(room.database) == before


async def test_only_editors_of_the_newsroom_may_answer_and_forged_ids_are_refused(
    room: Desk, store: ChannelStore
) -> None:
    h = room.harness
    entry, message = await ask(room, store)
    before = await db_rows(room.database)

    def refused(reply: Reply, words: str) -> None:
        assert reply.ephemeral and reply.modal is None and words in text_of(reply), reply

    refused(await h.click(button_ids(message)["Happened"], message=message, user=h.reader), "editor")
    # Guild B's editor pressing guild A's entry id, in guild B: no such entry there.
    other = await h.click(
        f"nd1:expq:{entry.id}:h", user=h.other_guild_user, guild=h.guild_b, channel=h.guild_b.channels[0]
    )
    refused(other, f"#{entry.id}")
    for forged in ("nd1:expq:0:h", "nd1:expq:99999999999:h", f"nd1:expq:{entry.id}:x", "nd1:expq:4294967295:n"):
        refused(await h.click(forged, user=h.editor), "out of date or invalid")
    assert await db_rows(room.database) == before
