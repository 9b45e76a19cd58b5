"""Export a newsroom as one versioned JSON document, and import it back with nothing lost.

Row ids are kept, because editors and readers refer to entries by id (`#42`) and the audit log
points at them; an import therefore refuses to overwrite anything already present.

The document is a pure function of the stored rows (no export time; rows in id order; keys sorted
by `dumps`), so export, import, export gives the same bytes and a diff of two exports shows only
what changed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, create_model
from sqlalchemy import Column, Select, Table, func, insert, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from bot.core.status_axes import current_shape
from db.digest_models import DigestAttempt, DigestDelivery, DigestSubscription
from db.engine import Database
from db.legacy_sources import upgrade_document
from db.models import AuditRecord, Entry, Newsroom, Topic
from db.writes import derived_keys

FORMAT = "newsdesk-export"
# 2: digest subscriptions with their deliveries and attempts; no `exported_at`.
VERSION = 2
# Parents before children: the order rows are inserted in.
TABLES: tuple[tuple[str, type[SQLModel]], ...] = (
    ("topics", Topic),
    ("entries", Entry),
    ("audit", AuditRecord),
    ("digests", DigestSubscription),
    ("digest_deliveries", DigestDelivery),
    ("digest_attempts", DigestAttempt),
)
# Lists a version 1 document does not have: its newsroom had none of them then.
SINCE_VERSION_2 = ("digests", "digest_deliveries", "digest_attempts")


# Optional fields of the current version: an export from before them imports with their defaults.
ADDED_LATER: dict[str, tuple[str, ...]] = {
    "DigestSubscription": ("target", "publish", "mode", "kinds", "topic_kinds", "recipient_id"),
    "Newsroom": ("editors_channel_id", "stale_after_days", "alert_grace_seconds"),
}


class ImportRefused(ValueError):
    pass


def _dump(row: SQLModel) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.model_dump().items():
        out[name] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
    return out


# An import writes this many rows per executemany: big enough that a large newsroom's move is
# bound by the database rather than by round trips, small enough to stay far below SQLite's
# limit on bound parameters in the id checks.
BATCH_ROWS = 2_000


# Built once per table model, not once per row.
_VALIDATORS: dict[str, tuple[type[BaseModel], tuple[str, ...]]] = {}


def _validator(model: type[SQLModel]) -> tuple[type[BaseModel], tuple[str, ...]]:
    """A plain pydantic model with the table model's own fields (types, constraints, defaults).

    Validating through the table model builds an instrumented ORM object per row, over ten times
    the cost of the validation itself; the rows are inserted with Core, so no object is needed.
    Named like the table model, so refusals read the same.
    """
    found = _VALIDATORS.get(model.__name__)
    if found is None:
        fields: dict[str, Any] = {name: (info.annotation, info) for name, info in model.model_fields.items()}
        plain = create_model(model.__name__, **fields)
        # Which fields arrive as ISO text.
        parsed = tuple(name for name, info in model.model_fields.items() if "date" in str(info.annotation))
        found = _VALIDATORS[model.__name__] = (plain, parsed)
    return found


def _load(model: type[SQLModel], data: dict[str, Any]) -> dict[str, Any]:
    """One exported row, validated: its column values."""
    if not isinstance(data, dict):
        raise ImportRefused(f"{model.__name__} rows must be objects")
    plain, parsed = _validator(model)
    fields = plain.model_fields
    unknown = data.keys() - fields.keys()
    if unknown:
        raise ImportRefused(f"{model.__name__} has unknown fields: {', '.join(sorted(unknown))}")
    # Every field counts as given: one left out is None, which only nullable fields accept; fields
    # added since the format's version take their default when an older export has none.
    later = ADDED_LATER.get(model.__name__, ())
    values = {name: data.get(name) if name in data or name not in later else fields[name].default for name in fields}
    try:
        for name in parsed:
            value = values[name]
            # Dates too go through the datetime parser, as they always have: it accepts both forms,
            # and pydantic takes a datetime at midnight as a date and refuses any other.
            if isinstance(value, str):
                values[name] = dt.datetime.fromisoformat(value)
        return vars(plain.model_validate(values))
    except ValueError as exc:
        raise ImportRefused(f"{model.__name__} row is invalid: {exc}") from exc


def _rows_of(model: type[SQLModel], guild_id: int) -> Select[Any]:
    """The newsroom's rows of one table, in id order; digest deliveries and attempts belong to it
    through their subscription."""
    stmt = select(model)
    if model is DigestAttempt:
        stmt = stmt.join(DigestDelivery, col(DigestDelivery.id) == DigestAttempt.delivery_id)
    if model in (DigestAttempt, DigestDelivery):
        stmt = stmt.join(DigestSubscription, col(DigestSubscription.id) == DigestDelivery.subscription_id)
        owner: Any = DigestSubscription.newsroom_id
    else:
        owner = model.newsroom_id  # type: ignore[attr-defined]
    return stmt.where(owner == guild_id).order_by(col(model.id))  # type: ignore[attr-defined]


async def export_newsroom(db: Database, *, guild_id: int) -> dict[str, Any]:
    # One state across the tables: an entry logged mid-export must not appear without its audit record.
    async with db.read(snapshot=True) as session:
        newsroom = await session.get(Newsroom, guild_id)
        if newsroom is None:
            raise ImportRefused(f"No newsroom for guild {guild_id} in this database.")
        document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "newsroom": _dump(newsroom)}
        for key, model in TABLES:
            document[key] = [_dump(row) for row in (await session.execute(_rows_of(model, guild_id))).scalars()]
    return document


def dumps(document: dict[str, Any]) -> str:
    """The document as a file holds it: sorted keys, so its bytes depend on the data alone."""
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


Row = dict[str, Any]


def parse_document(document: Any) -> tuple[Row, dict[str, list[Row]]]:
    """Validate the whole document before anything is written: the newsroom's and every row's values."""
    document = upgrade_document(document)
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
    rows: dict[str, list[Row]] = {}
    for key, model in TABLES:
        items = document.get(key, [] if version < 2 and key in SINCE_VERSION_2 else None)
        if not isinstance(items, list):
            raise ImportRefused(f"The export has no `{key}` list.")
        rows[key] = [_entry_row(item) if model is Entry else _load(model, item) for item in items]
        for row in rows[key]:
            if row.get("newsroom_id", newsroom["id"]) != newsroom["id"]:
                raise ImportRefused(f"A row in `{key}` belongs to another newsroom.")
    _check_references(rows)
    return newsroom, rows


def _entry_row(data: Any) -> Row:
    """An entry; one exported before the two axes has its single `status` mapped to them as the
    migration to them mapped stored ones, and what makes it a duplicate said again."""
    if not isinstance(data, dict) or "status" not in data:
        return _load(Entry, data)
    values = _load(Entry, current_shape(data))
    if values["fingerprint"] is not None:
        values.update(derived_keys(values))
    return values


def _check_references(rows: dict[str, list[Row]]) -> None:
    """Ids are kept as they are, so each must be present, unique, and point at a row of the export."""
    ids: dict[str, set[int]] = {}
    for key, _model in TABLES:
        listed = [row["id"] for row in rows[key]]
        if None in listed:
            raise ImportRefused(f"A row in `{key}` has no id.")
        ids[key] = set(listed)
        if len(ids[key]) != len(listed):
            raise ImportRefused(f"An id appears more than once in `{key}`.")
    for entry in rows["entries"]:
        if entry["topic_id"] not in ids["topics"]:
            raise ImportRefused(f"Entry {entry['id']} refers to topic {entry['topic_id']}, which is not in the export.")
        settled_by = entry.get("outcome_entry_id")
        if settled_by is not None and settled_by not in ids["entries"]:
            raise ImportRefused(f"Entry {entry['id']} refers to entry {settled_by}, which is not in the export.")
    interactions = _interactions(rows)
    if len(set(interactions)) != len(interactions):
        raise ImportRefused("An interaction id appears on more than one entry.")
    for record in rows["audit"]:
        if record["entry_id"] is not None and record["entry_id"] not in ids["entries"]:
            raise ImportRefused(
                f"Audit record {record['id']} refers to entry {record['entry_id']}, which is not in the export."
            )
        if record["topic_id"] is not None and record["topic_id"] not in ids["topics"]:
            raise ImportRefused(
                f"Audit record {record['id']} refers to topic {record['topic_id']}, which is not in the export."
            )
    for digest in rows["digests"]:
        missing = sorted(set(digest["topic_ids"] or ()) - ids["topics"])
        if missing:
            raise ImportRefused(f"Digest {digest['id']} follows topic {missing[0]}, which is not in the export.")
    for delivery in rows["digest_deliveries"]:
        if delivery["subscription_id"] not in ids["digests"]:
            raise ImportRefused(
                f"Digest delivery {delivery['id']} refers to digest {delivery['subscription_id']}, "
                "which is not in the export."
            )
    for attempt in rows["digest_attempts"]:
        if attempt["delivery_id"] not in ids["digest_deliveries"]:
            raise ImportRefused(
                f"Digest attempt {attempt['id']} refers to delivery {attempt['delivery_id']}, "
                "which is not in the export."
            )


def _interactions(rows: dict[str, list[Row]]) -> list[int]:
    return [entry["interaction_id"] for entry in rows["entries"] if entry["interaction_id"] is not None]


def _batches(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def _any_taken(session: AsyncSession, column: Column[Any], values: list[int], batch_rows: int) -> bool:
    for batch in _batches(values, batch_rows):
        taken = await session.execute(select(func.count()).select_from(column.table).where(column.in_(batch)))
        if taken.scalar_one():
            return True
    return False


async def import_newsroom(db: Database, document: Any, *, batch_rows: int = BATCH_ROWS) -> dict[str, int]:
    """Store an exported newsroom in one transaction: all of it, or (refused, or on any error) nothing.

    Rows go in as Core executemany batches of `batch_rows`, parents before children; the ORM's unit
    of work would cost more per row than the database does, for nothing an import needs from it.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    newsroom, rows = parse_document(document)
    async with db.write() as session:
        if await session.get(Newsroom, newsroom["id"]) is not None:
            raise ImportRefused(f"Newsroom {newsroom['id']} already exists in this database; nothing was imported.")
        for key, model in TABLES:
            if await _any_taken(session, _table(model).c.id, [row["id"] for row in rows[key]], batch_rows):
                raise ImportRefused(f"Some `{key}` ids are already used in this database; nothing was imported.")
        # An interaction logs one entry, in one guild: its id is unique across the whole database.
        if await _any_taken(session, _table(Entry).c.interaction_id, _interactions(rows), batch_rows):
            raise ImportRefused("Some entries' interactions are already used in this database; nothing was imported.")
        await session.execute(insert(_table(Newsroom)), [newsroom])
        for key, model in TABLES:
            table = _table(model)
            for batch in _batches(rows[key], batch_rows):
                await session.execute(insert(table), batch)
        await _bump_sequences(session)
    return {key: len(items) for key, items in rows.items()}


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


async def _bump_sequences(session: AsyncSession) -> None:
    # Rows came in with explicit ids; PostgreSQL's sequences must move past them.
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return
    for table in (_table(model).name for _key, model in TABLES):
        await session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
            )
        )
