"""The offline console: the real slash commands, dispatched locally, printed as text."""

from bot.console.loop import run_console

__all__ = ["run_console"]
