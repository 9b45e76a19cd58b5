"""Every fact sourced: an entry names its source, or says openly why it has none.

An entry holds either a source name (with an optional URL) or an unsourced reason, never both and
never neither, so readers always see where a fact came from or why it is not known yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.errors import InvalidInput
from bot.core.validation import clean_text, clean_url

# What an entry or fact stored before sources were required says in place of one.
NOT_RECORDED = "No source was recorded"

NEITHER = (
    "Give a `source` (who or what reported it, with an optional `url`), or mark it unsourced with "
    "`unsourced` and the reason readers will see (e.g. “Seen by our reporter, not yet published”). "
    "Nothing was saved."
)
BOTH = (
    "Give either a `source` or an `unsourced` reason, not both: drop `unsourced` if the source is known, "
    "or drop `source` (and `url`) to log it as unsourced. Nothing was saved."
)
URL_ALONE = "A `url` needs a `source` name: readers see the name, linked. Nothing was saved."


@dataclass(frozen=True, slots=True)
class Sourcing:
    source_name: str
    source_url: str | None
    unsourced_reason: str | None

    def fields(self) -> dict[str, Any]:
        """As an entry's columns."""
        return {
            "source_name": self.source_name,
            "source_url": self.source_url,
            "unsourced_reason": self.unsourced_reason,
        }


def sourcing(source: str | None, url: str | None, unsourced: str | None) -> Sourcing:
    """The source options of a new entry, cleaned; `require_sourced` checks them once the editor and
    the topic are known to be right, so those refusals come first."""
    return Sourcing(
        clean_text("source", source) or "", clean_url(url), clean_text("reason", unsourced, label="unsourced")
    )


def require_sourced(source_name: str, source_url: str | None, unsourced_reason: str | None) -> None:
    """Exactly one of a source and an unsourced reason; a URL only with a source's name."""
    if unsourced_reason and (source_name or source_url):
        raise InvalidInput(BOTH)
    if not source_name and not unsourced_reason:
        raise InvalidInput(URL_ALONE if source_url else NEITHER)


SOURCE_COLUMNS = frozenset({"source_name", "source_url", "unsourced_reason"})


def sourced_changes(source_name: str, changes: dict[str, Any]) -> dict[str, Any]:
    """An edit's changes, with what changing a source field does to the other two (source_edit)."""
    out: dict[str, Any] = {}
    for column, value in changes.items():
        out.update(
            source_edit({"source_name": source_name}, column, value) if column in SOURCE_COLUMNS else {column: value}
        )
    return out


def source_edit(current: dict[str, Any], column: str, value: Any) -> dict[str, Any]:
    """The changes one `/entry edit` of a source field makes: giving a source clears the unsourced
    mark and marking unsourced clears the source, but no edit leaves an entry with neither."""
    if column == "source_name":
        if not value:
            raise InvalidInput(
                "An entry keeps a source: to log it as unsourced, edit the field `unsourced` with the "
                "reason readers will see. Nothing was changed."
            )
        return {"source_name": value, "unsourced_reason": None}
    if column == "unsourced_reason":
        if not value:
            raise InvalidInput(
                "An unsourced entry needs a source before its mark can go: edit the field `source`. "
                "Nothing was changed."
            )
        return {"source_name": "", "source_url": None, "unsourced_reason": value}
    if column == "source_url" and value and not current.get("source_name"):
        raise InvalidInput(URL_ALONE.replace("saved", "changed"))
    return {column: value}


def imported_reason(source_name: str | None, reason: str | None) -> str | None:
    """The unsourced reason a row written before sources were required gets: an honest one."""
    if reason or source_name:
        return reason
    return NOT_RECORDED
