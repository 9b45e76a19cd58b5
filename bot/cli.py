"""The `newsdesk` command line: run, console, db upgrade, seed, export/import."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings

DEMO_GUILD_ID = 100000000000000001
NO_TOKEN = (
    "DISCORD_TOKEN is not set: put the bot token in the environment or a .env file "
    "(see README), or try Newsdesk offline with `newsdesk console`."
)


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # discord.py's gateway chatter at INFO is useful; its HTTP debug is not.
    logging.getLogger("discord.http").setLevel(max(logging.INFO, logging.getLogger().level))
    logging.getLogger("alembic").setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsdesk", description="Newsdesk: a Discord bot for tracked news stories.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="Connect to Discord and serve the newsroom(s) (needs DISCORD_TOKEN).")
    console = sub.add_parser("console", help="Try every slash command offline against the local database.")
    console.add_argument(
        "--as",
        dest="role",
        choices=["editor", "reader"],
        default=None,
        help="Act as an editor (default, or NEWSDESK_CONSOLE_ROLES) or as a plain reader.",
    )
    db = sub.add_parser("db", help="Database schema commands.")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="Apply all migrations.")
    db_sub.add_parser("current", help="Print the schema revision.")
    seed = sub.add_parser("seed", help="Load seed stories into a newsroom (idempotent).")
    seed.add_argument("files", nargs="*", type=Path, help="Seed files (default: every file in seeds/).")
    seed.add_argument("--guild", type=int, default=DEMO_GUILD_ID, help="Guild id (default: the console's demo).")
    export = sub.add_parser("export", help="Write a newsroom as one versioned JSON document.")
    export.add_argument("--guild", type=int, required=True)
    export.add_argument("--output", "-o", type=Path, default=None, help="File to write (default: stdout).")
    imp = sub.add_parser("import", help="Restore an exported newsroom into a database that lacks it.")
    imp.add_argument("file", type=Path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    settings = Settings()
    configure_logging("WARNING" if args.command == "console" else settings.log_level)
    if args.command == "run":
        if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
            print(NO_TOKEN, file=sys.stderr)
            return 2
        from bot.runner import run_bot

        try:
            return asyncio.run(run_bot(settings))
        except KeyboardInterrupt:
            # Ctrl-C is how `newsdesk run` is stopped in a terminal: asyncio.run has already closed
            # the bot and the database by now, so exit quietly instead of printing a traceback.
            return 130
    if args.command == "console":
        from bot.console import run_console

        role = args.role or settings.newsdesk_console_roles
        return asyncio.run(run_console(settings, editor=role != "reader"))
    if args.command == "db":
        from bot.runner import db_command

        return asyncio.run(db_command(settings, args.db_command))
    if args.command == "seed":
        from bot.runner import seed_command

        return asyncio.run(seed_command(settings, files=args.files, guild_id=args.guild))
    if args.command == "export":
        from bot.portability import export_command

        return asyncio.run(export_command(settings, guild_id=args.guild, output=args.output))
    if args.command == "import":
        from bot.portability import import_command

        return asyncio.run(import_command(settings, path=args.file))
    return 2
