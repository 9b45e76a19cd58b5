"""Discord's limits as constants, the Problem a check reports, and the errors tree a rejection carries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Discord's documented chat-input name pattern is broader (it also admits some scripts and "'"),
# but the project standard is this simpler, stricter form.
COMMAND_NAME_RE = re.compile(r"^[-_\w]{1,32}$")

MAX_COMMANDS = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER_TEXT = 2048
MAX_AUTHOR_NAME = 256
MAX_EMBED_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_ROW_WIDTH = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_SELECT_OPTIONS = 25
MAX_MODAL_TITLE = 45
MAX_TEXT_INPUT_LABEL = 45
MAX_NONCE = 25
MAX_ATTACHMENTS = 10
MAX_V2_COMPONENTS = 40

FLAG_IS_COMPONENTS_V2 = 1 << 15
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2


@dataclass(frozen=True)
class Problem:
    rule: str
    field: str
    message: str
    rejects: bool = True


def _p(rule: str, field: str, message: str, *, rejects: bool = True) -> Problem:
    return Problem(rule=rule, field=field, message=message, rejects=rejects)


def _join(prefix: str, key: str | int) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _text_len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _check_len(
    out: list[Problem], rule: str, field: str, value: Any, lo: int, hi: int, *, required: bool = False
) -> None:
    if value is None:
        if required:
            out.append(_p(rule, field, f"{field} is required"))
        return
    if not isinstance(value, str):
        out.append(_p(rule, field, f"{field} must be a string, got {type(value).__name__}"))
        return
    if not lo <= len(value) <= hi:
        out.append(_p(rule, field, f"{field} length {len(value)} not in [{lo}, {hi}]"))


def errors_tree(problems: Sequence[Problem]) -> dict[str, Any]:
    """Builds Discord's nested ``errors`` object (``{"a": {"0": {"_errors": [...]}}}``)."""
    tree: dict[str, Any] = {}
    for prob in problems:
        node = tree
        for part in [p for p in prob.field.split(".") if p]:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": prob.rule.upper().replace(".", "_"), "message": prob.message})
    return tree
