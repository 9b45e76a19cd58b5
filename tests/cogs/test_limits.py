"""No reply ever exceeds Discord's limits, whatever the stored text; long content paginates."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from bot.core.drafts import EntryDraft
from bot.core.fuzzydate import FuzzyDate
from bot.core.vocabulary import EntryKind
from db.models import Topic
from db.topic_writes import update_topic
from db.writes import add_entry
from tests.newsroom import Desk

WORD = "deliberation "


def check_message_limits(embeds: list[dict], content: str | None = None) -> None:
    assert content is None or len(content) <= 2000
    assert len(embeds) <= 10
    total = 0
    for embed in embeds:
        title, description = embed.get("title", ""), embed.get("description", "")
        footer = (embed.get("footer") or {}).get("text", "")
        assert len(title) <= 256 and len(description) <= 4096 and len(footer) <= 2048
        assert len(embed.get("fields", [])) <= 25
        total += len(title) + len(description) + len(footer)
        for field in embed.get("fields", []):
            assert len(field["name"]) <= 256 and len(field["value"]) <= 1024
            total += len(field["name"]) + len(field["value"])
    assert total <= 6000


async def _stuff(desk: Desk) -> None:
    long_text = (WORD * 400)[:4000]
    async with desk.database.write() as session:
        topic = (await session.execute(select(Topic).where(Topic.slug == "atacms"))).scalars().one()
        await update_topic(
            session,
            topic=topic,
            changes={"title": "T" * 200, "summary": WORD * 76, "next_step": WORD * 38},
            actor_id=1,
            interaction_id=None,
        )
        topic.background = [{"fact": WORD * 78, "source": "N" * 200} for _ in range(10)]
        session.add(topic)
        await add_entry(
            session,
            topic=topic,
            actor_id=1,
            interaction_id=None,
            draft=EntryDraft(
                kind=EntryKind.STATUS,
                date=FuzzyDate.exact(dt.date(2025, 1, 1)),
                decision="approved",
                delivery="partly_delivered",
                committed=1e12,
                delivered=999_999_999_999.5,
                unit="U" * 50,
                note=WORD * 76,
                source_name="N" * 200,
                source_url="https://example.org/" + "b" * 470,
            ),
        )
        for n in range(12):
            date = FuzzyDate.exact(dt.date(2024, 1, 1) + dt.timedelta(days=n))
            await add_entry(
                session,
                topic=topic,
                actor_id=1,
                interaction_id=None,
                draft=EntryDraft(
                    kind=EntryKind.STATEMENT,
                    date=date,
                    speaker="S" * 100,
                    speaker_role="R" * 150,
                    speaker_org="O" * 150,
                    text=long_text,
                    context="C" * 200,
                    source_name="N" * 200,
                    source_url="https://example.org/" + "a" * 470,
                    statement_kind="quote",
                ),
            )
            await add_entry(
                session,
                topic=topic,
                actor_id=1,
                interaction_id=None,
                draft=EntryDraft(
                    kind=EntryKind.EVENT, date=date, headline="H" * 200, details=WORD * 76, source_name="N" * 200
                ),
            )


async def test_every_reader_reply_stays_within_limits_at_maximum_field_lengths(desk: Desk) -> None:
    await _stuff(desk)
    for command, options in [
        ("status", {"topic": "atacms", "history": True}),
        ("latest", {"topic": "atacms", "count": 10}),
        ("chronology", {"topic": "atacms"}),
        ("topics", {}),
    ]:
        reply = await desk.harness.slash(command, options)
        assert reply.embeds, command
        check_message_limits(reply.embeds, reply.content)


async def test_long_statements_are_shortened_at_a_word_boundary_not_mid_word(desk: Desk) -> None:
    await _stuff(desk)
    reply = await desk.harness.slash("latest", {"topic": "atacms", "count": 10})
    quote_lines = [line for e in reply.embeds for line in e["description"].split("\n") if line.startswith("> ")]
    assert quote_lines
    for line in quote_lines:
        body = line[2:]
        assert body.endswith(("deliberation…", "deliberation"))
