"""End-to-end: two bot processes, one shard each, sharing one PostgreSQL database.

This is how Newsdesk scales out: ``SHARD_COUNT=2`` in both processes, ``SHARD_IDS=0`` in one and
``SHARD_IDS=1`` in the other, the same ``DATABASE_URL``. The stand-in is told there are two shards
and routes each guild's events by Discord's rule (``(guild_id >> 22) % shard_count``): guild A to
shard 0 (process 0 here), guild B to shard 1 (process 1).

What a deployment relies on, checked here:

* Both processes start at the same moment on an empty database: the migrations run once, under
  the advisory lock, and neither process fails.
* Each process IDENTIFYs only its own shard, receives only its own guild and answers only its own
  guild's interactions (told apart by gateway session: the stand-in knows which session carried an
  interaction, each process's log names the session it opened).
* Editors in both guilds writing at the same moment, through both processes, lose nothing; the
  rows share the database's sequences.
* The digest scheduler is global, not per shard: both processes look at every due subscription,
  whichever guild it belongs to. Each period is still posted exactly once, and a digest paused
  through one process is not posted by the other.

The digest waits on the real clock (see test_scenarios_digest.py): the digests are added for the
next whole minute as soon as the processes are up, the other scenarios run meanwhile, and the last
one waits for the posts. PostgreSQL only: processes on several hosts need a database server.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.simulation.limits import LimitConfig
from db import migrate
from db.engine import Database
from tests.e2e.botproc import (
    LOG_PROBLEM,
    BotDatabase,
    BotDied,
    LiveDesk,
    ShardProcess,
    Turn,
    make_bot_database,
    report_latency,
)
from tests.e2e.standin import (
    GUILD_A,
    GUILD_B,
    OWNER_USER,
    READER_USER,
    DiscordStandIn,
    GuildFixture,
    StandInConfig,
)

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.postgres]

SHARD_COUNT = 2
# The digest service builds a period only this long after its moment (bot/services/digest_runner.py).
SETTLE = dt.timedelta(seconds=10)
# DIGEST_TICK_SECONDS as BotProcess sets it.
TICK_S = 0.2
# Room for the bot to store the /digest add calls before the chosen minute begins.
LEAD = dt.timedelta(seconds=4)
DIGEST_ID = re.compile(r"Digest `#(\d+)` will post")
LOGGED_ID = re.compile(r"Logged `#(\d+)`")
# discord.py's line when a shard's READY arrives.
SHARD_CONNECTED = re.compile(r"Shard ID (\d+) has connected to Gateway \(Session ID: ([0-9a-f]+)\)")
# Per guild, editor writes fired at the same moment (through both processes at once).
CONCURRENT_WRITES = 4

T = TypeVar("T")


def next_minute(after: dt.datetime) -> dt.datetime:
    return (after + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)


def local_label(moment: dt.datetime) -> str:
    """How /digest list shows a UTC moment, e.g. "Wed 25 Nov 13:05 UTC"."""
    return f"{moment.strftime('%a')} {moment.day} {moment.strftime('%b %H:%M')} UTC"


@dataclass
class Cluster:
    standin: DiscordStandIn
    database: BotDatabase
    processes: list[ShardProcess]
    desks: dict[int, LiveDesk]  # guild id -> the desk whose process serves that guild
    notes: dict[str, Any] = field(default_factory=dict)

    def desk(self, guild: GuildFixture) -> LiveDesk:
        return self.desks[guild.id]

    async def slash(self, guild: GuildFixture, name: str, options: dict[str, Any] | None = None, **kw: Any) -> Turn:
        return await self.desk(guild).slash(name, options, guild=guild, **kw)

    @contextlib.asynccontextmanager
    async def scenario(self) -> AsyncIterator[None]:
        """Both processes' per-scenario checks (traffic, acknowledgements, no errors in either log)."""
        async with self.desks[GUILD_A.id].scenario(), self.desks[GUILD_B.id].scenario():
            yield

    async def wait_for(self, probe: Callable[[], T], *, timeout: float, what: str) -> T:  # noqa: ASYNC109
        """Polls ``probe``; fails at once if either process exits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = probe()
            if result:
                return result
            for proc in self.processes:
                if not proc.running:
                    raise BotDied(f"shard {proc.shard_id}'s process exited while waiting for {what}\n{proc.log_tail()}")
            if loop.time() > deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(0.05)

    async def query(self, sql: str) -> list[Any]:
        engine = create_async_engine(self.database.url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(text(sql))).all())
        finally:
            await engine.dispose()


def listed_entry(listed: Turn, digest_id: int) -> str:
    """The /digest list field of one digest."""
    fields = listed.message["embeds"][0].get("fields") or []
    found = [f["value"] for f in fields if f["name"].startswith(f"#{digest_id} ")]
    assert len(found) == 1, f"digest #{digest_id} is not in the list:\n{listed.text}"
    return found[0]


def logged_id(turn: Turn) -> int:
    match = LOGGED_ID.search(turn.message["content"])
    assert match, f"not a /log reply: {turn.message['content']!r}"
    return int(match[1])


async def add_digest(cluster: Cluster, guild: GuildFixture, channel_id: int, at: dt.datetime) -> int:
    added = await cluster.slash(
        guild, "digest add", {"channel": channel_id, "time": at.strftime("%H:%M"), "timezone": "UTC"}
    )
    assert added.callback_type == 4 and added.ephemeral, added.text
    match = DIGEST_ID.search(added.message["content"])
    assert match, added.text
    return int(match[1])


async def open_newsroom(cluster: Cluster, guild: GuildFixture, slug: str, headline: str) -> None:
    """The owner sets the editor role; the editor creates a topic and logs a first entry."""
    role = await cluster.slash(guild, "settings editor-role", {"role": guild.editors_role_id}, user=OWNER_USER)
    assert "Editor role saved" in role.text, role.text
    created = await cluster.slash(guild, "topic create", {"slug": slug, "title": f"Story of {guild.name}"})
    assert "Created" in created.text, created.text
    event = {"topic": slug, "headline": headline, "date": "2024-03-01", "source": "AP"}
    assert logged_id(await cluster.slash(guild, "log event", event)) > 0


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cluster]:
    """Two shard processes started together on a fresh database, each guild with a digest due next minute."""
    workdir = tmp_path_factory.mktemp("e2e-shards")
    database = await make_bot_database("postgresql", workdir)
    try:
        # Discord's request limits are enforced: together the two processes must stay under them.
        async with DiscordStandIn(StandInConfig(shard_count=SHARD_COUNT, limits=LimitConfig())) as standin:
            processes = [ShardProcess(standin, database.url, workdir / f"shard-{i}", i) for i in range(SHARD_COUNT)]
            desks = {
                GUILD_A.id: LiveDesk(standin, database, processes[0]),
                GUILD_B.id: LiveDesk(standin, database, processes[1]),
            }
            running = Cluster(standin, database, processes, desks)
            try:
                # The same moment, on an empty database: both run the migrations at start-up.
                await asyncio.gather(*(p.start() for p in processes))
                async with running.scenario():
                    await asyncio.gather(
                        open_newsroom(running, GUILD_A, "grid-a", "Substation A goes offline"),
                        open_newsroom(running, GUILD_B, "grid-b", "Substation B goes offline"),
                    )
                    due = next_minute(dt.datetime.now(dt.UTC) + LEAD)
                    # Guild A (served by process 0) and guild B (process 1) each get a digest for
                    # that minute; guild A's second channel gets one that process 0 then pauses.
                    digest_a, digest_b, paused = await asyncio.gather(
                        add_digest(running, GUILD_A, GUILD_A.text_channel_id, due),
                        add_digest(running, GUILD_B, GUILD_B.text_channel_id, due),
                        add_digest(running, GUILD_A, GUILD_A.second_channel_id, due),
                    )
                    turned_off = await running.slash(GUILD_A, "digest pause", {"id": paused})
                    assert f"Paused digest `#{paused}`" in turned_off.text
                    assert dt.datetime.now(dt.UTC) < due, "too slow to schedule the digests before they were due"
                running.notes["digests"] = (due, digest_a, digest_b, paused)
                yield running
                for guild in (GUILD_A, GUILD_B):
                    report_latency(request.config, f"shards/{guild.name}", running.desk(guild))
            finally:
                await asyncio.gather(*(p.stop() for p in processes))
    finally:
        await database.drop()


async def test_started_together_migrated_once_and_identified_one_shard_each(cluster: Cluster) -> None:
    standin = cluster.standin
    # One IDENTIFY per process, each for its own shard of two; both shards are up.
    assert sorted(tuple(p["shard"]) for p in standin.identify_payloads) == [(0, 2), (1, 2)]
    assert standin.connected_shards() == [0, 1]
    sessions = {s.shard_id: s.session_id for s in standin.sessions.values()}
    for proc in cluster.processes:
        log = proc.log_text()
        # Each log names exactly one shard session: the one the stand-in gave this shard.
        assert SHARD_CONNECTED.findall(log) == [(str(proc.shard_id), sessions[proc.shard_id])], log
        assert proc.session_id == sessions[proc.shard_id]
        # ...and once ready (discord.py waits ~2 s after the last GUILD_CREATE) it has one guild.
        await proc.wait_for_log("connected as newsdesk to 1 guilds", timeout=10)
        log = proc.log_text()
        # Start-up included: neither the concurrent migration nor anything since logged an error.
        problems = [line for line in log.splitlines() if LOG_PROBLEM.search(line)]
        assert not problems, f"shard {proc.shard_id} logged errors:\n" + "\n".join(problems)
        assert proc.running
    # GUILD_CREATE went to the owning shard only.
    for conn in standin.gateway_connections:
        created = [
            int(f.d["id"])
            for f in standin.gateway_frames
            if f.connection_id == conn.id and f.direction == "send" and f.t == "GUILD_CREATE"
        ]
        assert created == [GUILD_A.id if conn.shard == (0, 2) else GUILD_B.id]

    # The schema was built once and is at head: a second, unlocked run would have failed on
    # CREATE TABLE and taken its process down.
    database = Database(cluster.database.url)
    try:
        revision = await migrate.current_revision(database)
    finally:
        await database.dispose()
    assert revision is not None
    (head,) = await cluster.query("SELECT version_num FROM alembic_version")
    assert head[0] == revision
    # Both processes may sync the (identical) command list; either way one fingerprint is stored.
    puts = standin.requests_matching("PUT", r"/applications/\d+/commands")
    assert 1 <= len(puts) <= 2 and all(p.status == 200 for p in puts)
    assert len({str(p.json) for p in puts}) == 1
    rows = await cluster.query("SELECT key FROM app_state WHERE key LIKE 'commands:%'")
    assert [r[0] for r in rows] == ["commands:global"]


async def test_each_guild_is_answered_by_the_process_holding_its_shard(cluster: Cluster) -> None:
    standin = cluster.standin
    async with cluster.scenario():
        for guild, proc in ((GUILD_A, cluster.processes[0]), (GUILD_B, cluster.processes[1])):
            since = len(standin.gateway_frames)
            topics = await cluster.slash(guild, "topics", user=READER_USER)
            assert topics.callback_type == 4
            # The newsroom's own topic only: the process answered from its guild's rows.
            own, other = ("grid-a", "grid-b") if guild is GUILD_A else ("grid-b", "grid-a")
            assert own in topics.text and other not in topics.text
            (carried,) = [
                f for f in standin.gateway_frames[since:] if f.t == "INTERACTION_CREATE" and int(f.d["id"]) == topics.id
            ]
            conn = next(c for c in standin.gateway_connections if c.id == carried.connection_id)
            # Carried by this process's session (only that process saw the interaction's token,
            # so the acknowledgement came from it).
            assert conn.session_id == proc.session_id and conn.shard == (proc.shard_id, SHARD_COUNT)


async def test_editors_in_both_guilds_write_at_once_and_nothing_is_lost(cluster: Cluster) -> None:
    async with cluster.scenario():
        writes = [
            cluster.slash(guild, "log event", {"topic": slug, "headline": f"{guild.name} update {n}", "source": "AP"})
            for n in range(CONCURRENT_WRITES)
            for guild, slug in ((GUILD_A, "grid-a"), (GUILD_B, "grid-b"))
        ]
        turns = await asyncio.gather(*writes)
        ids = [logged_id(t) for t in turns]
        # One id sequence across both processes: every write got its own id.
        assert len(set(ids)) == len(ids)

        for guild, slug, other in ((GUILD_A, "grid-a", GUILD_B), (GUILD_B, "grid-b", GUILD_A)):
            chronology = await cluster.slash(guild, "chronology", {"topic": slug}, user=READER_USER)
            for n in range(CONCURRENT_WRITES):
                assert f"{guild.name} update {n}" in chronology.text, chronology.text
                assert f"{other.name} update {n}" not in chronology.text
            card = await cluster.slash(guild, "status", {"topic": slug}, user=READER_USER)
            assert f"Story of {guild.name}" in card.text
        rows = await cluster.query("SELECT newsroom_id, count(*) FROM entry GROUP BY newsroom_id ORDER BY newsroom_id")
        assert [tuple(r) for r in rows] == [
            (GUILD_A.id, CONCURRENT_WRITES + 1),
            (GUILD_B.id, CONCURRENT_WRITES + 1),
        ]


async def test_each_digest_period_is_posted_exactly_once_by_either_process(cluster: Cluster) -> None:
    standin = cluster.standin
    due, digest_a, digest_b, paused = cluster.notes["digests"]
    channels = {GUILD_A.text_channel_id: GUILD_A, GUILD_B.text_channel_id: GUILD_B}

    def posted() -> bool:
        return all(cluster.desk(g).posts(cid) for cid, g in channels.items())

    async with cluster.scenario():
        wait = (due + SETTLE - dt.datetime.now(dt.UTC)).total_seconds() + 15
        await cluster.wait_for(posted, timeout=max(wait, 1), what="both digests")

        # Both schedulers looked at both subscriptions. Wait until both deliveries are recorded as
        # sent, then let both schedulers tick on: a late duplicate would show.
        async def recorded() -> list[Any]:
            return await cluster.query(
                "SELECT subscription_id, period_key, state, claimed_by FROM digest_delivery ORDER BY subscription_id"
            )

        for _ in range(50):
            deliveries = await recorded()
            if len(deliveries) == 2 and all(d[2] == "sent" for d in deliveries):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"the digests were posted but not recorded as sent: {deliveries}")
        # A few more ticks of both schedulers: nothing else goes out.
        await asyncio.sleep(10 * TICK_S)

        for channel_id, guild in channels.items():
            attempts = standin.requests_matching("POST", rf"/channels/{channel_id}/messages")
            assert [r.status for r in attempts] == [200], f"{guild.name}: {[r.status for r in attempts]}"
            (post,) = cluster.desk(guild).posts(channel_id)
            body = str(post["embeds"]) + str(post.get("content"))
            assert "Newsdesk digest" in body
            # Built from the right newsroom's rows, whichever process built it.
            own, other = ("Substation A", "Substation B") if guild is GUILD_A else ("Substation B", "Substation A")
            assert own in body and other not in body
        # The digest paused through process 0 was posted by neither process.
        assert standin.requests_matching("POST", rf"/channels/{GUILD_A.second_channel_id}/messages") == []

        # One delivery row per (subscription, period), claimed by one of the two processes.
        shard_of_pid = {str(p.proc.pid): p.shard_id for p in cluster.processes if p.proc is not None}
        period = f"{due:%Y-%m-%d}"
        assert sorted((d[0], d[1]) for d in deliveries) == sorted([(digest_a, period), (digest_b, period)])
        for subscription_id, _period, _state, claimed_by in deliveries:
            pid = claimed_by.split(":")[1]  # "host:pid:random" (bot/services/digest_runner.py)
            assert pid in shard_of_pid, claimed_by
            # Which scheduler won is up to the race; shown with -s.
            print(f"digest #{subscription_id} was delivered by shard {shard_of_pid[pid]}'s process")
        attempts = await cluster.query("SELECT delivery_id, outcome FROM digest_attempt")
        assert sorted(a[1] for a in attempts) == ["sent", "sent"]

        # Each newsroom's own process reports it, with the next period a day later.
        for guild, digest_id in ((GUILD_A, digest_a), (GUILD_B, digest_b)):
            entry = listed_entry(await cluster.slash(guild, "digest list"), digest_id)
            assert "Last posted" in entry and f"Next: {local_label(due + dt.timedelta(days=1))}" in entry, entry
        entry = listed_entry(await cluster.slash(GUILD_A, "digest list"), paused)
        assert "paused" in entry and "Last posted" not in entry, entry
