"""The second sending process: `python -m bench.second` runs the digest or alert scheduler's ticks
against the same database as the first bench process, with the same bot token (so the same shared
send pacer rows) and the first process's Discord limits (bench.shared_limits), until a tick finds
nothing left. It prints what it sent as one JSON line.

The first process starts it (`SecondProcess.start`) at the moment its own ticks begin, with its
clock's offset, so both see the same "now".
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench import gateway
from bench.phases import CODE_ROOT
from bench.shared_limits import LimitsServer, RemoteLimits
from bot.services.digest_sending import Outcome
from db.engine import Database

_REF = re.compile(r"`#(\d+)`")


@dataclass(slots=True)
class SecondProcess:
    """Where the second process finds the database and the limits."""

    url: str
    schema: str | None
    limits: LimitsServer
    port: int = 0

    async def open(self) -> None:
        self.port = await self.limits.start()

    async def start(self, phase: str, offset: dt.timedelta, tick_seconds: float) -> Child:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CODE_ROOT), env.get("PYTHONPATH", "")) if p)
        args = [
            "-m",
            "bench.second",
            phase,
            "--database-url",
            self.url,
            "--limits-port",
            str(self.port),
            "--offset",
            str(offset.total_seconds()),
            "--tick-seconds",
            str(tick_seconds),
        ]
        if self.schema:
            args += ["--schema", self.schema]
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
        )
        # Its output is read from the start, not once this process is done: a child that logs more
        # than a pipe holds (429 warnings on a busy machine) would otherwise stop in mid-write,
        # inside an open transaction, holding the row locks this process then waits for.
        return Child(process, asyncio.create_task(process.communicate()))


@dataclass(slots=True)
class Child:
    process: asyncio.subprocess.Process
    output: asyncio.Task[tuple[bytes, bytes]]


async def collect(child: Child) -> dict[str, Any]:
    out, err = await child.output
    if child.process.returncode != 0:
        raise RuntimeError(f"the second process failed: {err.decode(errors='replace').strip()[-2000:]}")
    return json.loads(out.decode().strip().splitlines()[-1])


async def run(options: argparse.Namespace) -> dict[str, Any]:
    from bench.digest import ShiftedClock  # bench.digest starts this process: imported here, not above

    database = Database(options.database_url, schema=options.schema)
    bot = gateway.make_bot(database)
    remote = RemoteLimits(options.limits_port)
    recorder = gateway.Recorder(remote=remote, keep_bodies=options.phase == "fanout")
    try:
        with recorder.installed():
            await gateway.prepare(bot)
            bot.clock = ShiftedClock(dt.timedelta(seconds=options.offset))
            if options.phase == "digest":
                from cogs.digest import runner_for as digest_runner

                runner: Any = digest_runner(bot)
            else:
                from cogs.alerts import runner_for as alert_runner

                runner = alert_runner(bot)
            ticks = 0
            outcomes: Counter[str] = Counter()
            last_busy = time.time()
            while ticks < 1000:
                started = time.perf_counter()
                report = await runner.run_due(bot.clock())
                busy = Counter(r.outcome.value for r in report.results.values() if r.outcome is not Outcome.IDLE)
                if not busy:
                    break
                ticks += 1
                last_busy = time.time()
                outcomes.update(busy)
                spent = time.perf_counter() - started
                bot.clock.offset += dt.timedelta(seconds=max(options.tick_seconds - spent, 0.0))
            received: dict[str, dict[str, int]] = {}
            for channel_id, bodies in recorder.bodies.items():
                owner = str(recorder.dm_channels.get(channel_id, channel_id))
                counts = Counter(m for body in bodies for m in _REF.findall(body))
                for entry_id, n in counts.items():
                    received.setdefault(owner, {})[entry_id] = received.get(owner, {}).get(entry_id, 0) + n
            await bot.close()
            return {
                "messages": sum(recorder.channel_posts.values()),
                "dm_channels_opened": recorder.dm_opened,
                "ticks": ticks,
                "outcomes": dict(outcomes),
                "ended_at": last_busy,
                "received": received,
            }
    finally:
        await remote.close()
        await database.dispose()


def main(args: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.second")
    parser.add_argument("phase", choices=("digest", "fanout"))
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--schema", default=None)
    parser.add_argument("--limits-port", type=int, required=True)
    parser.add_argument("--offset", type=float, required=True)
    parser.add_argument("--tick-seconds", type=float, default=30.0)
    result = asyncio.run(run(parser.parse_args(args)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
