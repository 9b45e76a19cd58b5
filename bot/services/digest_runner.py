"""The digest scheduler's tick, /digest send-now and preview, against a Poster, a Clock and a renderer.

`run_due(now)` is a plain coroutine driven by a clock value, so tests call it with any instant and
the cog's loop calls it with the bot's clock. The claim/lease rules are `bot.core.digest_rules`; one
delivery's steps are `digest_sending.Sender`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import secrets
import socket
from dataclasses import dataclass, field

from bot.core import digest_rules as rules
from bot.core.requester import Requester
from bot.core.schedule import load_zone
from bot.services import digests
from bot.services.digest_ports import Claim, Clock, Part, Poster, Render
from bot.services.digest_sending import PLAIN, DigestConfig, Outcome, Ready, Result, Sender, reported
from bot.services.digest_windows import window_content
from db import digest_claims
from db.digest_deliveries import Finished
from db.digest_models import DigestSubscription
from db.engine import Database

log = logging.getLogger(__name__)


@dataclass(slots=True)
class TickReport:
    results: dict[int, Result] = field(default_factory=dict)
    queries: int = 0


class NoticeBoard:
    """Newsrooms with a failure-paused digest no editor has been told about: a set in memory, so the
    check on every command is a set lookup; refreshed from one indexed query each scheduler tick."""

    def __init__(self) -> None:
        self.guilds: set[int] = set()
        self.refreshed_at: dt.datetime | None = None

    def add(self, guild_id: int) -> None:
        self.guilds.add(guild_id)

    async def refresh(self, db: Database, now: dt.datetime) -> None:
        self.guilds = await digests.newsrooms_with_notices(db)
        self.refreshed_at = now

    async def refresh_if_stale(self, db: Database, now: dt.datetime, max_age: dt.timedelta) -> None:
        # Processes that run no scheduler still learn about failures other processes recorded.
        if self.refreshed_at is None or now - self.refreshed_at > max_age or now < self.refreshed_at:
            await self.refresh(db, now)


@dataclass(slots=True)
class _Finish:
    item: Finished
    result: asyncio.Future[bool]


def default_process_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class DigestRunner:
    def __init__(
        self,
        db: Database,
        *,
        poster: Poster,
        clock: Clock,
        render: Render,
        config: DigestConfig | None = None,
        process_id: str | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.config = config or DigestConfig()
        self.process = process_id or default_process_id()
        self.notices = NoticeBoard()
        self.sender = Sender(
            db=db,
            poster=poster,
            clock=clock,
            render=render,
            config=self.config,
            process=self.process,
            refused=self.notices.add,  # the board's set is replaced on refresh: not its bound add
        )

    # -- the tick ----------------------------------------------------------------------------------

    async def run_due(self, now: dt.datetime) -> TickReport:
        """Deliver everything due, however much: a pipeline of claiming and building in batches,
        `concurrency` senders (the send pacer behind the Poster paces their requests) and one writer that
        closes finished deliveries in batches. The queue between them is bounded, so claims are
        taken only a little ahead of the senders and their leases do not run out while waiting."""
        report = TickReport()
        ready: asyncio.Queue[Ready | None] = asyncio.Queue(maxsize=self.config.batch)
        finishing: asyncio.Queue[_Finish | None] = asyncio.Queue()
        async with asyncio.TaskGroup() as group:
            senders = [
                group.create_task(self._sending(ready, finishing, report.results))
                for _ in range(max(self.config.concurrency, 1))
            ]
            closer = group.create_task(self._closer(finishing))
            await self._produce(now, ready, report)
            for _ in senders:
                await ready.put(None)
            await asyncio.wait(senders)
            await finishing.put(None)
            await closer
        await self.notices.refresh(self.db, now)
        return report

    async def _produce(self, now: dt.datetime, ready: asyncio.Queue[Ready | None], report: TickReport) -> None:
        results = report.results
        # Claims start small and double up to `batch`: the first digest goes out after one small
        # claim instead of a whole batch, and when several processes run schedulers each gets a
        # share of a busy minute instead of the first to ask taking all of it.
        size = 1
        for _ in range(self.config.max_rounds):
            # A tick that drains thousands lasts a while: due checks and leases follow the clock.
            async with self.db.read() as session:
                ids = await digest_claims.due_subscription_ids(
                    session, now=max(now, self.clock()), limit=self.config.batch
                )
            report.queries += 1
            fresh = [i for i in ids if i not in results]
            if not fresh:
                break
            while fresh:
                chunk, fresh = fresh[:size], fresh[size:]
                size = min(size * 2, max(self.config.batch, 1))
                for item in await self._claim_and_prepare(chunk, max(now, self.clock()), results):
                    await ready.put(item)
            if len(ids) < self.config.batch:
                break

    async def _claim_and_prepare(
        self, subscription_ids: list[int], now: dt.datetime, results: dict[int, Result]
    ) -> list[Ready]:
        try:
            async with self.db.write() as session:
                held = await digest_claims.claim_due_many(
                    session,
                    subscription_ids=subscription_ids,
                    now=now,
                    process=self.process,
                    settle=self.config.settle,
                    lease=self.config.lease,
                )
                claims = [Claim.of(pair) for pair in held]
        except Exception as exc:
            # Nothing was claimed (the transaction rolled back): the next tick tries them again.
            log.exception("claiming digest subscriptions %s failed", subscription_ids)
            results.update((i, Result(Outcome.ERROR, error=repr(exc))) for i in subscription_ids)
            return []
        for subscription_id in subscription_ids:
            results[subscription_id] = PLAIN[Outcome.IDLE]
        ready: list[Ready] = []
        for claim, outcome in zip(claims, await self.sender.prepare_many(claims), strict=True):
            if isinstance(outcome, Result):
                results[claim.subscription_id] = reported(outcome)
            else:
                ready.append(outcome)
        return ready

    async def _sending(
        self, ready: asyncio.Queue[Ready | None], finishing: asyncio.Queue[_Finish | None], results: dict[int, Result]
    ) -> None:
        async def finish(item: Finished) -> bool:
            done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            await finishing.put(_Finish(item, done))
            return await done

        while (item := await ready.get()) is not None:
            subscription_id = item.claim.subscription_id
            try:
                results[subscription_id] = reported(await self.sender.send(item, finish))
            except Exception as exc:
                # One newsroom's problem never stops the others.
                log.exception("digest subscription %s failed", subscription_id)
                results[subscription_id] = Result(Outcome.ERROR, error=repr(exc))

    async def _closer(self, finishing: asyncio.Queue[_Finish | None]) -> None:
        """Closes finished deliveries: whatever the senders finished while the last transaction ran
        goes into the next one, so a busy minute costs a few transactions rather than one each."""
        stopping = False
        while not stopping:
            first = await finishing.get()
            if first is None:
                return
            batch = [first]
            while not finishing.empty() and len(batch) < self.config.batch:
                queued = finishing.get_nowait()
                if queued is None:
                    stopping = True
                    break
                batch.append(queued)
            try:
                closed = await self.sender.mark_done([f.item for f in batch])
            except Exception as exc:
                for f in batch:
                    if not f.result.done():
                        f.result.set_exception(exc)
            else:
                for f in batch:
                    if not f.result.done():
                        f.result.set_result(f.item.delivery_id in closed)

    # -- editor actions ----------------------------------------------------------------------------

    async def deliver(self, claim: Claim) -> Result:
        """Build, post and close one claimed delivery."""
        [outcome] = await self.sender.prepare_many([claim])
        if isinstance(outcome, Result):
            return outcome
        return await self.sender.send(outcome, self._mark_done)

    async def _mark_done(self, item: Finished) -> bool:
        return item.delivery_id in await self.sender.mark_done([item])

    async def send_now(self, requester: Requester, subscription_id: int) -> tuple[Claim, Result]:
        """/digest send-now: post the current period's digest now; it counts as that period's digest."""
        now = self.clock()
        async with self.db.write() as session:
            sub = await digests.locked_for_editor(session, requester, subscription_id)
            held = await digest_claims.claim_manual(
                session,
                sub=sub,
                now=now,
                process=self.process,
                settle=self.config.settle,
                lease=self.config.lease,
            )
            claim = Claim.of(held)
        return claim, await self.deliver(claim)

    async def preview(self, sub: DigestSubscription, now: dt.datetime) -> list[Part]:
        """Exactly what would be posted now: the current window, up to the settle cutoff."""
        end = max(sub.covered_until, now - self.config.settle)
        content = await window_content(
            self.db, newsroom_id=sub.newsroom_id, topic_ids=sub.topic_ids, start=sub.covered_until, end=end
        )
        day = rules.manual_period(digest_claims.schedule_of(sub), next_due_at=sub.next_due_at).day
        return self.sender.render(
            content, zone=load_zone(sub.timezone), period_day=day, mention_role_id=sub.mention_role_id
        )
