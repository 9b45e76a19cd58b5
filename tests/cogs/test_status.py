from __future__ import annotations

from tests.harness import GUILD_B_ID
from tests.newsroom import Desk, text_of

EPHEMERAL = 64


def _text(embed: dict) -> str:
    parts = [embed.get("title", ""), embed.get("description", ""), (embed.get("footer") or {}).get("text", "")]
    for field in embed.get("fields", []):
        parts += [field["name"], field["value"]]
    return "\n".join(parts)


async def test_status_card_answers_under_review_with_latest_statement_and_sources(desk: Desk) -> None:
    reply = await desk.harness.slash("status", {"topic": "atacms"}, user=desk.harness.reader)
    assert reply.response_type == 4
    assert not reply.ephemeral
    assert reply.allowed_mentions == {"parse": []}
    [embed] = reply.embeds
    text = _text(embed)
    assert embed["title"] == "ATACMS long-range missiles for Ukraine"
    assert "**Decision: Under review** (since Sep 2023) — Being considered; no decision has been announced" in text
    assert "**Delivery: None announced** (since Sep 2023) — No delivery has been announced" in text
    assert "Latest change Sep 2023" in text
    latest = next(f for f in embed["fields"] if f["name"] == "Latest statement")["value"]
    assert "John Kirby" in latest and "Strategic Communications Coordinator" in latest
    assert "Interview with a British newspaper" in latest
    sources = next(f for f in embed["fields"] if f["name"] == "Sources")["value"]
    assert "News report, Sep 2023, citing an interview with a British newspaper" in sources
    assert "300 kilometers" in text and "HIMARS" in text
    labels = [c["label"] for row in reply.components for c in row["components"]]
    assert labels == ["Latest statements", "Chronology"]


async def test_status_private_option_answers_ephemerally(desk: Desk) -> None:
    reply = await desk.harness.slash("status", {"topic": "ATACMS", "private": True})
    assert reply.flags & EPHEMERAL


async def test_status_finds_a_topic_by_alias_case_insensitively(desk: Desk) -> None:
    reply = await desk.harness.slash("status", {"topic": "Army Tactical Missile System"})
    assert reply.embeds[0]["title"].startswith("ATACMS")


async def test_unknown_topic_gets_ephemeral_not_found(desk: Desk) -> None:
    reply = await desk.harness.slash("status", {"topic": "hypersonic"})
    assert reply.ephemeral
    assert "No topic matches" in text_of(reply) and "/topics" in text_of(reply)
    assert not reply.embeds


async def test_a_topic_of_another_guild_does_not_exist_here(desk: Desk) -> None:
    reply = await desk.harness.slash(
        "status", {"topic": "atacms"}, guild=GUILD_B_ID, user=desk.harness.other_guild_user
    )
    assert reply.ephemeral and "No topic matches" in text_of(reply)
    assert "atacms" not in text_of(reply).split("matches")[1].split("in this")[1]


async def test_status_history_lists_earlier_statuses(desk: Desk) -> None:
    reply = await desk.harness.slash("status", {"topic": "atacms", "history": True})
    assert len(reply.embeds) == 2
    assert reply.embeds[1]["title"].startswith("Status history")
    assert "Under review" in reply.embeds[1]["description"]


async def test_status_card_buttons_open_statements_and_chronology_privately(desk: Desk) -> None:
    card = await desk.harness.slash("status", {"topic": "atacms"})
    ids = [c["custom_id"] for row in card.components for c in row["components"]]
    latest = await desk.harness.click(ids[0], message=card.final, user=desk.harness.reader)
    assert latest.ephemeral and "Latest statements" in latest.embeds[0]["title"]
    chron = await desk.harness.click(ids[1], message=card.final, user=desk.harness.reader)
    assert chron.ephemeral and chron.embeds[0]["title"].startswith("Chronology")


async def test_status_card_button_from_another_guild_finds_nothing(desk: Desk) -> None:
    card = await desk.harness.slash("status", {"topic": "atacms"})
    button = card.components[0]["components"][0]["custom_id"]
    assert card.final is not None
    # The same button, as if it sat on a message in guild B (a crafted or forwarded payload).
    forged = {**card.final, "id": "1", "channel_id": str(desk.harness.guild_b.channel.id)}
    reply = await desk.harness.click(button, message=forged, guild=GUILD_B_ID, user=desk.harness.other_guild_user)
    assert reply.ephemeral and "No topic matches" in text_of(reply)
    assert not reply.embeds


async def test_each_axis_stands_where_its_latest_live_status_change_put_it(desk: Desk) -> None:
    h = desk.harness

    async def log(**options: object) -> str:
        reply = await h.slash("log status", {"topic": "atacms", "note": "n", "source": "AP", **options}, user=h.editor)
        assert not reply.ephemeral, reply.content
        return (reply.content or "").split("`#")[1].split("`")[0]

    await log(decision="approved", date="17 Sep 2023", committed=300, unit="missiles")
    await log(delivery="partly_delivered", date="18 Sep 2023", delivered=100, unit="missiles")
    # Backdated: logged last, but the delivery it sets is older than the one above.
    await log(delivery="announced", date="16 Sep 2023")
    card = (await h.slash("status", {"topic": "atacms"}, user=h.reader)).embeds[0]["description"]
    assert "**Decision: Approved** (since 17 Sep 2023)" in card
    assert "**Delivery: Partly delivered**, 100 of 300 missiles (since 18 Sep 2023)" in card
    assert "Latest change 18 Sep 2023" in card
    topics = (await h.slash("topics", {}, user=h.reader)).embeds[0]["description"]
    assert (
        "Decision: Approved (since 17 Sep 2023) · Delivery: Partly delivered (since 18 Sep 2023) · 100 of 300 missiles"
        in topics
    )

    # Retracting the delivery's change: that axis falls back to the one before, and its quantity goes too.
    latest = await log(decision="on_hold", date="19 Sep 2023")
    partly = int(latest) - 2
    await h.slash("entry retract", {"id": f"#{partly}", "reason": "Misreported"}, user=h.editor)
    card = (await h.slash("status", {"topic": "atacms"}, user=h.reader)).embeds[0]["description"]
    assert "**Decision: On hold** (since 19 Sep 2023)" in card
    assert "**Delivery: Announced**, 300 missiles committed (since 16 Sep 2023)" in card
    history = (await h.slash("status", {"topic": "atacms", "history": True}, user=h.reader)).embeds[1]["description"]
    assert "Decision: On hold" in history and "~~" in history and "Delivery: Partly delivered, 100 missiles" in history
