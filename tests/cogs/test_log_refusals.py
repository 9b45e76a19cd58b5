"""/log refusals: who may write, bad or overlong input, and no message that may ping."""

from __future__ import annotations

from typing import Any

from tests.cogs.log_support import (
    NO_PINGS,
    STATUS_NOTE,
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    assert_never_pings,
    buttons,
    deliver_unchecked,
    entry_logged_by,
)
from tests.newsroom import EDITORS_ROLE_A, Desk, db_rows, text_of

# ------------------------------------------------------------------------------------------------
# Who may write
# ------------------------------------------------------------------------------------------------
READER_ATTEMPTS: list[tuple[str, dict[str, Any]]] = [
    ("log status", {"topic": "atacms", "decision": "approved", "note": STATUS_NOTE, "source": "Reuters"}),
    ("log statement", {"topic": "atacms", "speaker": "John Kirby", "text": "No decision.", "source": "Reuters"}),
    ("log statement", {"topic": "atacms", "speaker": "John Kirby"}),  # would open the modal
    ("log event", {"topic": "atacms", "headline": "Talks held", "source": "Reuters"}),
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
        reply = await h.slash(
            "log event", {"topic": "atacms", "headline": f"Briefing held by {user.id}", "source": "Reuters"}, user=user
        )
        assert not reply.ephemeral
        assert (await entry_logged_by(desk.database, reply)).created_by == user.id


async def test_a_reader_submitting_the_statement_modal_is_refused_and_the_editor_can_still_send_it(desk: Desk) -> None:
    h = desk.harness
    opened = await h.slash(
        "log statement", {"topic": "atacms", "speaker": "John Kirby", "source": "Reuters"}, user=h.editor
    )
    assert opened.modal is not None
    [field] = [c for row in opened.modal["components"] for c in row.get("components", [row.get("component")])]
    rows = await db_rows(desk.database)
    forged = await h.submit_modal(opened.modal["custom_id"], {field["custom_id"]: "Reader's words"}, user=h.reader)
    # The form is the editor's alone: to anyone else it is as good as expired, and their text comes back.
    assert forged.ephemeral and "This form has expired" in text_of(forged) and "Reader's words" in text_of(forged)
    assert await db_rows(desk.database) == rows
    sent = await h.submit_modal(opened.modal["custom_id"], {field["custom_id"]: "Editor's words"}, user=h.editor)
    assert (await entry_logged_by(desk.database, sent)).text == "Editor's words"


async def test_an_editor_who_loses_the_role_before_sending_the_modal_is_refused(desk: Desk) -> None:
    h = desk.harness
    opened = await h.slash(
        "log statement", {"topic": "atacms", "speaker": "John Kirby", "source": "Reuters"}, user=h.editor
    )
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
    ("vague date", {"date": "soon"}, "Could not read `soon` as a date"),
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
            options = {"topic": "atacms", "decision": "approved", "note": STATUS_NOTE, **bad}
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
        "log status": {"decision": "approved", "note": "ok"},
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
    opened = await h.slash(
        "log statement", {"topic": "atacms", "speaker": "John Kirby", "source": "Reuters"}, user=h.editor
    )
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
    logged = await h.slash(
        "log statement", {"topic": "atacms", "speaker": "John Kirby", "text": "Words.", "source": "Reuters"}
    )
    entry = (await entry_logged_by(desk.database, logged)).id
    sweep: list[tuple[str, dict[str, Any], Any]] = [
        ("topic create", {"slug": "f16-jets", "title": "F-16s", "summary": "Say @everyone"}, h.editor),
        ("topic create", {"slug": "f16-jets", "title": "F-16s"}, h.editor),
        ("topic edit", {"topic": "f16-jets", "next_step": "Next", "reason": "Brought up to date"}, h.editor),
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
            "source": "Reuters",
        },
    )
    entry = await entry_logged_by(desk.database, reply)
    assert (entry.speaker, entry.text, entry.context) == ("John Kirby", "We are[31m still *weighing* it.", "Briefing")
