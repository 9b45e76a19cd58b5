"""Line history for the interactive console: up-arrow recall, kept between sessions in the data directory."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

LENGTH = 1000


class History:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._readline: Any = None

    def load(self) -> None:
        try:
            import readline
        except ImportError:  # some platforms have no readline: the console still works, without recall
            return
        self._readline = readline
        # One process may run several consoles (tests do): each starts from the file, not the last one's lines.
        readline.clear_history()
        readline.set_history_length(LENGTH)
        with contextlib.suppress(OSError):
            readline.read_history_file(self.path)

    def save(self) -> None:
        if self._readline is None:
            return
        # Losing the history must never lose the session's work, which is already in the database.
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._readline.write_history_file(self.path)
