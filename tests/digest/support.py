"""Test support for digests: a newsroom whose changes carry chosen times, and Discord's channel store.

Entries are written through the real write services (`db.writes`), then their audit record is
stamped with the test's clock: the services stamp real time, while digest tests drive the clock
through daylight-saving changes months away from today.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import discord
from sqlalchemy import update
from sqlmodel import col, func, select

from bot.core.drafts import EntryDraft, TopicDraft
from bot.core.fuzzydate import FuzzyDate
from bot.core.requester import Requester
from bot.core.vocabulary import EntryKind
from bot.digest.delivery import DiscordPoster
from bot.digest.render import render_payload
from bot.services import digests
from bot.services.digest_ports import Poster, Render, Where
from bot.services.digest_runner import DigestRunner, TickReport
from bot.services.digest_sending import DigestConfig
from db import topic_writes, writes
from db.digest_models import DigestAttempt, DigestDelivery, DigestSubscription
from db.engine import Database
from db.models import AuditRecord, Entry, Newsroom, Topic
from tests.harness import DEFAULT, GUILD_A_ID, DiscordHarness, RecordedCall, http_error

UTC = dt.UTC
EDITOR = Requester(guild_id=GUILD_A_ID, user_id=300_000_000_000_000_001, manage_guild=True)


def editor_in(guild_id: int) -> Requester:
    return Requester(guild_id=guild_id, user_id=EDITOR.user_id, guild_name="Newsroom", manage_guild=True)


SETTLE = DigestConfig().settle
LEASE = DigestConfig().lease


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


class Crash(BaseException):
    """A process dying mid-delivery: not an Exception, so nothing in the runner catches it."""


Step = Callable[[int, str], Awaitable[None]]


class StepPoster:
    """The discord.py Poster with a test's step before and after each post: a crash, a pause, a write."""

    def __init__(self, inner: Poster, *, before: Step | None = None, after: Step | None = None) -> None:
        self.inner, self.before, self.after = inner, before, after

    async def post(
        self, where: Where, part: Mapping[str, Any], *, nonce: str, mention_role_id: int | None, first_part: bool
    ) -> str:
        if self.before is not None:
            await self.before(where.channel_id, nonce)
        message_id = await self.inner.post(
            where, part, nonce=nonce, mention_role_id=mention_role_id, first_part=first_part
        )
        if self.after is not None:
            await self.after(where.channel_id, nonce)
        return message_id

    async def find_posted(self, where: Where, *, nonce: str, since: dt.datetime) -> dict[int, str]:
        return await self.inner.find_posted(where, nonce=nonce, since=since)


async def crash(channel_id: int, nonce: str) -> None:
    raise Crash(nonce)


def crashing_render(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Claimed, and the process dies before anything is built."""
    raise Crash("render")


def service(
    harness: DiscordHarness,
    *,
    before: Step | None = None,
    after: Step | None = None,
    render: Render = render_payload,
    name: str = "proc",
    config: DigestConfig | None = None,
) -> DigestRunner:
    bot = harness.bot
    return DigestRunner(
        bot.database,
        poster=StepPoster(DiscordPoster(bot), before=before, after=after),  # type: ignore[arg-type]
        clock=bot.clock,
        render=render,
        config=config,
        process_id=f"{name}-{id(harness)}",
    )


async def run_at(svc: DigestRunner, moment: dt.datetime) -> TickReport:
    """A scheduler tick at `moment`: the runner's clock reads `moment` too, as it would in production."""
    svc.clock.now = moment  # type: ignore[attr-defined]
    return await svc.run_due(moment)


class Writer:
    """Writes to one newsroom with the audit time set by the test."""

    def __init__(self, database: Database, guild_id: int = GUILD_A_ID) -> None:
        self.db = database
        self.guild_id = guild_id
        self.topics: dict[str, Topic] = {}

    async def set_timezone(self, timezone: str) -> None:
        async with self.db.write() as session:
            row = await session.get(Newsroom, self.guild_id)
            assert row is not None
            row.timezone = timezone
            session.add(row)

    async def topic(self, slug: str, title: str | None = None) -> Topic:
        async with self.db.write() as session:
            topic = await topic_writes.create_topic(
                session,
                newsroom_id=self.guild_id,
                draft=TopicDraft(slug=slug, title=title or slug.upper()),
                actor_id=EDITOR.user_id,
                interaction_id=None,
            )
        self.topics[slug] = topic
        return topic

    async def _stamp(self, session: Any, entry_id: int, at: dt.datetime) -> None:
        # The write services leave the audit record to be flushed at commit: flush it to stamp it.
        await session.flush()
        last = (
            await session.execute(select(func.max(AuditRecord.id)).where(AuditRecord.entry_id == entry_id))
        ).scalar()
        await session.execute(update(AuditRecord).where(col(AuditRecord.id) == last).values(at=at))

    async def add(self, slug: str, draft: EntryDraft, at: dt.datetime) -> Entry:
        async with self.db.write() as session:
            topic = await session.get(Topic, self.topics[slug].id)
            assert topic is not None
            entry = await writes.add_entry(
                session, topic=topic, draft=draft, actor_id=EDITOR.user_id, interaction_id=None
            )
            assert entry.id is not None
            entry.created_at = at
            session.add(entry)
            await self._stamp(session, entry.id, at)
            return entry

    async def status(
        self, slug: str, decision: str | None, note: str, at: dt.datetime, date: dt.date | None = None, **extra: Any
    ) -> Entry:
        """A status change setting `decision` (None: none) and whatever `extra` gives (delivery, quantities)."""
        draft = EntryDraft(
            kind=EntryKind.STATUS,
            date=FuzzyDate.exact(date or at.date()),
            decision=decision,
            note=note,
            source_name=extra.pop("source_name", "State Department"),
            source_url=extra.pop("source_url", "https://www.state.gov/briefing"),
            **extra,
        )
        return await self.add(slug, draft, at)

    async def statement(self, slug: str, speaker: str, text: str, at: dt.datetime, **extra: Any) -> Entry:
        draft = EntryDraft(
            kind=EntryKind.STATEMENT,
            date=FuzzyDate.exact(at.date()),
            speaker=speaker,
            speaker_role=extra.pop("speaker_role", "Spokesperson"),
            statement_kind="quote",
            text=text,
            source_name=extra.pop("source_name", "Reuters"),
            source_url=extra.pop("source_url", "https://www.reuters.com/world/item"),
            **extra,
        )
        return await self.add(slug, draft, at)

    async def event(self, slug: str, headline: str, at: dt.datetime, **extra: Any) -> Entry:
        draft = EntryDraft(
            kind=EntryKind.EVENT,
            date=FuzzyDate.exact(at.date()),
            headline=headline,
            source_name=extra.pop("source_name", "AP"),
            source_url=extra.pop("source_url", "https://apnews.com/article/x"),
            **extra,
        )
        return await self.add(slug, draft, at)

    async def edit(self, entry: Entry, at: dt.datetime, reason: str = "typo", **changes: Any) -> None:
        async with self.db.write() as session:
            row = await session.get(Entry, entry.id)
            assert row is not None and row.id is not None
            await writes.edit_entry(
                session, entry=row, changes=changes, actor_id=EDITOR.user_id, interaction_id=None, reason=reason
            )
            await self._stamp(session, row.id, at)

    async def retract(
        self, entry: Entry, at: dt.datetime, reason: str = "wrong", action: str = "entry.retract"
    ) -> None:
        async with self.db.write() as session:
            row = await session.get(Entry, entry.id)
            assert row is not None and row.id is not None
            await writes.retract_entry(
                session, entry=row, actor_id=EDITOR.user_id, interaction_id=None, reason=reason, action=action
            )
            await self._stamp(session, row.id, at)

    async def restore(self, entry: Entry, at: dt.datetime, reason: str = "confirmed after all") -> None:
        async with self.db.write() as session:
            row = await session.get(Entry, entry.id)
            assert row is not None and row.id is not None
            await writes.restore_entry(session, entry=row, actor_id=EDITOR.user_id, interaction_id=None, reason=reason)
            await self._stamp(session, row.id, at)

    async def subscribe(
        self,
        *,
        channel_id: int,
        now: dt.datetime,
        local_time: str = "09:00",
        timezone: str | None = "Europe/London",
        topics: list[str] | None = None,
        weekdays: list[int] | None = None,
        mention_role_id: int | None = None,
        post_when_empty: bool = True,
    ) -> DigestSubscription:
        view = await digests.add_subscription(
            self.db,
            editor_in(self.guild_id),
            channel_id=channel_id,
            local_time=local_time,
            timezone=timezone,
            topic_slugs=topics,
            weekdays=weekdays,
            mention_role_id=mention_role_id,
            post_when_empty=post_when_empty,
            missing_permissions=[],
            now=now,
            settle=SETTLE,
        )
        return view.subscription


def row_id(row: Topic | DigestSubscription) -> int:
    """The id of a stored row (SQLModel types it optional because it is unset before the insert)."""
    assert row.id is not None
    return row.id


async def subscription(database: Database, subscription_id: int) -> DigestSubscription:
    async with database.read() as session:
        sub = await session.get(DigestSubscription, subscription_id)
    assert sub is not None
    return sub


async def deliveries(database: Database, subscription_id: int | None = None) -> list[DigestDelivery]:
    async with database.read() as session:
        stmt = select(DigestDelivery).order_by(col(DigestDelivery.id))
        if subscription_id is not None:
            stmt = stmt.where(DigestDelivery.subscription_id == subscription_id)
        return list((await session.execute(stmt)).scalars())


async def attempts(database: Database) -> list[DigestAttempt]:
    async with database.read() as session:
        return list((await session.execute(select(DigestAttempt).order_by(col(DigestAttempt.id)))).scalars())


class ChannelStore:
    """Discord's channel messages, shared by every attached bot process (harness): the recorded transport.

    Answers the bot-token channel routes like Discord does, for what exactly-once leans on: a send
    with `enforce_nonce` whose nonce the bot used before returns the earlier message instead of
    creating another, and channel history shows messages whichever process posted them. `after=` is
    not applied: ids are minted from real time while tests drive the bot's clock (the bot matches
    parts by the reference in their footer anyway). `lose_next_response` stores a message and then
    answers with an error, as when a proxy fails after Discord committed the post.
    """

    def __init__(self, *, blind_history: bool = False) -> None:
        self.harnesses: list[DiscordHarness] = []
        self.blind_history = blind_history
        self.deduplicated = 0
        self.by_channel: dict[int, list[dict[str, Any]]] = {}
        self.nonces: dict[tuple[int, str], dict[str, Any]] = {}
        self.allowed_mentions: dict[str, Any] = {}
        self._lose: dict[int, int] = {}
        self._last_id = 0

    def attach(self, harness: DiscordHarness) -> DiscordHarness:
        self.harnesses.append(harness)
        harness.respond("POST", r"^/channels/\d+/messages$", lambda call: self._send(harness, call))
        harness.respond("GET", r"^/channels/\d+/messages$", self._history)
        return harness

    def lose_next_response(self, channel_id: int, status: int = 502) -> None:
        self._lose[channel_id] = status

    def _snowflake(self) -> int:
        self._last_id = max(discord.utils.time_snowflake(dt.datetime.now(UTC)), self._last_id + 1)
        return self._last_id

    @staticmethod
    def _channel(call: RecordedCall) -> int:
        match = re.fullmatch(r"/channels/(\d+)/messages", call.path)
        assert match is not None
        return int(match[1])

    def _send(self, harness: DiscordHarness, call: RecordedCall) -> Any:
        channel_id = self._channel(call)
        if channel_id not in harness.channels:
            return DEFAULT  # the harness answers 404 Unknown Channel
        body = call.json or {}
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce") and (channel_id, nonce) in self.nonces:
            self.deduplicated += 1
            return self.nonces[(channel_id, nonce)]
        message = self.store_message(harness, channel_id, body)
        if nonce:
            self.nonces[(channel_id, nonce)] = message
        if channel_id in self._lose:
            raise http_error(self._lose.pop(channel_id), method="POST")
        return message

    def store_message(self, harness: DiscordHarness, channel_id: int, body: dict[str, Any], **fields: Any) -> Any:
        """A message the bot posted, as Discord stores and returns it."""
        message = {
            "id": str(self._snowflake()),
            "channel_id": str(channel_id),
            "type": 0,
            "author": harness.bot_user.payload(),
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": dt.datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "flags": 0,
            **fields,
        }
        self.by_channel.setdefault(channel_id, []).append(message)
        self.allowed_mentions[message["id"]] = body.get("allowed_mentions")
        return message

    def _history(self, call: RecordedCall) -> Any:
        if self.blind_history:
            return []
        limit = int((call.params or {}).get("limit", 50))
        return self.messages(self._channel(call))[::-1][:limit]  # newest first, like Discord

    def messages(self, channel_id: int) -> list[dict[str, Any]]:
        """Every message posted in the channel, oldest first, whichever process posted it."""
        return list(self.by_channel.get(channel_id, []))

    def sends(self, channel_id: int) -> list[RecordedCall]:
        """Every send request to the channel, from any process, in order."""
        path = f"/channels/{channel_id}/messages"
        return [c for h in self.harnesses for c in h.calls if c.method == "POST" and c.path == path]
