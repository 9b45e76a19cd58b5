"""The alert scheduler's tick: plan each due alert's window from the change feed, claim the windows,
post the claimed alerts through the digest's `Sender` (leases, nonces, reconciling, refusals), then
make the edits posted alerts are owed. `run_due(now)` is a plain coroutine tests drive with any clock.

Planning reads outside the claim's transaction; the claim applies a plan only if the window still
starts where it was read (`db.alert_claims.claim`), so a plan that lost a race changes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.core import alert_rules
from bot.core.alert_rules import Mode
from bot.core.digest_rules import backoff
from bot.core.digest_targets import Target
from bot.core.schedule import load_zone
from bot.services.alert_ports import AlertPoster, AlertRender
from bot.services.digest_content import DigestContent, Item, TopicChanges
from bot.services.digest_ports import Claim, Clock, Part, Refused, RetryLater, Where
from bot.services.digest_runner import default_process_id
from bot.services.digest_sending import DigestConfig, Outcome, Ready, Result, Sender
from bot.services.digest_windows import Window, WindowData, content_of, windows_data
from db import alert_claims
from db import digest_deliveries as steps
from db.alert_claims import Due, EditJob, EditPlan, Plan
from db.digest_deliveries import Finished
from db.engine import Database

log = logging.getLogger(__name__)

HEADINGS = {Mode.ALERT.value: "Newsdesk alert", Mode.FOLLOW.value: "Newsdesk alert · a topic you follow"}


@dataclass(slots=True)
class AlertReport:
    results: dict[int, Result] = field(default_factory=dict)  # by subscription
    edits_done: int = 0
    edits_failed: int = 0


def _items(content: DigestContent) -> list[tuple[int, Item]]:
    return [(changes.topic.id, item) for changes in content.changed for item in changes.items]


def _kept(content: DigestContent, entry_ids: set[int]) -> DigestContent:
    """The content with only these entries' items, and no "unchanged" list (an alert is about changes)."""
    changed: list[TopicChanges] = []
    for changes in content.changed:
        items = [i for i in changes.items if i.entry_id in entry_ids]
        if items:
            changed.append(TopicChanges(changes.topic, items))
    return DigestContent(content.window_start, content.window_end, changed, [])


def _wants(due: Due, topic_id: int, item: Item) -> bool:
    if due.mode == Mode.FOLLOW.value:
        return alert_rules.follow_wants(due.topic_kinds, topic_id, item.kind.value)
    return alert_rules.wanted(item.kind.value, due.kinds)


def _window(newsroom_id: int, topic_ids: Sequence[int] | None, start: dt.datetime, end: dt.datetime) -> Window:
    return Window(newsroom_id, tuple(topic_ids) if topic_ids is not None else None, start, end)


def _mentions(part: Mapping[str, object], entry_id: int) -> bool:
    return f"`#{entry_id}`" in json.dumps(part, ensure_ascii=False)


class AlertRunner:
    def __init__(
        self,
        db: Database,
        *,
        poster: AlertPoster,
        clock: Clock,
        render: AlertRender,
        config: DigestConfig | None = None,
        process_id: str | None = None,
        refused: Callable[[int], None] | None = None,
    ) -> None:
        self.db, self.poster, self.clock, self.render = db, poster, clock, render
        self.config = config or DigestConfig()
        self.process = process_id or default_process_id()
        self.sender = Sender(
            db=db,
            poster=poster,
            clock=clock,
            render=self._unused_render,
            config=self.config,
            process=self.process,
            refused=refused or (lambda _newsroom: None),
        )

    @staticmethod
    def _unused_render(*_args: object, **_kwargs: object) -> list[Part]:
        raise AssertionError("alerts are rendered by the alert runner")

    # -- the tick ----------------------------------------------------------------------------------

    async def run_due(self, now: dt.datetime) -> AlertReport:
        report = AlertReport()
        after = 0
        for _ in range(self.config.max_rounds):
            async with self.db.read() as session:
                due = await alert_claims.due(session, now=max(now, self.clock()), limit=self.config.batch, after=after)
            if not due:
                break
            after = due[-1].id
            await self._round(due, max(now, self.clock()), report)
            if len(due) < self.config.batch:
                break
        await self.run_edits(max(now, self.clock()), report)
        return report

    async def _round(self, due: list[Due], now: dt.datetime, report: AlertReport) -> None:
        for d in due:
            report.results[d.id] = Result(Outcome.IDLE)
        plans = await self._plan(due, now)
        async with self.db.write() as session:
            held = await alert_claims.claim(
                session, plans=plans, now=now, process=self.process, lease=self.config.lease
            )
            claims = [Claim.of(pair) for pair in held]
        ready = await self._prepare(claims)
        gate = asyncio.Semaphore(max(self.config.concurrency, 1))

        async def send(item: Ready) -> None:
            async with gate:
                try:
                    report.results[item.claim.subscription_id] = await self.sender.send(item, self._finish)
                except Exception as exc:
                    log.exception("alert %s failed", item.claim.subscription_id)
                    report.results[item.claim.subscription_id] = Result(Outcome.ERROR, error=repr(exc))

        # A task group, so a process going down takes every send of the round with it at once.
        async with asyncio.TaskGroup() as group:
            for item in ready:
                group.create_task(send(item))

    async def _finish(self, item: Finished) -> bool:
        return item.delivery_id in await self.sender.mark_done([item])

    async def _plan(self, due: list[Due], now: dt.datetime) -> list[Plan]:
        """Each alert's window up to the grace, with the entries to post and the edits it calls for."""
        async with self.db.read() as session:
            graces = await alert_claims.graces(session, {d.newsroom_id for d in due})
        plans: dict[int, Plan] = {}
        windows: dict[int, Window] = {}
        quiet: list[Plan] = []
        for d in due:
            end = alert_rules.window_end(now, graces.get(d.newsroom_id, alert_rules.GRACE_DEFAULT), d.covered_until)
            if alert_rules.may_claim(d.covered_until, end):
                plans[d.id] = Plan(d.id, d.covered_until, end)
                windows[d.id] = _window(d.newsroom_id, d.topic_ids, d.covered_until, end)
            else:
                quiet.append(Plan(d.id, d.covered_until, end, quiet=True))
        data = await windows_data(self.db, set(windows.values()))
        entry_ids = {r.entry_id for w in data.values() for r in w.records}
        async with self.db.read() as session:
            retracted = await alert_claims.retracted(session, entry_ids)
            alerted = await alert_claims.alerted(session, plans.keys(), entry_ids)
        for d in due:
            plan = plans.get(d.id)
            if plan is None:
                continue
            window_data = data[windows[d.id]]
            mine = {e for (s, e) in alerted if s == d.id}
            plan.entry_ids = sorted(
                {
                    item.entry_id
                    for topic_id, item in _items(content_of(windows[d.id], window_data))
                    if _wants(d, topic_id, item)
                    and alert_rules.alertable(item.kind.value, item.entry_id, retracted=retracted, alerted=mine)
                }
            )
            plan.edits = self._edits(d.id, window_data, alerted)
            # Nothing at all logged in its window: the claim leaves the row alone (no write per alert
            # per quiet tick) and the window grows until something is; an unfinished delivery of
            # it is still taken over.
            plan.quiet = not window_data.records
        return [*plans.values(), *quiet]

    @staticmethod
    def _edits(subscription_id: int, data: WindowData, alerted: Mapping[tuple[int, int], list[int]]) -> list[EditPlan]:
        edits: list[EditPlan] = []
        for record in data.records:
            if record.action not in alert_rules.EDIT_ACTIONS:
                continue
            for delivery_id in alerted.get((subscription_id, record.entry_id), []):
                note = alert_rules.edit_note(record.action, record.entry_id, record.reason)
                edits.append(EditPlan(delivery_id, record.entry_id, record.id, note))
        return edits

    async def _prepare(self, claims: list[Claim]) -> list[Ready]:
        """Render the claims not rendered yet (from their window and the entries claimed with them),
        freeze the parts and begin the sends, in one transaction."""
        to_build = [c for c in claims if c.payload is None]
        rendered: dict[int, list[Part]] = {c.delivery_id: list(c.payload) for c in claims if c.payload is not None}
        if to_build:
            async with self.db.read() as session:
                entries = await alert_claims.entries_of(session, [c.delivery_id for c in to_build])
            windows = {
                c.delivery_id: _window(c.newsroom_id, c.topic_ids, c.window_start, c.window_end) for c in to_build
            }
            data = await windows_data(self.db, set(windows.values()))
            for c in to_build:
                wanted = entries.get(c.delivery_id, set())
                content = _kept(content_of(windows[c.delivery_id], data[windows[c.delivery_id]]), wanted)
                heading = HEADINGS.get(Mode.FOLLOW.value if c.target is Target.DM else Mode.ALERT.value, "")
                rendered[c.delivery_id] = self.render.parts(
                    content, zone=load_zone(c.timezone), heading=heading, ref=c.nonce
                )
        by_id = {c.delivery_id: c for c in claims}
        empty = [i for i, parts in rendered.items() if not parts]
        if empty:
            # Everything it held vanished (e.g. its topic was archived): nothing to post.
            await self.sender.mark_done([Finished(i, Outcome.SKIPPED.value) for i in empty])
        to_store = {i: parts for i, parts in rendered.items() if parts}
        if not to_store:
            return []
        begin = [i for i in to_store if not by_id[i].needs_reconcile]
        async with self.db.write() as session:
            stored = await steps.store_payloads(
                session, process=self.process, now=self.clock(), lease=self.config.lease, parts=to_store, begin=begin
            )
        return [Ready(by_id[i], s.payload, s.message_ids, s.sending) for i, s in stored.items()]

    # -- edits of posted alerts --------------------------------------------------------------------

    async def run_edits(self, now: dt.datetime, report: AlertReport | None = None) -> AlertReport:
        report = report or AlertReport()
        for _ in range(self.config.max_rounds):
            async with self.db.write() as session:
                jobs = await alert_claims.claim_edits(
                    session, now=now, process=self.process, lease=self.config.lease, limit=self.config.batch
                )
            if not jobs:
                break
            for job in jobs:
                if await self._edit(job):
                    report.edits_done += 1
                else:
                    report.edits_failed += 1
            if len(jobs) < self.config.batch:
                break
        return report

    async def _edit(self, job: EditJob) -> bool:
        target = Target(job.target)
        try:
            for index, part in enumerate(job.payload):
                message_id = job.message_ids[index] if index < len(job.message_ids) else None
                notes = [n for entry_id, ns in job.notes.items() if _mentions(part, entry_id) for n in ns]
                if message_id is None or not notes:
                    continue
                where = Where(job.channel_id, target if target is not Target.FORUM else Target.THREAD)
                await self.poster.edit(where, message_id, self.render.edited(part, notes))
        except Refused as exc:
            # The alert is gone (deleted, or its channel): there is nothing left to edit.
            log.warning("alert delivery %s can't be edited: %s", job.delivery_id, exc.error)
            async with self.db.write() as session:
                await alert_claims.finish_edits(
                    session, edit_ids=job.edit_ids, process=self.process, now=self.clock(), error=exc.error
                )
            return False
        except (RetryLater, Exception) as exc:
            retry_at = self.clock() + backoff(1, base=self.config.retry_base, cap=self.config.retry_cap)
            log.warning("alert delivery %s edit will retry: %r", job.delivery_id, exc)
            async with self.db.write() as session:
                await alert_claims.retry_edits(
                    session, edit_ids=job.edit_ids, process=self.process, retry_at=retry_at, error=repr(exc)
                )
            return False
        async with self.db.write() as session:
            await alert_claims.finish_edits(session, edit_ids=job.edit_ids, process=self.process, now=self.clock())
        return True
