"""A status on two axes as readers see it: "Decision: Approved (since 11 Sep 2023) · Delivery: Partly
delivered, 100 of 300 missiles", for the card, lists, entry views, history and the digest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.status_axes import QUANTITIES, Quantity, quantity_text, snapshot_axes
from bot.core.vocabulary import StatusInfo, decision_info, delivery_info, legacy_status_label
from bot.render.text import clip, inline
from bot.services.reader import StatusNow
from db.models import EntryBase

NO_STATUS = "No status has been logged yet."
# A status change's stored values by column, as labels; audit records written before the two axes keep
# the single status.
_AXIS_LABELS = {
    "status": legacy_status_label,
    "decision": lambda value: decision_info(value).label,
    "delivery": lambda value: delivery_info(value).label,
}


def field_value_label(column: str, value: Any) -> str | None:
    """A status column's value as readers know it (None for any other column)."""
    if column in _AXIS_LABELS:
        return _AXIS_LABELS[column](str(value))
    if column in QUANTITIES and isinstance(value, int | float):
        return quantity_text(float(value))
    return None


def _unit(unit: str) -> str:
    return inline(clip(unit, 50))


def quantities_text(committed: Quantity | None, delivered: Quantity | None) -> str:
    """The latest quantities as readers say them, e.g. "100 of 300 missiles"; each names its own unit
    when the two differ."""
    if committed is not None and delivered is not None:
        if " ".join(committed.unit.casefold().split()) == " ".join(delivered.unit.casefold().split()):
            return f"{quantity_text(delivered.amount)} of {quantity_text(committed.amount)} {_unit(committed.unit)}"
        return (
            f"{quantity_text(delivered.amount)} {_unit(delivered.unit)} delivered of "
            f"{quantity_text(committed.amount)} {_unit(committed.unit)} committed"
        )
    if committed is not None:
        return f"{quantity_text(committed.amount)} {_unit(committed.unit)} committed"
    if delivered is not None:
        return f"{quantity_text(delivered.amount)} {_unit(delivered.unit)} delivered"
    return ""


def _quantities_of(values: Mapping[str, Any] | EntryBase) -> tuple[Quantity | None, Quantity | None]:
    get = values.get if isinstance(values, Mapping) else lambda name: getattr(values, name)
    unit = str(get("unit") or "")
    committed, delivered = (get(name) for name in ("committed", "delivered"))
    return (
        Quantity(float(committed), unit) if committed is not None else None,
        Quantity(float(delivered), unit) if delivered is not None else None,
    )


def axis_parts(
    decision: str | None,
    delivery: str | None,
    quantities: str = "",
    *,
    bold: bool = False,
    old: Mapping[str, str | None] | None = None,
) -> list[str]:
    """The axes set, e.g. "Decision: Approved" and "Delivery: Partly delivered, 100 of 300 missiles",
    each with its value before (`old`) where one is given and differs."""
    mark = "**" if bold else ""
    parts: list[str] = []
    for axis, value, info in (("Decision", decision, decision_info), ("Delivery", delivery, delivery_info)):
        if value is None:
            continue
        label = info(value).label
        before = (old or {}).get(axis.lower())
        if before is not None and before != value:
            label = f"{info(before).label} → {label}"
        parts.append(f"{axis}: {mark}{label}{mark}")
    # Quantities say what was delivered of what was committed: with the delivery where there is one.
    if quantities and delivery is not None:
        parts[-1] += f", {quantities}"
    elif quantities:
        parts.append(quantities)
    return parts


def entry_status_text(entry: EntryBase, *, bold: bool = True) -> str:
    """What one status change says: the axes it sets and the quantities it gives."""
    quantities = quantities_text(*_quantities_of(entry))
    return " · ".join(axis_parts(entry.decision, entry.delivery, quantities, bold=bold))


def snapshot_status_text(state: Mapping[str, Any], *, bold: bool = False, old: Mapping[str, Any] | None = None) -> str:
    """The same, from an audit snapshot (older records carry the single status, read as two axes)."""
    decision, delivery = snapshot_axes(state)
    quantities = quantities_text(*_quantities_of(state))
    return " · ".join(axis_parts(decision, delivery, quantities, bold=bold, old=old)) or "no status"


def status_emoji(decision: str | None, delivery: str | None) -> str:
    """The delivery's mark once there is one to report, else the decision's."""
    info: StatusInfo | None = None
    if delivery is not None:
        info = delivery_info(delivery)
    if decision is not None and (info is None or delivery == "none_announced"):
        info = decision_info(decision)
    return info.emoji if info else "\N{ROUND PUSHPIN}"


def _since(entry: EntryBase) -> str:
    # A current status change is never expected, so never undated; the check is for the type only.
    date = entry.date
    return f" (since {date.render()})" if date is not None else ""


def status_now_text(now: StatusNow) -> str:
    """One line for a list: "Decision: Approved (since 11 Sep 2023) · Delivery: …"."""
    if now.decision is None and now.delivery is None and now.committed is None and now.delivered is None:
        return "no status yet"
    parts = []
    for axis, entry, info in (("Decision", now.decision, decision_info), ("Delivery", now.delivery, delivery_info)):
        if entry is not None:
            parts.append(f"{axis}: {info(getattr(entry, axis.lower()) or '').label}{_since(entry)}")
    quantities = quantities_text(now.committed, now.delivered)
    if quantities:
        parts.append(quantities)
    emoji = status_emoji(
        now.decision.decision if now.decision else None, now.delivery.delivery if now.delivery else None
    )
    return f"{emoji} " + " · ".join(parts)


def status_now_lines(now: StatusNow) -> list[str]:
    """The card's status: a line per axis with what it means and since when."""
    lines: list[str] = []
    quantities = quantities_text(now.committed, now.delivered)
    for axis, entry, info in (("Decision", now.decision, decision_info), ("Delivery", now.delivery, delivery_info)):
        if entry is None:
            continue
        described = info(getattr(entry, axis.lower()) or "")
        extra = f", {quantities}" if axis == "Delivery" and quantities else ""
        lines.append(f"{described.emoji} **{axis}: {described.label}**{extra}{_since(entry)} — {described.explanation}")
    if quantities and now.delivery is None:
        lines.append(f"\N{PACKAGE} {quantities}")
    return lines
