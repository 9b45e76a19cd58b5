"""The digest reports an expected entry as expected, never as something that happened, and an expected
status change never as the story's new status."""

from __future__ import annotations

import datetime as dt

from db.engine import Database
from tests.digest.support import Writer, utc
from tests.digest.test_commands import add
from tests.harness import DiscordHarness
from tests.newsroom import FakeClock


async def test_an_expected_event_and_status_are_shown_as_expected(
    database: Database, h: DiscordHarness, room: Writer, clock: FakeClock
) -> None:
    await room.topic("atacms")
    await room.status("atacms", "under_review", "Being weighed", utc(2026, 3, 19, 14), date=dt.date(2026, 3, 19))
    await add(h)
    await room.event("atacms", "Delivery of the missiles", utc(2026, 3, 20, 14), expected="promised",
                     date_announced=False)  # fmt: skip
    await room.status("atacms", "approved", "Vote on approval", utc(2026, 3, 20, 15), date=dt.date(2026, 5, 1),
                      expected="scheduled")  # fmt: skip
    # A real change logged after it, dated before the expected one: it is the current status.
    await room.status("atacms", "on_hold", "Paused", utc(2026, 3, 20, 16), date=dt.date(2026, 3, 20))
    clock.now = utc(2026, 3, 20, 18)
    reply = await h.slash("digest preview", {"id": 1}, user=h.editor)
    text = reply.embeds[0]["description"]
    assert "**Delivery of the missiles** (date not announced). *Expected (promised).*" in text
    assert "Decision: **Approved** (1 May 2026). *Expected (scheduled).* Vote on approval" in text
    assert "Decision: **Under review → On hold** (20 Mar 2026)." in text
    assert "→ Approved" not in text and "not the current status" not in text
