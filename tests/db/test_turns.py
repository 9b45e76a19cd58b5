"""TurnTimer gives the event loop a turn once its budget is spent, and not before."""

from __future__ import annotations

import asyncio

from db.turns import TurnTimer


async def _turns_given(timer: TurnTimer, calls: int) -> int:
    ran = 0

    async def other() -> None:
        nonlocal ran
        while True:
            ran += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(other())
    await asyncio.sleep(0)  # let it start
    ran = 0
    for _ in range(calls):
        await timer.share()
    task.cancel()
    return ran


async def test_a_spent_budget_gives_the_loop_a_turn_each_time() -> None:
    assert await _turns_given(TurnTimer(budget=0.0), 5) == 5


async def test_an_unspent_budget_keeps_the_turn() -> None:
    assert await _turns_given(TurnTimer(budget=60.0), 5) == 0
