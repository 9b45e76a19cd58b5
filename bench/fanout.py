"""Alert fan-out: status changes delivered to many followers by DM and to channel alerts.

Members follow topics through the product's own service (`bot.services.alerts.follow`, one member
one topic), editors add one channel alert per newsroom (`add_alert`, every topic), then editors log
the status changes with `/log status` through the command tree. The alert runner's own tick
(`AlertRunner.run_due`, the real poster and send pacer) then runs back to back, the bot's clock moved
past the alert grace, until a tick finds nothing left to send. Every request goes through the
simulated HTTP layer, which enforces Discord's limits: a follower's first DM opens their DM channel
(`POST /users/@me/channels`), a request against the global limit like the message itself, so the floor
counts both.

Exactly once: every follower must have received each change on their topic once and nothing else,
every alert channel each change of its newsroom once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select

from bench import gateway, measure, readers
from bench.dataset import Dataset, NewsroomSpec, TopicSpec
from bench.digest import ShiftedClock
from bench.second import SecondProcess, collect
from bench.synth import Content
from bot.client import NewsBot
from bot.core.alert_rules import GRACE_DEFAULT, AlertKind
from bot.core.digest_targets import Target
from bot.core.requester import Requester
from bot.core.vocabulary import EntryKind
from bot.services import alerts
from bot.services.digest_sending import Outcome
from cogs.alerts import runner_for
from db.models import Entry

FOLLOWER_BASE = 700_000_000_000_000_000
TOPICS_PER_NEWSROOM = 5
_REF = re.compile(r"`#(\d+)`")


def followed_topics(newsrooms: Sequence[NewsroomSpec], changes: int) -> list[TopicSpec]:
    """As many topics as changes at most (each followed topic then changes at least once, so every
    follower gets a DM), spread over the newsrooms first; with no changes (a run measuring only what
    a tick with nothing to send costs) every one of them."""
    spread = [n.topics[k] for k in range(TOPICS_PER_NEWSROOM) for n in newsrooms if k < len(n.topics)]
    return spread[:changes] if 0 < changes < len(spread) else spread


async def _subscribe(
    bot: NewsBot, dataset: Dataset, topics: Sequence[TopicSpec], newsrooms: Sequence[NewsroomSpec], followers: int,
    now: dt.datetime,
) -> None:  # fmt: skip
    async def follow_one(n: int) -> None:
        topic = topics[n % len(topics)]
        newsroom = dataset.newsroom(topic.newsroom_id)
        member = Requester(guild_id=newsroom.id, user_id=FOLLOWER_BASE + n, guild_name=newsroom.name)
        await alerts.follow(bot.database, member, slug=topic.slug, kinds=[AlertKind.STATUS.value], now=now)

    async def add_alert(newsroom: NewsroomSpec) -> None:
        editor = gateway.editor_of(newsroom)
        await alerts.add_alert(
            bot.database,
            Requester(
                guild_id=newsroom.id,
                user_id=editor.user_id,
                guild_name=newsroom.name,
                role_ids=frozenset(editor.role_ids),
            ),
            channel_id=newsroom.channel_ids[1],
            target=Target.TEXT,
            topic_slugs=None,
            kinds=[AlertKind.STATUS.value],
            missing_permissions=[],
            now=now,
        )

    # A generator shared by a few workers, as in the digest phase: members follow a few at a time.
    work = (n for n in range(followers))

    async def worker() -> None:
        for n in work:
            await follow_one(n)

    await asyncio.gather(*(worker() for _ in range(8)))
    for newsroom in newsrooms:
        await add_alert(newsroom)


async def _log_changes(
    bot: NewsBot, recorder: gateway.Recorder, content: Content, topics: Sequence[TopicSpec], dataset: Dataset, n: int
) -> list[str]:
    """`/log status` dispatched `n` times round the followed topics; returns the refusals' texts."""
    rng = random.Random(f"fanout:{n}")
    failures: list[str] = []
    for i in range(n):
        topic = topics[i % len(topics)]
        newsroom = dataset.newsroom(topic.newsroom_id)
        # A random draft can repeat one already logged on the topic (same decision, delivery and
        # date), which /log rightly refuses: another draft is drawn, so `n` changes are logged.
        for _attempt in range(5):
            refusal = await _log_one(bot, recorder, content.entry_draft(rng, kind=EntryKind.STATUS, years=topic.years),
                                     topic, newsroom, editor=i % 8)  # fmt: skip
            if refusal is None or "already logged" not in refusal:
                break
        if refusal is not None:
            failures.append(refusal)
    return failures


async def _log_one(
    bot: NewsBot, recorder: gateway.Recorder, draft: Any, topic: TopicSpec, newsroom: NewsroomSpec, *, editor: int
) -> str | None:
    options: dict[str, Any] = {
        "topic": topic.slug,
        "decision": draft.decision,
        "delivery": draft.delivery,
        "note": draft.note,
        "date": draft.date.render(),
        "source": draft.source_name,
    }
    if draft.source_url:
        options["url"] = draft.source_url
    payload = gateway.slash("log status", options, newsroom, gateway.editor_of(newsroom, editor))
    _elapsed, handed = await measure.dispatch_once(bot, recorder, payload)
    text = str(((handed.body or {}).get("data") or {}).get("content", ""))
    return None if text.startswith("Logged") else text[:200]


async def _logged(bot: NewsBot, topics: Sequence[TopicSpec], since: dt.datetime) -> dict[int, list[int]]:
    """Topic -> the entries logged on it since `since` (what the followers should get)."""
    stmt = select(col(Entry.id), col(Entry.topic_id)).where(
        col(Entry.topic_id).in_([t.id for t in topics]), col(Entry.created_at) >= since
    )
    out: dict[int, list[int]] = {}
    async with bot.database.read() as session:
        for entry_id, topic_id in (await session.execute(stmt)).all():
            out.setdefault(int(topic_id), []).append(int(entry_id or 0))
    return out


def received_by(recorder: gateway.Recorder, other: dict[str, dict[str, int]] | None) -> dict[int, Counter[int]]:
    """Member (for DMs) or channel -> how many times each entry reached them, over both processes."""
    received: dict[int, Counter[int]] = {}
    for channel_id, bodies in recorder.bodies.items():
        owner = recorder.dm_channels.get(channel_id, channel_id)
        counts = received.setdefault(owner, Counter())
        for body in bodies:
            counts.update(int(m) for m in _REF.findall(body))
    for owner, entries in (other or {}).items():
        counts = received.setdefault(int(owner), Counter())
        counts.update({int(e): n for e, n in entries.items()})
    return received


def _check(
    received: dict[int, Counter[int]],
    newsrooms: Sequence[NewsroomSpec],
    followers: int,
    expected: dict[int, list[int]],
    topics: Sequence[TopicSpec],
) -> dict[str, Any]:
    """Compare what each follower and alert channel received with what they should have."""
    missing = duplicated = unexpected = 0
    wrong: list[str] = []

    def compare(who: int, should: set[int]) -> None:
        nonlocal missing, duplicated, unexpected
        got = received.get(who, Counter())
        m = len(should - set(got))
        d = sum(1 for e in should if got[e] > 1)
        u = len(set(got) - should)
        missing, duplicated, unexpected = missing + m, duplicated + d, unexpected + u
        if (m or d or u) and len(wrong) < 5:
            wrong.append(f"{who}: {m} missing, {d} more than once, {u} not theirs")

    for n in range(followers):
        compare(FOLLOWER_BASE + n, set(expected.get(topics[n % len(topics)].id, [])))
    by_newsroom: dict[int, set[int]] = {}
    for topic in topics:
        by_newsroom.setdefault(topic.newsroom_id, set()).update(expected.get(topic.id, []))
    for newsroom in newsrooms:
        compare(newsroom.channel_ids[1], by_newsroom.get(newsroom.id, set()))
    return {
        "exactly_once": not (missing or duplicated or unexpected),
        "missing": missing,
        "duplicated": duplicated,
        "unexpected": unexpected,
        "samples": wrong,
    }


async def measure_fanout(
    bot: NewsBot,
    recorder: gateway.Recorder,
    dataset: Dataset,
    content: Content,
    *,
    followers: int,
    changes: int,
    tick_seconds: float,
    reader_commands: Sequence[measure.Command] = (),
    monitor: measure.LoopMonitor | None = None,
    second: SecondProcess | None = None,
) -> dict[str, Any]:
    topics = followed_topics(dataset.ordinary_newsrooms, changes)
    holding = {t.newsroom_id for t in topics}
    newsrooms = [n for n in dataset.ordinary_newsrooms if n.id in holding]  # one channel alert each
    clock = ShiftedClock()
    saved_clock = bot.clock
    bot.clock = clock
    recorder.keep_bodies = True
    runner = runner_for(bot)
    try:
        since = clock()
        started = time.perf_counter()
        with monitor.during("fanout setup") if monitor is not None else contextlib.nullcontext():
            await _subscribe(bot, dataset, topics, newsrooms, followers, since)
            setup_seconds = time.perf_counter() - started
            log_failures = await _log_changes(bot, recorder, content, topics, dataset, changes)
        expected = await _logged(bot, topics, since)
        # Past the alert grace: every change is in the window of the first tick.
        clock.offset = dt.timedelta(seconds=GRACE_DEFAULT + 2)
        posts_before = sum(recorder.channel_posts.values())
        opened_before = recorder.dm_opened
        limited_before = recorder.limits.rate_limited
        ticks: list[float] = []
        idle_tick = None
        outcomes: Counter[str] = Counter()
        work_started, wall_started = time.perf_counter(), time.time()
        child = await second.start("fanout", clock.offset, tick_seconds) if second is not None else None
        with monitor.during("fanout") if monitor is not None else contextlib.nullcontext():
            async with readers.reading(bot, recorder, reader_commands) as reading:
                while len(ticks) < 1000:
                    tick_started = time.perf_counter()
                    report = await runner.run_due(clock())
                    ticks.append(time.perf_counter() - tick_started)
                    busy = Counter(r.outcome.value for r in report.results.values() if r.outcome is not Outcome.IDLE)
                    outcomes.update(busy)
                    if not busy:
                        # The tick that found nothing left is not part of the work; its time is what
                        # every quiet tick costs with this many follows.
                        idle_tick = ticks.pop()
                        break
                    clock.offset += dt.timedelta(seconds=max(tick_seconds - ticks[-1], 0.0))
                ended = time.time()
                other = await collect(child) if child is not None else {}
        work_seconds = time.perf_counter() - work_started
        messages = sum(recorder.channel_posts.values()) - posts_before + other.get("messages", 0)
        opened = recorder.dm_opened - opened_before + other.get("dm_channels_opened", 0)
        requests = messages + opened
        floor = requests / recorder.limits.config.global_per_second
        projected = sum(max(t, tick_seconds) for t in ticks[:-1]) + (ticks[-1] if ticks else 0.0)
        if child is not None:
            # Two senders at once: from the first tick to the last busy tick of either.
            projected = max(ended, other["ended_at"]) - wall_started
            outcomes.update(other["outcomes"])
        return {
            "measured": True,
            "processes": 2 if child is not None else 1,
            "second_process": {k: other[k] for k in ("messages", "dm_channels_opened", "ticks")} if other else None,
            "followers": followers,
            "channel_alerts": len(newsrooms),
            "topics": len(topics),
            "changes": changes,
            "changes_refused": len(log_failures),
            "refusal_samples": log_failures[:3],
            "messages": messages,
            "dm_channels_opened": opened,
            "requests": requests,
            "outcomes": dict(outcomes),
            "ticks": len(ticks),
            "work_seconds": work_seconds,
            "seconds": projected,
            "floor_seconds": floor,
            "floor_ratio": projected / floor if floor else None,
            "rate_limited": recorder.limits.rate_limited - limited_before,
            "setup_seconds": setup_seconds,
            "tick_seconds": tick_seconds,
            "idle_tick_seconds": idle_tick,
            "check": _check(received_by(recorder, other.get("received")), newsrooms, followers, expected, topics),
            "readers": reading.result(),
            "method": f"AlertRunner.run_due ticks; seconds = projected with {tick_seconds:g} s tick spacing",
        }
    finally:
        recorder.keep_bodies = False
        recorder.bodies.clear()
        bot.clock = saved_clock


async def run_phase(
    bot: NewsBot,
    recorder: gateway.Recorder,
    dataset: Dataset,
    content: Content,
    profile: Any,
    monitor: measure.LoopMonitor | None,
    reader_commands: list[measure.Command],
    second: SecondProcess | None,
) -> dict[str, Any]:
    if profile.followers <= 0:
        return {"measured": False, "reason": "skipped (--followers 0)"}
    print(
        f"fan-out: {profile.fanout_changes:,} status changes to {profile.followers:,} followers …",
        file=sys.stderr,
        flush=True,
    )
    try:
        return await measure_fanout(
            bot,
            recorder,
            dataset,
            content,
            followers=profile.followers,
            changes=profile.fanout_changes,
            tick_seconds=bot.settings.digest_tick_seconds,
            reader_commands=reader_commands,
            monitor=monitor,
            second=second,
        )
    except Exception as exc:  # as the digest's: one phase failing keeps the other results
        logging.getLogger("bench").exception("fan-out measurement failed")
        return {"measured": False, "reason": f"failed: {exc!r}"}


def _readers_text(result: dict[str, Any]) -> str:
    own = (result.get("readers") or {}).get("own_time") or {}
    if not own:
        return "no reader commands ran alongside"
    n = result["readers"]["n"]
    return f"{n:,} reader commands alongside: own time p50 {own['p50']:.1f} ms, p99 {own['p99']:.1f} ms"


def lines(results: dict[str, Any]) -> list[str]:
    """The fan-out's paragraph of the Markdown report, and the readers' during the digest phase."""
    out: list[str] = []
    digest = results.get("digest") or {}
    if digest.get("measured") and digest.get("readers"):
        out.append(f"Readers during the digests: {_readers_text(digest)}.")
    fan = results.get("fanout") or {}
    if not fan.get("measured"):
        out.append(f"Alert fan-out: not measured ({fan.get('reason', 'not run')}).")
        return out
    check = fan["check"]
    out.append(
        f"Alert fan-out ({fan.get('processes', 1)} process(es)): {fan['changes']:,} status changes over "
        f"{fan['topics']:,} topics to {fan['followers']:,} "
        f"followers and {fan['channel_alerts']:,} channel alerts: {fan['messages']:,} messages and "
        f"{fan['dm_channels_opened']:,} DM channels opened ({fan['requests']:,} requests) in "
        f"**{fan['seconds']:.1f} s** ({fan['ticks']} ticks, {fan['work_seconds']:.1f} s of work); floor "
        f"{fan['floor_seconds']:.1f} s (requests / 50 s), {fan['floor_ratio'] or 0.0:.2f}× the floor, "
        f"{fan['rate_limited']:,} 429 responses; exactly once: {'yes' if check['exactly_once'] else '**no**'} "
        f"({check['missing']} missing, {check['duplicated']} duplicated, {check['unexpected']} misdelivered); "
        f"a tick with nothing to send took {fan['idle_tick_seconds'] or 0.0:.2f} s; {_readers_text(fan)}."
    )
    return out


def verdicts(results: dict[str, Any], ratio_goal: float, reader_p99_ms: float) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    fan = results.get("fanout") or {}
    if fan.get("measured"):
        ratio = fan.get("floor_ratio") or float("inf")
        met = ratio <= ratio_goal and fan["rate_limited"] == 0 and fan["check"]["exactly_once"]
        out.append(
            {
                "name": f"{fan['changes']:,} status changes to {fan['followers']:,} followers, exactly once",
                "target": f"≤ {ratio_goal:g}× floor, no 429",
                "value": ratio,
                "met": bool(met),
            }
        )
    for key in ("digest", "fanout"):
        own = ((results.get(key) or {}).get("readers") or {}).get("own_time") or {}
        if own:
            p99 = own["p99"]
            out.append(
                {"name": f"reader p99 during the {key} sends", "target": f"≤ {reader_p99_ms:g} ms",
                 "value": p99, "met": p99 <= reader_p99_ms}
            )  # fmt: skip
    return out
