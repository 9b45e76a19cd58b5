"""Every fact sourced: /log and /entry edit need a source or an unsourced reason, and readers see the mark."""

from __future__ import annotations

from typing import Any

from db import audit
from tests.cogs.log_support import (
    MODAL,
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    audit_of,
    embed_text,
    entry_logged_by,
    load_entry,
)
from tests.newsroom import Desk, db_rows, text_of

WHY = "Seen by our reporter, not yet published"
MINIMAL: dict[str, dict[str, str]] = {
    "log status": {"topic": "atacms", "decision": "approved", "note": "Approved."},
    "log statement": {"topic": "atacms", "speaker": "Matthew Miller", "text": "No decision yet."},
    "log event": {"topic": "atacms", "headline": "Talks in Kyiv"},
}


async def test_log_without_a_source_or_unsourced_reason_is_refused_naming_both_ways_out(
    desk: Desk, subtests: Any
) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for command, options in MINIMAL.items():
        for label, extra, message in [
            ("neither", {}, "Give a `source`"),
            ("both", {"source": "AP", "unsourced": WHY}, "not both: drop `unsourced`"),
            ("url with the reason", {"url": "https://apnews.com/x", "unsourced": WHY}, "not both"),
            ("url alone", {"url": "https://apnews.com/x"}, "A `url` needs a `source` name"),
        ]:
            with subtests.test(f"{command} {label}"):
                reply = await h.slash(command, {**options, **extra}, user=h.editor)
                assert reply.response_type == 4 and reply.ephemeral
                assert message in text_of(reply) and "Nothing was saved" in text_of(reply)
                if label == "neither":
                    assert "`unsourced`" in text_of(reply)
                assert await db_rows(desk.database) == rows


async def test_a_statement_without_text_is_refused_before_its_form_opens_and_opens_when_unsourced(desk: Desk) -> None:
    h = desk.harness
    options = {"topic": "atacms", "speaker": "Matthew Miller"}
    refused = await h.slash("log statement", options, user=h.editor)
    assert refused.ephemeral and "Give a `source`" in text_of(refused)
    opened = await h.slash("log statement", {**options, "unsourced": WHY}, user=h.editor)
    assert opened.response_type == MODAL and opened.modal is not None
    [field] = [c for row in opened.modal["components"] for c in row.get("components", [row.get("component")])]
    submitted = await h.submit_modal(opened.modal["custom_id"], {field["custom_id"]: "Not yet."}, user=h.editor)
    entry = await entry_logged_by(desk.database, submitted)
    assert (entry.source_name, entry.source_url, entry.unsourced_reason) == ("", None, WHY)
    assert f"Unsourced: {WHY}" in embed_text(submitted.embeds[0])


async def test_readers_see_the_unsourced_mark_wherever_the_source_would_be(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    mark = f"Unsourced: {WHY}"
    status = await h.slash(
        "log status", {**MINIMAL["log status"], "date": "2023-09-19", "unsourced": WHY}, user=h.editor
    )
    statement = await h.slash(
        "log statement", {**MINIMAL["log statement"], "date": "2023-09-19", "unsourced": WHY}, user=h.editor
    )
    event = await h.slash("log event", {**MINIMAL["log event"], "unsourced": WHY}, user=h.editor)
    for reply in (status, statement, event):
        assert not reply.ephemeral and mark in embed_text(reply.embeds[0])
    entry = await entry_logged_by(desk.database, event)
    assert entry.unsourced_reason == WHY and entry.source_name == ""
    with subtests.test("card"):
        card = await h.slash("status", {"topic": "atacms"}, user=h.reader)
        text = embed_text(card.embeds[0])
        assert f"Approved. ({mark})" in text  # the status line
        assert f"Quote · {mark}" in text and "Source: Unsourced" not in text  # the latest statement
    with subtests.test("chronology"):
        chronology = await h.slash("chronology", {"topic": "atacms", "since": "2023-09-19"}, user=h.reader)
        assert embed_text(chronology.embeds[0]).count(mark) == 3
    with subtests.test("latest"):
        latest = await h.slash("latest", {"topic": "atacms", "count": 1}, user=h.reader)
        assert mark in embed_text(latest.embeds[0])
    with subtests.test("status history"):
        history = await h.slash("status", {"topic": "atacms", "history": True}, user=h.reader)
        assert mark in embed_text(history.embeds[-1])
    with subtests.test("entry"):
        edited = await h.slash(
            "entry edit", {"id": f"#{entry.id}", "field": "headline", "value": "Talks in Lviv"}, user=h.editor
        )
        assert mark in embed_text(edited.embeds[0])


async def test_an_edit_cannot_strip_a_source_and_switching_keeps_one_of_the_two(desk: Desk) -> None:
    h = desk.harness
    logged = await h.slash(
        "log event", {**MINIMAL["log event"], "source": "AP", "url": "https://apnews.com/x"}, user=h.editor
    )
    entry = await entry_logged_by(desk.database, logged)
    ref = f"#{entry.id}"
    rows = await db_rows(desk.database)
    stripped = await h.slash("entry edit", {"id": ref, "field": "source", "value": "-"}, user=h.editor)
    assert stripped.ephemeral and "An entry keeps a source" in text_of(stripped) and "`unsourced`" in text_of(stripped)
    assert await db_rows(desk.database) == rows

    marked = await h.slash(
        "entry edit", {"id": ref, "field": "unsourced", "value": WHY, "reason": "Source withdrew"}, user=h.editor
    )
    assert not marked.ephemeral and f"Unsourced: {WHY}" in embed_text(marked.embeds[0])
    now = await load_entry(desk.database, entry.id or 0)
    assert (now.source_name, now.source_url, now.unsourced_reason) == ("", None, WHY)
    record = (await audit_of(desk.database, entry.id or 0))[-1]
    assert record.before is not None and record.before["source_name"] == "AP"
    assert record.after == audit.snapshot(now)

    rows = await db_rows(desk.database)
    for field, value, message in [
        ("unsourced", "-", "needs a source before its mark can go"),
        ("url", "https://apnews.com/y", "A `url` needs a `source` name"),
    ]:
        refused = await h.slash("entry edit", {"id": ref, "field": field, "value": value}, user=h.editor)
        assert refused.ephemeral and message in text_of(refused), field
    assert await db_rows(desk.database) == rows

    sourced = await h.slash("entry edit", {"id": ref, "field": "source", "value": "Reuters"}, user=h.editor)
    assert not sourced.ephemeral and "Unsourced" not in embed_text(sourced.embeds[0])
    now = await load_entry(desk.database, entry.id or 0)
    assert (now.source_name, now.unsourced_reason) == ("Reuters", None)
    history = await h.slash("entry history", {"id": ref}, user=h.editor)
    assert f"**Unsourced**: {WHY} → none" in embed_text(history.embeds[0])
