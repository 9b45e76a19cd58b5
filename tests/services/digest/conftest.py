"""The digest fixtures of tests/digest, for the runner's and the use cases' tests."""

from tests.digest.conftest import clock, h, room, store

__all__ = ["clock", "h", "room", "store"]
