"""One bot token's limits for two bench processes: Discord counts the global limit across every
process using the token, so the stand-in must too. The first process serves its `DiscordLimits` on a
local socket; the second asks it before each request, so both are admitted or refused by one count.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.simulation.limits import DiscordLimits

HOST = "127.0.0.1"


class LimitsServer:
    """Serves `limits` (and counts what it answered) to the other process's recorder."""

    def __init__(self, limits: DiscordLimits) -> None:
        self.limits = limits
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, HOST, 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                ask = json.loads(line)
                verdict = self.limits.admit(ask["method"], ask["path"])
                self.limits.answered(200 if verdict.allowed else 429)
                retry = float(verdict.body["retry_after"]) if verdict.body is not None else 0.0
                writer.write(json.dumps({"allowed": verdict.allowed, "retry_after": retry}).encode() + b"\n")
                await writer.drain()
        finally:
            writer.close()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


class RemoteLimits:
    """The other process's limits, asked over one connection (one question at a time)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.lock = asyncio.Lock()
        self.stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def admit(self, method: str, path: str) -> tuple[bool, float]:
        async with self.lock:
            if self.stream is None:
                self.stream = await asyncio.open_connection(HOST, self.port)
            reader, writer = self.stream
            writer.write(json.dumps({"method": method, "path": path}).encode() + b"\n")
            await writer.drain()
            answer: dict[str, Any] = json.loads(await reader.readline())
        return bool(answer["allowed"]), float(answer["retry_after"])

    async def close(self) -> None:
        if self.stream is not None:
            self.stream[1].close()
            self.stream = None
