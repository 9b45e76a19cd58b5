"""Instant alerts and follows in Discord: rendering them and posting (and editing) them, in channels
and in members' direct messages."""
