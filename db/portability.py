"""Export a newsroom as one versioned JSON document, and import it back with nothing lost.

Row ids are kept, because editors and readers refer to entries by id (`#42`) and the audit log
points at them; an import therefore refuses to overwrite anything already present.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from db.engine import Database
from db.models import AuditRecord, Entry, Newsroom, Topic

FORMAT = "newsdesk-export"
VERSION = 1
TABLES: tuple[tuple[str, type[SQLModel]], ...] = (
    ("topics", Topic),
    ("entries", Entry),
    ("audit", AuditRecord),
)


class ImportRefused(ValueError):
    pass


def _dump(row: SQLModel) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.model_dump().items():
        out[name] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
    return out


def _load(model: type[SQLModel], data: dict[str, Any]) -> SQLModel:
    if not isinstance(data, dict):
        raise ImportRefused(f"{model.__name__} rows must be objects")
    values: dict[str, Any] = {}
    fields = model.model_fields
    unknown = set(data) - set(fields)
    if unknown:
        raise ImportRefused(f"{model.__name__} has unknown fields: {', '.join(sorted(unknown))}")
    try:
        for name, info in fields.items():
            value = data.get(name)
            annotation = str(info.annotation)
            if isinstance(value, str) and "datetime" in annotation:
                value = dt.datetime.fromisoformat(value)
            elif isinstance(value, str) and "date" in annotation:
                value = dt.date.fromisoformat(value)
            values[name] = value
        return model.model_validate(values)
    except ValueError as exc:
        raise ImportRefused(f"{model.__name__} row is invalid: {exc}") from exc


async def export_newsroom(db: Database, *, guild_id: int, now: dt.datetime) -> dict[str, Any]:
    # One state across the tables: an entry logged mid-export must not appear without its audit record.
    async with db.read(snapshot=True) as session:
        newsroom = await session.get(Newsroom, guild_id)
        if newsroom is None:
            raise ImportRefused(f"No newsroom for guild {guild_id} in this database.")
        document: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": now.isoformat(),
            "newsroom": _dump(newsroom),
        }
        for key, model in TABLES:
            stmt = select(model).where(model.newsroom_id == guild_id).order_by(col(model.id))  # type: ignore[attr-defined]
            document[key] = [_dump(row) for row in (await session.execute(stmt)).scalars()]
    return document


def parse_document(document: Any) -> tuple[Newsroom, dict[str, list[SQLModel]]]:
    """Validate the whole document before anything is written."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRefused("Not a Newsdesk export (the `format` field is missing or wrong).")
    version = document.get("version")
    if not isinstance(version, int):
        raise ImportRefused("The export has no version number.")
    if version > VERSION:
        raise ImportRefused(f"The export is version {version}; this Newsdesk reads up to version {VERSION}. Upgrade.")
    if version < 1:
        raise ImportRefused(f"Unknown export version {version}.")
    newsroom = _load(Newsroom, document.get("newsroom") or {})
    assert isinstance(newsroom, Newsroom)
    rows: dict[str, list[SQLModel]] = {}
    for key, model in TABLES:
        items = document.get(key)
        if not isinstance(items, list):
            raise ImportRefused(f"The export has no `{key}` list.")
        rows[key] = [_load(model, item) for item in items]
        for row in rows[key]:
            if row.newsroom_id != newsroom.id:  # type: ignore[attr-defined]
                raise ImportRefused(f"A row in `{key}` belongs to another newsroom.")
    _check_references(rows)
    return newsroom, rows


def _check_references(rows: dict[str, list[Any]]) -> None:
    """Ids are kept as they are, so each must be present, unique, and point at a row of the export."""
    ids: dict[str, set[int]] = {}
    for key, _model in TABLES:
        listed = [row.id for row in rows[key]]
        if None in listed:
            raise ImportRefused(f"A row in `{key}` has no id.")
        ids[key] = set(listed)
        if len(ids[key]) != len(listed):
            raise ImportRefused(f"An id appears more than once in `{key}`.")
    for entry in rows["entries"]:
        if entry.topic_id not in ids["topics"]:
            raise ImportRefused(f"Entry {entry.id} refers to topic {entry.topic_id}, which is not in the export.")
    for record in rows["audit"]:
        if record.entry_id is not None and record.entry_id not in ids["entries"]:
            raise ImportRefused(
                f"Audit record {record.id} refers to entry {record.entry_id}, which is not in the export."
            )
        if record.topic_id is not None and record.topic_id not in ids["topics"]:
            raise ImportRefused(
                f"Audit record {record.id} refers to topic {record.topic_id}, which is not in the export."
            )


async def import_newsroom(db: Database, document: Any) -> dict[str, int]:
    newsroom, rows = parse_document(document)
    async with db.write() as session:
        if await session.get(Newsroom, newsroom.id) is not None:
            raise ImportRefused(f"Newsroom {newsroom.id} already exists in this database; nothing was imported.")
        for key, model in TABLES:
            ids = [row.id for row in rows[key]]  # type: ignore[attr-defined]
            if ids:
                taken = await session.execute(
                    select(func.count()).select_from(model).where(col(model.id).in_(ids))  # type: ignore[attr-defined]
                )
                if taken.scalar_one():
                    raise ImportRefused(f"Some `{key}` ids are already used in this database; nothing was imported.")
        session.add(newsroom)
        await session.flush()
        for key, _model in TABLES:
            session.add_all(rows[key])
            await session.flush()
        await _bump_sequences(session)
    return {key: len(items) for key, items in rows.items()}


async def _bump_sequences(session: AsyncSession) -> None:
    # Rows came in with explicit ids; PostgreSQL's sequences must move past them.
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return
    for table in ("topic", "entry", "audit_record"):
        await session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
            )
        )
