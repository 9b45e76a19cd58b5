"""The reminder rules: when a topic is stale and under which weekly key, when an expected entry is over,
and how stale topics share messages."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core import reminders as rules
from bot.core.reminders import StaleTopic

CHANGED = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
STAMP = int(CHANGED.timestamp())


@pytest.mark.parametrize(
    ("days_after_change", "key"),
    [
        (29.99, None),
        (30, f"stale:7:{STAMP}:0"),
        (36.99, f"stale:7:{STAMP}:0"),
        (37, f"stale:7:{STAMP}:1"),
        (44, f"stale:7:{STAMP}:2"),
        (400, f"stale:7:{STAMP}:52"),
    ],
)
def test_a_stale_topic_has_one_key_per_week_of_quiet(days_after_change: float, key: str | None) -> None:
    now = CHANGED + dt.timedelta(days=days_after_change)
    assert rules.stale_key(7, CHANGED, 30, now) == key


def test_a_change_starts_the_weeks_again_under_a_new_key() -> None:
    now = CHANGED + dt.timedelta(days=60)
    later_change = CHANGED + dt.timedelta(days=20)
    assert rules.stale_key(7, later_change, 30, now) != rules.stale_key(7, CHANGED, 30, now)
    assert rules.stale_key(7, later_change, 30, now) == f"stale:7:{int(later_change.timestamp())}:1"


@pytest.mark.parametrize(
    ("latest", "today", "over"),
    [
        (dt.date(2026, 3, 25), dt.date(2026, 3, 25), False),
        (dt.date(2026, 3, 25), dt.date(2026, 3, 26), True),
        (dt.date(2026, 3, 31), dt.date(2026, 3, 26), False),  # "March 2026" is not over on the 26th
    ],
)
def test_an_expected_entry_is_over_after_its_last_possible_day(latest: dt.date, today: dt.date, over: bool) -> None:
    assert rules.expected_is_over(latest, today) is over


def topic(n: int, title_length: int = 10) -> StaleTopic:
    slug = f"slug-{n}".ljust(32 if title_length >= 200 else 0, "x")
    return StaleTopic(f"k{n}", n, slug, "t" * title_length, CHANGED + dt.timedelta(minutes=n))


def test_stale_topics_share_messages_up_to_a_count_and_a_length() -> None:
    assert [[t.topic_id for t in g] for g in rules.pack([topic(2), topic(1)])] == [[1, 2]]
    counted = rules.pack([topic(n) for n in range(rules.STALE_PER_MESSAGE + 1)])
    assert [len(g) for g in counted] == [rules.STALE_PER_MESSAGE, 1]
    long = rules.pack([topic(n, 200) for n in range(rules.STALE_PER_MESSAGE)])
    assert len(long) == 2
    for group in long:
        assert sum(t.line_length() for t in group) <= rules.DESCRIPTION_BUDGET
    assert [t.topic_id for g in long for t in g] == list(range(rules.STALE_PER_MESSAGE))
    assert rules.pack([]) == []


def test_keys_and_nonces_fit_their_columns() -> None:
    far = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
    assert len(rules.stale_key(2**31 - 1, far - dt.timedelta(days=400), 7, far) or "") <= rules.KEY_MAX
    assert len(rules.pause_key(2**31 - 1, far)) <= rules.KEY_MAX
    assert len(rules.nonce_for(2**31 - 1, "f" * 10)) <= 25
