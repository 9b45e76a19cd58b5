"""Errors whose message is written for the person who ran the command."""

from __future__ import annotations

from collections.abc import Sequence


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
        shown = (query if len(query) <= 40 else query[:39] + "…").replace("`", "'")
        message = f"No topic matches `{shown}` in this newsroom."
        if self.suggestions:
            message += " Did you mean " + ", ".join(f"`{s}`" for s in self.suggestions) + "?"
        else:
            message += " `/topics` lists the tracked topics."
        super().__init__(message)


class EntryNotFound(NotFoundError):
    def __init__(self, ref: str) -> None:
        super().__init__(f"No entry `{ref}` in this newsroom. Entry ids look like `#123`.")


class NotEditorError(UserFacingError):
    pass


class InvalidInput(UserFacingError):
    pass
