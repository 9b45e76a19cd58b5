"""/ask and /speaker in the offline console: the same commands, printed as Discord would show them."""

from __future__ import annotations

from pathlib import Path

from tests.console.support import run_lines


async def test_ask_and_speaker_work_in_the_console(tmp_path: Path) -> None:
    text = await run_lines(
        tmp_path,
        [
            '/ask "Has ATACMS been approved?"',
            '/ask question:"What did the State Department say?"',
            "/speaker kirby",
            "complete /speaker name:kir",
            '/ask "@everyone status"',
        ],
        editor=False,
    )
    assert "No: ATACMS long-range missiles for Ukraine is under review; no decision has been" in text
    assert 'Read as: whether it has been decided (from "approv") · story atacms ("atacms")' in text
    assert "Matthew Miller (Spokesman, U.S. Department of State) said on atacms, 11 Sep 2023" in text
    assert "Statements by “kirby”" in text and "Strategic Communications Coordinator" in text
    assert "John Kirby" in text.split("Suggestions:")[1]
    assert "mention syntax" in text
