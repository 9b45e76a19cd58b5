"""/topic fact add|edit|remove: each background fact with its own source and a stable id, audited."""

from __future__ import annotations

from typing import Any

from db import audit
from tests.cogs.log_support import (
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    embed_text,
)
from tests.cogs.test_topic import topic_audit, topic_named
from tests.harness import GUILD_B_ID
from tests.newsroom import EDITORS_ROLE_A, Desk, db_rows, text_of

RANGE = (
    "The missiles in question have a flight range near 300 kilometers and can be fired from the HIMARS multiple"
    " launch rocket system."
)
NEW = "The U.S. first supplied ATACMS to Ukraine in October 2023."


async def test_seeded_facts_have_ids_and_sources_and_the_card_cites_each(desk: Desk) -> None:
    topic = await topic_named(desk.database, "atacms")
    assert [f["id"] for f in topic.background] == [1, 2, 3] and topic.fact_seq == 3
    assert topic.background[0] == {
        "id": 1,
        "fact": RANGE,
        "source": "News report, Sep 2023",
        "url": None,
    }
    card = await desk.harness.slash("status", {"topic": "atacms"}, user=desk.harness.reader)
    assert f"• {RANGE} (News report, Sep 2023)" in embed_text(card.embeds[0])


async def test_add_edit_remove_each_audited_and_a_removed_id_is_never_given_again(desk: Desk) -> None:
    h = desk.harness
    added = await h.slash(
        "topic fact add",
        {"topic": "atacms", "text": NEW, "source": "AP", "url": "https://apnews.com/x"},
        user=h.editor,
    )
    assert not added.ephemeral and "Added background fact `#4` of `atacms`" in text_of(added)
    topic = await topic_named(desk.database, "atacms")
    assert topic.background[-1] == {"id": 4, "fact": NEW, "source": "AP", "url": "https://apnews.com/x"}
    card = await h.slash("status", {"topic": "atacms"}, user=h.reader)
    assert f"• {NEW} ([AP](https://apnews.com/x))" in embed_text(card.embeds[0])

    before = topic
    edited = await h.slash(
        "topic fact edit",
        {"topic": "atacms", "fact": "#4", "reason": "Wording", "text": "Delivered in October 2023.", "url": "-"},
        user=h.editor,
    )
    assert not edited.ephemeral and "Corrected background fact `#4`" in text_of(edited)
    topic = await topic_named(desk.database, "atacms")
    assert topic.background[-1] == {"id": 4, "fact": "Delivered in October 2023.", "source": "AP", "url": None}
    record = (await topic_audit(desk.database, topic.id or 0))[-1]
    assert (record.action, record.actor_id, record.reason) == ("topic.fact.edit", h.editor.id, "Wording")
    assert record.before == audit.snapshot(before) and record.after == audit.snapshot(topic)

    removed = await h.slash(
        "topic fact remove", {"topic": "atacms", "fact": "4", "reason": "It is the story"}, user=h.editor
    )
    assert not removed.ephemeral and "Removed background fact `#4`" in text_of(removed)
    again = await h.slash("topic fact add", {"topic": "atacms", "text": "Another fact.", "source": "AP"}, user=h.editor)
    assert "`#5`" in text_of(again)
    topic = await topic_named(desk.database, "atacms")
    assert [f["id"] for f in topic.background] == [1, 2, 3, 5] and topic.fact_seq == 5
    actions = [(r.action, r.reason) for r in await topic_audit(desk.database, topic.id or 0)][-4:]
    assert actions == [
        ("topic.fact.add", None),
        ("topic.fact.edit", "Wording"),
        ("topic.fact.remove", "It is the story"),
        ("topic.fact.add", None),
    ]


async def test_the_fact_option_suggests_this_topics_facts_only(desk: Desk) -> None:
    h = desk.harness
    choices = await h.autocomplete("topic fact edit", "fact", "", {"topic": "atacms"}, user=h.editor)
    assert [c["value"] for c in choices] == ["1", "2", "3"]
    # A choice's name is at most 100 characters: a long fact is clipped.
    first = choices[0]["name"]
    assert len(first) <= 100 and first.endswith("\N{HORIZONTAL ELLIPSIS}") and f"#1 {RANGE}".startswith(first[:-1])
    typed = await h.autocomplete("topic fact remove", "fact", "binding", {"topic": "atacms"}, user=h.editor)
    assert [c["value"] for c in typed] == ["3"]
    assert await h.autocomplete("topic fact edit", "fact", "", {"topic": "no-such-story"}, user=h.editor) == []
    # Another newsroom typing guild A's slug is offered nothing of it.
    outside = await h.autocomplete(
        "topic fact edit", "fact", "", {"topic": "atacms"}, user=h.other_guild_user, guild=GUILD_B_ID
    )
    assert outside == []


async def test_refusals_change_nothing(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    rows = await db_rows(desk.database)
    for label, command, options, user, message in [
        (
            "forged id",
            "topic fact edit",
            {"fact": "#99", "reason": "x", "text": "y"},
            h.editor,
            "No background fact `#99`",
        ),
        ("not an id", "topic fact remove", {"fact": "range", "reason": "x"}, h.editor, "typed as its id"),
        ("no change given", "topic fact edit", {"fact": "#1", "reason": "x"}, h.editor, "Give at least one"),
        ("same text", "topic fact edit", {"fact": "#1", "reason": "x", "text": RANGE}, h.editor, "Nothing to change"),
        ("empty reason", "topic fact remove", {"fact": "#1", "reason": "  "}, h.editor, "`reason` can't be empty"),
        ("empty source", "topic fact add", {"text": "A fact.", "source": " "}, h.editor, "`source` can't be empty"),
        ("mention", "topic fact add", {"text": "Hi @everyone", "source": "AP"}, h.editor, "mention syntax"),
        ("reader", "topic fact add", {"text": "A fact.", "source": "AP"}, h.reader, f"<@&{EDITORS_ROLE_A}>"),
    ]:
        with subtests.test(label):
            reply = await h.slash(command, {"topic": "atacms", **options}, user=user)
            assert reply.ephemeral and message in text_of(reply), reply.content
            assert await db_rows(desk.database) == rows
    with subtests.test("another newsroom's topic"):
        reply = await h.slash(
            "topic fact remove",
            {"topic": "atacms", "fact": "#1", "reason": "x"},
            user=h.other_guild_user,
            guild=GUILD_B_ID,
        )
        assert reply.ephemeral and "No topic matches `atacms`" in text_of(reply)
        assert await db_rows(desk.database) == rows


async def test_a_card_holds_at_most_ten_facts(desk: Desk) -> None:
    h = desk.harness
    for n in range(7):
        await h.slash("topic fact add", {"topic": "atacms", "text": f"Fact {n}.", "source": "AP"}, user=h.editor)
    rows = await db_rows(desk.database)
    refused = await h.slash("topic fact add", {"topic": "atacms", "text": "One more.", "source": "AP"}, user=h.editor)
    assert refused.ephemeral and "has 10 background facts" in text_of(refused)
    assert await db_rows(desk.database) == rows
