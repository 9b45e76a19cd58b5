"""README's editor examples run as written, in order, in a fresh offline console."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.console.loop import run_console
from bot.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
# What a refusal says; none of the examples may get one.
REFUSALS = ("is not valid", "No entry", "Could not read", "after today", "Only editors", "No topic matches")


def readme_commands() -> list[str]:
    """Every `/...` line of README's code blocks; a line may hold several commands, and a note after
    "←" (a statement without text opens a form) is answered with a line of text."""
    commands: list[str] = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        for line in block.splitlines():
            if not line.startswith("/"):
                continue
            command, _, note = line.partition("←")
            commands += re.split(r"\s{2,}(?=/)", command.strip())
            if "form opens" in note:
                commands.append("The long text.")
    return commands


async def test_readme_editor_examples_run_as_written(tmp_path: Path) -> None:
    commands = readme_commands()
    assert len(commands) >= 15
    out = io.StringIO()
    # pydantic's typed __init__ lists the fields only, not BaseSettings' own _env_file.
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'readme.db'}")  # pyright: ignore[reportCallIssue]
    await run_console(settings, editor=True, lines=commands, out=out)
    text = out.getvalue()
    for refusal in REFUSALS:
        assert refusal not in text, text
    for done in (
        "Created topic `f16-jets`",
        "Logged `#8` dated **17 Oct 2023**",
        "Logged `#9` dated **11 Sep 2023**",
        "Logged `#11` dated **21 Sep 2023**",
        "Corrected `#11`, now dated **22 Sep 2023**,",
        "Corrected `#8`",
        "Delivery: **Partly delivered**, 120 of 300",
        "Retracted `#11`",
        "Restored `#11`",
        "History of #11",
        "Logged `#12` dated **1 Mar 2031**",
        "Logged `#13`, **date not announced**,",
        "Marked `#3` (anticipated) as happened on 19 Sep 2023 (`#14`).",
        "Corrected `#12`",
        'Read "Jun 1" as 1 Jun',
        "`#3` (anticipated) is expected again: what `#14` said became of it is cleared.",
        "Marked `#3` (anticipated) as happened on 19 Sep 2023 (`#14`) again.",
        "Unsourced: Seen by our reporter",
        "Corrected `#15`",
        "Updated topic `atacms`",
        "Added background fact `#4`",
        "Corrected background fact `#4`",
        "Removed background fact `#4`",
        "History of topic `atacms`",
        "Seed `atacms`: topic already tracked",
        "Time zone saved",
    ):
        assert done in text, (done, text)
