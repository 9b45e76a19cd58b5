"""Migration 0012 on existing data: digests stay digests, newsrooms get the default grace; down again,
alerts and follows (which the older schema cannot express) go and the digests stay."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import column, select, table
from sqlmodel import col

from bot.core.digest_targets import Target
from bot.services import alerts
from db import migrate
from db.digest_models import DigestSubscription
from db.engine import Database
from db.models import Newsroom
from tests.db.test_migrations import head_revision, schema_differences
from tests.digest.support import EDITOR, Writer, editor_in
from tests.harness import GUILD_A_ID
from tests.newsroom import prepare_newsrooms

NOW = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)
OLD_SUBSCRIPTION = table("digest_subscription", column("id"), column("local_time"))


async def test_up_and_down_keep_the_digests(database: Database) -> None:
    await prepare_newsrooms(database, seed=False)
    room = Writer(database)
    await room.topic("atacms")
    digest = await room.subscribe(channel_id=1, now=NOW)
    await alerts.add_alert(
        database,
        EDITOR,
        channel_id=2,
        target=Target.TEXT,
        topic_slugs=None,
        kinds=["status"],
        missing_permissions=[],
        now=NOW,
    )
    await alerts.follow(database, editor_in(GUILD_A_ID), slug="atacms", kinds=["status"], now=NOW)

    await migrate.downgrade(database, "0011")
    async with database.read() as session:
        left = (await session.execute(select(OLD_SUBSCRIPTION.c.id, OLD_SUBSCRIPTION.c.local_time))).all()
    assert left == [(digest.id, "09:00")]

    await migrate.upgrade(database)
    assert await migrate.current_revision(database) == head_revision()
    assert await schema_differences(database) == []
    async with database.read() as session:
        subs = list((await session.execute(select(DigestSubscription).order_by(col(DigestSubscription.id)))).scalars())
        newsroom = await session.get(Newsroom, GUILD_A_ID)
    assert [(s.id, s.mode, s.kinds, s.recipient_id) for s in subs] == [(digest.id, "digest", None, None)]
    assert newsroom is not None and newsroom.alert_grace_seconds == 60
