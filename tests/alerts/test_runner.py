"""The alert runner against the discord.py Poster and a recorded Discord: the grace, undo within it,
grouping, kinds, and the edit of a posted alert on undo, retraction and correction."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.services.digest_sending import DigestConfig, Outcome
from db.engine import Database
from tests.alerts.support import AlertStore, add_alert, pending_edits, run_at, runner, subscription_of
from tests.digest.support import Writer, deliveries, row_id, utc
from tests.harness import DiscordHarness
from tests.newsroom import FakeClock

T0 = utc(2026, 3, 20, 12, 0)


def s(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


async def _alert(database: Database, h: DiscordHarness, **options: object) -> int:
    sub = await add_alert(database, channel_id=h.guild_a.channels[1].id, now=T0, **options)  # type: ignore[arg-type]
    return row_id(sub)


def _texts(messages: list[dict]) -> str:
    return "\n".join(
        [m.get("content") or "" for m in messages]
        + [e.get("description") or "" for m in messages for e in m.get("embeds") or []]
    )


async def test_a_status_change_alerts_once_after_the_grace(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: AlertStore
) -> None:
    await room.topic("atacms")
    await _alert(database, h)
    channel = h.guild_a.channels[1].id
    entry = await room.status("atacms", "approved", "Approved for transfer.", s(5))
    svc = runner(h)
    await run_at(svc, s(30))  # within the grace: nothing yet
    assert store.messages(channel) == []
    report = await run_at(svc, s(70))
    [message] = store.messages(channel)
    assert report.results[1].outcome is Outcome.SENT
    assert message["content"].startswith("**Newsdesk alert** · 1 change")
    assert f"`#{entry.id}`" in _texts([message]) and "Newsdesk alert" in message["embeds"][-1]["footer"]["text"]
    await run_at(svc, s(200))
    assert len(store.messages(channel)) == 1


async def test_changes_in_one_window_share_one_message(
    database: Database, h: DiscordHarness, room: Writer, store: AlertStore
) -> None:
    await room.topic("atacms")
    await room.topic("tariffs")
    await _alert(database, h, kinds=["status", "statement"])
    first = await room.status("atacms", "approved", "Approved.", s(2))
    second = await room.statement("tariffs", "Jane Roe", "We will respond.", s(4))
    await run_at(runner(h), s(70))
    [message] = store.messages(h.guild_a.channels[1].id)
    assert "2 changes" in message["content"]
    assert f"`#{first.id}`" in _texts([message]) and f"`#{second.id}`" in _texts([message])


async def test_an_entry_undone_within_the_grace_never_alerts(
    database: Database, h: DiscordHarness, room: Writer, store: AlertStore
) -> None:
    await room.topic("atacms")
    await _alert(database, h)
    entry = await room.status("atacms", "approved", "Logged by mistake.", s(5))
    await room.retract(entry, s(20), reason="wrong topic", action="entry.undo")
    svc = runner(h)
    await run_at(svc, s(70))
    await run_at(svc, s(200))
    assert store.messages(h.guild_a.channels[1].id) == []
    assert await deliveries(database) == []


async def test_only_the_chosen_kinds_alert(
    database: Database, h: DiscordHarness, room: Writer, store: AlertStore
) -> None:
    await room.topic("atacms")
    await _alert(database, h)  # status only, the default
    await room.statement("atacms", "Jane Roe", "No comment.", s(5))
    await room.event("atacms", "Shipment left port", s(6))
    await run_at(runner(h), s(70))
    assert store.messages(h.guild_a.channels[1].id) == []


async def test_an_alert_follows_its_topics_only(
    database: Database, h: DiscordHarness, room: Writer, store: AlertStore
) -> None:
    await room.topic("atacms")
    await room.topic("tariffs")
    await _alert(database, h, topics=["tariffs"])
    await room.status("atacms", "approved", "Approved.", s(5))
    await run_at(runner(h), s(70))
    assert store.messages(h.guild_a.channels[1].id) == []


@pytest.mark.parametrize(
    ("change", "said"),
    [("undo", "was undone by an editor"), ("retract", "was retracted"), ("correct", "was corrected")],
)
async def test_a_later_undo_retraction_or_correction_edits_the_alert(
    change: str, said: str, database: Database, h: DiscordHarness, room: Writer, store: AlertStore
) -> None:
    await room.topic("atacms")
    await _alert(database, h)
    channel = h.guild_a.channels[1].id
    entry = await room.status("atacms", "approved", "Approved.", s(5))
    svc = runner(h)
    await run_at(svc, s(70))
    [posted] = store.messages(channel)
    if change == "correct":
        await room.edit(entry, s(100), reason="wrong note", note="Approved in part.")
    else:
        await room.retract(entry, s(100), reason="not confirmed", action=f"entry.{change}")
    report = await run_at(svc, s(170))
    assert report.edits_done == 1
    [message] = store.messages(channel)  # edited in place, never deleted nor posted again
    assert message["id"] == posted["id"]
    assert f"`#{entry.id}` {said}" in message["content"]
    assert ("wrong note" if change == "correct" else "not confirmed") in message["content"]
    assert message["embeds"] == posted["embeds"]
    assert await pending_edits(database) == []
    await run_at(svc, s(300))
    assert len(store.edits) == 1


async def test_an_edit_lost_to_a_failure_is_made_later(
    database: Database, h: DiscordHarness, room: Writer, store: AlertStore
) -> None:
    await room.topic("atacms")
    await _alert(database, h)
    channel = h.guild_a.channels[1].id
    entry = await room.status("atacms", "approved", "Approved.", s(5))
    svc = runner(h)
    await run_at(svc, s(70))
    await room.retract(entry, s(100), reason="not confirmed")
    h.fail_next("PATCH", r"^/channels/\d+/messages/\d+$", 502)
    report = await run_at(svc, s(170))
    assert report.edits_failed == 1 and len(await pending_edits(database)) == 1
    assert "Update" not in store.messages(channel)[0]["content"]
    # Backed off, then made by whichever process runs next.
    report = await run_at(runner(h, name="other"), s(400))
    assert report.edits_done == 1 and await pending_edits(database) == []
    assert f"`#{entry.id}` was retracted" in store.messages(channel)[0]["content"]


async def test_a_refused_channel_pauses_the_alert(
    database: Database, h: DiscordHarness, room: Writer, store: AlertStore
) -> None:
    await room.topic("atacms")
    alert_id = await _alert(database, h)
    await room.status("atacms", "approved", "Approved.", s(5))
    h.fail_next("POST", r"^/channels/\d+/messages$", 403)
    report = await run_at(runner(h), s(70))
    assert report.results[alert_id].outcome is Outcome.PAUSED
    sub = await subscription_of(database, alert_id)
    assert sub.paused and sub.notice_pending and "refused" in (sub.paused_reason or "")


async def test_one_tick_reaches_every_due_alert_whatever_the_batch(
    database: Database, h: DiscordHarness, room: Writer, store: AlertStore
) -> None:
    await room.topic("atacms")
    await room.topic("quiet")
    channels = h.guild_a.channels
    # Alerts on a quiet topic come first in id order and have nothing to post: they must not stop
    # the tick before the others.
    for _ in range(3):
        await add_alert(database, channel_id=channels[0].id, now=T0, topics=["quiet"])
    for _ in range(3):
        await add_alert(database, channel_id=channels[1].id, now=T0, topics=["atacms"])
    await room.status("atacms", "approved", "Approved.", s(5))
    await run_at(runner(h, config=DigestConfig(batch=2)), s(70))
    assert len(store.messages(channels[1].id)) == 3 and store.messages(channels[0].id) == []
