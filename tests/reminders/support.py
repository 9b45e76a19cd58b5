"""Reminder test support: a runner per simulated process on the bot's poster, steps around its posts,
and ways to date a topic's last change and read what was posted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from bot.client import NewsBot
from bot.reminders.delivery import DiscordReminderPoster
from bot.reminders.render import ref_of
from bot.services.reminders import ReminderPoster, ReminderReport, ReminderRunner
from db.models import Newsroom, Topic
from db.reminder_models import ReminderKey, ReminderNotice
from tests.digest.support import ChannelStore, Crash, Step
from tests.harness import GUILD_A_ID, DiscordHarness

UTC = dt.UTC


class StepPoster:
    """The discord.py poster with a test's step before and after each post: a crash, say."""

    def __init__(self, inner: ReminderPoster, *, before: Step | None = None, after: Step | None = None) -> None:
        self.inner, self.before, self.after = inner, before, after

    async def post(self, channel_id: int, notice: Mapping[str, Any], *, nonce: str) -> int:
        if self.before is not None:
            await self.before(channel_id, nonce)
        message_id = await self.inner.post(channel_id, notice, nonce=nonce)
        if self.after is not None:
            await self.after(channel_id, nonce)
        return message_id

    async def find_posted(self, channel_id: int, *, nonce: str, since: dt.datetime) -> int | None:
        return await self.inner.find_posted(channel_id, nonce=nonce, since=since)


async def crash(channel_id: int, nonce: str) -> None:
    raise Crash(nonce)


def runner(
    bot: NewsBot, name: str = "proc", *, before: Step | None = None, after: Step | None = None
) -> ReminderRunner:
    poster = StepPoster(DiscordReminderPoster(bot), before=before, after=after)
    return ReminderRunner(bot.database, poster=poster, clock=bot.clock, process_id=f"{name}-{id(bot)}")


async def tick(proc: ReminderRunner, moment: dt.datetime) -> ReminderReport:
    """A scheduler tick at `moment`: the runner's clock reads `moment` too, as it would in production."""
    proc.clock.now = moment  # type: ignore[attr-defined]
    return await proc.run_due(moment)


def alerts(h: DiscordHarness[Any]) -> int:
    """The editors' channel the tests use: guild A's #desk-alerts."""
    return h.guild_a.channels[1].id


async def set_channel(bot: NewsBot, channel_id: int | None, *, stale_after_days: int = 30) -> None:
    async with bot.database.write() as session:
        newsroom = await session.get(Newsroom, GUILD_A_ID)
        assert newsroom is not None
        newsroom.editors_channel_id, newsroom.stale_after_days = channel_id, stale_after_days
        session.add(newsroom)


async def date_topics(bot: NewsBot, last_change: dt.datetime, *slugs: str) -> None:
    """Make these topics (every topic of guild A without slugs) last changed at `last_change`."""
    stmt = update(Topic).where(col(Topic.newsroom_id) == GUILD_A_ID)
    if slugs:
        stmt = stmt.where(col(Topic.slug).in_(slugs))
    async with bot.database.write() as session:
        await session.execute(stmt.values(updated_at=last_change))


def posted(store: ChannelStore, channel_id: int) -> list[dict[str, Any]]:
    """The reminder messages in the channel (each once, whichever process posted it), oldest first."""
    return [m for m in store.messages(channel_id) if ref_of(m.get("embeds") or [])]


def titled(messages: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["embeds"][0].get("title") == title]


async def notices(bot: NewsBot) -> list[ReminderNotice]:
    async with bot.database.read() as session:
        return list((await session.execute(select(ReminderNotice).order_by(col(ReminderNotice.id)))).scalars())


async def keys(bot: NewsBot) -> list[str]:
    async with bot.database.read() as session:
        return sorted((await session.execute(select(ReminderKey.key))).scalars())
