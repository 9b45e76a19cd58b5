"""Small key/value facts the bot keeps about itself (e.g. the fingerprint of the last command sync)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select

from db.engine import Database
from db.models import AppState, utcnow


async def get(db: Database, *, key: str) -> str | None:
    async with db.read() as session:
        return (await session.execute(select(AppState.value).where(AppState.key == key))).scalar_one_or_none()


async def put(db: Database, *, key: str, value: str) -> None:
    # One statement, not read-then-insert: bot processes starting together on a fresh database
    # would otherwise both insert the key and one would fail its start-up on the primary key.
    async with db.write() as session:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(AppState).values(key=key, value=value, updated_at=utcnow())
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at}
        )
        await session.execute(stmt)
