"""/log status: what it stores, the reply, dates read in the newsroom's time zone, every value of both axes,
quantities and what is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from discord import app_commands

from bot.core.vocabulary import DECISION_INFO, DELIVERY_INFO
from db import audit
from tests.cogs.log_support import (
    STATUS_NOTE,
    _no_message_ever_pings,  # noqa: F401  (autouse: no message ever pings)
    atacms_topic_id,
    buttons,
    entry_logged_by,
)
from tests.newsroom import Desk, db_rows, text_of


# ------------------------------------------------------------------------------------------------
# /log status
# ------------------------------------------------------------------------------------------------
async def test_log_status_stores_every_field_and_one_audit_record(desk: Desk) -> None:
    h = desk.harness
    before = await db_rows(desk.database)
    reply = await h.slash(
        "log status",
        {
            "topic": "atacms",
            "decision": "approved",
            "note": STATUS_NOTE,
            "date": "Sept 11",
            "source": "U.S. officials, as reported",
            "url": "https://www.state.gov/briefings/",
        },
        user=h.editor,
    )
    assert reply.response_type == 4 and not reply.ephemeral
    entry = await entry_logged_by(desk.database, reply)
    assert entry.newsroom_id == h.guild_a.id
    assert entry.topic_id == await atacms_topic_id(desk.database)
    assert (entry.kind, entry.decision, entry.delivery, entry.note) == ("status", "approved", None, STATUS_NOTE)
    assert (entry.committed, entry.delivered, entry.unit) == (None, None, None)
    assert (entry.date_precision, entry.date_earliest, entry.date_latest) == (
        "day",
        dt.date(2023, 9, 11),
        dt.date(2023, 9, 11),
    )
    assert (entry.source_name, entry.source_url) == ("U.S. officials, as reported", "https://www.state.gov/briefings/")
    assert (entry.created_by, entry.retracted_at, entry.edited_at) == (h.editor.id, None, None)
    after = await db_rows(desk.database)
    assert len(after["entry"]) == len(before["entry"]) + 1
    new_audit = after["audit_record"][len(before["audit_record"]) :]
    assert len(new_audit) == 1
    record = new_audit[0]
    assert (record["action"], record["entry_id"], record["actor_id"], record["interaction_id"]) == (
        "entry.create",
        entry.id,
        h.editor.id,
        reply.interaction_id,
    )
    assert record["before"] is None and record["after"] == audit.snapshot(entry)


async def test_log_reply_shows_the_entry_as_readers_see_it_with_short_id_and_undo(desk: Desk) -> None:
    h = desk.harness
    reply = await h.slash(
        "log status",
        {"topic": "atacms", "decision": "approved", "note": STATUS_NOTE, "date": "Sept 11", "source": "Reuters"},
        user=h.editor,
    )
    entry = await entry_logged_by(desk.database, reply)
    assert f"`#{entry.id}`" in text_of(reply) and "ATACMS long-range missiles for Ukraine" in text_of(reply)
    [embed] = reply.embeds
    assert f"#{entry.id}" in embed["description"] and "Approved" in embed["description"]
    undo, summary = buttons(reply)
    assert summary["label"] == "Update summary" and summary["custom_id"] == f"nd1:summary:{entry.topic_id}"
    expires = int((desk.clock.now + dt.timedelta(minutes=10)).timestamp())
    assert undo["label"] == "Undo" and undo["custom_id"] == f"nd1:undo:{entry.id}:{h.editor.id}:{expires}"
    chronology = await h.slash("chronology", {"topic": "atacms"}, user=h.reader)
    assert embed["description"] in chronology.embeds[0]["description"]


DATES: list[tuple[str | None, str, dt.date, dt.date]] = [
    (None, "day", dt.date(2023, 9, 20), dt.date(2023, 9, 20)),
    ("today", "day", dt.date(2023, 9, 20), dt.date(2023, 9, 20)),
    ("yesterday", "day", dt.date(2023, 9, 19), dt.date(2023, 9, 19)),
    ("Sept 11", "day", dt.date(2023, 9, 11), dt.date(2023, 9, 11)),
    ("Sep 2023", "month", dt.date(2023, 9, 1), dt.date(2023, 9, 30)),
    ("autumn 2023", "season", dt.date(2023, 9, 1), dt.date(2023, 11, 30)),
]


async def test_log_status_date_is_read_relative_to_the_newsrooms_today(desk: Desk, subtests: Any) -> None:
    for number, (typed, precision, earliest, latest) in enumerate(DATES):
        with subtests.test(typed or "no date"):
            # Two of the dates are the same day: the same status twice would be refused as a duplicate.
            status = "on_hold" if number % 2 else "declined"
            options = {"topic": "atacms", "decision": status, "note": "Paused.", "source": "Reuters"}
            if typed is not None:
                options["date"] = typed
            reply = await desk.harness.slash("log status", options, user=desk.harness.editor)
            entry = await entry_logged_by(desk.database, reply)
            assert (entry.date_precision, entry.date_earliest, entry.date_latest) == (precision, earliest, latest)


async def test_default_date_is_today_in_the_newsrooms_time_zone_not_utc(desk: Desk) -> None:
    h = desk.harness
    saved = await h.slash("settings timezone", {"timezone": "Pacific/Kiritimati"}, user=h.admin)  # UTC+14
    assert saved.ephemeral and "Time zone saved" in text_of(saved)
    desk.clock.now = dt.datetime(2023, 9, 20, 12, 0, tzinfo=dt.UTC)  # already 21 Sep in Kiritimati
    today = await h.slash(
        "log status", {"topic": "atacms", "decision": "approved", "note": "x", "source": "Reuters"}, user=h.editor
    )
    yesterday = await h.slash(
        "log status",
        {"topic": "atacms", "decision": "approved", "note": "y", "date": "yesterday", "source": "Reuters"},
        user=h.editor,
    )
    assert (await entry_logged_by(desk.database, today)).date_earliest == dt.date(2023, 9, 21)
    assert (await entry_logged_by(desk.database, yesterday)).date_earliest == dt.date(2023, 9, 20)


def _log_status_parameter(desk: Desk, name: str) -> app_commands.Parameter:
    group = desk.bot.tree.get_command("log")
    assert isinstance(group, app_commands.Group)
    command = group.get_command("status")
    assert isinstance(command, app_commands.Command)
    [parameter] = [p for p in command.parameters if p.name == name]
    return parameter


async def test_every_decision_and_delivery_choice_is_offered_and_stored(desk: Desk) -> None:
    h = desk.harness
    for name, infos in (("decision", DECISION_INFO), ("delivery", DELIVERY_INFO)):
        parameter = _log_status_parameter(desk, name)
        assert not parameter.required
        assert [c.value for c in parameter.choices] == [value.value for value in infos]  # the choices Discord shows
        for value, info in infos.items():
            reply = await h.slash(
                "log status", {"topic": "atacms", name: value.value, "note": "n", "source": "Reuters"}, user=h.editor
            )
            entry = await entry_logged_by(desk.database, reply)
            assert (entry.decision, entry.delivery) == ((value, None) if name == "decision" else (None, value))
            assert f"{name.capitalize()}: **{info.label}**" in reply.embeds[0]["description"]


async def test_one_status_change_sets_both_axes_and_quantities(desk: Desk) -> None:
    h = desk.harness
    axes = {"decision": "approved", "delivery": "partly_delivered"}
    quantities = {"committed": 300, "delivered": 100, "unit": "missiles"}
    options = {"topic": "atacms", "note": "A first batch arrived.", "source": "Reuters", **axes, **quantities}
    reply = await h.slash("log status", options, user=h.editor)
    entry = await entry_logged_by(desk.database, reply)
    assert (entry.decision, entry.delivery) == ("approved", "partly_delivered")
    assert (entry.committed, entry.delivered, entry.unit) == (300, 100, "missiles")
    description = reply.embeds[0]["description"]
    assert "Decision: **Approved** · Delivery: **Partly delivered**, 100 of 300 missiles." in description


REFUSED: list[tuple[dict[str, Any], str]] = [
    ({}, "needs a `decision`, a `delivery`, or both"),
    ({"delivery": "delivered", "committed": 100, "delivered": 300, "unit": "missiles"}, "`delivered` (300) is more"),
    ({"delivery": "delivered", "delivered": 10}, "A quantity needs its `unit`"),
    ({"decision": "approved", "unit": "missiles"}, "A `unit` needs a quantity"),
]


async def test_a_status_change_that_says_nothing_or_cannot_add_up_is_refused_and_stores_nothing(
    desk: Desk, subtests: Any
) -> None:
    h = desk.harness
    for extra, message in REFUSED:
        with subtests.test(message):
            before = await db_rows(desk.database)
            reply = await h.slash(
                "log status", {"topic": "atacms", "note": "n", "source": "Reuters", **extra}, user=h.editor
            )
            assert reply.ephemeral and message in text_of(reply)
            assert await db_rows(desk.database) == before


async def test_a_negative_quantity_never_reaches_the_bot(desk: Desk) -> None:
    # Discord's client refuses a number under the option's minimum before sending it.
    assert _log_status_parameter(desk, "committed").min_value == 0
    assert _log_status_parameter(desk, "delivered").min_value == 0
