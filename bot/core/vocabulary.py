"""The vocabulary: kinds of entry and statement, and the two closed, ordered axes of a story's status."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class EntryKind(enum.StrEnum):
    STATUS = "status"
    STATEMENT = "statement"
    EVENT = "event"


class StatementKind(enum.StrEnum):
    QUOTE = "quote"
    PARAPHRASE = "paraphrase"
    SUMMARY = "summary"


class Decision(enum.StrEnum):
    """Where the decision stands: the first axis of a story's status."""

    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    DECLINED = "declined"
    ON_HOLD = "on_hold"


class Delivery(enum.StrEnum):
    """What has been delivered of it: the second axis, kept apart from the decision as aid trackers
    keep committed and delivered apart."""

    NONE_ANNOUNCED = "none_announced"
    ANNOUNCED = "announced"
    PARTLY_DELIVERED = "partly_delivered"
    DELIVERED = "delivered"


@dataclass(frozen=True, slots=True)
class StatusInfo:
    label: str
    explanation: str
    emoji: str


# Order matters: it is the order editors see in `/log status` and in help texts.
DECISION_INFO: dict[Decision, StatusInfo] = {
    Decision.UNDER_REVIEW: StatusInfo(
        "Under review", "Being considered; no decision has been announced.", "\N{LEFT-POINTING MAGNIFYING GLASS}"
    ),
    Decision.APPROVED: StatusInfo("Approved", "A decision in favour has been made.", "\N{WHITE HEAVY CHECK MARK}"),
    Decision.DECLINED: StatusInfo("Declined", "A decision against has been announced.", "\N{NO ENTRY SIGN}"),
    Decision.ON_HOLD: StatusInfo(
        "On hold",
        "Paused: work or a decision is suspended for now.",
        "\N{DOUBLE VERTICAL BAR}\N{VARIATION SELECTOR-16}",
    ),
}
DELIVERY_INFO: dict[Delivery, StatusInfo] = {
    Delivery.NONE_ANNOUNCED: StatusInfo(
        "None announced", "No delivery has been announced.", "\N{WHITE MEDIUM SQUARE}\N{VARIATION SELECTOR-16}"
    ),
    Delivery.ANNOUNCED: StatusInfo(
        "Announced", "Delivery has been announced but not confirmed.", "\N{PUBLIC ADDRESS LOUDSPEAKER}"
    ),
    Delivery.PARTLY_DELIVERED: StatusInfo(
        "Partly delivered", "Some of what was committed has been confirmed as delivered.", "\N{PACKAGE}"
    ),
    Delivery.DELIVERED: StatusInfo("Delivered", "Delivery has been confirmed in full.", "\N{CHEQUERED FLAG}"),
}

# The single ladder stored before the two axes, as the migration to them mapped it: documents and seeds
# written before still carry these values.
LEGACY_STATUS: dict[str, tuple[Decision, Delivery]] = {
    "under_review": (Decision.UNDER_REVIEW, Delivery.NONE_ANNOUNCED),
    "approved": (Decision.APPROVED, Delivery.NONE_ANNOUNCED),
    "announced": (Decision.APPROVED, Delivery.ANNOUNCED),
    "partially_delivered": (Decision.APPROVED, Delivery.PARTLY_DELIVERED),
    "delivered": (Decision.APPROVED, Delivery.DELIVERED),
    "on_hold": (Decision.ON_HOLD, Delivery.NONE_ANNOUNCED),
    "declined": (Decision.DECLINED, Delivery.NONE_ANNOUNCED),
}
LEGACY_LABELS = {
    "under_review": "Under review",
    "approved": "Approved",
    "announced": "Announced, not delivered",
    "partially_delivered": "Partially delivered",
    "delivered": "Delivered",
    "on_hold": "On hold",
    "declined": "Declined",
}


def _unknown(value: str) -> StatusInfo:
    return StatusInfo(value, "Unrecognised status value.", "\N{BLACK QUESTION MARK ORNAMENT}")


def decision_info(value: str) -> StatusInfo:
    """Label and explanation for a stored decision (unknown values render honestly, not crash)."""
    try:
        return DECISION_INFO[Decision(value)]
    except ValueError:
        return _unknown(value)


def delivery_info(value: str) -> StatusInfo:
    """Label and explanation for a stored delivery state (unknown values render honestly, not crash)."""
    try:
        return DELIVERY_INFO[Delivery(value)]
    except ValueError:
        return _unknown(value)


def legacy_status_label(value: str) -> str:
    """A value of the single ladder, as audit records written before the two axes hold it."""
    return LEGACY_LABELS.get(value, value)


def legacy_axes(value: str | None) -> tuple[str | None, str | None]:
    """The decision and delivery a value of the single ladder maps to; an unknown one stays the
    decision, unrecognised, rather than being guessed at."""
    if value is None:
        return None, None
    mapped = LEGACY_STATUS.get(value)
    return (mapped[0].value, mapped[1].value) if mapped else (value, None)
