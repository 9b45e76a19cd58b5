"""The statement form keeps its state in the database: it survives a restart, and only its opener can use it."""

from __future__ import annotations

import copy
import itertools
import uuid
from typing import Any

from db.engine import Database
from tests.cogs import form_support
from tests.cogs.form_support import EXPIRED, FORGED_TOKENS, pending_forms
from tests.cogs.log_support import (
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    entry_logged_by,
)
from tests.harness import Reply
from tests.hostile.checker import error_log
from tests.newsroom import Desk, FakeClock, db_rows, prepare_newsrooms, running_desk, text_of

TYPED = "Officials are still weighing it; no decision to announce."
_RAW_IDS = itertools.count(8_100_000_000_000_000_000)


def field_of(opened: Reply) -> str:
    assert opened.modal is not None
    [field] = [c for row in opened.modal["components"] for c in row.get("components", [row.get("component")])]
    return field["custom_id"]


async def open_form(desk: Desk, **options: Any) -> Reply:
    h = desk.harness
    opened = await h.slash(
        "log statement", {"topic": "atacms", "speaker": "Matthew Miller", "source": "AP", **options}, user=h.editor
    )
    assert opened.modal is not None, opened
    return opened


async def test_a_form_is_used_once_and_a_retried_delivery_of_its_submission_gets_the_same_entry(desk: Desk) -> None:
    h = desk.harness
    opened = await open_form(desk)
    assert opened.modal is not None
    form_id, field = opened.modal["custom_id"], field_of(opened)
    first = await h.submit_modal(form_id, {field: TYPED}, user=h.editor)
    entry = await entry_logged_by(desk.database, first)
    retried = await h.dispatch(copy.deepcopy(first.payload))  # the same interaction, delivered again
    assert not retried.ephemeral and f"`#{entry.id}`" in text_of(retried)
    assert EXPIRED in await refused_form(desk, form_id, field, user=h.editor)  # a new submission of a used form


async def test_a_form_opened_before_a_restart_is_stored_after_it_with_all_it_was_opened_with(
    database: Database,
) -> None:
    await prepare_newsrooms(database)
    clock = FakeClock()
    options = {"role": "Press secretary", "organisation": "State Dept", "kind": "paraphrase", "date": "Sept 11"}
    options |= {"context": "Briefing", "source": "AP", "url": "https://apnews.com/x"}
    async with running_desk(database, clock) as first:
        opened = await open_form(first, **options)
        assert opened.modal is not None
        form_id, field = opened.modal["custom_id"], field_of(opened)
    assert await pending_forms(database) == 1
    clock.advance(hours=23)
    # A new bot process on the same database: nothing of the form is left in memory.
    with error_log() as log:
        async with running_desk(database, clock) as second:
            h = second.harness
            submitted = await h.submit_modal(form_id, {field: TYPED}, user=h.editor)
            assert submitted.response_type == 4 and not submitted.ephemeral, submitted
            entry = await entry_logged_by(database, submitted)
            assert 'Read "Sept 11" as 11 Sep 2023' in text_of(submitted)  # the date note came through
    assert log.take() == []
    assert (entry.text, entry.speaker, entry.speaker_role, entry.speaker_org) == (
        TYPED,
        "Matthew Miller",
        "Press secretary",
        "State Dept",
    )
    assert (entry.statement_kind, entry.context, entry.source_name, entry.source_url) == (
        "paraphrase",
        "Briefing",
        "AP",
        "https://apnews.com/x",
    )
    assert entry.date_earliest.isoformat() == "2023-09-11" and entry.created_by == h.editor.id


async def refused_form(desk: Desk, form_id: str, field: str, **who: Any) -> str:
    return await form_support.refused_form(desk, form_id, {field: TYPED}, [TYPED], **who)


async def test_an_expired_form_is_refused_with_the_typed_text_handed_back(desk: Desk) -> None:
    opened = await open_form(desk)
    assert opened.modal is not None
    desk.clock.advance(hours=24, seconds=1)
    text = await refused_form(desk, opened.modal["custom_id"], field_of(opened), user=desk.harness.editor)
    assert EXPIRED in text


async def test_nobody_but_its_opener_in_their_newsroom_can_submit_a_form(desk: Desk) -> None:
    h = desk.harness
    opened = await open_form(desk)
    assert opened.modal is not None
    form_id, field = opened.modal["custom_id"], field_of(opened)
    assert EXPIRED in await refused_form(desk, form_id, field, user=h.admin)  # another editor, same newsroom
    assert EXPIRED in await refused_form(desk, form_id, field, user=h.other_guild_user)  # another newsroom
    submitted = await h.submit_modal(form_id, {field: TYPED}, user=h.editor)
    assert not submitted.ephemeral and (await entry_logged_by(desk.database, submitted)).text == TYPED


async def test_forged_form_ids_are_refused_with_the_typed_text_handed_back(desk: Desk) -> None:
    opened = await open_form(desk)
    assert opened.modal is not None
    field = field_of(opened)
    for forged in [opened.modal["custom_id"] + "x", *("nd1:form:" + token for token in FORGED_TOKENS)]:
        assert EXPIRED in await refused_form(desk, forged, field, user=desk.harness.editor), forged


def resubmitted(payload: dict[str, Any], value: Any) -> dict[str, Any]:
    """The same form submitted again as a new interaction, every field's value replaced by ``value``."""
    forged = copy.deepcopy(payload)
    for row in forged["data"]["components"]:
        for component in row.get("components", []):
            component["value"] = value
    forged["id"], forged["token"] = str(next(_RAW_IDS)), f"forged-{uuid.uuid4().hex}"
    return forged


async def test_forged_form_values_are_refused_and_the_form_stays_usable(desk: Desk) -> None:
    h = desk.harness
    opened = await open_form(desk)
    assert opened.modal is not None
    form_id, field = opened.modal["custom_id"], field_of(opened)
    before = await db_rows(desk.database)
    refused: Reply | None = None
    for value, answer in [
        ("x" * 4001, "is 4001 characters; the maximum is 4000"),
        ("lone \ud800 surrogate", "not valid text"),
        (12, "must be text"),
        (None, "must be text"),
        (["a list"], "must be text"),
    ]:
        with error_log() as log:
            if isinstance(value, str):
                refused = await h.submit_modal(form_id, {field: value}, user=h.editor)
            else:  # a JSON type Discord's client never sends for a text input
                assert refused is not None
                refused = await h.dispatch(resubmitted(refused.payload, value))
        assert log.take() == []
        assert refused.ephemeral and answer in text_of(refused), (value, refused.content)
        assert "\ud800" not in text_of(refused)
    assert await db_rows(desk.database) == before
    submitted = await h.submit_modal(form_id, {field: TYPED}, user=h.editor)
    assert not submitted.ephemeral and (await entry_logged_by(desk.database, submitted)).text == TYPED
