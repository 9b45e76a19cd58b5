"""Errors whose message is written for the person who ran the command."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

ECHO_MAX = 40


def echoed(text: str, limit: int = ECHO_MAX) -> str:
    """User input quoted back inside a `code span`: clipped, on one line, with backticks (which would end
    the span and let markdown or mention syntax render) and characters that cannot be sent replaced."""
    shown = "".join(
        "\N{REPLACEMENT CHARACTER}" if unicodedata.category(c) in ("Cs", "Cc") else c
        for c in " ".join(text.split())[: limit + 1]
    ).replace("`", "'")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class UserFacingError(Exception):
    """Shown to the user as a short ephemeral message; nothing has been changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(UserFacingError):
    pass


class TopicNotFound(NotFoundError):
    def __init__(self, query: str, suggestions: Sequence[str] = ()) -> None:
        self.query = query
        self.suggestions = list(suggestions)
        shown = echoed(query)
        message = f"No topic matches `{shown}` in this newsroom."
        if self.suggestions:
            message += " Did you mean " + ", ".join(f"`{s}`" for s in self.suggestions) + "?"
        else:
            message += " `/topics` lists the tracked topics."
        super().__init__(message)


class EntryNotFound(NotFoundError):
    def __init__(self, ref: str) -> None:
        super().__init__(f"No entry `{echoed(ref)}` in this newsroom. Entry ids look like `#123`.")


class InvalidButton(UserFacingError):
    """A button or form whose id no longer leads anywhere: forged, or from a format since retired."""

    def __init__(self) -> None:
        super().__init__(
            "This button is out of date or invalid: run the command again for a fresh one. Nothing was changed."
        )


class FormExpired(UserFacingError):
    """A form submitted after it expired, by someone other than who opened it, or with a forged id."""

    def __init__(self) -> None:
        super().__init__(
            "This form has expired (a form lasts 24 hours and only for whoever opened it), so nothing was "
            "saved. Open the form again from the command or button that opened it."
        )


class NotEditorError(UserFacingError):
    pass


class InvalidInput(UserFacingError):
    pass


class DuplicateEntry(InvalidInput):
    """A live entry of the topic already says the same thing (bot.core.matching.entry_fingerprint)."""

    _SAME = {
        "status": "status change (same decision, delivery, quantities and date)",
        "statement": "statement (same speaker, date and text)",
        "event": "event (same headline and date)",
    }

    def __init__(self, kind: str, entry_id: int, *, interaction_id: int | None = None) -> None:
        self.entry_id = entry_id
        # The interaction that logged the first: a retried delivery of it is answered with that entry.
        self.interaction_id = interaction_id
        what = self._SAME.get(kind, "entry")
        super().__init__(
            f"This {what} is already logged as #{entry_id}. `/entry history id:#{entry_id}` shows it; "
            "nothing was changed."
        )
