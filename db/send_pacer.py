"""The send pacer's shared timeline: one row per bot token, the next free slot in microseconds.

Every process of one bot reserves its slots here, a few at a time, with one UPDATE that moves the
row forward and returns where it now stands; the database runs one such update at a time per row,
so no two processes are ever given the same slot and together they keep the timeline's rate. A
global 429 moves the row past the pause, so every process holds off, not only the one told.
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import BigInteger, String, bindparam, case, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col


class SendPacer(SQLModel, table=True):
    __tablename__: ClassVar[str] = "send_pacer"

    key: str = Field(primary_key=True, max_length=64)  # the bot's id: one timeline per bot token
    next_slot_us: int = Field(sa_type=BigInteger)  # Unix time, microseconds


# Built once: statements compiled per call would leave reference cycles on every reservation.
_KEY = bindparam("pacer_key", type_=String)
_AT = bindparam("at_us", type_=BigInteger)
_SPAN = bindparam("span_us", type_=BigInteger)
_NEXT = col(SendPacer.next_slot_us)
# The timeline never restarts in the past: an idle bot's next slot is now.
_FROM = case((_NEXT > _AT, _NEXT), else_=_AT)
_RESERVE = update(SendPacer).where(col(SendPacer.key) == _KEY).values(next_slot_us=_FROM + _SPAN).returning(_NEXT)
_HOLD_OFF = update(SendPacer).where(col(SendPacer.key) == _KEY).values(next_slot_us=_FROM)
_ENSURE = {
    name: dialect.insert(SendPacer).values(key=_KEY, next_slot_us=_AT).on_conflict_do_nothing(index_elements=["key"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


async def ensure(session: AsyncSession, *, key: str, now_us: int) -> None:
    """Create the bot's row unless it exists (processes starting together may both ask)."""
    connection = await session.connection()
    await connection.execute(_ENSURE[connection.dialect.name], {"pacer_key": key, "at_us": now_us})


async def reserve(session: AsyncSession, *, key: str, now_us: int, count: int, interval_us: int) -> int | None:
    """Take `count` consecutive slots (`bot.core.send_pacing.reserve`); the first one, or None
    without a row."""
    connection = await session.connection()
    params = {"pacer_key": key, "at_us": now_us, "span_us": count * interval_us}
    end = (await connection.execute(_RESERVE, params)).scalar_one_or_none()
    return None if end is None else end - count * interval_us


async def hold_off(session: AsyncSession, *, key: str, until_us: int) -> None:
    """No slot before `until_us` for anyone (Discord said the bot is globally rate limited)."""
    connection = await session.connection()
    await connection.execute(_HOLD_OFF, {"pacer_key": key, "at_us": until_us})
