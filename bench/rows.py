"""Column values exactly as the write path stores them, built as plain dicts instead of ORM objects.

Each function mirrors one function of ``db.writes`` / ``db.newsrooms`` / ``db.audit`` line for line
(named in its docstring) and reuses the project's own helpers wherever they are pure (``midpoint``,
``normalise_lookup``, ``build_search_text``, ``audit.ENTRY_FIELDS``), so a change to those helpers
reaches the bulk loader automatically. What cannot be shared is the ORM round trip itself, which is
what makes the write path too slow for a million rows; ``bench.equivalence`` proves, field by field
against the real write path, that nothing was lost in the translation.

An entry's row is ``db.writes.entry_values`` itself, given the loader's id and time.

The only intended difference: the write path reads the clock once for an entry's ``created_at`` and
``updated_at`` and again for its audit record's ``at`` (microseconds apart); here one instant serves
all three.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.core.drafts import EntryDraft, TopicDraft
from db import audit, writes
from db.models import midpoint
from db.topics import build_search_text, normalise_lookup

Values = dict[str, Any]


def _jsonable(value: Any) -> Any:
    # db.audit._jsonable: audit snapshots hold dates and datetimes as ISO strings.
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def entry_snapshot(values: Values) -> Values:
    """db.audit.snapshot for an entry."""
    # _jsonable inlined: this runs for every loaded entry, and the call overhead was a tenth of the load.
    date = dt.date
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in zip(audit.ENTRY_FIELDS, map(values.__getitem__, audit.ENTRY_FIELDS), strict=True)
    }


def topic_snapshot(values: Values) -> Values:
    """db.audit.snapshot for a topic."""
    return {name: _jsonable(values[name]) for name in audit.TOPIC_FIELDS}


def audit_values(
    *,
    newsroom_id: int,
    action: str,
    actor_id: int,
    interaction_id: int | None,
    at: dt.datetime,
    entry_id: int | None = None,
    topic_id: int | None = None,
    before: Values | None = None,
    after: Values | None = None,
    reason: str | None = None,
) -> Values:
    """db.audit.record (the loader assigns ``id``)."""
    return {
        "newsroom_id": newsroom_id,
        "entry_id": entry_id,
        "topic_id": topic_id,
        "action": action,
        "actor_id": actor_id,
        "interaction_id": interaction_id,
        "at": at,
        "before": before,
        "after": after,
        "reason": reason,
    }


def newsroom_values(*, guild_id: int, name: str, at: dt.datetime) -> Values:
    """db.newsrooms.ensure_newsroom: a newsroom as first use creates it."""
    return {
        "id": guild_id,
        "name": name[:100],
        "timezone": "UTC",
        "editor_role_id": None,
        # Each create_topic adds one; bulk.derive_columns sets it once the topics are in.
        "topic_labels_rev": 0,
        "created_at": at,
        "updated_at": at,
    }


def set_editor_role(
    newsroom: Values, *, role_id: int, actor_id: int, interaction_id: int | None, at: dt.datetime
) -> Values:
    """db.editing.set_editor_role: updates ``newsroom`` and returns its audit record."""
    before = {"editor_role_id": str(newsroom["editor_role_id"]) if newsroom["editor_role_id"] else None}
    newsroom["editor_role_id"] = role_id
    newsroom["updated_at"] = at
    return audit_values(
        newsroom_id=newsroom["id"],
        action="settings.editor_role",
        actor_id=actor_id,
        interaction_id=interaction_id,
        at=at,
        before=before,
        after={"editor_role_id": str(role_id) if role_id else None},
    )


def set_timezone(
    newsroom: Values, *, timezone: str, actor_id: int, interaction_id: int | None, at: dt.datetime
) -> Values:
    """db.editing.set_timezone: updates ``newsroom`` and returns its audit record."""
    before = {"timezone": newsroom["timezone"]}
    newsroom["timezone"] = timezone
    newsroom["updated_at"] = at
    return audit_values(
        newsroom_id=newsroom["id"],
        action="settings.timezone",
        actor_id=actor_id,
        interaction_id=interaction_id,
        at=at,
        before=before,
        after={"timezone": timezone},
    )


def topic_values(*, topic_id: int, newsroom_id: int, draft: TopicDraft, actor_id: int, at: dt.datetime) -> Values:
    """db.writes.create_topic: the topic row."""
    return {
        "id": topic_id,
        "newsroom_id": newsroom_id,
        "slug": draft.slug,
        "title": draft.title,
        "aliases": list(draft.aliases),
        "summary": draft.summary,
        "next_step": draft.next_step,
        "background": list(draft.background),
        "search_text": build_search_text(draft.slug, draft.title, draft.aliases),
        "archived": False,
        "created_by": actor_id,
        "created_at": at,
        "updated_at": at,
    }


def topic_created(topic: Values, *, actor_id: int, interaction_id: int | None, at: dt.datetime) -> Values:
    """db.writes.create_topic: its audit record."""
    return audit_values(
        newsroom_id=topic["newsroom_id"],
        action="topic.create",
        actor_id=actor_id,
        interaction_id=interaction_id,
        at=at,
        topic_id=topic["id"],
        after=topic_snapshot(topic),
    )


def entry_values(
    *,
    entry_id: int,
    newsroom_id: int,
    topic_id: int,
    draft: EntryDraft,
    actor_id: int,
    interaction_id: int | None,
    at: dt.datetime,
    seed_key: str | None = None,
) -> Values:
    """db.writes.entry_values: the entry row, with the id the loader assigns and a fixed time.

    add_entry also sets the topic's ``updated_at`` to the entry's ``created_at``; the loader does
    that once per topic with its newest entry.
    """
    values = writes.entry_values(
        newsroom_id=newsroom_id,
        topic_id=topic_id,
        draft=draft,
        actor_id=actor_id,
        interaction_id=interaction_id,
        seed_key=seed_key,
        now=at,
    )
    return {"id": entry_id, **values}


def entry_created(entry: Values, *, actor_id: int, interaction_id: int | None, at: dt.datetime) -> Values:
    """db.writes.add_entry: its audit record."""
    return audit_values(
        newsroom_id=entry["newsroom_id"],
        action="entry.create",
        actor_id=actor_id,
        interaction_id=interaction_id,
        at=at,
        entry_id=entry["id"],
        topic_id=entry["topic_id"],
        after=entry_snapshot(entry),
    )


def edit_entry(
    entry: Values,
    changes: Values,
    *,
    actor_id: int,
    interaction_id: int | None,
    reason: str | None,
    at: dt.datetime,
) -> Values:
    """db.writes.edit_entry: updates ``entry`` and returns its audit record."""
    before = entry_snapshot(entry)
    for name, value in changes.items():
        if name == "date":
            entry.update(
                date_precision=value.precision.value,
                date_earliest=value.earliest,
                date_latest=value.latest,
                date_sort=midpoint(value),
            )
        elif name == "end_date":
            entry.update(
                end_precision=value.precision.value if value else None,
                end_earliest=value.earliest if value else None,
                end_latest=value.latest if value else None,
            )
        else:
            entry[name] = value
    if "speaker" in changes:
        entry["speaker_key"] = normalise_lookup(entry["speaker"]) if entry["speaker"] else None
    entry["edited_at"] = at
    entry["updated_at"] = at
    return audit_values(
        newsroom_id=entry["newsroom_id"],
        action="entry.edit",
        actor_id=actor_id,
        interaction_id=interaction_id,
        at=at,
        entry_id=entry["id"],
        topic_id=entry["topic_id"],
        before=before,
        after=entry_snapshot(entry),
        reason=reason,
    )


def retract_entry(
    entry: Values,
    *,
    actor_id: int,
    interaction_id: int | None,
    reason: str,
    at: dt.datetime,
    action: str = "entry.retract",
) -> Values:
    """db.writes.retract_entry (also Undo, with action "entry.undo"): updates ``entry``, returns the audit."""
    before = entry_snapshot(entry)
    entry["retracted_at"] = at
    entry["retraction_reason"] = reason
    entry["updated_at"] = at
    return audit_values(
        newsroom_id=entry["newsroom_id"],
        action=action,
        actor_id=actor_id,
        interaction_id=interaction_id,
        at=at,
        entry_id=entry["id"],
        topic_id=entry["topic_id"],
        before=before,
        after=entry_snapshot(entry),
        reason=reason,
    )
