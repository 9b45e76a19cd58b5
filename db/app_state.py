"""Small key/value facts the bot keeps about itself (e.g. the fingerprint of the last command sync)."""

from __future__ import annotations

from sqlmodel import select

from db.engine import Database
from db.models import AppState, utcnow


async def get(db: Database, *, key: str) -> str | None:
    async with db.read() as session:
        return (await session.execute(select(AppState.value).where(AppState.key == key))).scalar_one_or_none()


async def put(db: Database, *, key: str, value: str) -> None:
    async with db.write() as session:
        row = await session.get(AppState, key)
        if row is None:
            session.add(AppState(key=key, value=value))
        else:
            row.value = value
            row.updated_at = utcnow()
            session.add(row)
