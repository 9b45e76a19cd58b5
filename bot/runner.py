"""Start-up: settings -> database (migrated) -> bot, passed in explicitly; and the db/seed commands."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import discord
import discord.http

from bot.render.text import plural
from bot.services.newsrooms import seed_newsroom
from bot.settings import Settings
from db import migrate
from db.engine import Database
from db.seeds import SeedError, available_seeds, load_seed_file_async

log = logging.getLogger(__name__)
# How long shutdown waits for work in flight once the bot has closed.
SHUTDOWN_GRACE_SECONDS = 5.0


def apply_api_base(settings: Settings) -> None:
    """Point discord.py's HTTP routes at another API host (a staging proxy or a local stand-in)."""
    if settings.discord_api_base_url:
        discord.http.Route.BASE = settings.discord_api_base_url.rstrip("/")


async def open_database(settings: Settings) -> Database:
    database = Database(settings.resolved_database_url)
    await migrate.upgrade(database)
    return database


async def run_bot(settings: Settings) -> int:
    from bot.client import NewsBot

    apply_api_base(settings)
    database = await open_database(settings)
    bot = NewsBot(settings=settings, database=database, sync_commands=True)
    assert settings.discord_token is not None
    try:
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())
    except discord.LoginFailure:
        print("Discord rejected DISCORD_TOKEN: check the token in the developer portal.", file=sys.stderr)
        return 2
    finally:
        await _let_tasks_finish()
        await database.dispose()
    return 0


async def _let_tasks_finish() -> None:
    """After the bot closed, give work still in flight (an event handler, a digest step) a moment to
    end before the database goes away: on Ctrl-C asyncio would otherwise cancel it mid-transaction."""
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    if pending:
        _, still = await asyncio.wait(pending, timeout=SHUTDOWN_GRACE_SECONDS)
        if still:
            log.warning("stopping with %d tasks still running: %s", len(still), sorted(t.get_name() for t in still))


async def db_command(settings: Settings, command: str) -> int:
    database = Database(settings.resolved_database_url)
    try:
        if command == "upgrade":
            await migrate.upgrade(database)
        print(f"schema revision: {await migrate.current_revision(database)}")
    finally:
        await database.dispose()
    return 0


async def seed_command(settings: Settings, *, files: list[Path], guild_id: int) -> int:
    paths = files or list(available_seeds().values())
    try:
        stories = [await load_seed_file_async(path) for path in paths]
    except SeedError as exc:
        print(f"seed: {exc}", file=sys.stderr)
        return 1
    database = await open_database(settings)
    try:
        results = await seed_newsroom(database, guild_id=guild_id, name="", stories=stories)
    finally:
        await database.dispose()
    for result in results:
        state = "created" if result.topic_created else "present"
        print(f"{result.story}: topic {state}, {plural(result.entries_added, 'entry')} added (guild {guild_id})")
    return 0
