"""The vocabulary: kinds of entry and statement, and the closed, ordered set of states a story can be in."""

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


class Status(enum.StrEnum):
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    ANNOUNCED_NOT_DELIVERED = "announced"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    ON_HOLD = "on_hold"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class StatusInfo:
    label: str
    explanation: str
    emoji: str


# Order matters: it is the order editors see in `/log status` and in help texts,
# roughly following a story's life from review to delivery.
STATUS_INFO: dict[Status, StatusInfo] = {
    Status.UNDER_REVIEW: StatusInfo(
        "Under review", "Being considered; no decision has been announced.", "\N{LEFT-POINTING MAGNIFYING GLASS}"
    ),
    Status.APPROVED: StatusInfo(
        "Approved",
        "A decision in favour has been made; nothing announced about delivery yet.",
        "\N{WHITE HEAVY CHECK MARK}",
    ),
    Status.ANNOUNCED_NOT_DELIVERED: StatusInfo(
        "Announced, not delivered",
        "Publicly announced, but delivery has not been confirmed.",
        "\N{PUBLIC ADDRESS LOUDSPEAKER}",
    ),
    Status.PARTIALLY_DELIVERED: StatusInfo(
        "Partially delivered", "Some of what was announced has been confirmed as delivered.", "\N{PACKAGE}"
    ),
    Status.DELIVERED: StatusInfo("Delivered", "Delivery has been confirmed in full.", "\N{CHEQUERED FLAG}"),
    Status.ON_HOLD: StatusInfo(
        "On hold",
        "Paused: work or a decision is suspended for now.",
        "\N{DOUBLE VERTICAL BAR}\N{VARIATION SELECTOR-16}",
    ),
    Status.DECLINED: StatusInfo("Declined", "A decision against has been announced.", "\N{NO ENTRY SIGN}"),
}


def status_info(value: str) -> StatusInfo:
    """Label and explanation for a stored status value (unknown values render honestly, not crash)."""
    try:
        return STATUS_INFO[Status(value)]
    except ValueError:
        return StatusInfo(value, "Unrecognised status value.", "\N{BLACK QUESTION MARK ORNAMENT}")
