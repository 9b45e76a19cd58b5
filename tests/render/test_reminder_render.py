"""Reminder messages stay within Discord's limits however long the titles, and carry their reference."""

from __future__ import annotations

import datetime as dt

from bot.core import reminders as rules
from bot.core.reminders import StaleTopic
from bot.reminders.render import ref_of, render

CHANGED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_a_full_stale_message_fits_one_embed_without_cutting_a_topic() -> None:
    title = "*_`|~>#-:@" * 20  # 200 characters, every one escaped
    topics = [
        StaleTopic(f"k{n}", n, f"s{n}".ljust(32, "x"), title, CHANGED + dt.timedelta(minutes=n)) for n in range(40)
    ]
    groups = rules.pack(topics)
    assert sum(len(g) for g in groups) == 40
    for group in groups:
        payload = {
            "stale_after_days": 30,
            "topics": [{"slug": t.slug, "title": t.title, "last_change": t.last_change.isoformat()} for t in group],
        }
        content, embed, view = render({"kind": "stale", "payload": payload}, "rm1.abcdef0123")
        description = embed.description or ""
        assert len(description) <= 4096 and len(content) <= 2000 and view is None
        # Every topic's line is there whole (a long title is clipped within its line, never the list).
        assert description.count("\n") == len(group) - 1 and description.endswith(":R>)")
        assert ref_of([embed.to_dict()]) == "rm1.abcdef0123"  # pyright: ignore[reportArgumentType]


def test_a_question_carries_its_two_buttons_and_escapes_what_was_expected() -> None:
    payload = {
        "entry_id": 12,
        "topic_slug": "atacms",
        "topic_title": "ATACMS",
        "what": "@everyone **bold** <@123>",
        "expected": "scheduled",
        "date": "2 Oct 2023",
    }
    content, embed, view = render({"kind": "question", "payload": payload}, "rm2.x")
    assert view is not None
    assert [(b.label, b.custom_id) for b in view.children] == [  # type: ignore[attr-defined]
        ("Happened", "nd1:expq:12:h"),
        ("Did not happen", "nd1:expq:12:n"),
    ]
    assert "@everyone" not in (embed.description or "") and "<@123>" not in (embed.description or "")
    assert "Scheduled for **2 Oct 2023**" in (embed.description or "") and "#12" in content
