"""Reminders in the editors' channel through discord.py: rendering and posting them."""
