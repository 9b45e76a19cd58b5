"""Alert fixtures: the digest's (a driven clock, a newsroom without seed data, a bot in the harness)
with a channel store that also holds members' direct messages and takes edits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from db.engine import Database
from tests.alerts.support import AlertStore
from tests.digest.conftest import clock, room
from tests.harness import DiscordHarness
from tests.newsroom import FakeClock, make_bot

__all__ = ["clock", "room"]


@pytest.fixture
def store() -> AlertStore:
    return AlertStore()


@pytest.fixture
async def h(database: Database, clock: FakeClock, room: object, store: AlertStore) -> AsyncIterator[DiscordHarness]:
    async with DiscordHarness(make_bot(database, clock)) as harness:
        store.attach(harness)
        yield harness
