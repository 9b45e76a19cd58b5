"""The search phase: /search's own time for four shapes of query, and what the index costs /log.

The queries run in a random ordinary newsroom each time: one word, a two-word phrase, three words, and
a query meant to match about a tenth of a newsroom's entries (two of the sixteen outlets, as sources).
The share that query really matches is measured and reported beside it.

/log's cost is measured last: the same /log status with the index's triggers and without them (dropped
and created again), in alternating rounds.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from bench import gateway, measure, phases, raw
from bench.synth import WORDS
from bench.targets import Targets
from bot.core.requester import Requester
from bot.services.search import search
from db.engine import Database

COMMON_QUERY = "reuters OR afp"
_TRIGGERS_SQLITE = ("entry_ai", "entry_au", "entry_ad", "topic_ai", "topic_au", "topic_ad")


def _query_target(targets: Targets, rng: random.Random, query: str) -> measure.Target:
    newsroom = targets.ordinary[int(rng.random() * len(targets.ordinary))]
    payload = gateway.slash("search", {"query": query}, newsroom, gateway.reader_of(newsroom))
    return measure.Target(payload, None, ())


def commands(targets: Targets, *, iterations: int) -> list[measure.Command]:
    def word(rng: random.Random) -> measure.Target:
        return _query_target(targets, rng, rng.choice(WORDS))

    def phrase(rng: random.Random) -> measure.Target:
        return _query_target(targets, rng, f'"{rng.choice(WORDS)} {rng.choice(WORDS)}"')

    def three(rng: random.Random) -> measure.Target:
        return _query_target(targets, rng, " ".join(rng.sample(WORDS, 3)))

    def common(rng: random.Random) -> measure.Target:
        return _query_target(targets, rng, COMMON_QUERY)

    message = gateway.CHANNEL_MESSAGE
    return [
        measure.Command("search_word", "/search one word", "search", message, word, iterations),
        measure.Command("search_phrase", '/search "two-word phrase"', "search", message, phrase, iterations),
        measure.Command("search_three", "/search three words", "search", message, three, iterations),
        measure.Command(
            "search_common", f"/search {COMMON_QUERY} (~10% of entries)", "search", message, common, iterations
        ),
    ]


async def common_share(database: Database, targets: Targets, samples: int = 20) -> float:
    """The share of a newsroom's live entries the ~10% query matches, averaged over a few newsrooms."""
    shares: list[float] = []
    for newsroom in targets.ordinary[:samples]:
        requester = Requester(guild_id=newsroom.id, user_id=0)
        page = await search(database, requester, COMMON_QUERY, limit=1, kinds=("status", "statement", "event"))
        async with database.connect() as connection:
            live = await connection.exec_driver_sql(
                f"SELECT count(*) FROM entry WHERE newsroom_id = {int(newsroom.id)} AND retracted_at IS NULL"
            )
            count = int(live.scalar_one())
        if count:
            shares.append(page.total / count)
    return sum(shares) / len(shares) if shares else 0.0


async def index_triggers(database: Database) -> list[str]:
    """The statements that create the index's triggers on entry and topic, as the database holds them."""
    async with database.engine.connect() as connection:
        if database.is_sqlite:
            names = ", ".join(f"'search_{t}'" for t in _TRIGGERS_SQLITE)
            found = await connection.exec_driver_sql(f"SELECT sql FROM sqlite_master WHERE name IN ({names})")
        else:
            found = await connection.exec_driver_sql(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid IN ('entry'::regclass, 'topic'::regclass) AND tgname LIKE 'search\\_%'"
            )
        return [str(row[0]) for row in found]


async def drop_index_triggers(database: Database) -> None:
    async with database.engine.begin() as connection:
        if database.is_sqlite:
            for trigger in _TRIGGERS_SQLITE:
                await connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS search_{trigger}")
        else:
            await connection.exec_driver_sql("DROP TRIGGER IF EXISTS search_entry_sync ON entry")
            await connection.exec_driver_sql("DROP TRIGGER IF EXISTS search_topic_sync ON topic")


async def restore_index_triggers(database: Database, statements: list[str]) -> None:
    async with database.engine.begin() as connection:
        for statement in statements:
            await connection.exec_driver_sql(statement)


async def log_cost(
    bot: Any,
    recorder: gateway.Recorder,
    driver: raw.RawDriver,
    database: Database,
    log_command: measure.Command,
    *,
    warmup: int,
    monitor: measure.LoopMonitor,
    seed: int,
    rounds: int = 2,
) -> dict[str, Any]:
    """/log status with the index and without it, in alternating rounds so both meet the same conditions
    (caches, the database's growth, other load); the p50 of each side is the mean of its rounds' p50s."""
    runs = max(log_command.iterations // rounds, 1)
    sides = {
        True: replace(log_command, key="log_status_indexed", label="/log status (search index kept)", iterations=runs),
        False: replace(
            log_command, key="log_status_unindexed", label="/log status (index triggers dropped)", iterations=runs
        ),
    }
    triggers = await index_triggers(database)
    found: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for n in range(rounds * 2):
        indexed = n % 2 == 0
        if not indexed:
            await drop_index_triggers(database)
        command = sides[indexed]
        result = await phases.run_commands(
            bot, recorder, driver, [command], warmup=warmup, monitor=monitor, seed=seed + n
        )
        found[indexed].append(result[command.key])
        if not indexed:
            await restore_index_triggers(database, triggers)
    p50 = {side: sum(r["ours"]["p50"] for r in results) / len(results) for side, results in found.items()}
    return {
        "with_index": found[True][-1],
        "without_index": found[False][-1],
        "p50_with_ms": p50[True],
        "p50_without_ms": p50[False],
        "p50_cost_ms": p50[True] - p50[False],
        "failures": sum(r["failures"] for results in found.values() for r in results),
    }
