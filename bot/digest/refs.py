"""The reference each posted digest message carries in its footer: the delivery's nonce and the part's
number, written when rendering and read back when checking what a channel already holds."""

from __future__ import annotations

import re
from typing import Any


def footer(index: int, count: int, ref: str | None) -> str:
    label = f"Newsdesk digest · part {index} of {count}" if count > 1 else "Newsdesk digest"
    if ref is None:
        return f"{label} · preview, not posted"
    return f"{label} · ref {ref}.{index}"


REF_RE = re.compile(r"\bref (\S+)\.(\d+)\b")


def part_refs(message: dict[str, Any]) -> list[tuple[str, int]]:
    """The (nonce, part number) references in a posted message's embed footers."""
    found: list[tuple[str, int]] = []
    for embed in message.get("embeds") or []:
        text = ((embed or {}).get("footer") or {}).get("text") or ""
        found.extend((m[1], int(m[2])) for m in REF_RE.finditer(text))
    return found
