"""Topic autocomplete served from the per-process label cache: always current, same order as SQL."""

from __future__ import annotations

import random
from typing import Any

from bot.core.drafts import TopicDraft
from bot.core.requester import Requester
from bot.services import topics
from db.engine import Database
from db.topic_labels import TopicLabelCache
from db.topics import search_topics
from tests.harness import GUILD_A_ID, GUILD_B_ID
from tests.newsroom import Desk

OWNER = Requester(guild_id=GUILD_A_ID, user_id=5, guild_name="Newsroom A", manage_guild=True)


async def slugs(desk: Desk, typed: str, guild: Any = None) -> list[str]:
    h = desk.harness
    if guild is None:
        return [c["value"] for c in await h.autocomplete("status", "topic", typed, user=h.reader)]
    return [c["value"] for c in await h.autocomplete("status", "topic", typed, guild=guild, user=h.other_guild_user)]


async def create(database: Database, slug: str, title: str, aliases: list[str] | None = None) -> None:
    await topics.create_topic(
        database,
        OWNER,
        draft=TopicDraft(slug=slug, title=title, aliases=aliases or []),
    )


async def test_changes_show_at_the_next_keystroke(desk: Desk) -> None:
    h = desk.harness
    assert await slugs(desk, "f-16") == []  # the newsroom's labels are now cached
    loads = desk.database.topic_labels.loads
    created = {"slug": "f16-jets", "title": "F-16 jets", "aliases": "Fighting Falcon"}
    await h.slash("topic create", created, user=h.editor)
    assert await slugs(desk, "falcon") == ["f16-jets"]
    assert desk.database.topic_labels.loads == loads + 1

    # Unchanged labels: no reload, however often the editor types.
    for _ in range(3):
        assert await slugs(desk, "f16") == ["f16-jets"]
    assert desk.database.topic_labels.loads == loads + 1

    await h.slash(
        "topic edit", {"topic": "f16-jets", "aliases": "Viper", "reason": "Brought up to date"}, user=h.editor
    )
    assert await slugs(desk, "falcon") == [] and await slugs(desk, "viper") == ["f16-jets"]
    await h.slash("topic archive", {"topic": "f16-jets"}, user=h.editor)
    assert await slugs(desk, "f16") == []
    await h.slash("topic unarchive", {"topic": "f16-jets"}, user=h.editor)
    assert await slugs(desk, "f16") == ["f16-jets"]


async def test_a_write_by_another_process_is_seen(desk: Desk) -> None:
    """The cache is never told about writes; it learns from the revision in the database, so a
    change made by another process (here: the services called directly) is seen all the same."""
    assert await slugs(desk, "tank") == []
    await create(desk.database, "abrams", "Abrams tanks")
    assert await slugs(desk, "tank") == ["abrams"]
    # A change that leaves every label alone does not cost a reload.
    loads = desk.database.topic_labels.loads
    await topics.edit_topic(
        desk.database,
        OWNER,
        slug="abrams",
        changes={"summary": "Delivery in the autumn."},
        reason="Delivery dated",
    )
    assert await slugs(desk, "tank") == ["abrams"]
    assert desk.database.topic_labels.loads == loads


async def test_guilds_never_share_labels(desk: Desk) -> None:
    assert await slugs(desk, "atacms") == ["atacms"]
    assert await slugs(desk, "atacms", guild=GUILD_B_ID) == []


async def test_order_matches_the_sql_search(database: Database) -> None:
    from tests.newsroom import prepare_newsrooms

    await prepare_newsrooms(database)
    rng = random.Random(7)
    words = ["air", "army", "missile", "aid", "tank", "jet", "range", "kyiv", "atacms", "mid"]
    for n in range(120):
        name = " ".join(rng.sample(words, 2))
        await create(database, f"{name.replace(' ', '-')}-{n}"[:32], f"{name.title()} {n}", [rng.choice(words) + "s"])
    cache = TopicLabelCache()
    keys = ["a", "ai", "mi", "missile", "s", "tank-", "1", "atacms", "zzz", "army mis", "-", "s-1", "ks"]
    text = " ".join(words) + " " + "-".join(f"{n}" for n in range(0, 120, 7))
    for _ in range(40):
        start = rng.randrange(len(text) - 4)
        keys.append(text[start : start + rng.randint(1, 4)].strip() or "a")
    for key in keys:
        cached = await cache.search(database, newsroom_id=GUILD_A_ID, key=key, limit=25)
        async with database.read() as session:
            expected = await search_topics(session, newsroom_id=GUILD_A_ID, query=key, limit=25)
        assert cached is not None
        # Close spellings may fill what the matches leave: after them, never before.
        assert [t.slug for t in cached][: len(expected)] == [t.slug for t in expected], key
    assert cache.loads == 1


async def test_the_cache_keeps_to_its_budget(database: Database) -> None:
    from tests.newsroom import prepare_newsrooms

    await prepare_newsrooms(database)
    for n in range(5):
        await create(database, f"story-{n}", f"Story {n}")
    await topics.create_topic(
        database,
        Requester(guild_id=GUILD_B_ID, user_id=OWNER.user_id, guild_name="Newsroom B", manage_guild=True),
        draft=TopicDraft(slug="b-story", title="B story"),
    )
    cache = TopicLabelCache(budget=6)
    # Six labels in guild A (the seeded story and five more): exactly the budget.
    found = await cache.search(database, newsroom_id=GUILD_A_ID, key="story-", limit=3)
    assert [t.slug for t in found or []] == ["story-0", "story-1", "story-2"]
    # Guild B's label pushes guild A out (least recently used); both still answer.
    found = await cache.search(database, newsroom_id=GUILD_B_ID, key="b", limit=25)
    assert [t.slug for t in found or []] == ["b-story"]
    assert await cache.search(database, newsroom_id=GUILD_A_ID, key="story", limit=1) is not None
    assert cache.loads == 3

    small = TopicLabelCache(budget=2)
    # More labels than the whole budget: the caller is told to search in SQL, and it is remembered.
    assert await small.search(database, newsroom_id=GUILD_A_ID, key="story", limit=5) is None
    assert await small.search(database, newsroom_id=GUILD_A_ID, key="story", limit=5) is None
    assert small.loads == 1
    assert await small.search(database, newsroom_id=123, key="x", limit=5) == []


async def test_a_newsroom_too_large_to_cache_still_autocompletes(desk: Desk) -> None:
    desk.database.topic_labels.budget = 0
    assert await slugs(desk, "tactical") == ["atacms"]


async def test_nothing_typed_yet_offers_the_most_recently_updated_topics(desk: Desk) -> None:
    h = desk.harness
    await create(desk.database, "abrams", "Abrams tanks")
    await create(desk.database, "f16-jets", "F-16 jets")
    # A new entry moves ATACMS back to the top.
    await h.slash(
        "log status",
        {"topic": "atacms", "decision": "approved", "note": "Approved", "source": "Reuters"},
        user=h.editor,
    )
    choices = await h.autocomplete("status", "topic", "", user=h.reader)
    assert [c["value"] for c in choices] == ["atacms", "f16-jets", "abrams"]
    assert choices[1]["name"] == "F-16 jets (f16-jets)"
