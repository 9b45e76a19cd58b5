"""A status change on two axes: the decision and the delivery it sets, and the quantities it gives.

A status change sets one axis or both; a story's state on each axis is that of its latest live
status change setting it. Quantities (committed and delivered, in one unit) are optional.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.errors import InvalidInput
from bot.core.validation import clean_text
from bot.core.vocabulary import DECISION_INFO, DELIVERY_INFO, Decision, Delivery, legacy_axes

AXES = ("decision", "delivery")
QUANTITIES = ("committed", "delivered")
# The fields of an entry (and of a draft) that say what a status change says.
STATUS_FIELDS = (*AXES, *QUANTITIES, "unit")
# Far beyond any count a newsroom reports, and exact as a float.
QUANTITY_MAX = 1e12


@dataclass(frozen=True, slots=True)
class Quantity:
    amount: float
    unit: str


def check_status_change(
    *,
    decision: str | None,
    delivery: str | None,
    committed: float | None = None,
    delivered: float | None = None,
    unit: str | None = None,
) -> None:
    """Refuse a status change that sets neither axis, names a value outside them, or gives
    quantities that cannot be read (what it is refused for is said)."""
    if decision is None and delivery is None:
        raise InvalidInput("A status change needs a `decision`, a `delivery`, or both.")
    if decision is not None and decision not in Decision.__members__.values():
        raise InvalidInput("`decision` must be one of: " + ", ".join(d.value for d in Decision))
    if delivery is not None and delivery not in Delivery.__members__.values():
        raise InvalidInput("`delivery` must be one of: " + ", ".join(d.value for d in Delivery))
    for name, value in (("committed", committed), ("delivered", delivered)):
        if value is not None and not (math.isfinite(value) and 0 <= value <= QUANTITY_MAX):
            raise InvalidInput(f"`{name}` must be a number from 0 to {QUANTITY_MAX:,.0f}; {value:g} is not.")
    if committed is not None and delivered is not None and delivered > committed:
        raise InvalidInput(
            f"`delivered` ({quantity_text(delivered)}) is more than `committed` ({quantity_text(committed)}); "
            "give the committed total as it now stands."
        )
    if (committed is not None or delivered is not None) and not unit:
        raise InvalidInput("A quantity needs its `unit`, e.g. `missiles` or `million USD`.")
    if unit and committed is None and delivered is None:
        raise InvalidInput("A `unit` needs a quantity: give `committed`, `delivered` or both.")


def check_fields(get: Callable[[str], Any]) -> None:
    """check_status_change on an entry's or a draft's fields, read by name."""
    check_status_change(**{name: get(name) for name in STATUS_FIELDS})


def status_changes(field: str, value: str) -> dict[str, Any]:
    """What a correction of one status field typed as `value` changes: a decision or delivery by its
    value or label; a quantity as a number, which may carry its unit ("300 missiles": a status change
    without quantities has no unit to keep); a unit as text. "-" clears the field (the entry as
    corrected is then checked whole, bot.core.status_axes.check_fields)."""
    typed = " ".join(value.split())
    if typed == "-":
        return {field: None}
    if field in AXES:
        infos = DECISION_INFO if field == "decision" else DELIVERY_INFO
        wanted = typed.casefold().replace("_", " ")
        for member, info in infos.items():
            if wanted in (member.value.replace("_", " "), info.label.casefold()):
                return {field: member.value}
        raise InvalidInput(f"`{field}` must be one of: " + ", ".join(info.label for info in infos.values()))
    if field in QUANTITIES:
        number, _, unit = typed.partition(" ")
        try:
            amount = float(number.replace(",", ""))
        except ValueError:
            raise InvalidInput(
                f"`{field}` must be a number, e.g. 300, or a number and its unit: 300 missiles."
            ) from None
        if not (math.isfinite(amount) and 0 <= amount <= QUANTITY_MAX):
            raise InvalidInput(f"`{field}` must be a number from 0 to {QUANTITY_MAX:,.0f}.")
        return {field: amount, "unit": clean_text("unit", unit)} if unit else {field: amount}
    return {field: clean_text(field, value)}


def quantity_text(value: float) -> str:
    """A quantity as a reader writes it: 300, 1,500, 2.5."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def status_said(get: Callable[[str], Any]) -> str:
    """What a status change says (its fields read by name), as one text for its fingerprint
    (bot.core.matching)."""
    amounts = "/".join("" if get(name) is None else repr(float(get(name))) for name in QUANTITIES)
    unit = " ".join(str(get("unit") or "").casefold().split())
    return "|".join((get("decision") or "", get("delivery") or "", amounts, unit))


def snapshot_axes(state: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The decision and delivery an audit snapshot says: records written before the two axes carry
    the single `status`, read as the migration to them mapped it."""
    if "decision" in state or "delivery" in state:
        return state.get("decision"), state.get("delivery")
    return legacy_axes(state.get("status"))


def current_shape(state: Mapping[str, Any]) -> dict[str, Any]:
    """An entry's snapshot with the single `status` of older records read as the two axes."""
    if "status" not in state:
        return dict(state)
    shaped = {name: value for name, value in state.items() if name != "status"}
    shaped["decision"], shaped["delivery"] = snapshot_axes(state)
    return shaped
