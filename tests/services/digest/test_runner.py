"""The runner alone, with a fake Poster and Clock: no Discord client, no harness."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.digest.render import render_payload
from bot.services.digest_ports import Refused, RetryLater, Where
from bot.services.digest_runner import DigestRunner
from bot.services.digest_sending import Outcome
from db.engine import Database
from tests.digest.support import Writer, deliveries, row_id, subscription, utc
from tests.harness import GUILD_A_ID
from tests.newsroom import FakeClock

DUE = utc(2026, 3, 21, 9, 0, 10)
CHANNEL = 700_000_000_000_000_001


class FakePoster:
    """Discord as a list of posts; answers with what the test queued, else posts."""

    def __init__(self, *answers: Exception) -> None:
        self.answers = list(answers)
        self.posts: list[tuple[int, str, dict[str, Any]]] = []

    async def post(
        self, where: Where, part: Mapping[str, Any], *, nonce: str, mention_role_id: int | None, first_part: bool
    ) -> str:
        if self.answers:
            raise self.answers.pop(0)
        self.posts.append((where.channel_id, nonce, dict(part)))
        return str(len(self.posts))

    async def find_posted(self, where: Where, *, nonce: str, since: dt.datetime) -> dict[int, str]:
        return {}


def runner(database: Database, poster: FakePoster, clock: FakeClock) -> DigestRunner:
    return DigestRunner(database, poster=poster, clock=clock, render=render_payload, process_id="fake")


async def test_a_due_digest_is_posted_once_with_the_claims_nonce(database: Database, room: Writer) -> None:
    await room.topic("atacms")
    sub = await room.subscribe(channel_id=CHANNEL, now=utc(2026, 3, 20, 12))
    poster, clock = FakePoster(), FakeClock(DUE)
    report = await runner(database, poster, clock).run_due(DUE)
    assert report.results[row_id(sub)].outcome is Outcome.SENT
    [delivery] = await deliveries(database, sub.id)
    assert [(c, n) for c, n, _ in poster.posts] == [(CHANNEL, f"{delivery.nonce}.1")]
    assert (await runner(database, poster, clock).run_due(DUE)).results == {}


async def test_retry_later_backs_off_and_a_refusal_pauses_and_tells_the_board(database: Database, room: Writer) -> None:
    await room.topic("atacms")
    sub = await room.subscribe(channel_id=CHANNEL, now=utc(2026, 3, 20, 12))
    poster = FakePoster(RetryLater("HTTP 503"), Refused("gone", "HTTP 404"))
    clock = FakeClock(DUE)
    run = runner(database, poster, clock)
    assert (await run.run_due(DUE)).results[row_id(sub)].outcome is Outcome.RETRY
    assert (await subscription(database, row_id(sub))).next_attempt_at == DUE + dt.timedelta(seconds=30)
    clock.now = later = DUE + dt.timedelta(seconds=30)
    assert (await run.run_due(later)).results[row_id(sub)].outcome is Outcome.PAUSED
    assert (await subscription(database, row_id(sub))).paused and GUILD_A_ID in run.notices.guilds
    assert poster.posts == []
