"""Typo-tolerant topics: autocomplete fills with close spellings after the matches, and a command
naming a topic by an unambiguous close spelling answers for it, saying how it read the name."""

from __future__ import annotations

from bot.core.drafts import TopicDraft
from bot.core.requester import Requester
from bot.services import topics
from tests.harness import GUILD_A_ID, GUILD_B_ID
from tests.newsroom import Desk, db_rows, text_of

OWNER = Requester(guild_id=GUILD_A_ID, user_id=5, guild_name="Newsroom A", manage_guild=True)
OWNER_B = Requester(guild_id=GUILD_B_ID, user_id=5, guild_name="Newsroom B", manage_guild=True)


async def create(
    desk: Desk, slug: str, title: str, aliases: list[str] | None = None, *, owner: Requester = OWNER
) -> None:
    await topics.create_topic(desk.database, owner, draft=TopicDraft(slug=slug, title=title, aliases=aliases or []))


async def slugs(desk: Desk, typed: str) -> list[str]:
    h = desk.harness
    return [c["value"] for c in await h.autocomplete("status", "topic", typed, user=h.reader)]


async def test_close_spellings_are_offered(desk: Desk) -> None:
    await create(desk, "f-16", "F-16 fighter jets", ["Fighting Falcon"])
    await create(desk, "abrams", "Abrams tanks")
    for typed in ("atcms", "atacsm", "ATACMS missles", "Army tacticle missile"):
        assert await slugs(desk, typed) == ["atacms"], typed
    for typed in ("f16", "F16 jets", "fightin falcon"):
        assert await slugs(desk, typed) == ["f-16"], typed
    for typed in ("weather", "banana", "parliament", "zzqx", "abc"):
        assert await slugs(desk, typed) == [], typed


async def test_matches_rank_before_close_spellings(desk: Desk) -> None:
    # "atacm" begins the slug of two (the shorter first), is inside an alias of a third, and is a close
    # spelling of a word of a fourth only.
    await create(desk, "atacms-deliveries", "ATACMS deliveries")
    await create(desk, "himars", "HIMARS launchers", ["atacms launcher"])
    await create(desk, "storm-shadow", "Storm Shadow", ["like atcms"])
    assert await slugs(desk, "atacm") == ["atacms", "atacms-deliveries", "himars", "storm-shadow"]
    # Every word present but not side by side: after the labels that hold the text as typed.
    await create(desk, "abrams", "Abrams tanks")
    await create(desk, "m1-deliveries", "Abrams deliveries", ["tank shipments"])
    assert await slugs(desk, "abrams tank") == ["abrams", "m1-deliveries"]


async def test_autocomplete_offers_only_this_newsrooms_close_spellings(desk: Desk) -> None:
    await create(desk, "patriot-systems", "Patriot systems", owner=OWNER_B)
    assert await slugs(desk, "patriot sistems") == []
    h = desk.harness
    other = await h.autocomplete("status", "topic", "atcms", guild=GUILD_B_ID, user=h.other_guild_user)
    assert [c["value"] for c in other] == []
    other = await h.autocomplete("status", "topic", "patriot sistems", guild=GUILD_B_ID, user=h.other_guild_user)
    assert [c["value"] for c in other] == ["patriot-systems"]


async def test_a_command_reads_an_unambiguous_close_spelling(desk: Desk) -> None:
    h = desk.harness
    for typed in ("atcms", "atacsm", "ATACMS missles"):
        reply = await h.slash("status", {"topic": typed}, user=h.reader)
        assert reply.content == f'Showing `atacms` (closest to "{typed}")', typed
        assert reply.embeds[0]["title"].startswith("ATACMS") and not reply.ephemeral
    chronology = await h.slash("chronology", {"topic": "atcms"}, user=h.reader)
    assert chronology.content is not None and chronology.content.startswith("Showing `atacms`")
    latest = await h.slash("latest", {"topic": "atcms"}, user=h.reader)
    assert latest.content is not None and latest.content.startswith("Showing `atacms`")
    # A write is never filed under a guess: the editor is asked, and nothing is stored.
    before = await db_rows(desk.database)
    logged = await h.slash(
        "log status", {"topic": "atcms", "decision": "approved", "note": "Approved", "source": "Reuters"}, user=h.editor
    )
    assert logged.ephemeral and "No topic matches `atcms`" in text_of(logged) and "`atacms`" in text_of(logged)
    assert await db_rows(desk.database) == before
    # The next command says nothing of an earlier reading.
    again = await h.slash("status", {"topic": "atacms"}, user=h.reader)
    assert not again.content


async def test_an_ambiguous_close_spelling_is_answered_with_suggestions(desk: Desk) -> None:
    await create(desk, "abrams", "Abrams tanks")
    await create(desk, "leopard", "Leopard tanks")
    reply = await desk.harness.slash("status", {"topic": "tankz"})
    assert reply.ephemeral and not reply.embeds
    assert "No topic matches `tankz`" in text_of(reply)
    assert "`abrams`" in text_of(reply) and "`leopard`" in text_of(reply)


async def test_unrelated_words_are_not_read_as_a_topic(desk: Desk) -> None:
    for typed in ("weather", "banana", "atlas"):
        reply = await desk.harness.slash("status", {"topic": typed})
        assert reply.ephemeral and "No topic matches" in text_of(reply), typed


async def test_only_this_newsrooms_topics_are_read(desk: Desk) -> None:
    h = desk.harness
    reply = await h.slash("status", {"topic": "atcms"}, guild=GUILD_B_ID, user=h.other_guild_user)
    assert reply.ephemeral and "No topic matches" in text_of(reply) and "atacms`" not in text_of(reply)


async def test_archived_topics_are_never_read_from_a_close_spelling(desk: Desk) -> None:
    h = desk.harness
    await h.slash("topic archive", {"topic": "atacms"}, user=h.editor)
    reply = await h.slash("status", {"topic": "atcms"}, user=h.reader)
    assert reply.ephemeral and "No topic matches" in text_of(reply)
    assert await slugs(desk, "atcms") == []
