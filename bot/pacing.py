"""The send pacer in the Discord client: one per process, fed by what Discord answers.

Digest posts ask the pacer for a slot before each request (`bot.digest.delivery`); the answers to
every bot-token request are read here through aiohttp's trace hooks (discord.py's public
`http_trace` option), so a 429 or an emptied bucket pauses the pacer even when discord.py retries
on its own. Interaction callbacks and follow-ups are not paced and their answers are not read:
Discord does not count them towards the global limit.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Final

import aiohttp

from bot.core.send_pacing import PACED_SHARE, PacerConfig
from bot.services.send_pacer import Pacer, SharedTimeline
from bot.settings import Settings
from db.engine import Database

# A message created in a channel: the bucket whose emptying pauses that channel's posts.
_MESSAGE_CREATE: Final = re.compile(r"/channels/(\d+)/messages$")
_INTERACTION: Final = re.compile(r"/(interactions|webhooks)/")


def pacer_config(settings: Settings) -> PacerConfig:
    return PacerConfig(global_per_second=settings.discord_global_rate_limit * PACED_SHARE)


def make_pacer(settings: Settings, database: Database) -> Pacer:
    config = pacer_config(settings)
    return Pacer(SharedTimeline(database, config), config)


def tracing(pacer: Pacer) -> aiohttp.TraceConfig:
    """Hooks that show the pacer every bot-token response discord.py receives."""

    async def on_request_end(
        _session: aiohttp.ClientSession, _context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        path = params.url.path
        if _INTERACTION.search(path):
            return
        created = _MESSAGE_CREATE.search(path) if params.method == "POST" else None
        pacer.observe(params.response.status, params.response.headers, int(created[1]) if created else None)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace
