"""Export documents written before every fact needed a source, brought up to the current rule on import.

An entry without a source gets an honest unsourced reason; background facts get ids and their topic
the last id issued. A current document passes through unchanged, so export, import, export still
gives the same bytes.
"""

from __future__ import annotations

from typing import Any

from bot.core.background import normalise
from bot.core.sourcing import imported_reason


def _topic(row: Any) -> Any:
    if not isinstance(row, dict) or "fact_seq" in row or not isinstance(row.get("background", []), list):
        return row
    facts, seq = normalise([f for f in row.get("background") or [] if isinstance(f, dict)])
    return {**row, "background": facts, "fact_seq": seq}


def _entry(row: Any) -> Any:
    if not isinstance(row, dict) or row.get("unsourced_reason") or row.get("source_name"):
        return row
    return {**row, "unsourced_reason": imported_reason(row.get("source_name"), None)}


def upgrade_document(document: Any) -> Any:
    """The document with its topics and entries meeting the sourcing rule; other parts as they are."""
    if not isinstance(document, dict):
        return document
    upgraded = dict(document)
    if isinstance(document.get("topics"), list):
        upgraded["topics"] = [_topic(row) for row in document["topics"]]
    if isinstance(document.get("entries"), list):
        upgraded["entries"] = [_entry(row) for row in document["entries"]]
    return upgraded
