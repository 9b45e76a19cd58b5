"""Hostile-input suite: Hypothesis profiles and its fixtures (a live desk reused across examples, the checker).

Profiles (registered here, applied only to this suite unless chosen for the whole run):

* ``hostile-ci`` (the default): few, derandomized examples so the suite is fast and deterministic.
* ``thorough``: many random examples. Choose it with ``HYPOTHESIS_PROFILE=thorough`` (any pytest
  invocation) or ``pytest tests/hostile --hypothesis-profile=thorough``.

``HYPOTHESIS_PROFILE=ci`` means ``hostile-ci``; any other registered profile name is used as is;
``HOSTILE_CI_EXAMPLES=N`` changes how many examples ``hostile-ci`` runs per command (default 25). The
built-in ``ci`` profile that Hypothesis loads under ``CI=true`` is left alone, so the rest of the test
suite keeps its own example counts.

The property tests are synchronous Hypothesis tests. Each test function gets one ``LiveDesk``: an
``asyncio.Runner`` whose loop owns the database, the bot and the harness for the whole test, so every
example runs on the same loop and the desk is built once, not once per example. Examples therefore see
the state earlier examples left, which is why every check is an invariant, never "fresh state".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.conftest import BACKENDS, drop_database, make_database
from tests.hostile.checker import Checker, error_log
from tests.hostile.live_desk import LiveDesk
from tests.newsroom import Desk, prepare_newsrooms, running_desk

# --------------------------------------------------------------------------------------------------
# Hypothesis profiles
# --------------------------------------------------------------------------------------------------
PROFILE_ENV = "HYPOTHESIS_PROFILE"
CI_PROFILE = "hostile-ci"
THOROUGH_PROFILE = "thorough"
# Async database work per example makes timing meaningless, and the strings are large on purpose.
_REQUIRED = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}
settings.register_profile(
    CI_PROFILE, max_examples=int(os.environ.get("HOSTILE_CI_EXAMPLES", "25")), derandomize=True, database=None,
    print_blob=True, **_REQUIRED,
)  # fmt: skip
settings.register_profile(THOROUGH_PROFILE, max_examples=400, derandomize=False, print_blob=True, **_REQUIRED)


def chosen_profile() -> str:
    requested = os.environ.get(PROFILE_ENV, "").strip()
    if not requested:
        requested = settings.get_current_profile_name()
        if requested != THOROUGH_PROFILE:
            requested = CI_PROFILE
    return {"ci": CI_PROFILE}.get(requested, requested)


@pytest.fixture
def hostile_settings() -> settings:
    """The settings every property test runs under (the chosen profile plus what this suite needs)."""
    return settings(settings.get_profile(chosen_profile()), **_REQUIRED)


@contextlib.asynccontextmanager
async def _running(backend: str, tmp_path: Path) -> AsyncIterator[Desk]:
    database, schema = await make_database(backend, tmp_path)
    try:
        await prepare_newsrooms(database)
        async with running_desk(database) as desk:
            yield desk
    finally:
        await drop_database(database, schema)


@pytest.fixture(params=BACKENDS)
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveDesk]:
    """A desk on its own event loop, for synchronous Hypothesis tests (one per test function)."""
    with asyncio.Runner() as runner, error_log() as log, contextlib.ExitStack() as stack:
        cm = _running(request.param, tmp_path)
        desk = runner.run(cm.__aenter__())
        stack.callback(lambda: runner.run(cm.__aexit__(None, None, None)))
        live_desk = LiveDesk(runner, desk, log)
        live_desk.run(live_desk.setup())
        yield live_desk


@pytest.fixture
def checker(desk: Desk) -> Iterator[Checker]:
    """The same checks for plain async tests on the shared ``desk`` fixture."""
    with error_log() as log:
        yield Checker(desk.harness, desk.database, log)
