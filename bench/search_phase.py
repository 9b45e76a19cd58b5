"""The search phase: /search's own time for four shapes of query, and what the index costs /log.

The queries run in a random ordinary newsroom each time: one word, a two-word phrase, three words, and
a query meant to match about a tenth of a newsroom's entries (two of the sixteen outlets, as sources).
The share that query really matches is measured and reported beside it.

/log's cost is measured last, as two consecutive runs of the same /log status: with the index's
triggers, then without them (dropped for the rest of the run, which ends there).
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
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
        measure.Command("search_word", "/search one word", "read", message, word, iterations),
        measure.Command("search_phrase", '/search "two-word phrase"', "read", message, phrase, iterations),
        measure.Command("search_three", "/search three words", "read", message, three, iterations),
        measure.Command(
            "search_common", f"/search {COMMON_QUERY} (~10% of entries)", "read", message, common, iterations
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


async def drop_index_triggers(database: Database) -> None:
    async with database.engine.begin() as connection:
        if database.is_sqlite:
            for trigger in _TRIGGERS_SQLITE:
                await connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS search_{trigger}")
        else:
            await connection.exec_driver_sql("DROP TRIGGER IF EXISTS search_entry_sync ON entry")
            await connection.exec_driver_sql("DROP TRIGGER IF EXISTS search_topic_sync ON topic")


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
    profile_dir: Path | None = None,
) -> dict[str, Any]:
    """/log status with the index, then without: their p50s and the difference."""
    indexed = replace(log_command, key="log_status_indexed", label="/log status (search index kept)")
    bare = replace(log_command, key="log_status_unindexed", label="/log status (search index triggers dropped)")
    run = {"warmup": warmup, "monitor": monitor, "seed": seed, "profile_dir": profile_dir}
    with_index = await phases.run_commands(bot, recorder, driver, [indexed], **run)
    await drop_index_triggers(database)
    without = await phases.run_commands(bot, recorder, driver, [bare], **run)
    p50_with = with_index[indexed.key]["ours"]["p50"]
    p50_without = without[bare.key]["ours"]["p50"]
    return {
        "with_index": with_index[indexed.key],
        "without_index": without[bare.key],
        "p50_cost_ms": p50_with - p50_without,
    }
