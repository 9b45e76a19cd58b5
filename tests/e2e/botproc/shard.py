"""A bot process serving some shards of several: how Newsdesk scales out (``SHARD_COUNT``/``SHARD_IDS``)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.botproc.process import START_TIMEOUT_S, BotProcess
from tests.e2e.standin import DiscordStandIn


class ShardProcess(BotProcess):
    """``python -m bot run`` serving one shard of ``shard_count``, with its own log file."""

    def __init__(
        self, standin: DiscordStandIn, database_url: str, workdir: Path, shard_id: int, shard_count: int = 2
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(standin, database_url, workdir)
        self.shard_id = shard_id
        self.shard_count = shard_count
        self.session_id: str | None = None  # the stand-in's gateway session this process opened

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env.update({"SHARD_COUNT": str(self.shard_count), "SHARD_IDS": str(self.shard_id)})
        return env

    async def start(self, *, timeout: float = START_TIMEOUT_S) -> None:  # noqa: ASYNC109
        """Starts the process; returns once its shard identified and received its guild(s).

        (BotProcess.start waits for every guild, which one shard never receives.)
        """
        assert not self.running, "bot already running"
        before = {c.id for c in self.standin.gateway_connections}
        self.proc = await self._spawn("run")
        shard = (self.shard_id, self.shard_count)

        def ready() -> str | None:
            for conn in self.standin.gateway_connections:
                if conn.id in before or conn.shard != shard or conn.mode != "identify":
                    continue
                if any(
                    f.connection_id == conn.id and f.direction == "send" and f.t == "GUILD_CREATE"
                    for f in self.standin.gateway_frames
                ):
                    return conn.session_id
            return None

        self.session_id = await self.wait_for(ready, timeout=timeout, what=f"shard {self.shard_id} to connect")
