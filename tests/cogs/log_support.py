"""Helpers shared by the /log tests: finding what was stored, buttons, pings and unchecked delivery."""

from __future__ import annotations

import copy
import itertools
import uuid
from typing import Any

import pytest
from sqlmodel import col, select

from db.engine import Database
from db.models import AuditRecord, Entry, Topic
from tests.harness import DiscordHarness, Reply
from tests.newsroom import Desk

MODAL = 9
UPDATE_MESSAGE = 7
NO_PINGS = {"parse": []}
# Hand-built interaction ids, far above anything the harness mints, so they never collide with its ids.
_RAW_IDS = itertools.count(8_000_000_000_000_000_000)


async def entry_logged_by(database: Database, reply: Reply) -> Entry:
    async with database.read() as session:
        stmt = select(Entry).where(Entry.interaction_id == reply.interaction_id)
        entry = (await session.execute(stmt)).scalars().one()
    return entry


async def load_entry(database: Database, entry_id: int) -> Entry:
    async with database.read() as session:
        entry = await session.get(Entry, entry_id)
    assert entry is not None
    return entry


async def audit_of(database: Database, entry_id: int) -> list[AuditRecord]:
    async with database.read() as session:
        stmt = select(AuditRecord).where(AuditRecord.entry_id == entry_id).order_by(col(AuditRecord.id))
        return list((await session.execute(stmt)).scalars())


async def atacms_topic_id(database: Database) -> int:
    async with database.read() as session:
        topic_id = (await session.execute(select(Topic.id).where(Topic.slug == "atacms"))).scalar_one()
    return int(topic_id)


def embed_text(embed: dict[str, Any]) -> str:
    parts = [embed.get("title", ""), embed.get("description", ""), (embed.get("footer") or {}).get("text", "")]
    for field in embed.get("fields", []):
        parts += [field["name"], field["value"]]
    return "\n".join(parts)


def buttons(reply: Reply) -> list[dict[str, Any]]:
    return [c for row in reply.components for c in row["components"]]


def assert_never_pings(h: DiscordHarness[Any]) -> None:
    """Every message the bot created or edited, by any route, was sent with mentions disabled."""
    for call in h.calls:
        body = call.json if isinstance(call.json, dict) else None
        if body is None:
            continue
        if call.is_callback:
            if body.get("type") not in (4, 7):
                continue
            body = body.get("data") or {}
        elif not (
            (call.via == "webhook" and call.path.startswith("/webhooks/") and call.method in ("POST", "PATCH"))
            or (call.path.startswith("/channels/") and "/messages" in call.path and call.method in ("POST", "PATCH"))
        ):
            continue
        assert body.get("allowed_mentions") == NO_PINGS, f"{call.method} {call.path} allows mentions: {body}"


async def deliver_unchecked(h: DiscordHarness[Any], probe: Reply, values: dict[str, str]) -> Reply:
    """Re-deliver ``probe``'s interaction with option values Discord's client would have refused (too long).

    A modified client or a direct API call can send them; the bot must refuse them on its own.
    """
    payload = copy.deepcopy(probe.payload)
    options = payload["data"]["options"]
    while options and options[0]["type"] in (1, 2):  # descend into the subcommand
        options = options[0].get("options", [])
    present = {option["name"] for option in options}
    for name, value in values.items():
        if name in present:
            next(o for o in options if o["name"] == name)["value"] = value
        else:
            options.append({"type": 3, "name": name, "value": value})
    payload["id"] = str(next(_RAW_IDS))
    payload["token"] = f"unchecked-{uuid.uuid4().hex}"
    return await h.dispatch(payload)


@pytest.fixture(autouse=True)
async def _no_message_ever_pings(desk: Desk) -> Any:
    yield
    assert_never_pings(desk.harness)


STATUS_NOTE = "The President approved sending a small number of the missiles."
