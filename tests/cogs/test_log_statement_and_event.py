"""/log statement (incl. the statement form) and /log event: what they store; a retried interaction stored once."""

from __future__ import annotations

import datetime as dt

from tests.cogs.log_support import (
    MODAL,
    STATUS_NOTE,
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    audit_of,
    buttons,
    embed_text,
    entry_logged_by,
)
from tests.newsroom import Desk, db_rows, text_of


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
        "log statement",
        {"topic": "atacms", "speaker": "John Kirby", "text": "No decision yet.", "source": "Reuters"},
        user=h.editor,
    )
    entry = await entry_logged_by(desk.database, both)
    assert (entry.speaker_role, entry.speaker_org) == (
        "Strategic Communications Coordinator",
        "National Security Council",
    )
    # Case and spacing of the name do not matter; a given value wins over the remembered one.
    one = await h.slash(
        "log statement",
        {
            "topic": "atacms",
            "speaker": "matthew  MILLER",
            "role": "Former spokesman",
            "text": "Still assessing.",
            "source": "Reuters",
        },
        user=h.editor,
    )
    entry = await entry_logged_by(desk.database, one)
    assert (entry.speaker_role, entry.speaker_org) == ("Former spokesman", "U.S. Department of State")


async def test_statement_of_a_new_speaker_has_no_role_or_organisation_invented(desk: Desk) -> None:
    reply = await desk.harness.slash(
        "log statement", {"topic": "atacms", "speaker": "Lloyd Austin", "text": "Nothing to add.", "source": "Reuters"}
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
        "log statement",
        {"topic": "atacms", "speaker": "Matthew Miller", "kind": "paraphrase", "source": "Reuters"},
        user=h.editor,
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


async def test_a_refused_statement_form_hands_the_typed_text_back_clipped_to_fit(desk: Desk) -> None:
    h = desk.harness
    before = await db_rows(desk.database)

    async def submit(typed: str) -> str:
        opened = await h.slash(
            "log statement", {"topic": "atacms", "speaker": "Matthew Miller", "source": "Reuters"}, user=h.editor
        )
        assert opened.modal is not None
        [field] = [c for row in opened.modal["components"] for c in row.get("components", [row.get("component")])]
        refused = await h.submit_modal(opened.modal["custom_id"], {field["custom_id"]: typed}, user=h.editor)
        assert refused.ephemeral and not refused.embeds
        return text_of(refused)

    short = await submit("As <@123> put it: ```no decision``` yet.")
    assert "contains mention syntax" in short
    # Whole, in a block a stray fence cannot close early.
    assert short.endswith("```\nAs <@123> put it: `\u200b``no decision`\u200b`` yet.\n```")
    typed = "Officials said <@123> is weighing it, @everyone agrees. " * 70
    long = await submit(typed)
    assert len(long) <= 2000 and long.endswith("…\n```")
    kept = long.split("```\n", 1)[1].removesuffix("…\n```").replace("@\u200b", "@")
    assert len(kept) > 1500 and typed.startswith(kept)
    assert await db_rows(desk.database) == before


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
    options = {"topic": "atacms", "decision": "approved", "note": STATUS_NOTE, "source": "Reuters"}
    first = await h.slash("log status", options, user=h.editor)
    rows = await db_rows(desk.database)
    again = await h.slash("log status", options, user=h.editor, interaction_id=first.interaction_id)
    assert again.interaction_id == first.interaction_id
    assert await db_rows(desk.database) == rows
