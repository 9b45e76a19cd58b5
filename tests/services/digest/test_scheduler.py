"""The scheduler, driven by an injected clock through discord.py's real channel-send path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import event
from sqlmodel import col, select

from bot.services import digests
from bot.services.digest_sending import Outcome
from db.engine import Database
from db.models import AuditRecord
from db.newsrooms import ensure_newsroom
from tests.digest.support import (
    SETTLE,
    ChannelStore,
    Writer,
    attempts,
    deliveries,
    editor_in,
    row_id,
    run_at,
    service,
    subscription,
    utc,
)
from tests.harness import GUILD_A_ID, GUILD_B_ID, DiscordHarness
from tests.newsroom import FakeClock

S10 = dt.timedelta(seconds=10)
# What SQLAlchemy's before_cursor_execute hands over and exec_driver_sql takes: DB-API parameters.
DBParams = Sequence[Any] | Mapping[str, Any]


def text_of(message: dict) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or "", (embed.get("footer") or {}).get("text", "")]
    return "\n".join(parts)


async def test_posts_once_at_the_local_time_and_not_before(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    channel = h.guild_a.channel.id
    await room.topic("atacms", "ATACMS for Ukraine")
    sub = await room.subscribe(channel_id=channel, now=clock())  # 09:00 Europe/London, created 20 Mar 12:00
    assert (sub.covered_until, sub.next_due_at) == (utc(2026, 3, 20, 9), utc(2026, 3, 21, 9))
    await room.status("atacms", "under_review", "Pentagon reviewing the request", utc(2026, 3, 20, 15))
    await room.statement("atacms", "Jane Doe", "No decision yet on long-range missiles.", utc(2026, 3, 21, 8))

    svc = service(h)
    # Due at 09:00:00, built only after the settle delay.
    assert (await run_at(svc, utc(2026, 3, 21, 9, 0, 5))).results == {}
    assert store.messages(channel) == []
    report = await run_at(svc, utc(2026, 3, 21, 9) + S10)
    assert report.results[row_id(sub)].outcome is Outcome.SENT
    [message] = store.messages(channel)
    text = text_of(message)
    assert "Newsdesk digest" in text and "Sat 21 Mar 2026" in text
    assert "ATACMS for Ukraine" in text and "Decision: **Under review**" in text
    assert "Pentagon reviewing the request" in text and "Jane Doe" in text and "No decision yet" in text
    [send] = store.sends(channel)
    [done] = await deliveries(database, sub.id)
    assert send.json["nonce"] == f"{done.nonce}.1" and send.json["enforce_nonce"] is True
    assert send.json["allowed_mentions"] == {"parse": []}
    assert f"ref {done.nonce}.1" in text

    # Nothing more for that period, however often the scheduler looks.
    assert (await run_at(svc, utc(2026, 3, 21, 9, 5))).results == {}
    assert len(store.messages(channel)) == 1
    after = await subscription(database, row_id(sub))
    assert (after.covered_until, after.next_due_at) == (utc(2026, 3, 21, 9), utc(2026, 3, 22, 9))
    assert (done.state, done.window_start, done.window_end, done.period_key) == (
        "sent",
        utc(2026, 3, 20, 9),
        utc(2026, 3, 21, 9),
        "2026-03-21",
    )
    [attempt] = await attempts(database)
    assert (attempt.outcome, str(attempt.message_id)) == ("sent", message["id"])


async def test_nine_am_london_posts_at_the_right_instant_across_the_spring_change(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock, store: ChannelStore
) -> None:
    channel = h.guild_a.channel.id
    await room.topic("atacms")
    sub = await room.subscribe(channel_id=channel, now=utc(2026, 3, 27, 12))
    svc = service(h)
    posted: list[dt.datetime] = []
    moment = utc(2026, 3, 27, 12)
    # Walk the clock in 30-minute ticks over four days; note when each digest goes out.
    while moment < utc(2026, 3, 31, 12):
        moment += dt.timedelta(minutes=30)
        before = len(store.messages(channel))
        await run_at(svc, moment)
        if len(store.messages(channel)) > before:
            posted.append(moment)
    # Ticks land on :00 and :30, so each digest goes out on the first tick after 09:00 local + settle.
    assert posted == [
        utc(2026, 3, 28, 9, 30),
        utc(2026, 3, 29, 8, 30),
        utc(2026, 3, 30, 8, 30),
        utc(2026, 3, 31, 8, 30),
    ]
    keys = [d.period_key for d in await deliveries(database, sub.id)]
    assert keys == ["2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"]


async def test_autumn_change_and_a_time_that_happens_twice(
    database: Database, h: DiscordHarness, room: Writer, store: ChannelStore
) -> None:
    channel = h.guild_a.channel.id
    await room.topic("atacms")
    nine = await room.subscribe(channel_id=channel, now=utc(2026, 10, 23, 12))
    half_one = await room.subscribe(channel_id=h.guild_a.channels[1].id, now=utc(2026, 10, 23, 12), local_time="01:30")
    svc = service(h)
    for moment in (utc(2026, 10, 24, 8) + S10, utc(2026, 10, 25, 0, 30) + S10, utc(2026, 10, 25, 9) + S10):
        await run_at(svc, moment)
    # One run in between each: neither the second 01:30 nor 09:00 GMT produce a second post.
    await run_at(svc, utc(2026, 10, 25, 1, 30) + S10)
    await run_at(svc, utc(2026, 10, 25, 9, 30))
    assert [(d.period_key, d.due_at) for d in await deliveries(database, nine.id)] == [
        ("2026-10-24", utc(2026, 10, 24, 8)),
        ("2026-10-25", utc(2026, 10, 25, 9)),
    ]
    assert [(d.period_key, d.due_at) for d in await deliveries(database, half_one.id)] == [
        ("2026-10-24", utc(2026, 10, 24, 0, 30)),
        ("2026-10-25", utc(2026, 10, 25, 0, 30)),
    ]


async def test_spring_gap_time_posts_once_after_the_gap(
    database: Database, h: DiscordHarness, room: Writer, store: ChannelStore
) -> None:
    await room.topic("atacms")
    sub = await room.subscribe(channel_id=h.guild_a.channel.id, now=utc(2026, 3, 28, 12), local_time="01:30")
    svc = service(h)
    await run_at(svc, utc(2026, 3, 29, 0, 59))  # 00:59 GMT: before the gap
    assert await deliveries(database, sub.id) == []
    await run_at(svc, utc(2026, 3, 29, 1) + S10)  # 02:00:10 BST
    await run_at(svc, utc(2026, 3, 29, 1, 30) + S10)
    assert [(d.period_key, d.due_at) for d in await deliveries(database, sub.id)] == [
        ("2026-03-29", utc(2026, 3, 29, 1))
    ]


async def test_after_downtime_one_combined_digest_then_back_to_normal(
    database: Database, h: DiscordHarness, room: Writer, store: ChannelStore
) -> None:
    channel = h.guild_a.channel.id
    await room.topic("atacms")
    sub = await room.subscribe(channel_id=channel, now=utc(2026, 3, 20, 12))
    for day in (21, 22, 23):
        await room.event("atacms", f"Event on the {day}th", utc(2026, 3, day, 12))
    svc = service(h)
    # The bot was down from 20 March until 24 March 10:00 (after that day's 09:00).
    await run_at(svc, utc(2026, 3, 24, 10))
    [message] = store.messages(channel)
    assert all(f"Event on the {d}th" in text_of(message) for d in (21, 22, 23))
    [combined] = await deliveries(database, sub.id)
    assert (combined.period_key, combined.window_start, combined.window_end) == (
        "2026-03-24",
        utc(2026, 3, 20, 9),
        utc(2026, 3, 24, 9),
    )
    await run_at(svc, utc(2026, 3, 24, 12))
    assert len(store.messages(channel)) == 1
    await room.event("atacms", "Fresh news", utc(2026, 3, 24, 20))
    await run_at(svc, utc(2026, 3, 25, 9) + S10)
    messages = store.messages(channel)
    assert len(messages) == 2 and "Fresh news" in text_of(messages[1]) and "Event on the" not in text_of(messages[1])


async def test_an_entry_logged_while_a_digest_is_sent_goes_into_the_next_one(
    database: Database, h: DiscordHarness, room: Writer, store: ChannelStore
) -> None:
    channel = h.guild_a.channel.id
    await room.topic("atacms")
    await room.subscribe(channel_id=channel, now=utc(2026, 3, 20, 12))
    await room.event("atacms", "Before the cut", utc(2026, 3, 21, 8, 59, 59))
    tick = utc(2026, 3, 21, 9) + S10

    async def log_during_send(channel_id: int, nonce: str) -> None:
        # Logged while the digest is being posted; its time is after the period's end.
        await room.event("atacms", "During the send", tick)

    await run_at(service(h, before=log_during_send), tick)
    await run_at(service(h), utc(2026, 3, 22, 9) + S10)
    first, second = (text_of(m) for m in store.messages(channel))
    assert "Before the cut" in first and "During the send" not in first
    assert "During the send" in second and "Before the cut" not in second


async def test_quiet_days_post_one_line_or_nothing(
    database: Database, h: DiscordHarness, room: Writer, store: ChannelStore
) -> None:
    await room.topic("atacms")
    loud = await room.subscribe(channel_id=h.guild_a.channels[0].id, now=utc(2026, 3, 20, 12))
    quiet = await room.subscribe(channel_id=h.guild_a.channels[1].id, now=utc(2026, 3, 20, 12), post_when_empty=False)
    report = await run_at(service(h), utc(2026, 3, 21, 9) + S10)
    assert report.results[row_id(loud)].outcome is Outcome.SENT
    assert report.results[row_id(quiet)].outcome is Outcome.SKIPPED
    [message] = store.messages(h.guild_a.channels[0].id)
    assert "Nothing new on the followed stories" in text_of(message)
    assert store.messages(h.guild_a.channels[1].id) == []
    [skipped] = await deliveries(database, quiet.id)
    assert skipped.state == "skipped"
    assert (await subscription(database, row_id(quiet))).next_due_at == utc(2026, 3, 22, 9)


async def test_forbidden_pauses_with_the_reason_and_resume_posts_the_missed_window(
    database: Database, h: DiscordHarness, room: Writer, store: ChannelStore
) -> None:
    channel = h.guild_a.channel.id
    await room.topic("atacms")
    sub = await room.subscribe(channel_id=channel, now=utc(2026, 3, 20, 12))
    await room.event("atacms", "Missed while paused", utc(2026, 3, 20, 18))
    h.fail_next("POST", rf"^/channels/{channel}/messages$", 403)
    svc = service(h)
    report = await run_at(svc, utc(2026, 3, 21, 9) + S10)
    assert report.results[row_id(sub)].outcome is Outcome.PAUSED
    paused = await subscription(database, row_id(sub))
    assert paused.paused and paused.notice_pending and "Discord refused" in (paused.paused_reason or "")
    assert GUILD_A_ID in svc.notices.guilds
    assert [a.outcome for a in await attempts(database)] == ["paused"]
    assert "403" in ((await attempts(database))[0].error or "")
    async with database.read() as session:
        record = (await session.execute(select(AuditRecord).order_by(col(AuditRecord.id).desc()))).scalars().first()
    assert record is not None and (record.action, record.actor_id) == ("digest.pause", 0)
    assert record.reason == paused.paused_reason and record.after == {
        "subscription_id": sub.id,
        "channel_id": str(channel),
        "reason": paused.paused_reason,
    }
    # Paused: the scheduler leaves it alone.
    await run_at(svc, utc(2026, 3, 22, 9) + S10)
    assert store.messages(channel) == []

    await digests.set_paused(
        database,
        editor_in(GUILD_A_ID),
        row_id(sub),
        paused=False,
        now=utc(2026, 3, 22, 12),
        settle=SETTLE,
    )
    await run_at(svc, utc(2026, 3, 23, 9) + S10)
    [message] = store.messages(channel)
    assert "Missed while paused" in text_of(message)
    [delivered] = await deliveries(database, sub.id)
    # The refused delivery was reused and widened to the period that was finally posted.
    assert (delivered.state, delivered.period_key, delivered.window_start) == (
        "sent",
        "2026-03-23",
        utc(2026, 3, 20, 9),
    )


async def test_a_deleted_channel_pauses_the_digest(database: Database, h: DiscordHarness, room: Writer) -> None:
    await room.topic("atacms")
    gone = await room.subscribe(channel_id=999_999_999_999_999_999, now=utc(2026, 3, 20, 12))
    report = await run_at(service(h), utc(2026, 3, 21, 9) + S10)
    assert report.results[row_id(gone)].outcome is Outcome.PAUSED
    assert "no longer exists" in ((await subscription(database, row_id(gone))).paused_reason or "")


async def test_server_errors_and_rate_limits_are_retried_with_backoff(
    database: Database, h: DiscordHarness, room: Writer, store: ChannelStore
) -> None:
    channel = h.guild_a.channel.id
    await room.topic("atacms")
    sub = await room.subscribe(channel_id=channel, now=utc(2026, 3, 20, 12))
    h.fail_next("POST", rf"^/channels/{channel}/messages$", 503)
    h.fail_next("POST", rf"^/channels/{channel}/messages$", 429)
    svc = service(h)
    first = utc(2026, 3, 21, 9) + S10
    assert (await run_at(svc, first)).results[row_id(sub)].outcome is Outcome.RETRY
    assert (await subscription(database, row_id(sub))).next_attempt_at == first + dt.timedelta(seconds=30)
    assert (await run_at(svc, first + dt.timedelta(seconds=20))).results == {}  # backing off
    second = first + dt.timedelta(seconds=30)
    assert (await run_at(svc, second)).results[row_id(sub)].outcome is Outcome.RETRY
    assert (await subscription(database, row_id(sub))).next_attempt_at == second + dt.timedelta(seconds=60)
    third = second + dt.timedelta(seconds=60)
    assert (await run_at(svc, third)).results[row_id(sub)].outcome is Outcome.SENT
    assert len(store.messages(channel)) == 1
    outcomes = [(a.outcome, a.error and a.error.split()[1]) for a in await attempts(database)]
    assert outcomes == [("retry", "429"), ("retry", "503"), ("sent", None)]
    assert (await subscription(database, row_id(sub))).retry_count == 0


async def test_one_newsroom_failing_does_not_stop_the_others(
    database: Database, h: DiscordHarness, room: Writer, store: ChannelStore
) -> None:
    await room.topic("atacms")
    a = await room.subscribe(channel_id=h.guild_a.channel.id, now=utc(2026, 3, 20, 12))
    other = Writer(database, GUILD_B_ID)
    await other.topic("tariffs")
    b = await other.subscribe(channel_id=h.guild_b.channel.id, now=utc(2026, 3, 20, 12))

    async def explode(channel_id: int, nonce: str) -> None:
        if channel_id == h.guild_a.channel.id:
            raise RuntimeError("a bug that only hits newsroom A")

    report = await run_at(service(h, before=explode), utc(2026, 3, 21, 9) + S10)
    assert report.results[row_id(a)].outcome is Outcome.ERROR
    assert report.results[row_id(b)].outcome is Outcome.SENT
    assert len(store.messages(h.guild_b.channel.id)) == 1
    # Newsroom A backs off instead of spinning, and goes out on the next attempt.
    assert (await subscription(database, row_id(a))).next_attempt_at > utc(2026, 3, 21, 9) + S10
    report = await run_at(service(h), utc(2026, 3, 21, 9, 5))
    assert report.results[row_id(a)].outcome is Outcome.SENT


async def test_the_tick_costs_the_same_however_many_newsrooms_have_nothing_due(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    await room.topic("atacms")
    await room.subscribe(channel_id=h.guild_a.channel.id, now=utc(2026, 3, 20, 12))
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    svc = service(h)
    for engine in database.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await run_at(svc, utc(2026, 3, 20, 13))
        one_newsroom = list(statements)
        for n in range(40):
            guild = 500_000_000_000_000_000 + n
            async with database.write() as session:
                await ensure_newsroom(session, guild_id=guild)
            await Writer(database, guild).subscribe(channel_id=guild + 1, now=utc(2026, 3, 20, 12))
        statements.clear()
        await run_at(svc, utc(2026, 3, 20, 13))
        assert len(statements) == len(one_newsroom)
    finally:
        for engine in database.engines:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
    due_query = next(s for s in one_newsroom if "FROM digest_subscription" in s and "next_attempt_at <=" in s)
    assert "LIMIT" in due_query.upper()


async def test_the_due_query_is_an_index_range_scan(database: Database, h: DiscordHarness, room: Writer) -> None:
    await room.topic("atacms")
    await room.subscribe(channel_id=h.guild_a.channel.id, now=utc(2026, 3, 20, 12))
    captured: list[tuple[str, DBParams]] = []

    def capture(conn: object, cursor: object, statement: str, parameters: DBParams, *args: object) -> None:
        if "FROM digest_subscription" in statement and "next_attempt_at <=" in statement:
            captured.append((statement, parameters))

    for engine in database.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await run_at(service(h), utc(2026, 3, 20, 13))
    finally:
        for engine in database.engines:
            event.remove(engine.sync_engine, "before_cursor_execute", capture)
    statement, parameters = captured[0]
    async with database.engine.connect() as conn:
        if database.is_sqlite:
            plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)).all()
        else:
            # Tiny test tables make other plans cheapest; rule them out to see that the index serves the query.
            await conn.exec_driver_sql("SET enable_seqscan = off")
            await conn.exec_driver_sql("SET enable_bitmapscan = off")
            plan = (await conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)).all()
    text = " ".join(str(cell) for row in plan for cell in row)
    assert "ix_digest_subscription_due" in text
    assert "TEMP B-TREE" not in text and "Sort" not in text  # the index also gives the order


async def test_a_busy_tick_reports_plain_outcomes_without_an_object_per_subscription(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    # A busy minute records tens of thousands of results: plain ones are one shared object each.
    await room.topic("atacms")
    subs = [await room.subscribe(channel_id=channel.id, now=utc(2026, 3, 20, 12)) for channel in h.guild_a.channels[:2]]
    report = await run_at(service(h), utc(2026, 3, 21, 9) + S10)
    first, second = (report.results[row_id(sub)] for sub in subs)
    assert first.outcome is second.outcome is Outcome.SENT
    assert first is second
