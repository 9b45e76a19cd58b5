"""Building blocks for command tests: a NewsBot on a test database, driven through the harness."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from bot.client import NewsBot
from bot.settings import Settings
from db.engine import Database
from db.models import AuditRecord, Entry, Newsroom, Topic
from db.newsrooms import ensure_newsroom
from db.seeds import apply_seed, available_seeds, load_seed_file
from tests.harness import GUILD_A_ID, GUILD_B_ID, DiscordHarness, Reply

EDITORS_ROLE_A = GUILD_A_ID + 1
EDITORS_ROLE_B = GUILD_B_ID + 1


class FakeClock:
    """The bot's clock, moved by tests instead of by real time."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or dt.datetime(2023, 9, 20, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@dataclass
class Desk:
    harness: DiscordHarness
    bot: NewsBot
    database: Database
    clock: FakeClock


async def prepare_newsrooms(database: Database, *, seed: bool = True) -> None:
    """Guild A has the ATACMS story and an editor role; guild B is an empty newsroom of its own."""
    story = load_seed_file(available_seeds()["atacms"])
    async with database.write() as session:
        a = await ensure_newsroom(session, guild_id=GUILD_A_ID, name="Newsroom A")
        a.editor_role_id = EDITORS_ROLE_A
        session.add(a)
        b = await ensure_newsroom(session, guild_id=GUILD_B_ID, name="Newsroom B")
        b.editor_role_id = EDITORS_ROLE_B
        session.add(b)
        if seed:
            await apply_seed(session, newsroom_id=GUILD_A_ID, story=story)


def make_bot(database: Database, clock: FakeClock) -> NewsBot:
    # pydantic's typed __init__ lists the fields only, not BaseSettings' own _env_file.
    settings = Settings(_env_file=None, discord_token=None, database_url="sqlite+aiosqlite://")  # pyright: ignore[reportCallIssue]
    return NewsBot(settings=settings, database=database, clock=clock, start_scheduler=False)


@asynccontextmanager
async def running_desk(database: Database, clock: FakeClock | None = None) -> AsyncIterator[Desk]:
    """A started bot in the harness. Enter twice on one database to simulate a restart."""
    clock = clock or FakeClock()
    bot = make_bot(database, clock)
    async with DiscordHarness(bot) as harness:
        yield Desk(harness, bot, database, clock)


def text_of(reply: Reply) -> str:
    """The text of a reply's message; fails the test when no message was sent."""
    assert reply.content is not None, f"no message text in {reply!r}"
    return reply.content


async def db_rows(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of every newsroom table: equal before and after means nothing was written."""
    rows: dict[str, list[dict[str, Any]]] = {}
    async with database.read() as session:
        for model in (Newsroom, Topic, Entry, AuditRecord):
            name = model.__tablename__
            assert isinstance(name, str)  # SQLModel types it as a declared_attr; on a mapped class it is the name
            result = await session.execute(select(model).order_by(col(model.id)))
            rows[name] = [row.model_dump() for row in result.scalars()]
    return rows
