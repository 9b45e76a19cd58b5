"""How a typed name was read, for the reply to say ("Showing `atacms` (closest to "atcms")").

Noted where a topic is found by a close spelling (db.topics), taken where the reply is sent (the
Discord layer). A context variable, because the lookup sits deep under every command that names a
topic, each through its own use case: returning the reading through all of them would touch every
command for one line of text. Each interaction runs in its own task, so its notes are its own.
"""

from __future__ import annotations

from contextvars import ContextVar

from bot.core.errors import echoed

_NOTES: ContextVar[tuple[str, ...]] = ContextVar("readings", default=())


def note_closest(slug: str, typed: str) -> None:
    _NOTES.set((*_NOTES.get(), f'Showing `{slug}` (closest to "{echoed(typed)}")'))


def start() -> None:
    """Forget notes of anything earlier in this context: a new interaction starts."""
    _NOTES.set(())


def take() -> tuple[str, ...]:
    """The notes so far, each once: a reply that shows them clears them."""
    notes = _NOTES.get()
    _NOTES.set(())
    return notes
