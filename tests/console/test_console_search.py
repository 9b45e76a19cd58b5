"""/search in the offline console: the same command tree, its hits and its page buttons."""

from __future__ import annotations

from pathlib import Path

from tests.console.support import run_lines


async def test_search_in_the_console_shows_hits_in_bold_and_pages(tmp_path: Path) -> None:
    text = await run_lines(tmp_path, ['/search query:"kirby OR zelensky"', "/search ATACMS kind:statement"])
    assert "Search: " in text and "**Kirby**" in text and "**Zelensky**" in text and "best first" in text
    assert "Statement · ATACMS" in text and "Source:" in text


async def test_search_in_the_console_refuses_a_query_with_nothing_to_find(tmp_path: Path) -> None:
    text = await run_lines(tmp_path, ["/search -atacms"])
    assert "Type at least one word to search for" in text
