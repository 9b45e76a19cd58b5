"""/entry edit|retract|restore|history: corrections in the open, each with exactly one audit record."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from bot.render.text import local_time
from db import audit, writes
from db.engine import Database
from db.models import AuditRecord, Entry, Topic
from tests.harness import DiscordHarness
from tests.newsroom import EDITORS_ROLE_A, Desk, db_rows, text_of

REPO = Path(__file__).resolve().parents[2]


async def seeded(database: Database, seed_key: str) -> Entry:
    async with database.read() as session:
        return (await session.execute(select(Entry).where(Entry.seed_key == seed_key))).scalars().one()


async def load_entry(database: Database, entry_id: int) -> Entry:
    async with database.read() as session:
        entry = await session.get(Entry, entry_id)
    assert entry is not None
    return entry


async def audit_of(database: Database, entry_id: int) -> list[AuditRecord]:
    async with database.read() as session:
        stmt = select(AuditRecord).where(AuditRecord.entry_id == entry_id).order_by(col(AuditRecord.id))
        return list((await session.execute(stmt)).scalars())


def embed_text(embed: dict[str, Any]) -> str:
    parts = [embed.get("title", ""), embed.get("description", ""), (embed.get("footer") or {}).get("text", "")]
    for field in embed.get("fields", []):
        parts += [field["name"], field["value"]]
    return "\n".join(parts)


async def chronology_text(h: DiscordHarness[Any]) -> str:
    reply = await h.slash("chronology", {"topic": "atacms"}, user=h.reader)
    return reply.embeds[0]["description"]


async def latest_text(h: DiscordHarness[Any]) -> str:
    reply = await h.slash("latest", {"topic": "atacms", "count": 10}, user=h.reader)
    return "\n".join(embed_text(e) for e in reply.embeds)


def corrected_on(entry: Entry) -> str:
    assert entry.edited_at is not None
    return f"(corrected {local_time(entry.edited_at, 'UTC').rsplit(' ', 2)[0]})"


# ------------------------------------------------------------------------------------------------
# edit
# ------------------------------------------------------------------------------------------------
async def test_edit_corrects_one_field_with_one_audit_record_and_readers_see_it_marked(desk: Desk) -> None:
    h = desk.harness
    miller = await seeded(desk.database, "atacms-miller-sep11")
    before_rows = await db_rows(desk.database)
    reply = await h.slash(
        "entry edit",
        {"id": f"#{miller.id}", "field": "text", "value": "No new decision on ATACMS.", "reason": "Closer wording"},
        user=h.editor,
    )
    assert not reply.ephemeral and f"Corrected `#{miller.id}`" in text_of(reply)
    edited = await load_entry(desk.database, miller.id or 0)
    assert edited.text == "No new decision on ATACMS." and edited.edited_at is not None
    after_rows = await db_rows(desk.database)
    new_records = after_rows["audit_record"][len(before_rows["audit_record"]) :]
    assert len(new_records) == 1 and len(after_rows["entry"]) == len(before_rows["entry"])
    record = new_records[0]
    assert (record["action"], record["entry_id"], record["actor_id"], record["reason"]) == (
        "entry.edit",
        miller.id,
        h.editor.id,
        "Closer wording",
    )
    assert record["before"] == audit.snapshot(miller) and record["after"] == audit.snapshot(edited)
    assert {k for k in record["before"] if record["before"][k] != record["after"][k]} == {"text"}
    marker = corrected_on(edited)
    assert marker in await latest_text(h)
    assert marker in await chronology_text(h)


async def test_edit_of_a_status_note_shows_corrected_in_the_chronology(desk: Desk) -> None:
    h = desk.harness
    status = await seeded(desk.database, "atacms-status-review")
    await h.slash("entry edit", {"id": str(status.id), "field": "note", "value": "Still weighed."}, user=h.editor)
    edited = await load_entry(desk.database, status.id or 0)
    line = next(line for line in (await chronology_text(h)).split("\n\n") if f"#{status.id}" in line)
    assert "Still weighed." in line and corrected_on(edited) in line


async def test_edit_date_is_read_relative_to_the_newsrooms_today(desk: Desk) -> None:
    h = desk.harness
    await h.slash("settings timezone", {"timezone": "Pacific/Kiritimati"}, user=h.admin)  # UTC+14
    desk.clock.now = dt.datetime(2023, 9, 20, 12, 0, tzinfo=dt.UTC)  # 21 Sep in the newsroom
    status = await seeded(desk.database, "atacms-status-review")
    reply = await h.slash("entry edit", {"id": f"#{status.id}", "field": "date", "value": "today"}, user=h.editor)
    assert not reply.ephemeral
    edited = await load_entry(desk.database, status.id or 0)
    assert (edited.date_precision, edited.date_earliest) == ("day", dt.date(2023, 9, 21))


GOOD_EDITS: list[tuple[str, str, str, str, Any]] = [
    ("atacms-status-review", "decision", "On hold", "decision", "on_hold"),
    ("atacms-status-review", "url", "https://www.whitehouse.gov/x", "source_url", "https://www.whitehouse.gov/x"),
    ("atacms-status-review", "url", "-", "source_url", None),
    ("atacms-kirby-interview", "speaker", "Adm. John Kirby", "speaker_key", "adm. john kirby"),
    ("atacms-kirby-interview", "kind", "summary", "statement_kind", "summary"),
    ("atacms-kirby-interview", "context", "-", "context", None),
    ("atacms-hoped-window", "end", "Q4 2023", "end_precision", "quarter"),
]


async def test_edit_stores_each_kind_of_field_validated_as_when_logged(desk: Desk, subtests: Any) -> None:
    for seed_key, field, value, column, stored in GOOD_EDITS:
        with subtests.test(f"{field}={value}"):
            entry = await seeded(desk.database, seed_key)
            records = len(await audit_of(desk.database, entry.id or 0))
            reply = await desk.harness.slash("entry edit", {"id": str(entry.id), "field": field, "value": value})
            assert not reply.ephemeral, reply.content
            assert getattr(await load_entry(desk.database, entry.id or 0), column) == stored
            after = await audit_of(desk.database, entry.id or 0)
            assert len(after) == records + 1 and after[-1].action == "entry.edit"


BAD_EDITS: list[tuple[str, str, str, str, str]] = [
    ("wrong field for kind", "atacms-status-review", "speaker", "Kirby", "A status entry has no `speaker` field"),
    ("same value", "atacms-kirby-interview", "speaker", "John Kirby", "Nothing to change"),
    ("empty required", "atacms-kirby-interview", "text", "   ", "`text` can't be empty"),
    ("mention", "atacms-kirby-interview", "text", "Thanks @here", "mention syntax"),
    ("bad decision", "atacms-status-review", "decision", "maybe", "`decision` must be one of: Under review, Approved"),
    ("bad kind", "atacms-kirby-interview", "kind", "rumour", "`kind` must be quote, paraphrase or summary"),
    ("bad date", "atacms-status-review", "date", "31 Feb 2023", "February 2023 has no day 31"),
    ("vague date", "atacms-status-review", "date", "soon", "Could not read"),
    ("end before date", "atacms-expected-call", "end", "Jan 2023", "`end` is before the entry's date"),
    ("bad url", "atacms-status-review", "url", "ftp://state.gov/x", "`url` is not valid"),
    ("markdown url", "atacms-status-review", "url", "https://x.org)[y](https://evil.example", "`url` is not valid"),
    ("overlong speaker", "atacms-kirby-interview", "speaker", "K" * 101, "the maximum is 100"),
    ("strip the source", "atacms-expected-call", "source", "-", "An entry keeps a source"),
    ("overlong source", "atacms-kirby-interview", "source", "s" * 201, "the maximum is 200"),
]


async def test_bad_edits_get_a_clear_ephemeral_error_and_change_nothing(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for label, seed_key, field, value, message in BAD_EDITS:
        with subtests.test(label):
            entry = await seeded(desk.database, seed_key)
            reply = await h.slash("entry edit", {"id": f"#{entry.id}", "field": field, "value": value}, user=h.editor)
            assert reply.ephemeral and message in text_of(reply)
            assert await db_rows(desk.database) == rows


BAD_IDS: list[tuple[str, str]] = [
    ("#999999", "No entry `#999999` in this newsroom"),
    ("0", "No entry `#0` in this newsroom"),
    ("#2147483648", "No entry `#2147483648` in this newsroom"),  # past a 32-bit id column
    ("#999999999999999999", "No entry `#999999999999999999` in this newsroom"),
    ("abc", "is not an entry id"),
    ("#-3", "is not an entry id"),
    ("4 2", "is not an entry id"),
    ("²", "is not an entry id"),  # a digit to str.isdigit(), not to int()
    ("1234567890123456789", "is not an entry id"),
]


async def test_unknown_or_malformed_entry_ids_are_refused_by_every_entry_command(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for ref, message in BAD_IDS:
        for command, extra in (
            ("entry edit", {"field": "note", "value": "x"}),
            ("entry retract", {"reason": "wrong"}),
            ("entry restore", {}),
            ("entry history", {}),
        ):
            with subtests.test(f"{command} {ref}"):
                reply = await h.slash(command, {"id": ref, **extra}, user=h.editor)
                assert reply.ephemeral and message in text_of(reply)
                assert await db_rows(desk.database) == rows


# ------------------------------------------------------------------------------------------------
# retract / restore
# ------------------------------------------------------------------------------------------------
async def test_retracted_entry_leaves_reader_views_but_stays_in_history(desk: Desk) -> None:
    h = desk.harness
    kirby = await seeded(desk.database, "atacms-kirby-interview")
    status = await seeded(desk.database, "atacms-status-review")
    for entry in (kirby, status):
        reply = await h.slash("entry retract", {"id": f"#{entry.id}", "reason": "Misattributed"}, user=h.editor)
        assert not reply.ephemeral and f"Retracted `#{entry.id}`" in text_of(reply)
        assert "Misattributed" in embed_text(reply.embeds[0])
        retracted = await load_entry(desk.database, entry.id or 0)
        assert retracted.retracted_at is not None and retracted.retraction_reason == "Misattributed"
        *_, record = await audit_of(desk.database, entry.id or 0)
        assert (record.action, record.reason, record.actor_id) == ("entry.retract", "Misattributed", h.editor.id)
        assert record.before == audit.snapshot(entry) and record.after == audit.snapshot(retracted)
    chronology = await chronology_text(h)
    assert f"#{kirby.id}" not in chronology and f"#{status.id}" not in chronology
    assert "John Kirby" not in await latest_text(h)
    card = await h.slash("status", {"topic": "atacms", "history": True}, user=h.reader)
    assert "No status has been logged yet" in card.embeds[0]["description"]
    assert (
        f"#{status.id}" in card.embeds[1]["description"] and "retracted: Misattributed" in card.embeds[1]["description"]
    )
    history = await h.slash("entry history", {"id": f"#{kirby.id}"}, user=h.editor)
    assert history.ephemeral and "(retracted)" in history.embeds[0]["title"]


async def test_restore_brings_a_retracted_entry_back(desk: Desk) -> None:
    h = desk.harness
    kirby = await seeded(desk.database, "atacms-kirby-interview")
    await h.slash("entry retract", {"id": str(kirby.id), "reason": "Checking"}, user=h.editor)
    reply = await h.slash("entry restore", {"id": str(kirby.id), "reason": "Confirmed"}, user=h.admin)
    assert f"Restored `#{kirby.id}`" in text_of(reply)
    restored = await load_entry(desk.database, kirby.id or 0)
    assert (restored.retracted_at, restored.retraction_reason) == (None, None)
    records = await audit_of(desk.database, kirby.id or 0)
    assert [r.action for r in records] == ["entry.create", "entry.retract", "entry.restore"]
    assert (records[-1].actor_id, records[-1].reason, records[-1].after) == (
        h.admin.id,
        "Confirmed",
        audit.snapshot(restored),
    )
    assert f"#{kirby.id}" in await chronology_text(h)


async def test_the_status_card_counts_live_entries_and_dates_the_last_correction(desk: Desk) -> None:
    h = desk.harness

    async def footer() -> str:
        card = await h.slash("status", {"topic": "atacms"}, user=h.reader)
        return card.embeds[0]["footer"]["text"]

    async def topic_updated() -> dt.datetime:
        async with desk.database.read() as session:
            return (await session.execute(select(Topic.updated_at).where(Topic.slug == "atacms"))).scalar_one()

    assert "· 7 entries ·" in await footer()
    kirby = await seeded(desk.database, "atacms-kirby-interview")
    await h.slash("entry retract", {"id": str(kirby.id), "reason": "Checking"}, user=h.editor)
    retracted = await load_entry(desk.database, kirby.id or 0)
    # A retraction is a change to the story: "last updated" moves, and the count is of live entries.
    assert await topic_updated() == retracted.retracted_at
    assert "· 6 entries ·" in await footer()
    await h.slash("entry restore", {"id": str(kirby.id), "reason": "Confirmed"}, user=h.editor)
    await h.slash("entry edit", {"id": str(kirby.id), "field": "context", "value": "Radio interview"}, user=h.editor)
    edited = await load_entry(desk.database, kirby.id or 0)
    assert await topic_updated() == edited.edited_at
    assert "· 7 entries ·" in await footer()


async def test_retract_restore_and_edit_refuse_the_wrong_state(desk: Desk) -> None:
    h = desk.harness
    kirby = await seeded(desk.database, "atacms-kirby-interview")
    rows = await db_rows(desk.database)
    not_retracted = await h.slash("entry restore", {"id": str(kirby.id)}, user=h.editor)
    assert not_retracted.ephemeral and "is not retracted" in text_of(not_retracted)
    no_reason = await h.slash("entry retract", {"id": str(kirby.id), "reason": "  "}, user=h.editor)
    assert no_reason.ephemeral and "`reason` can't be empty" in text_of(no_reason)
    assert await db_rows(desk.database) == rows
    await h.slash("entry retract", {"id": str(kirby.id), "reason": "Wrong"}, user=h.editor)
    rows = await db_rows(desk.database)
    twice = await h.slash("entry retract", {"id": str(kirby.id), "reason": "Wrong"}, user=h.editor)
    assert twice.ephemeral and "already retracted" in text_of(twice)
    edit = await h.slash("entry edit", {"id": str(kirby.id), "field": "text", "value": "x"}, user=h.editor)
    assert edit.ephemeral and "restore it before editing" in text_of(edit)
    assert await db_rows(desk.database) == rows


# ------------------------------------------------------------------------------------------------
# history
# ------------------------------------------------------------------------------------------------
async def test_history_shows_who_when_before_after_and_reason(desk: Desk) -> None:
    h = desk.harness
    reply = await h.slash(
        "log statement",
        {"topic": "atacms", "speaker": "John Kirby", "text": "Nothing yet.", "source": "Reuters"},
        user=h.editor,
    )
    found = re.search(r"`#(\d+)`", text_of(reply))
    assert found is not None
    entry_id = int(found[1])
    await h.slash(
        "entry edit",
        {"id": str(entry_id), "field": "text", "value": "Nothing to announce.", "reason": "Exact words"},
        user=h.admin,
    )
    await h.slash("entry retract", {"id": str(entry_id), "reason": "Duplicate"}, user=h.editor)
    history = await h.slash("entry history", {"id": f"#{entry_id}", "private": False}, user=h.editor)
    assert not history.ephemeral
    [embed] = history.embeds
    assert embed["title"] == f"History of #{entry_id} (retracted)"
    records = await audit_of(desk.database, entry_id)
    assert [f["name"] for f in embed["fields"]] == [
        f"{label} · {local_time(r.at, 'UTC')}"
        for label, r in zip(["Logged", "Corrected", "Retracted"], records, strict=True)
    ]
    logged, corrected, retracted = (f["value"] for f in embed["fields"])
    assert f"by <@{h.editor.id}>" in logged
    assert f"by <@{h.admin.id}>" in corrected and "reason: Exact words" in corrected
    assert "**Text**: Nothing yet. → Nothing to announce." in corrected  # before and after side by side
    assert f"by <@{h.editor.id}>" in retracted and "reason: Duplicate" in retracted
    assert history.allowed_mentions == {"parse": []}
    assert "append-only" in embed["footer"]["text"]


async def test_seeded_entries_show_the_seed_loader_in_history(desk: Desk) -> None:
    miller = await seeded(desk.database, "atacms-miller-sep11")
    history = await desk.harness.slash("entry history", {"id": str(miller.id)})
    assert "by the seed loader" in history.embeds[0]["fields"][0]["value"]


# ------------------------------------------------------------------------------------------------
# permissions, and the audit log's guarantees
# ------------------------------------------------------------------------------------------------
async def test_readers_cannot_correct_entries(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    kirby = await seeded(desk.database, "atacms-kirby-interview")
    miller = await seeded(desk.database, "atacms-miller-sep11")
    await h.slash("entry retract", {"id": str(miller.id), "reason": "So a restore would do something"})
    rows = await db_rows(desk.database)
    for command, extra in (
        ("entry edit", {"id": str(kirby.id), "field": "text", "value": "Changed by a reader"}),
        ("entry retract", {"id": str(kirby.id), "reason": "Reader says so"}),
        ("entry restore", {"id": str(miller.id)}),
    ):
        with subtests.test(command):
            reply = await h.slash(command, extra, user=h.reader)
            assert reply.ephemeral and f"<@&{EDITORS_ROLE_A}>" in text_of(reply) and "Manage Server" in text_of(reply)
            assert await db_rows(desk.database) == rows


async def test_a_write_and_its_audit_record_commit_together_or_not_at_all(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, subtests: Any
) -> None:
    h = desk.harness
    kirby = await seeded(desk.database, "atacms-kirby-interview")
    miller = await seeded(desk.database, "atacms-miller-sep11")
    await h.slash("entry retract", {"id": str(miller.id), "reason": "So a restore would do something"})
    rows = await db_rows(desk.database)
    real_record = audit.record

    async def record_then_fail(*args: Any, **kwargs: Any) -> AuditRecord:
        await real_record(*args, **kwargs)
        raise RuntimeError("the disk filled up right after the audit insert")

    monkeypatch.setattr(writes.audit, "record", record_then_fail)
    for command, options in (
        ("log status", {"topic": "atacms", "decision": "approved", "note": "Approved.", "source": "Reuters"}),
        ("entry edit", {"id": str(kirby.id), "field": "text", "value": "Changed."}),
        ("entry retract", {"id": str(kirby.id), "reason": "Wrong"}),
        ("entry restore", {"id": str(miller.id)}),
        ("topic create", {"slug": "f16-jets", "title": "F-16s"}),
        ("topic archive", {"topic": "atacms"}),
    ):
        with subtests.test(command):
            reply = await h.slash(command, options, user=h.editor)
            assert reply.ephemeral and "nothing was changed" in text_of(reply)
            assert await db_rows(desk.database) == rows  # neither the change nor its audit record


def test_no_command_can_edit_or_delete_audit_records(desk: Desk) -> None:
    names = sorted(c.qualified_name for c in desk.bot.tree.walk_commands())
    assert names, "the command tree is empty"
    for name in names:
        assert not re.search(r"audit|purge|delete|erase|wipe", name), f"/{name} looks like it rewrites the record"
    assert [n for n in names if n.startswith("entry ")] == [
        "entry edit",
        "entry history",
        "entry restore",
        "entry retract",
    ]
    # And no code path issues UPDATE or DELETE against the audit table.
    pattern = re.compile(r"(update|delete)\(\s*AuditRecord|audit_record\s+(set|where)|DELETE\s+FROM\s+audit", re.I)
    for folder in ("bot", "cogs", "db"):
        for path in (REPO / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                assert not pattern.search(path.read_text(encoding="utf-8")), path
