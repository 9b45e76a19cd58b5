"""Rendering fits Discord's limits at any volume, never cuts an item, and never pings."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.schedule import load_zone
from bot.digest.render import DigestPart, item_line, render_digest, size
from bot.services.digest_content import DigestContent, Item, ItemKind, TopicChanges, TopicRef
from tests.digest.support import utc
from tests.e2e.contracts import check_message_body

ZONE = load_zone("Europe/London")
DAY = dt.date(2026, 3, 21)
REF = "d42k20260321"


def statement(entry_id: int, text: str, speaker: str = "Jane Doe") -> Item:
    state = {
        "kind": "statement",
        "speaker": speaker,
        "speaker_role": "Spokesperson",
        "text": text,
        "date_precision": "day",
        "date_earliest": "2026-03-20",
        "date_latest": "2026-03-20",
        "source_name": "Reuters",
        "source_url": "https://www.reuters.com/" + "x" * 60,
    }
    return Item(ItemKind.STATEMENT, entry_id, utc(2026, 3, 20, 12), state)


def content(per_topic: list[int], text: str = "A quote. " * 40) -> DigestContent:
    changed, next_id = [], 1
    for index, count in enumerate(per_topic):
        items = [statement(next_id + i, f"{text} {next_id + i}") for i in range(count)]
        next_id += count
        changed.append(TopicChanges(TopicRef(index + 1, f"topic-{index}", f"Topic {index} 🛰️"), items))
    unchanged = [TopicRef(100 + i, f"quiet-{i}", f"Quiet {i}") for i in range(3)]
    return DigestContent(utc(2026, 3, 20, 9), utc(2026, 3, 21, 9), changed, unchanged)


def body(part: DigestPart) -> dict:
    return {"content": part.content, "embeds": part.embeds, "allowed_mentions": {"parse": []}}


def assert_within_limits(parts: list[DigestPart]) -> None:
    assert 1 <= len(parts) <= 3
    for part in parts:
        assert check_message_body(body(part)) == []
        assert len(part.embeds) <= 10
        total = sum(
            size(e.get("title")) + size(e.get("description")) + size((e.get("footer") or {}).get("text"))
            for e in part.embeds
        )
        assert total <= 6000
        assert all(size(e.get("description")) <= 4096 and size(e.get("title")) <= 256 for e in part.embeds)
        assert size(part.content) <= 2000


def shown_lines(parts: list[DigestPart]) -> list[str]:
    return [line for p in parts for e in p.embeds for line in (e.get("description") or "").split("\n")]


def test_a_moderate_digest_splits_across_messages_without_cutting_an_item() -> None:
    digest = content([12, 10, 8])
    parts = render_digest(digest, zone=ZONE, period_day=DAY, ref=REF)
    assert_within_limits(parts)
    assert len(parts) >= 2
    expected = [item_line(i) for t in digest.changed for i in t.items]
    shown = [line for line in shown_lines(parts) if not line.startswith("No change on")]
    assert shown == expected  # every item whole, once, in order
    assert [p.content is not None for p in parts] == [True] + [False] * (len(parts) - 1)
    footers = [p.embeds[-1]["footer"]["text"] for p in parts]
    assert footers == [f"Newsdesk digest · part {i} of {len(parts)} · ref {REF}.{i}" for i in range(1, len(parts) + 1)]
    continued = [e["title"] for p in parts for e in p.embeds if e.get("title", "").endswith("(continued)")]
    assert continued  # a topic that spills over says so


def test_a_huge_digest_stops_at_three_messages_and_points_to_chronology() -> None:
    digest = content([150, 90, 60])
    parts = render_digest(digest, zone=ZONE, period_day=DAY, ref=REF)
    assert_within_limits(parts)
    assert len(parts) == 3
    more = parts[-1].embeds[-1]
    assert more["title"] == "More changes"
    counts = {slug: int(n) for slug, n in re.findall(r"`/chronology (\S+)` \((\d+)\)", more["description"])}
    shown = {line for line in shown_lines(parts)}
    missing: dict[str, int] = {}
    for topic in digest.changed:
        for item in topic.items:
            if item_line(item) not in shown:
                missing[topic.topic.slug] = missing.get(topic.topic.slug, 0) + 1
    assert counts == missing and sum(counts.values()) > 0
    assert f"…and {sum(counts.values())} more changes" in more["description"]


@settings(max_examples=40, deadline=None)
@given(
    per_topic=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=12),
    text=st.text(alphabet=st.sampled_from("ab 🛰️é@<>*_`|~#:\n"), min_size=0, max_size=400),
)
def test_any_volume_fits_and_accounts_for_every_item(per_topic: list[int], text: str) -> None:
    digest = content([n for n in per_topic], text)
    digest.changed = [t for t in digest.changed if t.items]
    parts = render_digest(digest, zone=ZONE, period_day=DAY, ref=REF)
    assert_within_limits(parts)
    shown = shown_lines(parts)
    more = parts[-1].embeds[-1]
    hidden = (
        sum(int(n) for n in re.findall(r"\((\d+)\)", more["description"])) if more.get("title") == "More changes" else 0
    )
    listed = sum(1 for t in digest.changed for i in t.items if item_line(i) in shown)
    assert listed + hidden == digest.item_count


def test_nothing_anyone_wrote_can_ping() -> None:
    item = statement(7, "Hey @everyone and @here, ask <@123456789012345678> or <@&42> in <#99>")
    digest = DigestContent(
        utc(2026, 3, 20, 9), utc(2026, 3, 21, 9), [TopicChanges(TopicRef(1, "atacms", "@everyone news"), [item])], []
    )
    [part] = render_digest(digest, zone=ZONE, period_day=DAY, ref=REF)
    text = part.embeds[0]["description"] + part.embeds[0]["title"]
    for raw in ("@everyone", "@here", "<@123456789012345678>", "<@&42>", "<#99>"):
        assert raw not in text
    assert "<@&" not in (part.content or "")


def test_the_chosen_role_is_the_only_mention() -> None:
    [part] = render_digest(content([1]), zone=ZONE, period_day=DAY, ref=REF, mention_role_id=555)
    assert part.content is not None and part.content.startswith("<@&555> **Newsdesk digest** · Sat 21 Mar 2026")


def test_an_empty_digest_is_one_short_line_and_a_preview_says_so() -> None:
    empty = DigestContent(utc(2026, 3, 20, 9), utc(2026, 3, 21, 9), [], [TopicRef(1, "atacms", "ATACMS")])
    [part] = render_digest(empty, zone=ZONE, period_day=DAY, ref=None)
    assert [e["description"] for e in part.embeds] == ["Nothing new on the followed stories."]
    assert part.embeds[0]["footer"]["text"] == "Newsdesk digest · preview, not posted"
    assert "since Fri 20 Mar 09:00 GMT" in (part.content or "")


def test_parts_survive_storage_unchanged() -> None:
    parts = render_digest(content([5]), zone=ZONE, period_day=DAY, ref=REF)
    assert [DigestPart.from_json(p.to_json()) for p in parts] == parts
