"""CLI glue for `newsdesk export` and `newsdesk import`."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from bot.render.text import plural
from bot.runner import open_database
from bot.settings import Settings
from db.portability import ImportRefused, dumps, export_newsroom, import_newsroom


async def export_command(settings: Settings, *, guild_id: int, output: Path | None) -> int:
    database = await open_database(settings)
    try:
        document = await export_newsroom(database, guild_id=guild_id)
    except ImportRefused as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 1
    finally:
        await database.dispose()
    text = dumps(document)
    if output is None:
        sys.stdout.write(text)
    else:
        await asyncio.to_thread(output.write_text, text, encoding="utf-8")
        print(
            f"exported guild {guild_id}: {plural(len(document['topics']), 'topic')}, "
            f"{plural(len(document['entries']), 'entry')}, {plural(len(document['digests']), 'digest')} to {output}",
            file=sys.stderr,
        )
    return 0


# What an import counts, as a person reads it.
_COUNTED = {
    "topics": "topic",
    "entries": "entry",
    "audit": "audit record",
    "digests": "digest",
    "digest_deliveries": "digest delivery",
    "digest_attempts": "digest attempt",
}


async def import_command(settings: Settings, *, path: Path) -> int:
    try:
        document = json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"import: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    database = await open_database(settings)
    try:
        counts = await import_newsroom(database, document)
    except ImportRefused as exc:
        print(f"import: {exc}", file=sys.stderr)
        return 1
    finally:
        await database.dispose()
    print("imported " + ", ".join(plural(n, _COUNTED.get(key, key)) for key, n in counts.items()))
    return 0
