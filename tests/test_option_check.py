"""The option check on option types no command declares yet (numbers, unbounded integers, entities)."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from bot.option_check import INT64_MAX, INT64_MIN, value_problem


@app_commands.command(name="probe", description="Every kind of option")
async def probe(
    interaction: discord.Interaction,
    ratio: app_commands.Range[float, 0, 1],
    anything: int,
    role: discord.Role,
    amount: float,
) -> None:
    raise AssertionError("never run")


PARAMS = {p.name: p for p in probe.parameters}


@pytest.mark.parametrize(
    ("option", "value", "problem"),
    [
        ("ratio", 0.5, None),
        ("ratio", 1, None),
        ("ratio", 1.5, "`ratio` must be a number from 0 to 1."),
        ("ratio", "0.5", "`ratio` must be a number"),
        ("ratio", True, "`ratio` must be a number"),
        ("amount", float("inf"), "`amount` must be a number"),
        ("amount", float("nan"), "`amount` must be a number"),
        ("amount", 10**400, "`amount` must be a number"),
        ("anything", INT64_MAX, None),
        ("anything", INT64_MIN, None),
        ("anything", INT64_MAX + 1, f"`anything` must be a whole number from {INT64_MIN} to {INT64_MAX}."),
        ("anything", 1.0, f"`anything` must be a whole number from {INT64_MIN} to {INT64_MAX}."),
        ("role", "123", None),
        ("role", str(2**64), "`role` must name a member, role or channel of this server."),
        ("role", 123, "`role` must name a member, role or channel of this server."),
        ("role", "\uff11", "`role` must name a member, role or channel of this server."),
    ],
)
def test_value_problem_for_every_kind_of_option(option: str, value: Any, problem: str | None) -> None:
    assert value_problem(PARAMS[option], value) == problem
