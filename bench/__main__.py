"""`python -m bench` (from the repository root): build the data set, drive the bot, write the results."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import logging
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import discord
import sqlalchemy
from sqlalchemy.engine import make_url

from bench import asking, bulk, digest, fanout, gateway, measure, phases, raw, readers, report, search_phase
from bench import targets as targets_module
from bench.dataset import Dataset, plan
from bench.profiles import DEFAULT, SMALL, Profile
from bench.second import SecondProcess
from bench.shared_limits import LimitsServer
from bench.synth import Content
from db import migrate
from db.engine import Database

log = logging.getLogger("bench")
SEED = 20231017


class _Skipped(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure Newsdesk's own handling time per command on a synthetic newsroom network.",
    )
    parser.add_argument("--small", action="store_true", help="The CI profile: a small data set, fewer iterations.")
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql+asyncpg://… to benchmark PostgreSQL (a scratch schema is created and dropped); "
        "default: a SQLite file in a temporary directory.",
    )
    parser.add_argument("--output", type=Path, default=None, help="Directory for the JSON and Markdown results.")
    parser.add_argument("--iterations", type=int, default=None, help="Measured dispatches per read command.")
    parser.add_argument(
        "--entries",
        type=int,
        default=None,
        help="Total entries (the long timeline and the 10,000-topic newsroom keep their size): "
        "a quicker run of the full shape.",
    )
    parser.add_argument("--seed", type=int, default=SEED, help="Seed of the synthetic data and the targets.")
    parser.add_argument(
        "--digests", type=int, default=None, help="Digest subscriptions due in the same minute (0: skip the phase)."
    )
    parser.add_argument(
        "--followers", type=int, default=None, help="Members following a topic by DM for the fan-out (0: skip it)."
    )
    parser.add_argument(
        "--processes",
        type=int,
        choices=(1, 2),
        default=1,
        help="Senders in the digest and fan-out phases: 2 starts a second process on the same database "
        "(PostgreSQL), sharing the send pacer and Discord's limits.",
    )
    parser.add_argument("--changes", type=int, default=None, help="Status changes logged for the fan-out.")
    parser.add_argument(
        "--skip-memory", action="store_true", help="Do not run the GUILD_CREATE memory probe (a subprocess)."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database (SQLite file or schema).")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="Directory for one cProfile file per command (our side only); the top functions are printed. "
        "Profiling slows everything: timings of a profiled run are not results.",
    )
    return parser


def machine(load_start: str) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "discord_py": discord.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "load_start": load_start,
        "load_end": _load(),
    }


def _load() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# -- the database under test ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def scratch_database(
    url: str | None, directory: Path, name: str, *, keep: bool
) -> AsyncIterator[tuple[str, str | None]]:
    """A migrated, empty database: a SQLite file in `directory`, or a new schema on PostgreSQL."""
    if url is None or make_url(url).get_backend_name() == "sqlite":
        path = directory / f"{name}.db" if url is None else Path(bulk.sqlite_path(url))
        if path.exists():
            # The loader writes explicit ids into empty tables; it never benchmarks somebody's data.
            raise SystemExit(f"refusing to load into an existing SQLite file: {path.name}")
        sqlite_url = f"sqlite+aiosqlite:///{path.as_posix()}"
        database = Database(sqlite_url)
        await migrate.upgrade(database)
        await database.dispose()
        yield sqlite_url, None
        return
    schema = f"newsdesk_{name}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(bulk.asyncpg_dsn(url))
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        database = Database(url, schema=schema)
        await migrate.upgrade(database)
        await database.dispose()
        yield url, schema
    finally:
        if keep:
            print(f"keeping the benchmark schema {schema}", file=sys.stderr)
        else:
            await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


async def backend_label(url: str, schema: str | None) -> str:
    if schema is None:
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (WAL, temporary file)"
    conn = await asyncpg.connect(bulk.asyncpg_dsn(url))
    try:
        version = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    return f"PostgreSQL {version.split()[0]} (local server, scratch schema)"


async def run(options: argparse.Namespace) -> dict[str, Any]:
    profile: Profile = SMALL if options.small else DEFAULT
    if options.iterations:
        profile = replace(profile, iterations=options.iterations)
    if options.digests is not None:
        profile = replace(profile, digests=options.digests)
    if options.followers is not None:
        profile = replace(profile, followers=options.followers)
    if options.changes is not None:
        profile = replace(profile, fanout_changes=options.changes)
    if options.processes == 2 and (options.database_url is None or "postgresql" not in options.database_url):
        raise SystemExit("--processes 2 needs --database-url postgresql+asyncpg://…")
    if options.entries:
        specials = profile.long_timeline + profile.autocomplete_topics
        if options.entries < specials + profile.topics:
            raise SystemExit(f"--entries must be at least {specials + profile.topics:,} for this profile")
        profile = replace(profile, entries=options.entries)
    load_start = _load()
    now = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        directory = Path(tmp)
        if options.keep and options.database_url is None:
            directory = Path(tempfile.mkdtemp(prefix="newsdesk-bench-kept-"))
            print(f"keeping the benchmark database in {directory}", file=sys.stderr)
        async with scratch_database(options.database_url, directory, "bench", keep=options.keep) as (url, schema):
            label = await backend_label(url, schema)
            print(
                f"generating the {profile.name} data set and importing it into {label} …", file=sys.stderr, flush=True
            )
            content = Content(options.seed, today=now.date())
            dataset = plan(profile, seed=options.seed, now=now, content=content)
            stats = await bulk.load(dataset, url, schema)
            dataset.release_drafts()
            gc.collect()  # the load's garbage is not the bot's
            positions = await phases.long_timeline(url, schema, dataset)
            live = len(positions)
            results: dict[str, Any] = {
                "profile": profile.name,
                "backend": "sqlite" if schema is None else "postgresql",
                "backend_label": label,
                "started_at": now.isoformat(timespec="seconds"),
                "dataset": {
                    "newsrooms": len(dataset.newsrooms),
                    "topics": len(dataset.topics),
                    "entries": dataset.entry_count,
                    "audit_records": dataset.audit_count,
                    "long_timeline_live": live,
                    "autocomplete_topics": len(dataset.autocomplete_newsroom.topics),
                    "load_seconds": stats.seconds,
                    "rows_per_second": sum(stats.rows.values()) / stats.seconds,
                },
            }
            print(
                f"  imported {stats.rows['newsroom']:,} newsrooms ({sum(stats.rows.values()):,} rows) "
                f"in {stats.seconds:.1f} s",
                file=sys.stderr,
                flush=True,
            )
            await measure_bot(
                results,
                dataset,
                content,
                profile,
                url,
                schema,
                positions=positions,
                seed=options.seed,
                profile_dir=options.profile,
                processes=options.processes,
            )
    if not options.skip_memory:
        print(f"memory probe: {profile.guilds:,} GUILD_CREATE events …", file=sys.stderr, flush=True)
        results["memory"] = await phases.run_memory(profile.guilds)
    results["machine"] = machine(load_start)
    results["targets"] = report.verdicts(results)
    return results


async def measure_bot(
    results: dict[str, Any],
    dataset: Dataset,
    content: Content,
    profile: Profile,
    url: str,
    schema: str | None,
    *,
    positions: list[tuple[Any, int]],
    seed: int,
    profile_dir: Path | None = None,
    processes: int = 1,
) -> None:
    database = Database(url, schema=schema)
    driver = await raw.open_raw(url, schema)
    monitor = measure.LoopMonitor()
    errors = measure.ErrorLog()
    logging.getLogger().addHandler(errors)
    recorder = gateway.Recorder()
    bot = gateway.make_bot(database)
    try:
        with recorder.installed():
            monitor.start()
            with monitor.during("start-up"):
                await gateway.start(bot, dataset.newsrooms)
            targets = targets_module.Targets(dataset, content, long_timeline=positions)
            commands = targets_module.commands(
                targets, iterations=profile.iterations, write_iterations=profile.write_iterations
            )
            commands += search_phase.commands(targets, iterations=profile.iterations)
            commands += asking.commands(targets, iterations=profile.iterations)
            # The bench's own data (the plan of a million rows, the targets) lives in this process but
            # is not the bot's: out of the collector's view, as the bot's start-up heap is after READY.
            gc.collect()
            gc.freeze()
            print("measuring commands (ours, then the raw query, target by target) …", file=sys.stderr, flush=True)
            results["commands"] = await phases.run_commands(
                bot,
                recorder,
                driver,
                commands,
                warmup=profile.warmup,
                monitor=monitor,
                seed=seed,
                profile_dir=profile_dir,
            )
            print(f"sustained writes: {profile.writers} writers for {profile.write_seconds:g} s …", file=sys.stderr)
            with monitor.during("writes"):
                write_command = next(c for c in commands if c.key == "log_status")
                run = await measure.sustained_writes(
                    bot, recorder, write_command, writers=profile.writers, seconds=profile.write_seconds, errors=errors
                )
            results["writes"] = {
                "writers": run.writers,
                "seconds": run.seconds,
                "completed": run.completed,
                "per_second": run.per_second,
                "failures": run.failures,
                "locked_errors": run.locked,
                "failure_samples": run.failure_texts,
                "latency": measure.summary(run.latencies),
            }
            reader_commands = readers.reader_commands(commands)
            second = None
            if processes == 2:
                second = SecondProcess(url, schema, LimitsServer(recorder.limits))
                await second.open()
            print(f"digests: {profile.digests:,} due in the same minute …", file=sys.stderr, flush=True)
            with monitor.during("digest"):
                try:
                    if profile.digests <= 0:
                        raise _Skipped("skipped (--digests 0)")
                    results["digest"] = await digest.measure(
                        bot,
                        recorder,
                        dataset,
                        subscriptions=profile.digests,
                        tick_seconds=bot.settings.digest_tick_seconds,
                        monitor=monitor,
                        reader_commands=reader_commands,
                        second=second,
                    )
                except _Skipped as skipped:
                    results["digest"] = {"measured": False, "reason": str(skipped)}
                except Exception as exc:  # the newest feature must not take the other results down with it
                    log.exception("digest measurement failed")
                    results["digest"] = {"measured": False, "reason": f"failed: {exc!r}"}
            results["fanout"] = await fanout.run_phase(
                bot, recorder, dataset, content, profile, monitor, reader_commands, second
            )
            if second is not None:
                await second.limits.close()
            print("search: the ~10% query's share, then /log with and without the index …", file=sys.stderr)
            with monitor.during("search"):
                results["search"] = await search_phase.log_cost(
                    bot, recorder, driver, database, write_command, warmup=profile.warmup, monitor=monitor, seed=seed
                )
                results["search"]["common_share"] = await search_phase.common_share(database, targets)
            tracked, kept = gateway.view_store_size(bot)
            results["view_store"] = {"messages_tracked": tracked, "views_kept": kept}
            await monitor.stop()
            results["event_loop"] = {
                # Start-up (READY, 1,000+ GUILD_CREATEs, on_ready) is reported apart: no command is
                # waiting yet, and a one-off collection there is what keeps later pauses short.
                "worst_ms": max((v for k, v in monitor.worst.items() if k != "start-up"), default=0.0) * 1000,
                "startup_worst_ms": monitor.worst.get("start-up", 0.0) * 1000,
                "stalls_over_20ms": sum(v for k, v in monitor.stalls.items() if k != "start-up"),
                "by_phase_ms": {k: v * 1000 for k, v in monitor.worst.items()},
                "gc_worst_ms": {f"gen{g}": v * 1000 for g, v in sorted(monitor.gc_worst.items())},
                "gc_collections": {f"gen{g}": n for g, n in sorted(monitor.gc_count.items())},
                "gc_worst_by_phase_ms": {k: v * 1000 for k, v in monitor.gc_worst_by_phase.items()},
            }
            results["errors_logged"] = errors.texts()[:20]
            await bot.close()
    finally:
        logging.getLogger().removeHandler(errors)
        await monitor.stop()
        await driver.close()
        await database.dispose()


def main(args: list[str] | None = None) -> int:
    options = build_parser().parse_args(args)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    started = time.perf_counter()
    results = asyncio.run(run(options))
    results["bench_seconds"] = time.perf_counter() - started
    text = report.markdown(results)
    print(text)
    if options.output is not None:
        json_path, md_path = report.write(results, options.output)
        print(f"wrote {json_path.name} and {md_path.name} to the output directory", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
