from __future__ import annotations

from tests.newsroom import Desk


async def test_sent_views_are_not_kept_in_memory_and_buttons_still_work(desk: Desk) -> None:
    store = desk.bot._connection._view_store
    before = len(store.persistent_views) + len(store._views)
    for _ in range(5):
        card = await desk.harness.slash("status", {"topic": "atacms"})
    page = await desk.harness.slash("latest", {"topic": "atacms", "count": 1})
    assert len(store.persistent_views) + len(store._views) == before
    opened = await desk.harness.click(card.components[0]["components"][0]["custom_id"], message=card.final)
    assert "Latest statements" in opened.embeds[0]["title"]
    turned = await desk.harness.click(page.components[0]["components"][2]["custom_id"], message=page.final)
    assert "page 2 of 4" in turned.embeds[-1]["footer"]["text"]
