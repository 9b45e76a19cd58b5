"""A topic's background facts: each with a stable id, never reused within the topic, and a source.

Stored as a list of plain mappings in the topic's row ({id, fact, source, url}, and `unsourced` for a
fact stored before sources were required), so the status card stays one read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.core.errors import InvalidInput, NotFoundError
from bot.core.sourcing import NOT_RECORDED

# A card shows at most this many; more would not fit its one field.
MAX_FACTS = 10
FACT_MAX = 300


class FactNotFound(NotFoundError):
    def __init__(self, fact_id: int | str, slug: str) -> None:
        super().__init__(f"No background fact `#{fact_id}` on `{slug}`. The `fact` option suggests this topic's facts.")


def fact_ref(value: str) -> int:
    """A fact id as typed or picked: `3` or `#3`."""
    text = value.strip().lstrip("#")
    if not text.isdigit() or len(text) > 9:
        raise InvalidInput("A fact is picked from the suggestions, or typed as its id, e.g. `#3`.")
    return int(text)


def make_fact(fact_id: int, text: str, source: str, url: str | None) -> dict[str, Any]:
    return {"id": fact_id, "fact": text, "source": source, "url": url}


def normalise(raw: Iterable[dict[str, Any]], seq: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Facts with ids and a source or an unsourced mark, and the last id issued: ids already given
    are kept, facts without one get the next; a fact without a source is marked as not recorded."""
    facts: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    for item in raw:
        fact = {
            "id": item.get("id"),
            "fact": str(item.get("fact", "")),
            "source": str(item.get("source") or ""),
            "url": item.get("url") or None,
        }
        unsourced = item.get("unsourced") or (None if fact["source"] else NOT_RECORDED)
        if unsourced:
            fact["unsourced"] = str(unsourced)
        if isinstance(fact["id"], int) and fact["id"] > 0 and fact["id"] not in {f["id"] for f in facts}:
            seq = max(seq, fact["id"])
        else:
            pending.append(fact)
        facts.append(fact)
    for fact in pending:
        seq += 1
        fact["id"] = seq
    return facts, seq


def find(facts: list[dict[str, Any]], fact_id: int, slug: str) -> int:
    """The index of the fact with that id."""
    for index, fact in enumerate(facts):
        if fact.get("id") == fact_id:
            return index
    raise FactNotFound(fact_id, slug)
