"""Expected entries in reader views: marked apart from what happened, with their outcome once known."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.expected import UNDATED_TEXT, Knock, Outcome, expectation_label, outcome_label
from bot.core.vocabulary import EntryKind
from bot.render.status import entry_status_text
from bot.render.text import FIELD_VALUE_MAX, clip, inline
from bot.services.outcomes import KnockOn
from db.models import EntryBase

EXPECTED_MARK = "\N{HOURGLASS WITH FLOWING SAND}"


def date_text(entry: EntryBase) -> str:
    """The entry's date as readers see it; an undated expected entry says so."""
    date = entry.date
    return date.render() if date is not None else UNDATED_TEXT


def outcome_text(entry: EntryBase) -> str:
    """ "happened on 21 Sep 2023 (#12)", "did not happen (#12)", or "" while it is unknown."""
    if entry.outcome is None:
        return ""
    ref = f" (`#{entry.outcome_entry_id}`)" if entry.outcome_entry_id else ""
    if entry.outcome == Outcome.HAPPENED.value:
        on = entry.outcome_date
        return f"happened on {on.render()}{ref}" if on is not None else f"happened{ref}"
    return f"{outcome_label(entry.outcome).lower()}{ref}"


def expected_mark(entry: EntryBase) -> str:
    """What a chronology, digest or history line shows in front of an expected entry: "Expected
    (promised)", and how it turned out once a later entry said so; "" for anything else."""
    if entry.expected is None:
        return ""
    mark = f"{EXPECTED_MARK} *Expected ({expectation_label(entry.expected).lower()})"
    outcome = outcome_text(entry)
    return f"{mark}: {outcome}*" if outcome else f"{mark}*"


def expected_note(state: Mapping[str, Any]) -> str:
    """A digest line's note on an entry (as its audit snapshot has it) that is expected: news as
    expected, not as something that happened."""
    if not state.get("expected"):
        return ""
    return f" *Expected ({expectation_label(str(state['expected'])).lower()}).*"


def settled_note(entry: EntryBase) -> str:
    return f"Marked `#{entry.id}` ({expectation_label(entry.expected).lower()}) as {outcome_text(entry)}."


def knock_on_notes(knock_on: KnockOn | None, *, later: EntryBase) -> list[str]:
    """What retracting or restoring `later` did to the expected entry it had settled, as a reply's note."""
    return [] if knock_on is None else [_knock_on_note(knock_on.expected, knock_on.knock, later_id=later.id)]


def _knock_on_note(entry: EntryBase, knock: Knock, *, later_id: int | None) -> str:
    ref = f"`#{entry.id}` ({expectation_label(entry.expected).lower()})"
    if knock is Knock.REOPENED:
        return f"{ref} is expected again: what `#{later_id}` said became of it is cleared."
    if knock is Knock.SETTLED_AGAIN:
        return f"Marked {ref} as {outcome_text(entry)} again."
    if knock is Knock.SETTLED_BY_ANOTHER:
        return f"{ref} stays as `#{entry.outcome_entry_id}` settled it meanwhile: {outcome_text(entry)}."
    return f"{ref} is retracted, so its outcome is not recorded again; restore it and log what became of it."


def _what(entry: EntryBase) -> str:
    if entry.kind == EntryKind.STATUS.value:
        return entry_status_text(entry)
    return f"**{inline(entry.headline or '')}**"


def expected_lines(entries: Sequence[EntryBase], *, pending: int) -> str:
    """The card's Expected part: the next expected entries not yet settled, dated ones first; `pending`
    is how many there are in all."""
    budget = (FIELD_VALUE_MAX - 80) // max(len(entries), 1)
    lines = [
        clip(
            f"`#{e.id}` **{date_text(e)}** · {expectation_label(e.expected)}: {_what(e)}",
            budget,
        )
        for e in entries
    ]
    if pending > len(entries):
        lines.append(f"…and {pending - len(entries)} more in the chronology.")
    return "\n".join(lines)
