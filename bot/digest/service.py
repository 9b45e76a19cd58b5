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

from bot.digest import delivery
from bot.digest.content import DigestContent, build_content
from bot.digest.render import DigestPart, render_digest
from bot.digest.schedule import latest_occurrence, load_zone
from db import digests
from db.digest_models import DigestSubscription
from db.drafts import Actor
from db.engine import Database

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

Hook = Callable[[str, digests.Claim], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DigestConfig:
    settle: dt.timedelta = dt.timedelta(seconds=10)
    lease: dt.timedelta = dt.timedelta(minutes=2)
    batch: int = 50  # due subscriptions per query
    max_rounds: int = 20  # queries per tick when batches come back full
    concurrency: int = 4  # deliveries in flight at once
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


@dataclass(slots=True)
class Result:
    outcome: Outcome
    message_ids: list[str] = field(default_factory=list)
    error: str | None = None


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


def _padded(ids: list[str | None], count: int) -> list[str | None]:
    return (list(ids) + [None] * count)[:count]


def default_process_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


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
        report = TickReport()
        for _ in range(self.config.max_rounds):
            ids = await digests.due_subscription_ids(self.db, now=now, limit=self.config.batch)
            report.queries += 1
            fresh = [i for i in ids if i not in report.results]
            if not fresh:
                break
            report.results.update(await self._process_all(fresh, now))
            if len(ids) < self.config.batch:
                break
        await self.notices.refresh(self.db, now)
        return report

    async def _process_all(self, ids: list[int], now: dt.datetime) -> dict[int, Result]:
        gate = asyncio.Semaphore(self.config.concurrency)
        results: dict[int, Result] = {}

        async def one(subscription_id: int) -> None:
            async with gate:
                try:
                    results[subscription_id] = await self._process(subscription_id, now)
                except Exception as exc:
                    # One newsroom's problem never stops the others.
                    log.exception("digest subscription %s failed", subscription_id)
                    results[subscription_id] = Result(Outcome.ERROR, error=repr(exc))

        async with asyncio.TaskGroup() as group:
            for subscription_id in ids:
                group.create_task(one(subscription_id))
        return results

    async def _process(self, subscription_id: int, now: dt.datetime) -> Result:
        claim = await digests.claim_due(
            self.db,
            subscription_id=subscription_id,
            now=now,
            process=self.process,
            settle=self.config.settle,
            lease=self.config.lease,
        )
        if claim is None:
            return Result(Outcome.IDLE)
        await self._at("claimed", claim)
        return await self.deliver(claim)

    # -- one delivery ------------------------------------------------------------------------------

    async def deliver(self, claim: digests.Claim) -> Result:
        try:
            return await self._deliver(claim)
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
            # A bug or a database hiccup: keep the claim and back off rather than spin on it.
            log.exception("digest %s delivery %s failed", claim.subscription_id, claim.delivery_id)
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

    async def _deliver(self, claim: digests.Claim) -> Result:
        parts = await self._prepare(claim)
        if parts is None:
            return Result(Outcome.LOST)
        await self._at("prepared", claim)
        if not parts:
            done = await digests.mark_done(
                self.db,
                delivery_id=claim.delivery_id,
                process=self.process,
                now=self._now(),
                settle=self.config.settle,
                outcome=Outcome.SKIPPED.value,
            )
            return Result(Outcome.SKIPPED if done else Outcome.LOST)

        found: dict[int, str] = {}
        if claim.needs_reconcile and not all(_padded(claim.message_ids, len(parts))):
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
            if await self._renew(claim, found={index: str(message_id)}) is None:
                return Result(Outcome.LOST)
        outcome = Outcome.RECONCILED if reconciled else Outcome.SENT
        done = await digests.mark_done(
            self.db,
            delivery_id=claim.delivery_id,
            process=self.process,
            now=self._now(),
            settle=self.config.settle,
            outcome=outcome.value,
            message_ids=list(ids),
        )
        await self._at("marked", claim)
        return Result(outcome if done else Outcome.LOST, [i for i in ids if i])

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

    async def _prepare(self, claim: digests.Claim) -> list[DigestPart] | None:
        """The parts to post: frozen in the delivery row on first build so retries post the same."""
        if claim.payload is not None:
            return [DigestPart.from_json(p) for p in claim.payload]
        content = await self.build(
            newsroom_id=claim.newsroom_id, topic_ids=claim.topic_ids, start=claim.window_start, end=claim.window_end
        )
        if content.is_empty and not claim.post_when_empty:
            return []
        parts = render_digest(
            content,
            zone=load_zone(claim.timezone),
            period_day=claim.period_day,
            mention_role_id=claim.mention_role_id,
            ref=claim.nonce,
        )
        stored = await digests.store_payload(
            self.db, delivery_id=claim.delivery_id, process=self.process, parts=[p.to_json() for p in parts]
        )
        return None if stored is None else [DigestPart.from_json(p) for p in stored]

    async def build(
        self, *, newsroom_id: int, topic_ids: list[int] | None, start: dt.datetime, end: dt.datetime
    ) -> DigestContent:
        data = await digests.window_data(self.db, newsroom_id=newsroom_id, topic_ids=topic_ids, start=start, end=end)
        return build_content(
            topics=data.topics,
            records=data.records,
            status_history=data.status_history,
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
