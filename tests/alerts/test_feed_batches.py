"""Many alert windows read the change feed in few queries: newsrooms whose windows start close
together share one audit range, and each window still holds only its own records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

import pytest

from bot.services import digest_windows
from bot.services.digest_windows import SPAN_SLACK, Window, shared_spans, windows_data
from db import digest_feed
from db.engine import Database
from tests.digest.support import Writer, utc
from tests.harness import GUILD_B_ID

T0 = utc(2026, 3, 20, 12, 0)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("starts", "groups"),
    [
        ({1: 0, 2: 10, 3: 59}, [[1, 2, 3]]),
        ({1: 0, 2: 60}, [[1, 2]]),  # exactly the slack apart still shares
        ({1: 0, 2: 61}, [[1], [2]]),
        ({1: 0, 2: 50, 3: 100, 4: 170}, [[1, 2], [3], [4]]),  # a group is measured from its earliest start
        ({5: 30}, [[5]]),
    ],
)
def test_ranges_starting_within_the_slack_share_a_query(starts: dict[int, int], groups: list[list[int]]) -> None:
    spans = {n: (at(m), at(m + 5 + n)) for n, m in starts.items()}
    shared = shared_spans(spans, SPAN_SLACK)
    assert sorted(sorted(members) for members in shared.values()) == groups
    for (start, end), members in shared.items():
        # Each range covers every member's own range, and starts no earlier than it must.
        assert start == min(spans[n][0] for n in members) and end == max(spans[n][1] for n in members)


@pytest.fixture
def feed_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Collection[int], dt.datetime, dt.datetime]]:
    calls: list[tuple[Collection[int], dt.datetime, dt.datetime]] = []
    real = digest_feed.entry_records

    async def counted(session: Any, newsrooms: Collection[int], *, start: dt.datetime, end: dt.datetime) -> Any:
        calls.append((sorted(newsrooms), start, end))
        return await real(session, newsrooms, start=start, end=end)

    monkeypatch.setattr(digest_windows.digest_feed, "entry_records", counted)
    return calls


@pytest.mark.parametrize(("b_starts_at", "queries"), [(20, 1), (180, 2)])
async def test_each_window_holds_its_own_records_however_the_feed_was_read(
    database: Database,
    room: Writer,
    feed_reads: list[tuple[Collection[int], dt.datetime, dt.datetime]],
    b_starts_at: int,
    queries: int,
) -> None:
    other = Writer(database, GUILD_B_ID)
    await room.topic("atacms")
    await other.topic("tariffs")
    before_a = await room.status("atacms", "approved", "Before A's window.", at(-5))
    in_a = await room.status("atacms", "delivered", "In A's window.", at(b_starts_at + 10))
    before_b = await other.status("tariffs", "approved", "Before B's window.", at(b_starts_at - 5))
    in_b = await other.status("tariffs", "delivered", "In B's window.", at(b_starts_at + 30))
    end = at(b_starts_at + 60)
    a = Window(room.guild_id, None, at(0), end)
    b = Window(GUILD_B_ID, None, at(b_starts_at), end)

    data = await windows_data(database, [a, b])

    assert len(feed_reads) == queries
    assert {r.entry_id for r in data[a].records} == {in_a.id}
    assert {r.entry_id for r in data[b].records} == {in_b.id}
    assert before_a.id not in {r.entry_id for r in data[a].records}
    assert before_b.id not in {r.entry_id for r in data[b].records}
