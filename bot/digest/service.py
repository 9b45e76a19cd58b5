"""The digest service: the scheduler's tick, delivery of one claimed period, preview and the notices.

`run_due(now)` is a plain coroutine driven by an injected clock value, so tests call it directly
with any instant and the cog's loop calls it with `bot.clock()`.

Why a settle delay: an entry's audit record is stamped (`at`) when its transaction writes it, but
becomes visible only when that transaction commits, a moment later. A digest built the instant its
period ends could miss a record stamped just before the end that had not committed yet, and the next
digest would skip it too (it starts after that end). Building a period only `settle` after its end
lets such transactions commit first; a change stamped after the end always goes to the next digest.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.core.drafts import Actor
from bot.core.schedule import latest_occurrence, load_zone
from bot.digest import delivery
from bot.digest.content import DigestContent, build_content
from bot.digest.render import DigestPart, render_digest
from db import digests
from db.digest_models import DigestSubscription
from db.engine import Database
from db.turns import full_collections_deferred

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

Hook = Callable[[str, digests.Claim], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DigestConfig:
    settle: dt.timedelta = dt.timedelta(seconds=10)
    lease: dt.timedelta = dt.timedelta(minutes=2)
    # Due subscriptions per query, and the most claimed and built in one transaction and one read
    # of the change feed; also how far building may run ahead of the senders.
    batch: int = 100
    # A tick drains everything due; this only bounds a tick that keeps finding more (batch x rounds).
    max_rounds: int = 1000
    # Sends in flight at once: enough that discord.py's rate limiter, not this, sets the pace.
    concurrency: int = 32
    retry_base: dt.timedelta = dt.timedelta(seconds=30)
    retry_cap: dt.timedelta = dt.timedelta(minutes=30)
    notice_max_age: dt.timedelta = dt.timedelta(minutes=1)


class Outcome(enum.StrEnum):
    IDLE = "idle"  # nothing to do for it (not due any more, or another process holds it)
    SENT = "sent"
    RECONCILED = "reconciled"  # an earlier attempt had posted it; now recorded
    SKIPPED = "skipped"  # nothing new and the subscription does not post empty digests
    RETRY = "retry"
    PAUSED = "paused"
    LOST = "lost"  # another process took the claim over
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    message_ids: tuple[str, ...] = ()
    error: str | None = None


# A tick records a result per subscription, tens of thousands in a busy minute, and every one of
# them is an object each full garbage collection visits: the plain ones (no error) are shared, and
# the tick's report keeps the outcome alone (the posted messages' ids are in the database).
_PLAIN = {outcome: Result(outcome) for outcome in Outcome}


def _reported(result: Result) -> Result:
    return _PLAIN[result.outcome] if result.error is None else result


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

    async def refresh(self, db: Database, now: dt.datetime) -> None:
        self.guilds = await digests.newsrooms_with_notices(db)
        self.refreshed_at = now

    async def refresh_if_stale(self, db: Database, now: dt.datetime, max_age: dt.timedelta) -> None:
        # Processes that run no scheduler still learn about failures other processes recorded.
        if self.refreshed_at is None or now - self.refreshed_at > max_age or now < self.refreshed_at:
            await self.refresh(db, now)


async def _next_turn() -> None:
    """Let the event loop run once before waking the next sender. Waking many at once (a batch
    closed, a batch built) runs all their next steps in one turn of the loop, and a turn that long
    is a stall for every command waiting behind it (measured: 20-30 ms with 32 senders)."""
    await asyncio.sleep(0)


def _padded(ids: list[str | None], count: int) -> list[str | None]:
    return (list(ids) + [None] * count)[:count]


def default_process_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def _window(claim: digests.Claim) -> digests.Window:
    topics = tuple(claim.topic_ids) if claim.topic_ids is not None else None
    return digests.Window(claim.newsroom_id, topics, claim.window_start, claim.window_end)


def _content(window: digests.Window, data: digests.WindowData) -> DigestContent:
    return build_content(
        topics=data.topics,
        records=data.records,
        statuses=data.statuses,
        window_start=window.start,
        window_end=window.end,
    )


@dataclass(slots=True)
class _Ready:
    """A claimed delivery whose parts are frozen, waiting for a sender."""

    claim: digests.Claim
    parts: list[DigestPart]
    message_ids: list[str | None]
    begun: bool  # marked as sending when its parts were stored; else the sender reconciles and marks it


@dataclass(slots=True)
class _Finish:
    item: digests.Finished
    result: asyncio.Future[bool]


class DigestService:
    def __init__(
        self,
        bot: NewsBot,
        *,
        config: DigestConfig | None = None,
        hook: Hook | None = None,
        process_id: str | None = None,
    ) -> None:
        self.bot = bot
        self.config = config or DigestConfig()
        self.hook = hook
        self.process = process_id or default_process_id()
        self.notices = NoticeBoard()

    @property
    def db(self) -> Database:
        return self.bot.database

    def _now(self) -> dt.datetime:
        return self.bot.clock()

    async def _at(self, step: str, claim: digests.Claim) -> None:
        # Test seam: tests raise here to simulate a crash between two steps.
        if self.hook is not None:
            await self.hook(step, claim)

    # -- the tick ----------------------------------------------------------------------------------

    async def run_due(self, now: dt.datetime) -> TickReport:
        """Deliver everything due, however much: a pipeline of claiming and building in batches,
        `concurrency` senders (discord.py's rate limiter paces their requests) and one writer that
        closes finished deliveries in batches. The queue between them is bounded, so claims are
        taken only a little ahead of the senders and their leases do not run out while waiting."""
        report = TickReport()
        ready: asyncio.Queue[_Ready | None] = asyncio.Queue(maxsize=self.config.batch)
        finishing: asyncio.Queue[_Finish | None] = asyncio.Queue()
        # A busy tick allocates a great deal but leaves no reference cycles (tested), so the
        # collector's full passes during it find nothing and only stop the event loop.
        with full_collections_deferred():
            await self._pipeline(now, ready, finishing, report)
        await self.notices.refresh(self.db, now)
        return report

    async def _pipeline(
        self,
        now: dt.datetime,
        ready: asyncio.Queue[_Ready | None],
        finishing: asyncio.Queue[_Finish | None],
        report: TickReport,
    ) -> None:
        async with asyncio.TaskGroup() as group:
            senders = [
                group.create_task(self._sender(ready, finishing, report.results))
                for _ in range(max(self.config.concurrency, 1))
            ]
            closer = group.create_task(self._closer(finishing))
            await self._produce(now, ready, report)
            for _ in senders:
                await ready.put(None)
            await asyncio.wait(senders)
            await finishing.put(None)
            await closer

    async def _produce(self, now: dt.datetime, ready: asyncio.Queue[_Ready | None], report: TickReport) -> None:
        results = report.results
        # Claims start small and double up to `batch`: the first digest goes out after one small
        # claim instead of a whole batch, and when several processes run schedulers each gets a
        # share of a busy minute instead of the first to ask taking all of it.
        size = 1
        for _ in range(self.config.max_rounds):
            # A tick that drains thousands lasts a while: due checks and leases follow the clock.
            moment = max(now, self._now())
            ids = await digests.due_subscription_ids(self.db, now=moment, limit=self.config.batch)
            report.queries += 1
            fresh = [i for i in ids if i not in results]
            if not fresh:
                break
            while fresh:
                chunk, fresh = fresh[:size], fresh[size:]
                size = min(size * 2, max(self.config.batch, 1))
                for item in await self._claim_and_prepare(chunk, max(now, self._now()), results):
                    await ready.put(item)
                    await _next_turn()
            if len(ids) < self.config.batch:
                break

    async def _claim_and_prepare(
        self, subscription_ids: list[int], now: dt.datetime, results: dict[int, Result]
    ) -> list[_Ready]:
        try:
            claims = await digests.claim_due_many(
                self.db,
                subscription_ids=subscription_ids,
                now=now,
                process=self.process,
                settle=self.config.settle,
                lease=self.config.lease,
            )
        except Exception as exc:
            # Nothing was claimed (the transaction rolled back): the next tick tries them again.
            log.exception("claiming digest subscriptions %s failed", subscription_ids)
            results.update((i, Result(Outcome.ERROR, error=repr(exc))) for i in subscription_ids)
            return []
        for subscription_id in subscription_ids:
            results[subscription_id] = _PLAIN[Outcome.IDLE]
        live: list[digests.Claim] = []
        for claim in claims:
            try:
                await self._at("claimed", claim)
            except Exception as exc:
                # The claim stays leased; another attempt takes it over when the lease ends.
                log.exception("digest subscription %s failed", claim.subscription_id)
                results[claim.subscription_id] = Result(Outcome.ERROR, error=repr(exc))
                continue
            live.append(claim)
        ready: list[_Ready] = []
        for claim, outcome in zip(live, await self._prepare_many(live), strict=True):
            if isinstance(outcome, Result):
                results[claim.subscription_id] = _reported(outcome)
            else:
                ready.append(outcome)
        return ready

    async def _sender(
        self,
        ready: asyncio.Queue[_Ready | None],
        finishing: asyncio.Queue[_Finish | None],
        results: dict[int, Result],
    ) -> None:
        async def finish(item: digests.Finished) -> bool:
            done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            await finishing.put(_Finish(item, done))
            return await done

        while (item := await ready.get()) is not None:
            subscription_id = item.claim.subscription_id
            try:
                results[subscription_id] = _reported(await self._send(item, finish))
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
                closed = await digests.mark_done_many(
                    self.db,
                    process=self.process,
                    now=self._now(),
                    settle=self.config.settle,
                    finished=[f.item for f in batch],
                )
            except Exception as exc:
                for f in batch:
                    if not f.result.done():
                        f.result.set_exception(exc)
                    await _next_turn()
            else:
                for f in batch:
                    if not f.result.done():
                        f.result.set_result(f.item.delivery_id in closed)
                    await _next_turn()

    # -- one delivery ------------------------------------------------------------------------------

    async def deliver(self, claim: digests.Claim) -> Result:
        """Build, post and close one claimed delivery (/digest send-now)."""
        [outcome] = await self._prepare_many([claim])
        if isinstance(outcome, Result):
            return outcome
        return await self._send(outcome, self._mark_done)

    async def _mark_done(self, item: digests.Finished) -> bool:
        closed = await digests.mark_done_many(
            self.db, process=self.process, now=self._now(), settle=self.config.settle, finished=[item]
        )
        return item.delivery_id in closed

    async def _send(self, item: _Ready, finish: Callable[[digests.Finished], Awaitable[bool]]) -> Result:
        claim = item.claim
        try:
            return await self._post(item, finish)
        except delivery.Refused as exc:
            newsroom = await digests.record_refusal(
                self.db,
                delivery_id=claim.delivery_id,
                process=self.process,
                now=self._now(),
                error=exc.error,
                reason=exc.reason,
            )
            if newsroom is not None:
                self.notices.guilds.add(newsroom)
            log.warning("digest %s paused: %s (%s)", claim.subscription_id, exc.reason, exc.error)
            return Result(Outcome.PAUSED, error=exc.reason)
        except delivery.Transient as exc:
            await self._retry_later(claim, str(exc))
            return Result(Outcome.RETRY, error=str(exc))
        except Exception as exc:
            return await self._failed(claim, exc)

    async def _failed(self, claim: digests.Claim, exc: Exception) -> Result:
        # A bug or a database hiccup: keep the claim and back off rather than spin on it.
        log.exception("digest %s delivery %s failed", claim.subscription_id, claim.delivery_id, exc_info=exc)
        try:
            await self._retry_later(claim, f"internal error: {exc!r}")
        except Exception:
            log.exception("could not record the failure of digest delivery %s", claim.delivery_id)
        return Result(Outcome.ERROR, error=repr(exc))

    async def _retry_later(self, claim: digests.Claim, error: str) -> None:
        retry_at = await digests.record_retry(
            self.db,
            delivery_id=claim.delivery_id,
            process=self.process,
            now=self._now(),
            error=error,
            base=self.config.retry_base,
            cap=self.config.retry_cap,
        )
        log.warning("digest %s will retry at %s: %s", claim.subscription_id, retry_at, error)

    async def _post(self, item: _Ready, finish: Callable[[digests.Finished], Awaitable[bool]]) -> Result:
        claim, parts = item.claim, item.parts
        ids: list[str | None] | None = item.message_ids
        if not item.begun:
            found: dict[int, str] = {}
            if claim.needs_reconcile and not all(_padded(item.message_ids, len(parts))):
                found = await delivery.find_posted(
                    self.bot, channel_id=claim.channel_id, nonce=claim.nonce, since=claim.created_at
                )
            ids = await self._renew(claim, sending=True, found=found)
            if ids is None:
                return Result(Outcome.LOST)
        ids = _padded(ids, len(parts))
        reconciled = all(ids)
        await self._at("sending", claim)
        for index, part in enumerate(parts):
            if ids[index]:
                continue
            if index > 0 and await self._renew(claim) is None:
                return Result(Outcome.LOST)
            message_id = await delivery.post_part(
                self.bot,
                channel_id=claim.channel_id,
                part=part,
                nonce=f"{claim.nonce}.{index + 1}",
                mention_role_id=claim.mention_role_id,
                first_part=index == 0,
            )
            ids[index] = str(message_id)
            await self._at("posted", claim)
            # The last part's id is recorded by closing the delivery; a crash before that is
            # reconciled from the channel like any other.
            if not all(ids) and await self._renew(claim, found={index: str(message_id)}) is None:
                return Result(Outcome.LOST)
        outcome = Outcome.RECONCILED if reconciled else Outcome.SENT
        done = await finish(digests.Finished(claim.delivery_id, outcome.value, list(ids)))
        await self._at("marked", claim)
        return Result(outcome if done else Outcome.LOST, tuple(i for i in ids if i))

    async def _renew(
        self, claim: digests.Claim, *, sending: bool = False, found: dict[int, str] | None = None
    ) -> list[str | None] | None:
        return await digests.renew(
            self.db,
            delivery_id=claim.delivery_id,
            process=self.process,
            now=self._now(),
            lease=self.config.lease,
            sending=sending,
            found=found,
        )

    async def _prepare_many(self, claims: list[digests.Claim]) -> list[_Ready | Result]:
        """Build, render and freeze the parts of many claims at once: one read of the change feed for
        all, one build per distinct window (digests of one newsroom and minute share it), and one
        transaction that stores every payload and begins the fresh sends."""
        outcomes: dict[int, _Ready | Result] = {}
        rendered: dict[int, list[DigestPart]] = {}
        to_build: list[digests.Claim] = []
        for claim in claims:
            if claim.payload is not None:
                # Frozen on an earlier attempt: retries post exactly the same parts.
                rendered[claim.delivery_id] = [DigestPart.from_json(p) for p in claim.payload]
            else:
                to_build.append(claim)
        if to_build:
            windows = {claim.delivery_id: _window(claim) for claim in to_build}
            try:
                data = await digests.windows_data(self.db, set(windows.values()))
            except Exception as exc:
                for claim in to_build:
                    outcomes[claim.delivery_id] = await self._failed(claim, exc)
                data = {}
            contents: dict[digests.Window, DigestContent] = {}
            for claim in to_build:
                # Building a busy minute's digests is CPU work: let commands in between them.
                await asyncio.sleep(0)
                window = windows[claim.delivery_id]
                if window not in data:
                    continue
                try:
                    content = contents.get(window)
                    if content is None:
                        content = contents[window] = _content(window, data[window])
                        # A large newsroom's content and its rendering take milliseconds each: in
                        # turns of their own.
                        await asyncio.sleep(0)
                    if content.is_empty and not claim.post_when_empty:
                        rendered[claim.delivery_id] = []
                        continue
                    rendered[claim.delivery_id] = render_digest(
                        content,
                        zone=load_zone(claim.timezone),
                        period_day=claim.period_day,
                        mention_role_id=claim.mention_role_id,
                        ref=claim.nonce,
                    )
                except Exception as exc:
                    outcomes[claim.delivery_id] = await self._failed(claim, exc)
            # The change feed and the built contents are done with: freed here, in a step of their
            # own, rather than with everything else when this returns (freeing is CPU work too).
            del data, contents
            await asyncio.sleep(0)

        by_id = {claim.delivery_id: claim for claim in claims}
        empty = [i for i, parts in rendered.items() if not parts]
        to_store = {i: [p.to_json() for p in parts] for i, parts in rendered.items() if parts}
        # A send that may have begun before must be reconciled first, by the sender.
        begin = [i for i in to_store if not by_id[i].needs_reconcile]
        stored: dict[int, digests.Stored] = {}
        if to_store:
            try:
                stored = await digests.store_payloads(
                    self.db,
                    process=self.process,
                    now=self._now(),
                    lease=self.config.lease,
                    parts=to_store,
                    begin=begin,
                )
            except Exception as exc:
                for delivery_id in to_store:
                    outcomes[delivery_id] = await self._failed(by_id[delivery_id], exc)
        for delivery_id in to_store:
            if delivery_id in outcomes:
                continue
            claim = by_id[delivery_id]
            held = stored.get(delivery_id)
            if held is None:
                outcomes[delivery_id] = Result(Outcome.LOST)
                continue
            try:
                await self._at("prepared", claim)
            except Exception as exc:
                outcomes[delivery_id] = await self._failed(claim, exc)
                continue
            parts = [DigestPart.from_json(p) for p in held.payload]
            outcomes[delivery_id] = _Ready(claim, parts, held.message_ids, held.sending)

        if empty:
            skipped: list[digests.Finished] = []
            for delivery_id in empty:
                try:
                    await self._at("prepared", by_id[delivery_id])
                except Exception as exc:
                    outcomes[delivery_id] = await self._failed(by_id[delivery_id], exc)
                    continue
                skipped.append(digests.Finished(delivery_id, Outcome.SKIPPED.value))
            try:
                closed = await digests.mark_done_many(
                    self.db, process=self.process, now=self._now(), settle=self.config.settle, finished=skipped
                )
            except Exception as exc:
                for item in skipped:
                    outcomes[item.delivery_id] = await self._failed(by_id[item.delivery_id], exc)
            else:
                for item in skipped:
                    outcomes[item.delivery_id] = Result(Outcome.SKIPPED if item.delivery_id in closed else Outcome.LOST)
        return [outcomes[claim.delivery_id] for claim in claims]

    async def build(
        self, *, newsroom_id: int, topic_ids: list[int] | None, start: dt.datetime, end: dt.datetime
    ) -> DigestContent:
        data = await digests.window_data(self.db, newsroom_id=newsroom_id, topic_ids=topic_ids, start=start, end=end)
        return build_content(
            topics=data.topics,
            records=data.records,
            statuses=data.statuses,
            window_start=start,
            window_end=end,
        )

    # -- editor actions ----------------------------------------------------------------------------

    async def preview(self, sub: DigestSubscription, now: dt.datetime) -> list[DigestPart]:
        """Exactly what would be posted now: the current window, up to the settle cutoff."""
        end = max(sub.covered_until, now - self.config.settle)
        content = await self.build(
            newsroom_id=sub.newsroom_id, topic_ids=sub.topic_ids, start=sub.covered_until, end=end
        )
        period = latest_occurrence(digests.schedule_of(sub), sub.next_due_at)
        return render_digest(
            content, zone=load_zone(sub.timezone), period_day=period.day, mention_role_id=sub.mention_role_id
        )

    async def send_now(
        self, *, guild_id: int, guild_name: str, actor: Actor, subscription_id: int
    ) -> tuple[digests.Claim, Result]:
        now = self._now()
        claim = await digests.claim_manual(
            self.db,
            guild_id=guild_id,
            guild_name=guild_name,
            actor=actor,
            subscription_id=subscription_id,
            now=now,
            process=self.process,
            settle=self.config.settle,
            lease=self.config.lease,
        )
        return claim, await self.deliver(claim)
