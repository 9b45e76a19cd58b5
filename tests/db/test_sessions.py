"""Read sessions: plain reads see every commit at once; snapshot reads see one state throughout."""

from __future__ import annotations

from sqlalchemy import func, select

from db.engine import Database
from db.models import Topic
from tests.harness import GUILD_A_ID
from tests.newsroom import prepare_newsrooms

COUNT = select(func.count()).select_from(Topic)


async def add_topic(database: Database, slug: str) -> None:
    async with database.write() as session:
        session.add(Topic(newsroom_id=GUILD_A_ID, slug=slug, title=slug, search_text=slug))


async def test_a_snapshot_read_sees_one_state_and_a_plain_read_the_latest(database: Database) -> None:
    await prepare_newsrooms(database)
    async with database.read(snapshot=True) as session:
        before = (await session.execute(COUNT)).scalar_one()
        await add_topic(database, "during-snapshot")
        assert (await session.execute(COUNT)).scalar_one() == before
    async with database.read() as session:
        now = (await session.execute(COUNT)).scalar_one()
        assert now == before + 1
        await add_topic(database, "during-plain")
        assert (await session.execute(COUNT)).scalar_one() == now + 1


async def test_plain_reads_leave_no_transaction_open_for_writers(database: Database) -> None:
    await prepare_newsrooms(database)
    for n in range(20):
        async with database.read() as session:
            await session.execute(COUNT)
        await add_topic(database, f"t-{n}")
    async with database.read() as session:
        assert (await session.execute(COUNT)).scalar_one() >= 20
