"""Settling an expected entry: a newly logged one says it happened or did not.

The checks run twice: before the write, so a refusal costs no lock, and again on the locked row inside
it, so two editors settling the same entry at once cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import EntryNotFound
from bot.core.expected import Knock, Settlement, refuse_unsettleable
from bot.core.requester import Requester
from db.engine import Database
from db.entries import get_entry
from db.models import Entry, Topic
from db.outcomes import reopen_entry, reopened_by, settle_entry, settled_by, settled_by_interaction


async def _settleable(
    session: AsyncSession, requester: Requester, *, topic: Topic, settles: Settlement, lock: bool
) -> Entry | None:
    """The expected entry to settle, or None when this same interaction already settled it; a refusal
    otherwise. An id from another newsroom reads as one that does not exist."""
    entry = await get_entry(session, newsroom_id=requester.guild_id, entry_id=settles.entry_id, for_update=lock)
    if entry is None:
        raise EntryNotFound(f"#{settles.entry_id}")
    if await settled_by_interaction(session, entry=entry, interaction_id=requester.interaction_id):
        return None
    refuse_unsettleable(
        entry_id=settles.entry_id,
        expected=entry.expected,
        retracted=entry.retracted_at is not None,
        outcome=entry.outcome,
        same_topic=entry.topic_id == topic.id,
    )
    return entry


async def check(session: AsyncSession, requester: Requester, *, topic: Topic, settles: Settlement) -> None:
    await _settleable(session, requester, topic=topic, settles=settles, lock=False)


async def settle(
    session: AsyncSession, requester: Requester, *, topic: Topic, settles: Settlement, later: Entry
) -> Entry | None:
    """Inside the write that logged `later`: record the outcome on the expected entry."""
    entry = await _settleable(session, requester, topic=topic, settles=settles, lock=True)
    if entry is None:
        return None
    return await settle_entry(
        session,
        entry=entry,
        later=later,
        outcome=settles.outcome,
        actor_id=requester.user_id,
        interaction_id=requester.interaction_id,
    )


async def is_expected(db: Database, requester: Requester, entry_id: int) -> bool:
    """Whether the newsroom's entry is expected, so a corrected date may lie after today. The edit
    checks again inside its write (bot.services.expectation), where this could have gone stale."""
    async with db.read() as session:
        entry = await get_entry(session, newsroom_id=requester.guild_id, entry_id=entry_id)
        return entry is not None and entry.expected is not None


@dataclass(frozen=True, slots=True)
class KnockOn:
    expected: Entry
    knock: Knock


async def reopen(session: AsyncSession, requester: Requester, *, later: Entry, reason: str) -> KnockOn | None:
    """Inside the write that retracted `later`: the expected entry it settled is expected again. What
    the chronology and card say must not rest on an entry readers can no longer see."""
    entry = await settled_by(session, later=later)
    if entry is None:
        return None
    entry = await reopen_entry(
        session,
        entry=entry,
        later=later,
        actor_id=requester.user_id,
        interaction_id=requester.interaction_id,
        reason=f"#{later.id} was retracted: {reason}",
    )
    return KnockOn(entry, Knock.REOPENED)


async def settle_again(session: AsyncSession, requester: Requester, *, later: Entry) -> KnockOn | None:
    """Inside the write that restored `later`: settle again the expected entry its retraction reopened,
    unless another entry settled it meanwhile or it is itself retracted (the restore stands either way)."""
    found = await reopened_by(session, later=later)
    if found is None:
        return None
    entry, outcome = found
    if entry.outcome is not None:
        return KnockOn(entry, Knock.SETTLED_BY_ANOTHER)
    if entry.retracted_at is not None:
        return KnockOn(entry, Knock.RETRACTED)
    entry = await settle_entry(
        session,
        entry=entry,
        later=later,
        outcome=outcome,
        actor_id=requester.user_id,
        interaction_id=requester.interaction_id,
        reason=f"#{later.id} was restored and says so again",
    )
    return KnockOn(entry, Knock.SETTLED_AGAIN)
