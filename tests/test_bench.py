"""The benchmark runs end to end from the repository root, its data loaded through `newsdesk import`.

No timing is asserted anywhere: CI machines are noisy, and the numbers are for people to read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL")
COMMANDS = {
    "status",
    "latest",
    "chronology",
    "chronology_deep",
    "topics",
    "topics_big",
    "autocomplete",
    "log_status",
    "floor",
    "search_word",
    "search_phrase",
    "search_three",
    "search_common",
    "speaker",
    "ask",
}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_small_profile_completes_and_writes_every_command(tmp_path: Path, backend: str) -> None:
    out = tmp_path / "results"
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # the bench picks its own (temporary) database or schema
    database = ["--database-url", PG_URL] if backend == "postgresql" and PG_URL else []
    done = subprocess.run(
        # As the README says to run it: from the repository root, where `bench` is importable
        # without being installed.
        [sys.executable, "-m", "bench", "--small", "--output", str(out), *database],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]

    results = json.loads((out / "bench-results.json").read_text(encoding="utf-8"))
    assert set(results["commands"]) == COMMANDS
    for key, command in results["commands"].items():
        assert command["n"] > 0, key
        assert command["failures"] == 0, (key, command["first_failure"])
        for side in ("ours", "raw"):
            assert set(command[side]) >= {"p50", "p90", "p99"}, (key, side)
    assert results["dataset"]["entries"] == 20_000 and results["dataset"]["load_seconds"] > 0
    assert results["writes"]["completed"] > 0
    assert results["writes"]["failures"] == 0 and results["writes"]["locked_errors"] == 0
    assert results["event_loop"]["worst_ms"] >= 0
    assert results["memory"]["guilds_cached"] == results["memory"]["guilds"]
    assert "measured" in results["digest"]
    _assert_fanout(results, followers=200)
    search = results["search"]
    assert search["with_index"]["n"] > 0 and search["without_index"]["n"] > 0
    assert search["failures"] == 0 and search["p50_with_ms"] > 0 and search["p50_without_ms"] > 0
    assert 0 < search["common_share"] < 1
    assert {t["name"] for t in results["targets"]}

    markdown = (out / "bench-results.md").read_text(encoding="utf-8")
    for command in results["commands"].values():
        assert f"| {command['label']} |" in markdown
    assert str(tmp_path) not in markdown and str(ROOT) not in markdown  # nothing machine-specific


def _assert_fanout(results: dict[str, Any], *, followers: int, one_process: bool = True) -> None:
    fanout = results["fanout"]
    assert fanout["measured"], fanout.get("reason")
    assert fanout["followers"] == followers and fanout["changes_refused"] == 0, fanout["refusal_samples"]
    assert fanout["check"]["exactly_once"], fanout["check"]
    # Every follower's topic changed: a DM channel opened for each, counted as a request.
    assert fanout["requests"] == fanout["messages"] + fanout["dm_channels_opened"]
    if one_process:
        # Two processes may draw 429s (the README's measurements say so) and open a channel again
        # when a refused DM is retried; one process draws none and opens each channel once.
        assert fanout["dm_channels_opened"] == followers
        assert fanout["rate_limited"] == 0
    else:
        assert fanout["dm_channels_opened"] >= followers
    assert fanout["readers"]["n"] > 0 and fanout["readers"]["failures"] == 0
    assert fanout["readers"]["own_time"]["p99"] > 0


@pytest.mark.postgres
def test_two_processes_share_the_database_the_pacer_and_discords_limits(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip("needs TEST_DATABASE_URL")
    out = tmp_path / "results"
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    sizes = ["--iterations", "3", "--digests", "120", "--followers", "150", "--changes", "60", "--output", str(out)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--small",
            "--skip-memory",
            "--processes",
            "2",
            "--database-url",
            PG_URL,
            *sizes,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads((out / "bench-results.json").read_text(encoding="utf-8"))
    digest = results["digest"]
    assert digest["measured"] and digest["processes"] == 2, digest.get("reason")
    # Between them the two processes sent no digest twice, and none failed outright.
    assert 0 < digest["outcomes"].get("sent", 0) <= 120 and "error" not in digest["outcomes"]
    assert digest["second_process"] is not None
    assert results["fanout"]["processes"] == 2 and results["fanout"]["second_process"] is not None
    _assert_fanout(results, followers=150, one_process=False)


def test_the_product_command_line_no_longer_offers_the_bench(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["bench", "--small"])
    assert exited.value.code == 2
    assert "invalid choice: 'bench'" in capsys.readouterr().err
