"""Alerts and their edits fit Discord's limits at any volume, and keep the reference retries look for."""

from __future__ import annotations

import pytest

from bot.alerts.render import MAX_PARTS, AlertRenderer
from bot.digest.refs import part_refs
from bot.digest.render import DigestPart
from bot.services.digest_content import DigestContent
from tests.digest.test_render import ZONE, assert_within_limits, content


@pytest.mark.parametrize("per_topic", [[1], [3, 2], [40, 40, 40]])
def test_alerts_fit_the_limits_and_carry_their_reference(per_topic: list[int]) -> None:
    parts = AlertRenderer().parts(content(per_topic), zone=ZONE, heading="Newsdesk alert", ref="d7sabcdef0123")
    assert 1 <= len(parts) <= MAX_PARTS
    assert_within_limits([DigestPart.from_json(p) for p in parts])
    assert parts[0]["content"].startswith(f"**Newsdesk alert** · {sum(per_topic)} change")
    refs = [ref for p in parts for ref in part_refs(p)]
    assert refs == [("d7sabcdef0123", n) for n in range(1, len(parts) + 1)]
    assert all("Newsdesk alert" in p["embeds"][-1]["footer"]["text"] for p in parts)
    # An alert is about changes: no list of the topics that did not change.
    assert not any("Quiet" in str(p) for p in parts)


def test_an_empty_alert_posts_nothing() -> None:
    empty = content([])
    assert (
        AlertRenderer().parts(
            DigestContent(empty.window_start, empty.window_end, [], []), zone=ZONE, heading="x", ref="r"
        )
        == []
    )


def test_edits_add_the_updates_within_the_limits() -> None:
    [part, *_] = AlertRenderer().parts(content([1]), zone=ZONE, heading="Newsdesk alert", ref="d7sabcdef0123")
    notes = [f"Update: `#{n}` was retracted ({'why ' * 40})." for n in range(30)]
    edited = AlertRenderer().edited(part, [*notes, notes[0]])
    assert edited["embeds"] == part["embeds"]
    assert len(edited["content"]) <= 2000 and edited["content"].count("`#0`") == 1
    assert_within_limits([DigestPart.from_json(edited)])
