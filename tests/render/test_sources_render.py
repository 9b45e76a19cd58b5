"""The unsourced mark in a digest line, and a background fact's own source, rendered without a bot."""

from __future__ import annotations

import datetime as dt

from bot.digest.render import item_line
from bot.render.sources import fact_line
from bot.services.digest_content import Item, ItemKind
from db.audit import CONTENT_FIELDS


def event(**source: str | None) -> Item:
    state = {
        "kind": "event",
        "headline": "Talks in Kyiv",
        "date_precision": "day",
        "date_earliest": "2026-03-20",
        "date_latest": "2026-03-20",
        **source,
    }
    return Item(ItemKind.EVENT, 7, dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC), state)


def test_a_digest_line_shows_the_unsourced_mark_where_the_source_would_be() -> None:
    assert "unsourced_reason" in CONTENT_FIELDS  # the digest's snapshots carry it
    line = item_line(event(source_name="", unsourced_reason="Seen by our reporter"))
    assert line.endswith("— Unsourced: Seen by our reporter · `#7`")
    assert "Unsourced" not in item_line(event(source_name="AP", unsourced_reason=None))


def test_a_fact_line_cites_its_own_source_or_mark_within_its_room() -> None:
    assert fact_line({"id": 1, "fact": "A fact.", "source": "AP", "url": "https://ap.org/x"}) == (
        "• A fact. ([AP](https://ap.org/x))"
    )
    assert fact_line({"id": 2, "fact": "Old.", "source": "", "unsourced": "No source was recorded"}) == (
        "• Old. (Unsourced: No source was recorded)"
    )
    long = fact_line({"id": 3, "fact": "word " * 200, "source": "S" * 200, "url": "https://x.org/" + "y" * 400})
    assert len(long) <= 300
