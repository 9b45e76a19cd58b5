"""Who has a notice waiting after a refusal paused an alert or a follow: sets in memory, so the check
after every command is a set lookup; refreshed from one indexed query when stale or after a tick."""

from __future__ import annotations

import datetime as dt

from bot.services import alerts
from db.engine import Database

MAX_AGE = dt.timedelta(minutes=1)


class AlertNotices:
    def __init__(self) -> None:
        self.editors: set[int] = set()  # newsrooms with a paused channel alert
        self.members: set[tuple[int, int]] = set()  # (newsroom, member) with a paused follow
        self.refreshed_at: dt.datetime | None = None

    async def refresh(self, db: Database, now: dt.datetime) -> None:
        self.editors, self.members = await alerts.with_notices(db)
        self.refreshed_at = now

    async def refresh_if_stale(self, db: Database, now: dt.datetime) -> None:
        # Processes that run no scheduler still learn about refusals other processes recorded.
        if self.refreshed_at is None or now - self.refreshed_at > MAX_AGE or now < self.refreshed_at:
            await self.refresh(db, now)
