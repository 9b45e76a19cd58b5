"""The checks themselves: each one must fail when the promise it guards is broken.

A hostile suite whose checks never fire proves nothing, so every kind of violation is provoked here on
purpose (a crash, a ping, an oversized embed, a write by a reader, an orphan row, an unaudited change)
and the checker must name it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import discord
import pytest
from sqlmodel import select

from bot import replies
from bot.services import reader
from db.models import Entry, Topic
from tests.harness import GUILD_A_ID, Reply
from tests.hostile.checker import Checker, actors_of
from tests.hostile.database_state import consistency_problems
from tests.hostile.messages import message_problems
from tests.newsroom import Desk


def body(**overrides: Any) -> dict[str, Any]:
    return {"content": "ok", "embeds": [], "components": [], "allowed_mentions": {"parse": []}, **overrides}


@pytest.mark.parametrize(
    ("message", "complaint"),
    [
        (body(content="x" * 2001), "content is 2001"),
        (body(content="@everyone look"), "unescaped @everyone"),
        (body(allowed_mentions={"parse": ["everyone"]}), "allowed_mentions.parse"),
        (body(allowed_mentions={"parse": [], "roles": ["1"]}), "allowed_mentions.roles"),
        ({"content": "hi", "embeds": []}, "no allowed_mentions"),
        (body(embeds=[{"title": "t" * 257}]), "title is 257"),
        (body(embeds=[{"description": "d" * 4097}]), "description is 4097"),
        (body(embeds=[{"description": "d" * 4000}, {"description": "d" * 2001}]), "embeds total 6001"),
        (body(embeds=[{"fields": [{"name": "n", "value": "v" * 1025}]}]), "value has length 1025"),
        (body(embeds=[{"fields": [{"name": "n", "value": " "}]}]), "blank"),
        (body(embeds=[{"fields": [{"name": "n", "value": "v"}] * 26}]), "26 fields"),
        (body(embeds=[{"footer": {"text": "f" * 2049}}]), "footer is 2049"),
        (body(embeds=[{}] * 11), "11 embeds"),
        (body(components=[{"type": 1, "components": [{"type": 2, "custom_id": "x" * 101}]}]), "over 100"),
        (body(components=[{"type": 1, "components": [{"type": 2, "custom_id": str(i)} for i in range(6)]}]), "row 0"),
        (
            body(
                components=[{"type": 1, "components": [{"type": 2, "custom_id": "a"}, {"type": 2, "custom_id": "a"}]}]
            ),
            "duplicate custom_id",
        ),
        (body(content=""), "empty message"),
        (body(content="Something went wrong on our side and nothing was changed."), "generic failure"),
    ],
)
def test_message_check_names_each_broken_limit(message: dict[str, Any], complaint: str) -> None:
    assert any(complaint in p for p in message_problems(message)), message_problems(message)


def test_a_message_within_every_limit_passes() -> None:
    fields = [{"name": "n" * 256, "value": "v" * 1024}] * 3
    embed = {"title": "t" * 256, "description": "d" * 1000, "footer": {"text": "f"}, "fields": fields}
    row = {"type": 1, "components": [{"type": 2, "custom_id": f"{i}" * 100, "label": "l"} for i in range(5)]}
    assert message_problems(body(content="@\u200beveryone " + "c" * 1980, embeds=[embed], components=[row])) == []


async def test_an_unexpected_exception_is_caught(desk: Desk, checker: Checker, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(reader, "status", broken)
    reader_actor = actors_of(desk.harness)[1]
    with pytest.raises(AssertionError, match="generic failure") as caught:
        await checker.interact(reader_actor, desk.harness.slash("status", {"topic": "atacms"}), what="/status")
    assert "RuntimeError" in str(caught.value) or "boom" in str(caught.value)


async def test_a_message_that_could_ping_is_caught(
    desk: Desk, checker: Checker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replies, "NO_MENTIONS", discord.AllowedMentions.all())
    with pytest.raises(AssertionError, match=r"allowed_mentions\.parse"):
        await checker.interact(actors_of(desk.harness)[1], desk.harness.slash("topics"), what="/topics")


async def test_a_write_by_a_non_editor_is_caught(desk: Desk, checker: Checker) -> None:
    async def read_and_sneak_a_write() -> Reply:
        reply = await desk.harness.slash("topics", user=desk.harness.reader)
        async with desk.database.write() as session:
            topic = (await session.execute(select(Topic))).scalars().first()
            assert topic is not None
            topic.summary = "changed behind the audit log's back"
            session.add(topic)
        return reply

    with pytest.raises(AssertionError, match="a non-editor changed the database") as caught:
        await checker.interact(actors_of(desk.harness)[1], read_and_sneak_a_write(), what="/topics")
    assert "replaying its audit trail" in str(caught.value)  # the unaudited change is named too


async def test_orphans_and_unaudited_rows_are_caught(desk: Desk) -> None:
    assert await consistency_problems(desk.database) == []
    async with desk.database.write() as session:
        entry = (await session.execute(select(Entry).where(Entry.newsroom_id == GUILD_A_ID))).scalars().first()
        assert entry is not None
        entry.retracted_at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)  # retracted without a retract record
        clone = Entry(**{k: v for k, v in entry.model_dump().items() if k not in ("id", "interaction_id", "seed_key")})
        session.add(clone)  # an entry with no audit trail at all
        session.add(entry)
    problems = "\n".join(await consistency_problems(desk.database))
    assert f"entry {entry.id}: retracted_at" in problems
    assert "has no audit trail" in problems
