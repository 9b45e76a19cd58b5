"""End-to-end: the editor commands (/log, /topic, /entry, /settings) and their refusals.

EDITOR_USER holds guild A's Editors role, which the module set-up made the editor role with
/settings editor-role (run by the server owner). READER_USER has no role and must be refused
every write, with nothing stored. What a write stored is checked through the reader commands,
as a reader would see it.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.botproc import LiveDesk, Turn, buttons, module_desk
from tests.e2e.standin import EDITOR_USER, GUILD_A, GUILD_B, OWNER_USER, READER_USER

pytestmark = pytest.mark.asyncio(loop_scope="module")

desk = module_desk("editor")

NOT_EDITOR = "Only editors can do this"


def logged_id(turn: Turn) -> int:
    """The entry id from a "Logged `#12` on ..." reply."""
    match = re.search(r"Logged `#(\d+)`", turn.message["content"])
    assert match, f"not a /log reply: {turn.message['content']!r}"
    return int(match[1])


def text_input_ids(modal: Turn) -> list[str]:
    return [c["custom_id"] for row in modal.modal["components"] for c in row["components"] if c["type"] == 4]


async def test_log_status_statement_and_event(desk: LiveDesk) -> None:
    async with desk.scenario():
        status = await desk.slash(
            "log status",
            {
                "topic": "atacms",
                "decision": "approved",
                "note": "White House approves a first batch",
                "date": "2023-10-17",
                "source": "Reuters",
                "url": "https://example.org/atacms-approved",
            },
        )
        # Public, so the desk sees what was logged, with an Undo button for its author.
        assert status.callback_type == 4 and not status.ephemeral
        assert "Approved" in status.text and "17 Oct 2023" in status.text
        assert "Undo" in buttons(status.message)
        card = await desk.slash("status", {"topic": "atacms"}, user=READER_USER)
        assert "**Decision: Approved** (since 17 Oct 2023)" in card.text and "Latest change 17 Oct 2023" in card.text

        statement = await desk.slash(
            "log statement",
            {
                "topic": "atacms",
                "speaker": "Matthew Miller",
                "text": "We have nothing further to announce on ATACMS today.",
                "date": "2023-10-18",
                "source": "State Department briefing",
            },
        )
        # An empty role/organisation takes the speaker's last logged one (from the seed).
        assert "Spokesman" in statement.text and "U.S. Department of State" in statement.text
        latest = await desk.slash("latest", {"topic": "atacms", "count": 1}, user=READER_USER)
        assert "nothing further to announce" in latest.text

        event = await desk.slash(
            "log event",
            {"topic": "atacms", "headline": "Biden and Zelensky meet", "date": "21 Sep 2023", "source": "AP"},
        )
        assert "Biden and Zelensky meet" in event.text
        chronology = await desk.slash("chronology", {"topic": "atacms"}, user=READER_USER)
        assert "Biden and Zelensky meet" in chronology.text
        assert logged_id(status) < logged_id(statement) < logged_id(event)


async def test_log_statement_without_text_opens_a_modal(desk: LiveDesk) -> None:
    async with desk.scenario():
        suggested = await desk.autocomplete(
            "log statement", {"topic": "atacms", "speaker": "kir", "source": "Reuters"}, "speaker"
        )
        assert [c["value"] for c in suggested.choices] == ["John Kirby"]

        modal = await desk.slash(
            "log statement", {"topic": "atacms", "speaker": "John Kirby", "date": "2023-10-20", "source": "Reuters"}
        )
        assert modal.callback_type == 9
        assert modal.modal["title"] == "Statement by John Kirby"
        (field,) = text_input_ids(modal)
        long_text = "The President has now decided. " * 20
        stored = await desk.submit(modal, {field: long_text.strip()})
        assert stored.callback_type == 4 and not stored.ephemeral
        assert "Logged `#" in stored.message["content"] and "The President has now decided." in stored.text
        latest = await desk.slash("latest", {"topic": "atacms", "count": 1}, user=READER_USER)
        assert "John Kirby" in latest.text and "The President has now decided." in latest.text


async def test_non_editors_are_refused_and_nothing_is_written(desk: LiveDesk) -> None:
    async with desk.scenario():
        before = (await desk.slash("chronology", {"topic": "atacms"}, user=READER_USER)).text
        attempts: list[tuple[str, dict[str, object]]] = [
            ("log status", {"topic": "atacms", "decision": "declined", "note": "Not happening", "source": "Reuters"}),
            ("log statement", {"topic": "atacms", "speaker": "Rory", "text": "I say so", "source": "Reuters"}),
            ("log statement", {"topic": "atacms", "speaker": "Rory"}),  # no text: refused before any modal
            ("log event", {"topic": "atacms", "headline": "Something happened", "source": "Reuters"}),
            ("topic create", {"slug": "rumours", "title": "Rumours"}),
            ("topic edit", {"topic": "atacms", "title": "Hijacked", "reason": "Brought up to date"}),
            ("topic archive", {"topic": "atacms"}),
            ("entry edit", {"id": "#1", "field": "note", "value": "Rewritten"}),
            ("entry retract", {"id": "#1", "reason": "Because"}),
            ("entry restore", {"id": "#1"}),
        ]
        for name, options in attempts:
            refused = await desk.slash(name, options, user=READER_USER)
            assert refused.callback_type == 4 and refused.ephemeral, name
            assert NOT_EDITOR in refused.text, (name, refused.text)
        # Settings need Manage Server, which the editor role does not give.
        for user in (READER_USER, EDITOR_USER):
            refused = await desk.slash("settings editor-role", {"role": GUILD_A.editors_role_id}, user=user)
            assert refused.ephemeral and "Manage Server" in refused.text
        after = (await desk.slash("chronology", {"topic": "atacms"}, user=READER_USER)).text
        assert after == before
        topics = await desk.slash("topics", user=READER_USER)
        assert "rumours" not in topics.text and "Hijacked" not in topics.text


async def test_undo_is_for_the_author_only(desk: LiveDesk) -> None:
    async with desk.scenario():
        logged = await desk.slash(
            "log event",
            {"topic": "atacms", "headline": "Typo headline to undo", "date": "2023-10-01", "source": "Reuters"},
        )
        entry = logged_id(logged)
        stranger = await desk.click(logged.message, "Undo", user=READER_USER)
        assert stranger.callback_type == 4 and stranger.ephemeral
        assert "Typo headline to undo" in (await desk.slash("chronology", {"topic": "atacms"})).text

        undone = await desk.click(logged.message, "Undo", user=EDITOR_USER)
        # The log reply itself turns into the record of the undo, without the button.
        assert undone.callback_type == 7 and undone.message["id"] == logged.message["id"]
        assert f"Undone `#{entry}`" in undone.message["content"] and buttons(undone.message) == {}
        chronology = await desk.slash("chronology", {"topic": "atacms"}, user=READER_USER)
        assert "Typo headline to undo" not in chronology.text
        history = await desk.slash("entry history", {"id": f"#{entry}"})
        assert history.ephemeral and f"History of #{entry} (retracted)" in history.text
        assert "Logged" in history.text and "Undone" in history.text


async def test_entry_edit_retract_restore_and_history(desk: LiveDesk) -> None:
    async with desk.scenario():
        logged = await desk.slash(
            "log event",
            {"topic": "atacms", "headline": "NATO summit discusses ATACMS", "date": "2023-09-20", "source": "Reuters"},
        )
        entry = f"#{logged_id(logged)}"
        edited = await desk.slash(
            "entry edit", {"id": entry, "field": "date", "value": "22 Sep 2023", "reason": "Summit moved"}
        )
        assert edited.callback_type == 4 and f"Corrected `{entry}`" in edited.message["content"]
        assert "22 Sep 2023" in edited.text
        chronology = await desk.slash("chronology", {"topic": "atacms"}, user=READER_USER)
        assert "NATO summit discusses ATACMS" in chronology.text and "corrected" in chronology.text

        retracted = await desk.slash("entry retract", {"id": entry, "reason": "Duplicate of another entry"})
        assert f"Retracted `{entry}`" in retracted.message["content"]
        chronology = await desk.slash("chronology", {"topic": "atacms"}, user=READER_USER)
        assert "NATO summit discusses ATACMS" not in chronology.text

        restored = await desk.slash("entry restore", {"id": entry, "reason": "Not a duplicate after all"})
        assert f"Restored `{entry}`" in restored.message["content"]
        chronology = await desk.slash("chronology", {"topic": "atacms"}, user=READER_USER)
        assert "NATO summit discusses ATACMS" in chronology.text

        history = await desk.slash("entry history", {"id": entry})
        for needle in ("Logged", "Corrected", "Retracted", "Restored", "Summit moved", "Duplicate of another entry"):
            assert needle in history.text, needle


async def test_topic_create_edit_archive_unarchive(desk: LiveDesk) -> None:
    async with desk.scenario():
        created = await desk.slash(
            "topic create",
            {
                "slug": "f16-jets",
                "title": "F-16 jets for Ukraine",
                "aliases": "f-16, fighter jets",
                "summary": "Whether allies will train pilots and deliver F-16s.",
            },
        )
        assert created.callback_type == 4 and not created.ephemeral and "Created" in created.text
        duplicate = await desk.slash("topic create", {"slug": "f16-jets", "title": "Again"})
        assert duplicate.ephemeral
        suggested = await desk.autocomplete("status", {"topic": "fighter"}, "topic", user=READER_USER)
        assert [c["value"] for c in suggested.choices] == ["f16-jets"]

        edited = await desk.slash(
            "topic edit",
            {
                "topic": "f16-jets",
                "next_step": "Decision expected after the NATO summit",
                "reason": "Brought up to date",
            },
        )
        assert "Updated" in edited.text
        card = await desk.slash("status", {"topic": "fighter jets"}, user=READER_USER)
        assert "F-16 jets for Ukraine" in card.text and "Decision expected after the NATO summit" in card.text

        archived = await desk.slash("topic archive", {"topic": "f16-jets"})
        assert "Archived" in archived.text and "/topic unarchive" in archived.text
        topics = await desk.slash("topics", user=READER_USER)
        assert "f16-jets" not in topics.text and "atacms" in topics.text
        # Readers can still look an archived story up; the card says it is archived.
        card = await desk.slash("status", {"topic": "f16-jets"}, user=READER_USER)
        assert "This topic is archived" in card.text

        restored = await desk.slash("topic unarchive", {"topic": "f16-jets"})
        assert "Restored" in restored.text
        assert "f16-jets" in (await desk.slash("topics", user=READER_USER)).text


async def test_settings_and_seed_import_by_the_owner(desk: LiveDesk) -> None:
    async with desk.scenario():
        zones = await desk.autocomplete("settings timezone", {"timezone": "europe/lon"}, "timezone", user=OWNER_USER)
        assert [c["value"] for c in zones.choices] == ["Europe/London"]
        saved = await desk.slash("settings timezone", {"timezone": "Europe/London"}, user=OWNER_USER)
        assert saved.ephemeral and "Time zone saved" in saved.text
        shown = await desk.slash("settings show", user=OWNER_USER)
        assert "Europe/London" in shown.text and str(GUILD_A.editors_role_id) in shown.text

        again = await desk.slash("topic import-seed", {"name": "atacms"})
        assert again.ephemeral and "already tracked, 0 entries added" in again.text

        # Guild B is its own newsroom: no editor role yet, so its Editors-role member is refused,
        # while the owner (Manage Server) may import the story there.
        refused = await desk.slash("topic import-seed", {"name": "atacms"}, guild=GUILD_B)
        assert refused.ephemeral and "No editor role is set yet" in refused.text
        imported = await desk.slash("topic import-seed", {"name": "atacms"}, user=OWNER_USER, guild=GUILD_B)
        assert "topic created, 7 entries added" in imported.text
        card = await desk.slash("status", {"topic": "atacms"}, user=READER_USER, guild=GUILD_B)
        # Guild A's approval (logged above) did not leak into guild B's copy of the story.
        assert "Under review" in card.text and "Approved" not in card.text
