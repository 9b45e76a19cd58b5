"""Digest fixtures: newsrooms without seed data, a driven clock, a bot in the harness, a channel store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from db.engine import Database
from tests.digest.support import ChannelStore, Writer, utc
from tests.harness import DiscordHarness
from tests.newsroom import FakeClock, make_bot, prepare_newsrooms


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utc(2026, 3, 20, 12, 0))


@pytest.fixture
async def room(database: Database) -> Writer:
    await prepare_newsrooms(database, seed=False)
    return Writer(database)


@pytest.fixture
def store() -> ChannelStore:
    return ChannelStore()


@pytest.fixture
async def h(database: Database, clock: FakeClock, room: Writer, store: ChannelStore) -> AsyncIterator[DiscordHarness]:
    async with DiscordHarness(make_bot(database, clock)) as harness:
        store.attach(harness)
        yield harness
