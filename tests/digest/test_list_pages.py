"""/digest list with a newsroom's 25 digests following long topic slugs: paged within Discord's limits."""

from __future__ import annotations

from db.engine import Database
from tests.digest.support import Writer, utc
from tests.harness import DiscordHarness
from tests.pages import every_page

SLUGS = [f"{word}-long-running-policy-story"[:32] for word in ("ukraine", "tariffs", "nato", "budget", "climate")]


async def test_twenty_five_digests_following_long_slugs_page_the_list(
    database: Database, h: DiscordHarness, room: Writer
) -> None:
    for slug in SLUGS:
        await room.topic(slug)
    alerts = h.guild_a.channels[1]
    role = h.guild_a.roles[-1]
    for n in range(25):
        await room.subscribe(
            channel_id=alerts.id,
            now=utc(2026, 3, 20, 12, 0),
            local_time=f"{n % 24:02d}:30",
            topics=SLUGS[: 3 + n % 3],
            weekdays=[0, 2, 4],
            mention_role_id=role.id,
            post_when_empty=False,
        )

    first = await h.slash("digest list", user=h.editor)
    assert first.ephemeral
    pages = await every_page(h, first)
    fields = [f for page in pages for f in page.embeds[0]["fields"]]
    # All on one message they would be well over Discord's 6,000 characters (as they were when refused).
    assert sum(len(f["name"]) + len(f["value"]) for f in fields) > 6000
    assert [f["name"].split(" ")[0] for f in fields] == [f"#{n}" for n in range(1, 26)]
    for number, page in enumerate(pages, 1):
        assert page.embeds[0]["footer"]["text"].startswith(f"25 digests · page {number} of {len(pages)}")
        assert page.allowed_mentions == {"parse": []}
