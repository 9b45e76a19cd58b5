"""/log status|statement|event, the Undo button and the statement modal, through discord.py's real dispatch."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import uuid
from typing import Any

import pytest
from discord import app_commands
from sqlmodel import col, select

from bot.core.vocabulary import STATUS_INFO, Status
from db import audit
from db.engine import Database
from db.models import AuditRecord, Entry, Topic
from tests.harness import DiscordHarness, Reply
from tests.newsroom import EDITORS_ROLE_A, Desk, db_rows, text_of

MODAL = 9
UPDATE_MESSAGE = 7
NO_PINGS = {"parse": []}
# Hand-built interaction ids, far above anything the harness mints, so they never collide with its ids.
_RAW_IDS = itertools.count(8_000_000_000_000_000_000)


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


async def entry_logged_by(database: Database, reply: Reply) -> Entry:
    async with database.read() as session:
        stmt = select(Entry).where(Entry.interaction_id == reply.interaction_id)
        entry = (await session.execute(stmt)).scalars().one()
    return entry


async def load_entry(database: Database, entry_id: int) -> Entry:
    async with database.read() as session:
        entry = await session.get(Entry, entry_id)
    assert entry is not None
    return entry


async def audit_of(database: Database, entry_id: int) -> list[AuditRecord]:
    async with database.read() as session:
        stmt = select(AuditRecord).where(AuditRecord.entry_id == entry_id).order_by(col(AuditRecord.id))
        return list((await session.execute(stmt)).scalars())


async def atacms_topic_id(database: Database) -> int:
    async with database.read() as session:
        topic_id = (await session.execute(select(Topic.id).where(Topic.slug == "atacms"))).scalar_one()
    return int(topic_id)


def embed_text(embed: dict[str, Any]) -> str:
    parts = [embed.get("title", ""), embed.get("description", ""), (embed.get("footer") or {}).get("text", "")]
    for field in embed.get("fields", []):
        parts += [field["name"], field["value"]]
    return "\n".join(parts)


def buttons(reply: Reply) -> list[dict[str, Any]]:
    return [c for row in reply.components for c in row["components"]]


def assert_never_pings(h: DiscordHarness[Any]) -> None:
    """Every message the bot created or edited, by any route, was sent with mentions disabled."""
    for call in h.calls:
        body = call.json if isinstance(call.json, dict) else None
        if body is None:
            continue
        if call.is_callback:
            if body.get("type") not in (4, 7):
                continue
            body = body.get("data") or {}
        elif not (
            (call.via == "webhook" and call.path.startswith("/webhooks/") and call.method in ("POST", "PATCH"))
            or (call.path.startswith("/channels/") and "/messages" in call.path and call.method in ("POST", "PATCH"))
        ):
            continue
        assert body.get("allowed_mentions") == NO_PINGS, f"{call.method} {call.path} allows mentions: {body}"


async def deliver_unchecked(h: DiscordHarness[Any], probe: Reply, values: dict[str, str]) -> Reply:
    """Re-deliver ``probe``'s interaction with option values Discord's client would have refused (too long).

    A modified client or a direct API call can send them; the bot must refuse them on its own.
    """
    payload = copy.deepcopy(probe.payload)
    options = payload["data"]["options"]
    while options and options[0]["type"] in (1, 2):  # descend into the subcommand
        options = options[0].get("options", [])
    present = {option["name"] for option in options}
    for name, value in values.items():
        if name in present:
            next(o for o in options if o["name"] == name)["value"] = value
        else:
            options.append({"type": 3, "name": name, "value": value})
    payload["id"] = str(next(_RAW_IDS))
    payload["token"] = f"unchecked-{uuid.uuid4().hex}"
    return await h.dispatch(payload)


@pytest.fixture(autouse=True)
async def _no_message_ever_pings(desk: Desk) -> Any:
    yield
    assert_never_pings(desk.harness)


STATUS_NOTE = "The President approved sending a small number of the missiles."


# ------------------------------------------------------------------------------------------------
# /log status
# ------------------------------------------------------------------------------------------------
async def test_log_status_stores_every_field_and_one_audit_record(desk: Desk) -> None:
    h = desk.harness
    before = await db_rows(desk.database)
    reply = await h.slash(
        "log status",
        {
            "topic": "atacms",
            "status": "approved",
            "note": STATUS_NOTE,
            "date": "Sept 11",
            "source": "U.S. officials, as reported",
            "url": "https://www.state.gov/briefings/",
        },
        user=h.editor,
    )
    assert reply.response_type == 4 and not reply.ephemeral
    entry = await entry_logged_by(desk.database, reply)
    assert entry.newsroom_id == h.guild_a.id
    assert entry.topic_id == await atacms_topic_id(desk.database)
    assert (entry.kind, entry.status, entry.note) == ("status", "approved", STATUS_NOTE)
    assert (entry.date_precision, entry.date_earliest, entry.date_latest) == (
        "day",
        dt.date(2023, 9, 11),
        dt.date(2023, 9, 11),
    )
    assert (entry.source_name, entry.source_url) == ("U.S. officials, as reported", "https://www.state.gov/briefings/")
    assert (entry.created_by, entry.retracted_at, entry.edited_at) == (h.editor.id, None, None)
    after = await db_rows(desk.database)
    assert len(after["entry"]) == len(before["entry"]) + 1
    new_audit = after["audit_record"][len(before["audit_record"]) :]
    assert len(new_audit) == 1
    record = new_audit[0]
    assert (record["action"], record["entry_id"], record["actor_id"], record["interaction_id"]) == (
        "entry.create",
        entry.id,
        h.editor.id,
        reply.interaction_id,
    )
    assert record["before"] is None and record["after"] == audit.snapshot(entry)


async def test_log_reply_shows_the_entry_as_readers_see_it_with_short_id_and_undo(desk: Desk) -> None:
    h = desk.harness
    reply = await h.slash(
        "log status", {"topic": "atacms", "status": "approved", "note": STATUS_NOTE, "date": "Sept 11"}, user=h.editor
    )
    entry = await entry_logged_by(desk.database, reply)
    assert f"`#{entry.id}`" in text_of(reply) and "ATACMS long-range missiles for Ukraine" in text_of(reply)
    [embed] = reply.embeds
    assert f"#{entry.id}" in embed["description"] and "Approved" in embed["description"]
    [undo] = buttons(reply)
    expires = int((desk.clock.now + dt.timedelta(minutes=10)).timestamp())
    assert undo["label"] == "Undo" and undo["custom_id"] == f"nd1:undo:{entry.id}:{h.editor.id}:{expires}"
    chronology = await h.slash("chronology", {"topic": "atacms"}, user=h.reader)
    assert embed["description"] in chronology.embeds[0]["description"]


DATES: list[tuple[str | None, str, dt.date, dt.date]] = [
    (None, "day", dt.date(2023, 9, 20), dt.date(2023, 9, 20)),
    ("today", "day", dt.date(2023, 9, 20), dt.date(2023, 9, 20)),
    ("yesterday", "day", dt.date(2023, 9, 19), dt.date(2023, 9, 19)),
    ("Sept 11", "day", dt.date(2023, 9, 11), dt.date(2023, 9, 11)),
    ("Sep 2023", "month", dt.date(2023, 9, 1), dt.date(2023, 9, 30)),
    ("autumn 2023", "season", dt.date(2023, 9, 1), dt.date(2023, 11, 30)),
]


async def test_log_status_date_is_read_relative_to_the_newsrooms_today(desk: Desk, subtests: Any) -> None:
    for typed, precision, earliest, latest in DATES:
        with subtests.test(typed or "no date"):
            options = {"topic": "atacms", "status": "on_hold", "note": "Paused."}
            if typed is not None:
                options["date"] = typed
            reply = await desk.harness.slash("log status", options, user=desk.harness.editor)
            entry = await entry_logged_by(desk.database, reply)
            assert (entry.date_precision, entry.date_earliest, entry.date_latest) == (precision, earliest, latest)


async def test_default_date_is_today_in_the_newsrooms_time_zone_not_utc(desk: Desk) -> None:
    h = desk.harness
    saved = await h.slash("settings timezone", {"timezone": "Pacific/Kiritimati"}, user=h.admin)  # UTC+14
    assert saved.ephemeral and "Time zone saved" in text_of(saved)
    desk.clock.now = dt.datetime(2023, 9, 20, 12, 0, tzinfo=dt.UTC)  # already 21 Sep in Kiritimati
    today = await h.slash("log status", {"topic": "atacms", "status": "approved", "note": "x"}, user=h.editor)
    yesterday = await h.slash(
        "log status", {"topic": "atacms", "status": "approved", "note": "y", "date": "yesterday"}, user=h.editor
    )
    assert (await entry_logged_by(desk.database, today)).date_earliest == dt.date(2023, 9, 21)
    assert (await entry_logged_by(desk.database, yesterday)).date_earliest == dt.date(2023, 9, 20)


async def test_every_status_choice_is_offered_and_stored(desk: Desk) -> None:
    h = desk.harness
    group = desk.bot.tree.get_command("log")
    assert isinstance(group, app_commands.Group)
    command = group.get_command("status")
    assert isinstance(command, app_commands.Command)
    [parameter] = [p for p in command.parameters if p.name == "status"]
    offered = [c.value for c in parameter.choices]  # the choices Discord shows
    assert offered == [s.value for s in STATUS_INFO]
    for status in Status:
        reply = await h.slash("log status", {"topic": "atacms", "status": status.value, "note": "n"}, user=h.editor)
        assert (await entry_logged_by(desk.database, reply)).status == status.value
        assert STATUS_INFO[status].label in reply.embeds[0]["description"]


# ------------------------------------------------------------------------------------------------
# /log statement and /log event
# ------------------------------------------------------------------------------------------------
async def test_log_statement_stores_speaker_text_and_context(desk: Desk) -> None:
    h = desk.harness
    reply = await h.slash(
        "log statement",
        {
            "topic": "atacms",
            "speaker": "Jake Sullivan",
            "role": "National Security Advisor",
            "organisation": "The White House",
            "kind": "quote",
            "text": "We have not taken it off the table.",
            "date": "Sep 2023",
            "context": "Press briefing",
            "source": "White House transcript",
        },
        user=h.editor,
    )
    assert reply.response_type == 4 and not reply.ephemeral
    entry = await entry_logged_by(desk.database, reply)
    assert (entry.kind, entry.speaker, entry.speaker_role, entry.speaker_org) == (
        "statement",
        "Jake Sullivan",
        "National Security Advisor",
        "The White House",
    )
    assert (entry.statement_kind, entry.text, entry.context) == (
        "quote",
        "We have not taken it off the table.",
        "Press briefing",
    )
    assert entry.speaker_key == "jake sullivan" and entry.date_precision == "month"
    latest = await h.slash("latest", {"topic": "atacms", "count": 1}, user=h.reader)
    assert "Jake Sullivan" in embed_text(latest.embeds[0])


async def test_statement_role_and_organisation_default_to_the_speakers_last_entry(desk: Desk) -> None:
    h = desk.harness
    both = await h.slash(
        "log statement", {"topic": "atacms", "speaker": "John Kirby", "text": "No decision yet."}, user=h.editor
    )
    entry = await entry_logged_by(desk.database, both)
    assert (entry.speaker_role, entry.speaker_org) == (
        "Strategic Communications Coordinator",
        "National Security Council",
    )
    # Case and spacing of the name do not matter; a given value wins over the remembered one.
    one = await h.slash(
        "log statement",
        {"topic": "atacms", "speaker": "matthew  MILLER", "role": "Former spokesman", "text": "Still assessing."},
        user=h.editor,
    )
    entry = await entry_logged_by(desk.database, one)
    assert (entry.speaker_role, entry.speaker_org) == ("Former spokesman", "U.S. Department of State")


async def test_statement_of_a_new_speaker_has_no_role_or_organisation_invented(desk: Desk) -> None:
    reply = await desk.harness.slash(
        "log statement", {"topic": "atacms", "speaker": "Lloyd Austin", "text": "Nothing to add."}
    )
    entry = await entry_logged_by(desk.database, reply)
    assert (entry.speaker_role, entry.speaker_org) == (None, None)


async def test_speaker_option_autocompletes_from_speakers_already_logged(desk: Desk) -> None:
    h = desk.harness
    everyone = await h.autocomplete("log statement", "speaker", "", {"topic": "atacms"}, user=h.editor)
    names = [c["value"] for c in everyone]
    assert {"Matthew Miller", "John Kirby", "Volodymyr Zelensky"} <= set(names)
    assert len(names) == len(set(names))
    narrowed = await h.autocomplete("log statement", "speaker", "kir", {"topic": "atacms"}, user=h.editor)
    assert [c["value"] for c in narrowed] == ["John Kirby"]
    assert await h.autocomplete("log statement", "speaker", "nobody by that name", user=h.editor) == []


async def test_log_statement_without_text_opens_a_modal_and_the_submission_is_stored(desk: Desk) -> None:
    h = desk.harness
    before = await db_rows(desk.database)
    opened = await h.slash(
        "log statement", {"topic": "atacms", "speaker": "Matthew Miller", "kind": "paraphrase"}, user=h.editor
    )
    assert opened.response_type == MODAL and opened.modal is not None
    assert "Matthew Miller" in opened.modal["title"]
    assert await db_rows(desk.database) == before  # nothing stored until the form is sent
    [text_input] = [c for row in opened.modal["components"] for c in row.get("components", [row.get("component")])]
    submitted = await h.submit_modal(
        opened.modal["custom_id"],
        {text_input["custom_id"]: "Officials are still weighing it.\nNo decision to announce.\x07"},
        user=h.editor,
    )
    assert submitted.response_type == 4 and not submitted.ephemeral
    entry = await entry_logged_by(desk.database, submitted)
    assert entry.text == "Officials are still weighing it.\nNo decision to announce."
    assert (entry.speaker, entry.statement_kind, entry.speaker_role) == ("Matthew Miller", "paraphrase", "Spokesman")
    assert f"`#{entry.id}`" in text_of(submitted)
    assert [b["label"] for b in buttons(submitted)] == ["Undo"]
    assert len(await audit_of(desk.database, entry.id or 0)) == 1


async def test_log_event_stores_headline_details_and_date_span(desk: Desk) -> None:
    reply = await desk.harness.slash(
        "log event",
        {
            "topic": "atacms",
            "headline": "Ramstein group meets",
            "details": "Defence ministers discuss air defence.",
            "date": "Sept 19",
            "end": "today",
            "source": "Pentagon readout",
            "url": "http://defense.gov/readout",
        },
    )
    entry = await entry_logged_by(desk.database, reply)
    assert (entry.kind, entry.headline, entry.details) == (
        "event",
        "Ramstein group meets",
        "Defence ministers discuss air defence.",
    )
    assert (entry.date_earliest, entry.end_precision, entry.end_earliest) == (
        dt.date(2023, 9, 19),
        "day",
        dt.date(2023, 9, 20),
    )
    assert entry.source_url == "http://defense.gov/readout"


async def test_a_retried_interaction_is_stored_once(desk: Desk) -> None:
    h = desk.harness
    options = {"topic": "atacms", "status": "approved", "note": STATUS_NOTE}
    first = await h.slash("log status", options, user=h.editor)
    rows = await db_rows(desk.database)
    again = await h.slash("log status", options, user=h.editor, interaction_id=first.interaction_id)
    assert again.interaction_id == first.interaction_id
    assert await db_rows(desk.database) == rows


# ------------------------------------------------------------------------------------------------
# Undo
# ------------------------------------------------------------------------------------------------
async def _logged(desk: Desk) -> tuple[Reply, Entry, str]:
    reply = await desk.harness.slash(
        "log status", {"topic": "atacms", "status": "approved", "note": STATUS_NOTE}, user=desk.harness.editor
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


# ------------------------------------------------------------------------------------------------
# Who may write
# ------------------------------------------------------------------------------------------------
READER_ATTEMPTS: list[tuple[str, dict[str, Any]]] = [
    ("log status", {"topic": "atacms", "status": "approved", "note": STATUS_NOTE}),
    ("log statement", {"topic": "atacms", "speaker": "John Kirby", "text": "No decision."}),
    ("log statement", {"topic": "atacms", "speaker": "John Kirby"}),  # would open the modal
    ("log event", {"topic": "atacms", "headline": "Talks held"}),
]


async def test_a_reader_is_refused_with_what_is_needed_and_nothing_is_written(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for command, options in READER_ATTEMPTS:
        with subtests.test(f"{command} {sorted(options)}"):
            reply = await h.slash(command, options, user=h.reader)
            assert reply.response_type == 4 and reply.ephemeral  # never a modal (9) for a reader
            assert f"<@&{EDITORS_ROLE_A}>" in text_of(reply) and "Manage Server" in text_of(reply)
            assert reply.allowed_mentions == NO_PINGS
            assert await db_rows(desk.database) == rows


async def test_members_with_manage_server_or_the_owner_are_editors_without_the_role(desk: Desk) -> None:
    h = desk.harness
    for user in (h.admin, h.owner):
        reply = await h.slash("log event", {"topic": "atacms", "headline": "Briefing held"}, user=user)
        assert not reply.ephemeral
        assert (await entry_logged_by(desk.database, reply)).created_by == user.id


async def test_a_reader_submitting_the_statement_modal_is_refused_and_the_editor_can_still_send_it(desk: Desk) -> None:
    h = desk.harness
    opened = await h.slash("log statement", {"topic": "atacms", "speaker": "John Kirby"}, user=h.editor)
    assert opened.modal is not None
    [field] = [c for row in opened.modal["components"] for c in row.get("components", [row.get("component")])]
    rows = await db_rows(desk.database)
    forged = await h.submit_modal(opened.modal["custom_id"], {field["custom_id"]: "Reader's words"}, user=h.reader)
    assert forged.ephemeral and f"<@&{EDITORS_ROLE_A}>" in text_of(forged)
    assert await db_rows(desk.database) == rows
    sent = await h.submit_modal(opened.modal["custom_id"], {field["custom_id"]: "Editor's words"}, user=h.editor)
    assert (await entry_logged_by(desk.database, sent)).text == "Editor's words"


async def test_an_editor_who_loses_the_role_before_sending_the_modal_is_refused(desk: Desk) -> None:
    h = desk.harness
    opened = await h.slash("log statement", {"topic": "atacms", "speaker": "John Kirby"}, user=h.editor)
    assert opened.modal is not None
    [field] = [c for row in opened.modal["components"] for c in row.get("components", [row.get("component")])]
    h.set_member_roles(h.guild_a, h.editor, [])
    rows = await db_rows(desk.database)
    refused = await h.submit_modal(opened.modal["custom_id"], {field["custom_id"]: "Words"}, user=h.editor)
    assert refused.ephemeral and "Only editors" in text_of(refused)
    assert await db_rows(desk.database) == rows


# ------------------------------------------------------------------------------------------------
# Bad input: a clear ephemeral error and no change, for every field
# ------------------------------------------------------------------------------------------------
BAD_STATUS_INPUT: list[tuple[str, dict[str, str], str]] = [
    ("empty note", {"note": "   "}, "`note` can't be empty"),
    ("whitespace and controls only", {"note": " \t\x00\x1b "}, "`note` can't be empty"),
    ("@everyone", {"note": "Heads up @everyone"}, "mention syntax"),
    ("@here", {"note": "@here approved"}, "mention syntax"),
    ("user mention", {"note": "Ask <@123> about it"}, "mention syntax"),
    ("nickname mention", {"note": "Ask <@!123>"}, "mention syntax"),
    ("role mention", {"note": "Ping <@&123>"}, "mention syntax"),
    ("mention in source", {"note": "ok", "source": "<@&123> desk"}, "`source` contains mention syntax"),
    ("impossible date", {"date": "31 Feb 2023"}, "February 2023 has no day 31"),
    ("vague date", {"date": "soon"}, 'Could not read "soon" as a date'),
    ("ambiguous date", {"date": "03/04/2023"}, "ambiguous"),
    ("ftp url", {"url": "ftp://example.org/file"}, "`url` is not valid"),
    ("javascript url", {"url": "javascript:alert(1)"}, "`url` is not valid"),
    ("url without host", {"url": "https://"}, "`url` is not valid"),
    ("url without scheme", {"url": "www.state.gov/briefing"}, "`url` is not valid"),
    ("url with spaces", {"url": "https://www.state.gov/a briefing"}, "`url` is not valid"),
    ("markdown in url", {"url": "https://x.org)[y](https://evil.example"}, "`url` is not valid"),
    ("url with credentials", {"url": "https://user:pw@state.gov/"}, "`url` is not valid"),
    ("unknown topic", {"topic": "no-such-story"}, "No topic matches `no-such-story`"),
]


async def test_bad_log_status_input_gets_a_clear_ephemeral_error_and_changes_nothing(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for label, bad, message in BAD_STATUS_INPUT:
        with subtests.test(label):
            options = {"topic": "atacms", "status": "approved", "note": STATUS_NOTE, **bad}
            reply = await h.slash("log status", options, user=h.editor)
            assert reply.response_type == 4 and reply.ephemeral
            assert message in text_of(reply)
            assert not reply.embeds and not reply.components
            assert await db_rows(desk.database) == rows


BAD_STATEMENT_INPUT: list[tuple[str, dict[str, str], str]] = [
    ("empty speaker", {"speaker": " "}, "`speaker` can't be empty"),
    ("empty text", {"text": "\t"}, "`text` can't be empty"),
    ("mention in text", {"text": "Thanks @everyone"}, "`text` contains mention syntax"),
    ("mention in role", {"role": "<@1> deputy"}, "`role` contains mention syntax"),
    ("mention in organisation", {"organisation": "@here office"}, "`organisation` contains mention syntax"),
    ("mention in context", {"context": "Call with <@&5>"}, "`context` contains mention syntax"),
    ("bad date", {"date": "someday"}, "Could not read"),
    ("bad url", {"url": "javascript://x.org/%0aalert(1)"}, "`url` is not valid"),
]


async def test_bad_log_statement_input_gets_a_clear_ephemeral_error_and_changes_nothing(
    desk: Desk, subtests: Any
) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for label, bad, message in BAD_STATEMENT_INPUT:
        with subtests.test(label):
            options = {"topic": "atacms", "speaker": "John Kirby", "text": "No decision yet.", **bad}
            reply = await h.slash("log statement", options, user=h.editor)
            assert reply.ephemeral and message in text_of(reply)
            assert await db_rows(desk.database) == rows


BAD_EVENT_INPUT: list[tuple[str, dict[str, str], str]] = [
    ("empty headline", {"headline": "  "}, "`headline` can't be empty"),
    ("mention in headline", {"headline": "@everyone meeting"}, "mention syntax"),
    ("mention in details", {"details": "with <@99>"}, "mention syntax"),
    ("end before date", {"date": "Sept 19", "end": "Sept 1"}, "`end` is before `date`"),
    ("bad end", {"end": "31 Feb 2023"}, "`end`"),
    ("unknown topic", {"topic": "f16-jets"}, "No topic matches"),
]


async def test_bad_log_event_input_gets_a_clear_ephemeral_error_and_changes_nothing(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for label, bad, message in BAD_EVENT_INPUT:
        with subtests.test(label):
            reply = await h.slash("log event", {"topic": "atacms", "headline": "Talks", **bad}, user=h.editor)
            assert reply.ephemeral and message in text_of(reply)
            assert await db_rows(desk.database) == rows


OVERLONG: list[tuple[str, dict[str, str], str]] = [
    ("log status", {"note": "n" * 1001}, "`note` is 1001 characters; the maximum is 1000"),
    ("log status", {"note": "ok", "source": "s" * 201}, "`source` is 201 characters; the maximum is 200"),
    ("log status", {"note": "ok", "url": "https://x.org/" + "a" * 490}, "the maximum is 500"),
    ("log statement", {"speaker": "S" * 101, "text": "t"}, "`speaker` is 101 characters; the maximum is 100"),
    ("log statement", {"speaker": "Kirby", "text": "t" * 4001}, "`text` is 4001 characters; the maximum is 4000"),
    ("log statement", {"speaker": "Kirby", "text": "t", "role": "r" * 151}, "the maximum is 150"),
    ("log statement", {"speaker": "Kirby", "text": "t", "context": "c" * 201}, "the maximum is 200"),
    ("log event", {"headline": "h" * 201}, "`headline` is 201 characters; the maximum is 200"),
    ("log event", {"headline": "h", "details": "d" * 1001}, "`details` is 1001 characters; the maximum is 1000"),
]


async def test_overlong_fields_are_refused_by_the_bot_even_past_discords_client_check(
    desk: Desk, subtests: Any
) -> None:
    h = desk.harness
    minimal = {
        "log status": {"status": "approved", "note": "ok"},
        "log statement": {"speaker": "Kirby", "text": "ok"},
        "log event": {"headline": "ok"},
    }
    rows = await db_rows(desk.database)
    for command, values, message in OVERLONG:
        with subtests.test(f"{command} {sorted(values)}"):
            # A probe Discord would deliver (an unknown topic, so it stores nothing), then the same
            # interaction with the overlong values and the real topic.
            probe = await h.slash(command, {"topic": "no-such-story", **minimal[command]}, user=h.editor)
            assert probe.ephemeral and "No topic matches" in text_of(probe)
            reply = await deliver_unchecked(h, probe, {"topic": "atacms", **values})
            assert reply.ephemeral and message in text_of(reply)
            assert await db_rows(desk.database) == rows


async def test_an_overlong_modal_statement_is_refused(desk: Desk) -> None:
    h = desk.harness
    opened = await h.slash("log statement", {"topic": "atacms", "speaker": "John Kirby"}, user=h.editor)
    assert opened.modal is not None
    [field] = [c for row in opened.modal["components"] for c in row.get("components", [row.get("component")])]
    assert field["max_length"] == 4000
    rows = await db_rows(desk.database)
    reply = await h.submit_modal(opened.modal["custom_id"], {field["custom_id"]: "w" * 4001}, user=h.editor)
    assert reply.ephemeral and "the maximum is 4000" in text_of(reply)
    assert await db_rows(desk.database) == rows


async def test_no_editor_command_ever_sends_a_message_that_may_ping(desk: Desk) -> None:
    """Every editor command, answered or refused, with mention-like text echoed back: no message may ping."""
    h = desk.harness
    logged = await h.slash("log statement", {"topic": "atacms", "speaker": "John Kirby", "text": "Words."})
    entry = (await entry_logged_by(desk.database, logged)).id
    sweep: list[tuple[str, dict[str, Any], Any]] = [
        ("topic create", {"slug": "f16-jets", "title": "F-16s", "summary": "Say @everyone"}, h.editor),
        ("topic create", {"slug": "f16-jets", "title": "F-16s"}, h.editor),
        ("topic edit", {"topic": "f16-jets", "next_step": "Next"}, h.editor),
        ("topic archive", {"topic": "f16-jets"}, h.editor),
        ("topic unarchive", {"topic": "f16-jets"}, h.editor),
        ("topic import-seed", {"name": "atacms"}, h.editor),
        ("entry edit", {"id": str(entry), "field": "text", "value": "More words.", "reason": "Exact"}, h.editor),
        ("entry edit", {"id": str(entry), "field": "text", "value": "<@&1> words"}, h.editor),
        ("entry retract", {"id": str(entry), "reason": "Wrong"}, h.editor),
        ("entry restore", {"id": str(entry)}, h.editor),
        ("entry history", {"id": str(entry), "private": False}, h.editor),
        ("entry history", {"id": "#@everyone"}, h.editor),
        ("settings editor-role", {"role": h.guild_a.editors_role}, h.admin),
        ("settings timezone", {"timezone": "@here"}, h.admin),
        ("settings show", {}, h.reader),
        ("topic create", {"slug": "x1", "title": "T"}, h.reader),
        ("status", {"topic": "@everyone"}, h.reader),
    ]
    for command, options, user in sweep:
        reply = await h.slash(command, options, user=user)
        assert reply.allowed_mentions == NO_PINGS, (command, reply.content)
    await h.click(buttons(logged)[0]["custom_id"], message=logged.final, user=h.editor)
    assert_never_pings(h)


async def test_control_characters_are_removed_and_the_rest_is_stored_as_entered(desk: Desk) -> None:
    reply = await desk.harness.slash(
        "log statement",
        {
            "topic": "atacms",
            "speaker": "John\x00 Kirby\u202e",
            "text": "We are\x1b[31m still *weighing* it\x7f.",
            "context": "\tBriefing\r",
        },
    )
    entry = await entry_logged_by(desk.database, reply)
    assert (entry.speaker, entry.text, entry.context) == ("John Kirby", "We are[31m still *weighing* it.", "Briefing")
