"""Two more stories beside the ATACMS seed in newsroom A, and one in newsroom B, logged through the
commands as editors type them: status changes with quantities, statements (one corrected, one
retracted, one undone), background facts, expected events (one pending, one settled)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from db.models import Entry
from tests.cogs.log_support import buttons, entry_logged_by
from tests.harness import GUILD_B_ID, Reply
from tests.newsroom import Desk

# The stories are logged as of this day (the newsroom's today), so their dates are in the past.
TODAY = dt.datetime(2024, 9, 1, 9, 0, tzinfo=dt.UTC)
SEED_KEYS = {
    "review": "atacms-status-review",
    "zelensky": "atacms-zelensky-hopes",
    "call": "atacms-expected-call",
    "window": "atacms-hoped-window",
    "miller": "atacms-miller-sep11",
    "kirby": "atacms-kirby-interview",
    "fighter": "atacms-fighter-warning",
}


async def _run(desk: Desk, command: str, options: dict[str, Any], *, b: bool = False) -> Reply:
    h = desk.harness
    if b:
        reply = await h.slash(command, options, user=h.other_guild_user, guild=GUILD_B_ID)
    else:
        reply = await h.slash(command, options, user=h.editor)
    assert not reply.ephemeral, (command, options, reply.content)
    return reply


async def _log(desk: Desk, command: str, options: dict[str, Any], *, b: bool = False) -> int:
    reply = await _run(desk, command, options, b=b)
    entry = await entry_logged_by(desk.database, reply)
    assert entry.id is not None
    return entry.id


async def create_stories(desk: Desk) -> dict[str, int]:
    """Every story's entries by a short key (the seed's too), as `#id`s the answers must cite."""
    desk.clock.now = TODAY
    ids: dict[str, int] = {}
    async with desk.database.read() as session:
        for key, seed_key in SEED_KEYS.items():
            found = (await session.execute(select(Entry.id).where(Entry.seed_key == seed_key))).scalar_one()
            ids[key] = int(found)
    await _f16(desk, ids)
    await _abrams(desk, ids)
    await _patriot(desk, ids)
    return ids


async def _f16(desk: Desk, ids: dict[str, int]) -> None:
    topic = "f16-jets"
    await _run(desk, "topic create", {
        "slug": topic, "title": "F-16 jets for Ukraine", "aliases": "f-16, fighter jets, fighting falcon",
        "summary": "Whether and when Ukraine receives F-16 fighter jets from European partners.",
    })  # fmt: skip
    facts = [
        ("The F-16 Fighting Falcon is a single-engine multirole fighter aircraft.", "Lockheed Martin fact sheet"),
        ("Ukrainian pilots train on the F-16 in Denmark and the United States.", "Reuters"),
    ]
    for text, source in facts:
        await _run(desk, "topic fact add", {"topic": topic, "text": text, "source": source})
    ids["f16_approved"] = await _log(desk, "log status", {
        "topic": topic, "decision": "approved", "date": "17 Aug 2023", "source": "Reuters",
        "note": "The U.S. approved the transfer of F-16s from Denmark and the Netherlands.",
    })  # fmt: skip
    ids["blinken"] = await _log(desk, "log statement", {
        "topic": topic, "speaker": "Antony Blinken", "role": "Secretary of State",
        "organisation": "U.S. Department of State", "date": "17 Aug 2023", "source": "State Department briefing",
        "text": "We welcome the Danish and Dutch decision to send F-16s once pilot training is complete.",
    })  # fmt: skip
    ids["austin"] = await _log(desk, "log statement", {
        "topic": topic, "speaker": "Lloyd Austin", "role": "Secretary of Defense", "organisation": "Pentagon",
        "date": "Oct 2023", "source": "Pentagon briefing", "text": "Training of Ukrainian F-16 pilots is under way.",
    })  # fmt: skip
    await _run(desk, "entry edit", {
        "id": f"#{ids['austin']}", "field": "text", "reason": "Exact wording",
        "value": "Training of Ukrainian F-16 pilots has begun in Arizona.",
    })  # fmt: skip
    ids["austin_retracted"] = await _log(desk, "log statement", {
        "topic": topic, "speaker": "Lloyd Austin", "role": "Secretary of Defense", "organisation": "Pentagon",
        "date": "Nov 2023", "source": "A blog", "text": "Forty F-16s will arrive by Christmas.",
    })  # fmt: skip
    await _run(desk, "entry retract", {"id": f"#{ids['austin_retracted']}", "reason": "Misattributed"})
    ids["training"] = await _log(desk, "log event", {
        "topic": topic, "headline": "Pilots complete training", "expected": "anticipated", "date": "spring 2024",
        "source": "Reuters",
    })  # fmt: skip
    ids["trained"] = await _log(desk, "log event", {
        "topic": topic, "headline": "Ukrainian pilots completed F-16 training", "date": "May 2024",
        "source": "AP", "outcome_of": f"#{ids['training']}",
    })  # fmt: skip
    ids["f16_partly"] = await _log(desk, "log status", {
        "topic": topic, "delivery": "partly_delivered", "committed": 45, "delivered": 6, "unit": "jets",
        "date": "Aug 2024", "source": "AP", "note": "The first F-16s arrived in Ukraine.",
    })  # fmt: skip
    ids["missions"] = await _log(desk, "log event", {
        "topic": topic, "headline": "First F-16 combat missions", "expected": "scheduled", "date": "autumn 2024",
        "source": "AP",
    })  # fmt: skip
    # An undone statement: logged, then taken back by its author with the Undo button.
    reply = await _run(desk, "log statement", {
        "topic": topic, "speaker": "Lloyd Austin", "role": "Secretary of Defense", "organisation": "Pentagon",
        "date": "Aug 2024", "source": "Draft", "text": "Undone words about squadrons.",
    })  # fmt: skip
    ids["austin_undone"] = (await entry_logged_by(desk.database, reply)).id or 0
    [undo] = [b["custom_id"] for b in buttons(reply) if ":undo:" in b["custom_id"]]
    await desk.harness.click(undo, message=reply.final, user=desk.harness.editor)


async def _abrams(desk: Desk, ids: dict[str, int]) -> None:
    topic = "abrams"
    await _run(desk, "topic create", {
        "slug": topic, "title": "Abrams tanks for Ukraine", "aliases": "m1 abrams, abrams tanks",
    })  # fmt: skip
    await _run(desk, "topic fact add", {
        "topic": topic, "text": "The M1A1 Abrams is a main battle tank with a 120 mm gun.", "source": "U.S. Army",
    })  # fmt: skip
    ids["abrams_approved"] = await _log(desk, "log status", {
        "topic": topic, "decision": "approved", "delivery": "announced", "committed": 31, "unit": "tanks",
        "date": "25 Jan 2023", "source": "White House", "note": "Biden announces 31 Abrams tanks.",
    })  # fmt: skip
    ids["biden"] = await _log(desk, "log statement", {
        "topic": topic, "speaker": "Joe Biden", "role": "President of the United States",
        "organisation": "White House", "date": "25 Jan 2023", "source": "White House remarks",
        "text": "The Abrams tanks are a sign of our enduring commitment to Ukraine.",
    })  # fmt: skip
    ids["abrams_delivered"] = await _log(desk, "log status", {
        "topic": topic, "delivery": "delivered", "committed": 31, "delivered": 31, "unit": "tanks",
        "date": "Sep 2023", "source": "Pentagon", "note": "All 31 Abrams have arrived in Ukraine.",
    })  # fmt: skip
    ids["reznikov"] = await _log(desk, "log statement", {
        "topic": topic, "speaker": "Oleksii Reznikov", "role": "Minister of Defence",
        "organisation": "Ministry of Defence of Ukraine", "date": "25 Sep 2023", "source": "Telegram post",
        "text": "The Abrams are already in Ukraine and preparing to reinforce our brigades.",
    })  # fmt: skip


async def _patriot(desk: Desk, ids: dict[str, int]) -> None:
    topic = "patriot"
    await _run(desk, "topic create", {"slug": topic, "title": "Patriot air defence for Ukraine"}, b=True)
    ids["patriot_approved"] = await _log(desk, "log status", {
        "topic": topic, "decision": "approved", "date": "Apr 2024", "source": "dpa",
        "note": "Germany approves a third Patriot system.",
    }, b=True)  # fmt: skip
    ids["scholz"] = await _log(desk, "log statement", {
        "topic": topic, "speaker": "Olaf Scholz", "role": "Chancellor", "organisation": "Government of Germany",
        "date": "Apr 2024", "source": "dpa", "text": "Germany will send a third Patriot system to Ukraine.",
    }, b=True)  # fmt: skip
