"""Dates that mean what was meant: yearless dates read backwards, future dates refused for what is
logged, replies that say how a date was read, and chronology filters that say what they matched."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.cogs.log_support import (
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    entry_logged_by,
    load_entry,
)
from tests.newsroom import Desk, db_rows, text_of

# The day the issue was seen on: 7 Dec 2026, noon in London and UTC alike.
SEEN_ON = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)

STATUS = {"topic": "atacms", "delivery": "delivered", "note": "Delivered.", "source": "Reuters"}
STATEMENT = {"topic": "atacms", "speaker": "Matthew Miller", "text": "No new decision to announce", "source": "Reuters"}
EVENT = {"topic": "atacms", "headline": "Biden and Zelensky meet", "source": "Reuters"}


def _stored(entry: Any) -> tuple[str, dt.date, dt.date]:
    return entry.date_precision, entry.date_earliest, entry.date_latest


async def test_a_yearless_date_is_the_most_recent_such_day_and_the_reply_says_so(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    desk.clock.now = SEEN_ON
    for command, options, typed, day, other in (
        ("log event", EVENT, "Jun 1", dt.date(2026, 6, 1), "1 Jun 2025"),
        ("log statement", STATEMENT, "Sept 11", dt.date(2026, 9, 11), "11 Sep 2025"),
        ("log status", STATUS, "yesterday", dt.date(2026, 12, 6), "6 Dec 2025"),
        ("log event", EVENT, "Dec 8", dt.date(2025, 12, 8), "8 Dec 2024"),
    ):
        with subtests.test(f"{command} {typed}"):
            reply = await h.slash(command, {**options, "date": typed}, user=h.editor)
            entry = await entry_logged_by(desk.database, reply)
            assert _stored(entry) == ("day", day, day)
            assert entry.date is not None
            shown = entry.date.render()
            assert f"dated **{shown}**" in text_of(reply)
            assert f'Read "{typed}" as {shown}; for another year type `{other}`.' in text_of(reply)


async def test_a_date_that_says_its_year_is_stored_as_typed_without_a_note(desk: Desk) -> None:
    h = desk.harness
    desk.clock.now = SEEN_ON
    reply = await h.slash("log statement", {**STATEMENT, "date": "11 Sep 2023"}, user=h.editor)
    entry = await entry_logged_by(desk.database, reply)
    assert _stored(entry) == ("day", dt.date(2023, 9, 11), dt.date(2023, 9, 11))
    assert "dated **11 Sep 2023**" in text_of(reply) and "Read " not in text_of(reply)
    default = await h.slash("log event", EVENT, user=h.editor)
    assert "dated **7 Dec 2026**" in text_of(default) and "Read " not in text_of(default)


async def test_a_date_after_today_is_refused_saying_how_it_was_read_and_nothing_is_written(
    desk: Desk, subtests: Any
) -> None:
    h = desk.harness
    desk.clock.now = SEEN_ON
    rows = await db_rows(desk.database)
    for command, options in (("log status", STATUS), ("log statement", STATEMENT), ("log event", EVENT)):
        for typed, read in (("2032-10-17", "17 Oct 2032"), ("Jan 2027", "Jan 2027"), ("2027", "2027")):
            with subtests.test(f"{command} {typed}"):
                reply = await h.slash(command, {**options, "date": typed}, user=h.editor)
                assert reply.ephemeral
                assert f"`{typed}` reads as {read}, which is after today (7 Dec 2026)" in text_of(reply)
                assert await db_rows(desk.database) == rows


async def test_a_fuzzy_date_that_includes_today_is_not_in_the_future(desk: Desk, subtests: Any) -> None:
    h = desk.harness
    desk.clock.now = SEEN_ON
    for typed in ("Dec 2026", "2026", "winter 2026/27", "2026-12-07"):
        with subtests.test(typed):
            reply = await h.slash("log status", {**STATUS, "date": typed}, user=h.editor)
            assert not reply.ephemeral
            entry = await entry_logged_by(desk.database, reply)
            assert entry.date_earliest <= SEEN_ON.date()


async def test_the_future_is_after_today_in_the_newsrooms_time_zone(desk: Desk) -> None:
    h = desk.harness
    desk.clock.now = SEEN_ON  # 8 Dec already in Kiritimati (UTC+14)
    refused = await h.slash("log event", {**EVENT, "date": "2026-12-08"}, user=h.editor)
    assert refused.ephemeral and "after today (7 Dec 2026)" in text_of(refused)
    await h.slash("settings timezone", {"timezone": "Pacific/Kiritimati"}, user=h.admin)
    accepted = await h.slash("log event", {**EVENT, "date": "2026-12-08"}, user=h.editor)
    assert not accepted.ephemeral
    assert _stored(await entry_logged_by(desk.database, accepted))[1] == dt.date(2026, 12, 8)


async def test_an_event_may_end_after_today(desk: Desk) -> None:
    h = desk.harness
    desk.clock.now = SEEN_ON
    reply = await h.slash("log event", {**EVENT, "date": "6 Dec 2026", "end": "9 Dec 2026"}, user=h.editor)
    assert not reply.ephemeral
    assert "dated **6 Dec 2026 – 9 Dec 2026**" in text_of(reply)


async def test_the_statement_form_reply_says_how_the_date_was_read(desk: Desk) -> None:
    h = desk.harness
    desk.clock.now = SEEN_ON
    opened = await h.slash(
        "log statement",
        {"topic": "atacms", "speaker": "John Kirby", "date": "Sept 11", "source": "Reuters"},
        user=h.editor,
    )
    modal = opened.modal
    assert modal is not None
    [field] = [c for row in modal["components"] for c in row.get("components", [row.get("component")])]
    sent = await h.submit_modal(modal["custom_id"], {field["custom_id"]: "Words"}, user=h.editor)
    assert 'Read "Sept 11" as 11 Sep 2026; for another year type `11 Sep 2025`.' in text_of(sent)


async def test_a_future_date_refuses_the_statement_form_before_it_opens(desk: Desk) -> None:
    h = desk.harness
    desk.clock.now = SEEN_ON
    reply = await h.slash(
        "log statement",
        {"topic": "atacms", "speaker": "John Kirby", "date": "2030", "source": "Reuters"},
        user=h.editor,
    )
    assert reply.modal is None and reply.ephemeral and "after today" in text_of(reply)


async def test_entry_edit_of_a_date_refuses_the_future_and_says_how_a_yearless_one_was_read(desk: Desk) -> None:
    h = desk.harness
    desk.clock.now = SEEN_ON
    logged = await h.slash("log event", {**EVENT, "date": "21 Sep 2023"}, user=h.editor)
    entry = await entry_logged_by(desk.database, logged)
    rows = await db_rows(desk.database)
    edit = {"id": f"#{entry.id}", "field": "date", "reason": "Moved"}
    refused = await h.slash("entry edit", {**edit, "value": "2032-10-17"}, user=h.editor)
    assert refused.ephemeral
    assert "`2032-10-17` reads as 17 Oct 2032, which is after today (7 Dec 2026)" in text_of(refused)
    assert await db_rows(desk.database) == rows
    moved = await h.slash("entry edit", {**edit, "value": "Sept 22"}, user=h.editor)
    assert "now dated **22 Sep 2026**" in text_of(moved)
    assert 'Read "Sept 22" as 22 Sep 2026; for another year type `22 Sep 2025`.' in text_of(moved)
    assert _stored(await load_entry(desk.database, entry.id or 0))[1] == dt.date(2026, 9, 22)
    exact = await h.slash("entry edit", {**edit, "value": "22 Sep 2023"}, user=h.editor)
    assert "now dated **22 Sep 2023**" in text_of(exact) and "Read " not in text_of(exact)


async def _chronology_of_three(desk: Desk) -> dict[str, int]:
    h = desk.harness
    desk.clock.now = SEEN_ON
    ids = {}
    for label, date in (("year", "2023"), ("day", "21 Sep 2023"), ("autumn", "autumn 2023")):
        reply = await h.slash("log event", {**EVENT, "headline": f"Event {label}", "date": date}, user=h.editor)
        ids[label] = (await entry_logged_by(desk.database, reply)).id or 0
    return ids


def _lines(reply: Any) -> dict[int, str]:
    lines = reply.embeds[0]["description"].split("\n\n")
    return {int(line.split("`#", 1)[1].split("`", 1)[0]): line for line in lines}


async def test_chronology_marks_entries_only_partly_inside_the_range(desk: Desk) -> None:
    h = desk.harness
    ids = await _chronology_of_three(desk)
    reply = await h.slash("chronology", {"topic": "atacms", "since": "11 Sep 2023"}, user=h.reader)
    lines = _lines(reply)
    assert "**2023** \N{ALMOST EQUAL TO}" in lines[ids["year"]]
    assert "**autumn 2023** \N{ALMOST EQUAL TO}" in lines[ids["autumn"]]
    assert "\N{ALMOST EQUAL TO}" not in lines[ids["day"]]
    footer = reply.embeds[0]["footer"]["text"]
    assert "from 11 Sep 2023 to now" in footer
    assert footer.count("\N{ALMOST EQUAL TO}") == 1 and "may fall outside the range" in footer


async def test_a_single_day_filter_marks_coarser_dates(desk: Desk) -> None:
    h = desk.harness
    ids = await _chronology_of_three(desk)
    reply = await h.slash(
        "chronology", {"topic": "atacms", "since": "21 Sep 2023", "until": "21 Sep 2023"}, user=h.reader
    )
    lines = _lines(reply)
    assert set(ids.values()) <= set(lines)
    assert "\N{ALMOST EQUAL TO}" in lines[ids["year"]] and "\N{ALMOST EQUAL TO}" in lines[ids["autumn"]]
    assert "\N{ALMOST EQUAL TO}" not in lines[ids["day"]]
    assert "from 21 Sep 2023 to 21 Sep 2023" in reply.embeds[0]["footer"]["text"]


async def test_a_chronology_with_every_entry_inside_the_range_has_no_mark(desk: Desk) -> None:
    h = desk.harness
    await _chronology_of_three(desk)
    reply = await h.slash("chronology", {"topic": "atacms", "since": "2023"}, user=h.reader)
    assert "\N{ALMOST EQUAL TO}" not in reply.embeds[0]["description"]
    assert "may fall outside" not in reply.embeds[0]["footer"]["text"]


async def test_chronology_echoes_how_a_yearless_filter_was_read(desk: Desk) -> None:
    h = desk.harness
    desk.clock.now = SEEN_ON
    reply = await h.slash("chronology", {"topic": "atacms", "since": "Sept 11"}, user=h.reader)
    assert text_of(reply) == '`since`: Read "Sept 11" as 11 Sep 2026; for another year type `11 Sep 2025`.'
    assert "from 11 Sep 2026 to now" in reply.embeds[0]["footer"]["text"]
