"""Test support for alerts: Discord's messages including DMs and edits, a runner on the discord.py
Poster with a test's step around each request, and ways to read what the bot stored."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from sqlmodel import col, select

from bot.alerts.delivery import DiscordAlertPoster
from bot.alerts.render import AlertRenderer
from bot.core.digest_targets import Target
from bot.services import alerts
from bot.services.alert_runner import AlertReport, AlertRunner
from bot.services.digest_ports import Where
from bot.services.digest_sending import DigestConfig
from db.alert_models import AlertEdit
from db.digest_models import DigestSubscription
from db.engine import Database
from tests.digest.support import EDITOR, ChannelStore, Crash, Step, StepPoster, editor_in
from tests.harness import DEFAULT, DiscordHarness, RecordedCall, http_error
from tests.harness import UserFixture as User

LEASE = DigestConfig().lease
GRACE = dt.timedelta(seconds=60)


class AlertStore(ChannelStore):
    """The channel store, plus members whose DMs are closed (Discord answers 403, code 50007) and
    message edits (PATCH), kept on the stored message."""

    def __init__(self) -> None:
        super().__init__()
        self.closed_dms: set[int] = set()
        self.edits: list[tuple[int, str, dict[str, Any]]] = []

    def attach(self, harness: DiscordHarness) -> DiscordHarness:
        super().attach(harness)
        harness.respond("POST", r"^/channels/\d+/messages$", lambda call: self._dm_send(harness, call))
        harness.respond("PATCH", r"^/channels/\d+/messages/\d+$", self._edit)
        return harness

    def _dm_send(self, harness: DiscordHarness, call: RecordedCall) -> Any:
        channel = harness.channels.get(self._channel(call))
        if channel is not None and channel.recipient is not None and channel.recipient.id in self.closed_dms:
            raise http_error(403, "Cannot send messages to this user", code=50007, method="POST")
        return self._send(harness, call)

    def _edit(self, call: RecordedCall) -> Any:
        match = re.fullmatch(r"/channels/(\d+)/messages/(\d+)", call.path)
        assert match is not None
        channel_id, message_id = int(match[1]), match[2]
        for message in self.by_channel.get(channel_id, []):
            if message["id"] == message_id:
                body = call.json or {}
                message.update(content=body.get("content") or "", embeds=body.get("embeds") or [])
                self.edits.append((channel_id, message_id, body))
                return message
        return DEFAULT  # 404 Unknown Message

    def dm(self, harness: DiscordHarness, user: User) -> list[dict[str, Any]]:
        return self.messages(harness.dm_channel(user).id)


class StepAlertPoster(StepPoster):
    """The discord.py alert Poster with a test's step before and after each post or edit."""

    def __init__(self, inner: DiscordAlertPoster, *, before: Step | None = None, after: Step | None = None) -> None:
        super().__init__(inner, before=before, after=after)
        self.alert_poster = inner
        self.edit_before: Step | None = None

    async def edit(self, where: Where, message_id: str, part: Mapping[str, Any]) -> None:
        if self.edit_before is not None:
            await self.edit_before(where.channel_id, message_id)
        await self.alert_poster.edit(where, message_id, part)


class CrashingRenderer(AlertRenderer):
    """Claimed, and the process dies before anything is built."""

    def parts(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        raise Crash("render")


def runner(
    harness: DiscordHarness,
    *,
    name: str = "proc",
    before: Step | None = None,
    after: Step | None = None,
    render: AlertRenderer | None = None,
    config: DigestConfig | None = None,
) -> AlertRunner:
    bot = harness.bot
    return AlertRunner(
        bot.database,
        poster=StepAlertPoster(DiscordAlertPoster(bot), before=before, after=after),  # type: ignore[arg-type]
        clock=bot.clock,
        render=render or AlertRenderer(),
        config=config,
        process_id=f"{name}-{id(harness)}",
    )


async def run_at(svc: AlertRunner, moment: dt.datetime) -> AlertReport:
    svc.clock.now = moment  # type: ignore[attr-defined]
    return await svc.run_due(moment)


async def add_alert(
    database: Database,
    *,
    channel_id: int,
    now: dt.datetime,
    kinds: list[str] | None = None,
    topics: list[str] | None = None,
    guild_id: int | None = None,
) -> DigestSubscription:
    requester = editor_in(guild_id) if guild_id is not None else EDITOR
    view = await alerts.add_alert(
        database,
        requester,
        channel_id=channel_id,
        target=Target.TEXT,
        topic_slugs=topics,
        kinds=kinds or ["status"],
        missing_permissions=[],
        now=now,
    )
    return view.subscription


async def pending_edits(database: Database) -> list[AlertEdit]:
    async with database.read() as session:
        stmt = select(AlertEdit).where(col(AlertEdit.done).is_(False)).order_by(col(AlertEdit.id))
        return list((await session.execute(stmt)).scalars())


async def subscription_of(database: Database, subscription_id: int) -> DigestSubscription:
    async with database.read() as session:
        sub = await session.get(DigestSubscription, subscription_id)
    assert sub is not None
    return sub
