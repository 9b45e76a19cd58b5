"""Hostile-input suite: property-based and targeted tests of every command against hostile input."""
