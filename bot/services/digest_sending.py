"""One claimed digest delivery from claim to close: build, render and freeze its parts, post them
through the Poster, and close it, retry it later or pause it on a refusal. Each step is a
transaction of its own that re-checks the claim (`db.digest_deliveries`).

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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.schedule import load_zone
from bot.services.digest_content import DigestContent
from bot.services.digest_ports import Claim, Clock, Part, Poster, Refused, Render, RetryLater
from bot.services.digest_windows import Window, WindowData, content_of, windows_data
from db import digest_deliveries as steps
from db.digest_deliveries import Finished
from db.engine import Database

log = logging.getLogger(__name__)

Finish = Callable[[Finished], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class DigestConfig:
    settle: dt.timedelta = dt.timedelta(seconds=10)
    lease: dt.timedelta = dt.timedelta(minutes=2)
    # Due subscriptions per query, and the most claimed and built in one transaction and one read
    # of the change feed; also how far building may run ahead of the senders.
    batch: int = 100
    # A tick drains everything due; this only bounds a tick that keeps finding more (batch x rounds).
    max_rounds: int = 1000
    # Sends in flight at once: enough that the send pacer, not this, sets the pace.
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


# A tick records a result per subscription, tens of thousands in a busy minute: the plain ones (no
# error) are shared, and the tick's report keeps the outcome alone (the message ids are stored).
PLAIN = {outcome: Result(outcome) for outcome in Outcome}


def reported(result: Result) -> Result:
    return PLAIN[result.outcome] if result.error is None else result


@dataclass(slots=True)
class Ready:
    """A claimed delivery whose parts are frozen, waiting for a sender."""

    claim: Claim
    parts: list[Part]
    message_ids: list[str | None]
    begun: bool  # marked as sending when its parts were stored; else the sender reconciles and marks it


def _padded(ids: Sequence[str | None], count: int) -> list[str | None]:
    return (list(ids) + [None] * count)[:count]


def _window(claim: Claim) -> Window:
    topics = tuple(claim.topic_ids) if claim.topic_ids is not None else None
    return Window(claim.newsroom_id, topics, claim.window_start, claim.window_end)


class Sender:
    """The steps of one delivery, shared by the scheduler's tick and /digest send-now."""

    def __init__(
        self,
        *,
        db: Database,
        poster: Poster,
        clock: Clock,
        render: Render,
        config: DigestConfig,
        process: str,
        refused: Callable[[int], None],
    ) -> None:
        self.db, self.poster, self.clock, self.render = db, poster, clock, render
        self.config, self.process = config, process
        self._refused = refused  # told the newsroom of a delivery a refusal paused

    async def send(self, item: Ready, finish: Finish) -> Result:
        claim = item.claim
        try:
            return await self._post(item, finish)
        except Refused as exc:
            async with self.db.write() as session:
                newsroom = await steps.record_refusal(
                    session,
                    delivery_id=claim.delivery_id,
                    process=self.process,
                    now=self.clock(),
                    error=exc.error,
                    reason=exc.reason,
                )
            if newsroom is not None:
                self._refused(newsroom)
            log.warning("digest %s paused: %s (%s)", claim.subscription_id, exc.reason, exc.error)
            return Result(Outcome.PAUSED, error=exc.reason)
        except RetryLater as exc:
            await self._retry_later(claim, str(exc))
            return Result(Outcome.RETRY, error=str(exc))
        except Exception as exc:
            return await self.failed(claim, exc)

    async def failed(self, claim: Claim, exc: Exception) -> Result:
        # A bug or a database hiccup: keep the claim and back off rather than spin on it.
        log.exception("digest %s delivery %s failed", claim.subscription_id, claim.delivery_id, exc_info=exc)
        try:
            await self._retry_later(claim, f"internal error: {exc!r}")
        except Exception:
            log.exception("could not record the failure of digest delivery %s", claim.delivery_id)
        return Result(Outcome.ERROR, error=repr(exc))

    async def _retry_later(self, claim: Claim, error: str) -> None:
        async with self.db.write() as session:
            retry_at = await steps.record_retry(
                session,
                delivery_id=claim.delivery_id,
                process=self.process,
                now=self.clock(),
                error=error,
                base=self.config.retry_base,
                cap=self.config.retry_cap,
            )
        log.warning("digest %s will retry at %s: %s", claim.subscription_id, retry_at, error)

    async def _renew(
        self, claim: Claim, *, sending: bool = False, found: Mapping[int, str] | None = None
    ) -> list[str | None] | None:
        async with self.db.write() as session:
            return await steps.renew(
                session,
                delivery_id=claim.delivery_id,
                process=self.process,
                now=self.clock(),
                lease=self.config.lease,
                sending=sending,
                found=found,
            )

    async def mark_done(self, finished: Sequence[Finished]) -> set[int]:
        async with self.db.write() as session:
            return await steps.mark_done_many(
                session, process=self.process, now=self.clock(), settle=self.config.settle, finished=finished
            )

    async def _post(self, item: Ready, finish: Finish) -> Result:
        claim, parts = item.claim, item.parts
        ids: list[str | None] | None = item.message_ids
        if not item.begun:
            found: dict[int, str] = {}
            if claim.needs_reconcile and not all(_padded(item.message_ids, len(parts))):
                found = await self.poster.find_posted(claim.destination, nonce=claim.nonce, since=claim.created_at)
            ids = await self._renew(claim, sending=True, found=found)
            if ids is None:
                return Result(Outcome.LOST)
        ids = _padded(ids, len(parts))
        reconciled = all(ids)
        for index, part in enumerate(parts):
            if ids[index]:
                continue
            if index > 0 and await self._renew(claim) is None:
                return Result(Outcome.LOST)
            message_id = await self.poster.post(
                claim.where_part(index, ids),
                part,
                nonce=f"{claim.nonce}.{index + 1}",
                mention_role_id=claim.mention_role_id,
                first_part=index == 0,
            )
            ids[index] = message_id
            # The last part's id is recorded by closing the delivery; a crash before that is
            # reconciled from the channel like any other.
            if not all(ids) and await self._renew(claim, found={index: message_id}) is None:
                return Result(Outcome.LOST)
        outcome = Outcome.RECONCILED if reconciled else Outcome.SENT
        done = await finish(Finished(claim.delivery_id, outcome.value, list(ids)))
        return Result(outcome if done else Outcome.LOST, tuple(i for i in ids if i))

    def _render(self, claim: Claim, content: DigestContent) -> list[Part]:
        if content.is_empty and not claim.post_when_empty:
            return []
        return self.render(
            content,
            zone=load_zone(claim.timezone),
            period_day=claim.period_day,
            mention_role_id=claim.mention_role_id,
            ref=claim.nonce,
        )

    async def _build(self, claims: list[Claim], outcomes: dict[int, Ready | Result]) -> dict[int, list[Part]]:
        """Rendered parts of claims with none frozen yet: one read of the change feed for all, one
        build per distinct window (digests of one newsroom and minute share it)."""
        windows = {claim.delivery_id: _window(claim) for claim in claims}
        try:
            data = await windows_data(self.db, set(windows.values()))
        except Exception as exc:
            for claim in claims:
                outcomes[claim.delivery_id] = await self.failed(claim, exc)
            return {}
        # Building and rendering a batch is pure computation, tens of milliseconds to several hundred for
        # a busy minute's batch: in a worker thread, the event loop keeps answering commands meanwhile.
        rendered, errors = await asyncio.to_thread(self._build_parts, claims, windows, data)
        for claim, exc in errors:
            outcomes[claim.delivery_id] = await self.failed(claim, exc)
        return rendered

    def _build_parts(
        self, claims: list[Claim], windows: Mapping[int, Window], data: Mapping[Window, WindowData]
    ) -> tuple[dict[int, list[Part]], list[tuple[Claim, Exception]]]:
        contents: dict[Window, DigestContent] = {}
        rendered: dict[int, list[Part]] = {}
        errors: list[tuple[Claim, Exception]] = []
        for claim in claims:
            window = windows[claim.delivery_id]
            try:
                content = contents.get(window)
                if content is None:
                    content = contents[window] = content_of(window, data[window])
                rendered[claim.delivery_id] = self._render(claim, content)
            except Exception as exc:
                errors.append((claim, exc))
        return rendered, errors

    async def prepare_many(self, claims: list[Claim]) -> list[Ready | Result]:
        """Build, render and freeze the parts of many claims at once, in one transaction that stores
        every payload and begins the fresh sends; empty digests that are not posted close at once."""
        outcomes: dict[int, Ready | Result] = {}
        # Frozen on an earlier attempt: retries post exactly the same parts.
        rendered = {c.delivery_id: list(c.payload) for c in claims if c.payload is not None}
        to_build = [c for c in claims if c.payload is None]
        if to_build:
            rendered.update(await self._build(to_build, outcomes))

        by_id = {claim.delivery_id: claim for claim in claims}
        empty = [i for i, parts in rendered.items() if not parts]
        to_store = {i: parts for i, parts in rendered.items() if parts}
        # A send that may have begun before must be reconciled first, by the sender.
        begin = [i for i in to_store if not by_id[i].needs_reconcile]
        stored: dict[int, steps.Stored] = {}
        if to_store:
            try:
                async with self.db.write() as session:
                    stored = await steps.store_payloads(
                        session,
                        process=self.process,
                        now=self.clock(),
                        lease=self.config.lease,
                        parts=to_store,
                        begin=begin,
                    )
            except Exception as exc:
                for delivery_id in to_store:
                    outcomes[delivery_id] = await self.failed(by_id[delivery_id], exc)
        for delivery_id in to_store:
            if delivery_id in outcomes:
                continue
            held = stored.get(delivery_id)
            if held is None:
                outcomes[delivery_id] = Result(Outcome.LOST)
            else:
                outcomes[delivery_id] = Ready(by_id[delivery_id], held.payload, held.message_ids, held.sending)

        if empty:
            skipped = [Finished(delivery_id, Outcome.SKIPPED.value) for delivery_id in empty]
            try:
                closed = await self.mark_done(skipped)
            except Exception as exc:
                for item in skipped:
                    outcomes[item.delivery_id] = await self.failed(by_id[item.delivery_id], exc)
            else:
                for item in skipped:
                    outcomes[item.delivery_id] = Result(Outcome.SKIPPED if item.delivery_id in closed else Outcome.LOST)
        return [outcomes[claim.delivery_id] for claim in claims]
