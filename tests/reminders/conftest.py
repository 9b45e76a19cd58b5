"""Reminder fixtures: guild A with the seeded ATACMS story, a driven clock, Discord's channel store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from db.engine import Database
from tests.digest.support import ChannelStore, utc
from tests.newsroom import Desk, FakeClock, prepare_newsrooms, running_desk


@pytest.fixture
def store() -> ChannelStore:
    return ChannelStore()


@pytest.fixture
async def room(database: Database, store: ChannelStore) -> AsyncIterator[Desk]:
    await prepare_newsrooms(database)
    async with running_desk(database, FakeClock(utc(2026, 3, 20, 12, 0))) as desk:
        store.attach(desk.harness)
        yield desk
