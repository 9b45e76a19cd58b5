"""/latest's speaker filter matches a name, a role or an organisation, case and accents aside, and its
autocomplete suggests all three, labelled, each value working as the filter."""

from __future__ import annotations

from tests.cogs.log_support import embed_text
from tests.newsroom import Desk


async def latest_text(desk: Desk, speaker: str) -> str:
    reply = await desk.harness.slash("latest", {"topic": "atacms", "speaker": speaker}, user=desk.harness.reader)
    assert not reply.ephemeral
    return "\n".join(embed_text(embed) for embed in reply.embeds)


async def test_the_speaker_filter_finds_a_name_a_role_or_an_organisation(desk: Desk) -> None:
    # Seeded: Matthew Miller, Spokesman, U.S. Department of State; John Kirby of the NSC.
    for typed in ("Matthew Miller", "miller", "SPOKESMAN", "State Department", "department of state", "u.s."):
        text = await latest_text(desk, typed)
        assert "Matthew Miller" in text and "John Kirby" not in text, typed
    assert "No statements" in await latest_text(desk, "Department of Defense")


async def test_the_speaker_filter_ignores_case_and_accents(desk: Desk) -> None:
    h = desk.harness
    options = {
        "topic": "atacms",
        "speaker": "José Ávila",
        "role": "Ministro de Defensa",
        "organisation": "Gobierno de España",
        "text": "Seguimos el debate.",
        "source": "Reuters",
    }
    assert not (await h.slash("log statement", options, user=h.editor)).ephemeral
    for typed in ("jose avila", "JOSÉ", "ministro de defensa", "espana"):
        text = await latest_text(desk, typed)
        assert "José Ávila" in text and "Matthew Miller" not in text, typed


async def test_speaker_autocomplete_suggests_names_roles_and_organisations_labelled(desk: Desk) -> None:
    h = desk.harness
    choices = await h.autocomplete("latest", "speaker", "state", {"topic": "atacms"}, user=h.reader)
    assert {"name": "Organisation: U.S. Department of State", "value": "U.S. Department of State"} in choices
    everything = await h.autocomplete("latest", "speaker", "", {"topic": "atacms"}, user=h.reader)
    names = {c["name"] for c in everything}
    assert {"Name: Matthew Miller", "Role: Spokesman", "Name: John Kirby"} <= names
    for choice in everything:
        text = await latest_text(desk, choice["value"])
        assert "No statements" not in text and text.count(choice["value"]) >= 2, choice  # the header, an entry


async def test_speaker_autocomplete_offers_at_most_25_and_log_offers_names_only(desk: Desk) -> None:
    h = desk.harness
    for number in range(30):
        options = {
            "topic": "atacms",
            "speaker": f"Official {number}",
            "role": f"Deputy {number}",
            "organisation": f"Office {number}",
            "text": "No comment.",
            "source": "Reuters",
        }
        assert not (await h.slash("log statement", options, user=h.editor)).ephemeral
    choices = await h.autocomplete("latest", "speaker", "", {"topic": "atacms"}, user=h.reader)
    assert len(choices) == 25
    assert choices[0]["name"] == "Name: Official 29"  # the most recently logged first
    # A new statement's speaker is a person: /log suggests names alone, unlabelled.
    names = await h.autocomplete("log statement", "speaker", "official 2", {"topic": "atacms"}, user=h.editor)
    assert names and all(c["name"] == c["value"] and c["value"].startswith("Official ") for c in names)
    assert all("2" in c["value"] for c in names)
