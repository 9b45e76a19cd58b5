"""Rendering a digest into Discord messages that fit every limit at any volume. Pure functions.

Each change is one line (an "item") whose user-written parts are clipped and escaped up front, so an
item has a known, bounded size. Items are then packed whole: into the topic's embed while it fits,
else a new embed, else a new message; an item is never split. Past `MAX_PARTS` messages the rest is
counted, and the last message says how much more is in `/chronology`.

Sizes are measured in UTF-16 code units, which is never less than what Discord counts, so an emoji-
heavy digest cannot slip over a limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import discord

from bot.core.expected import UNDATED, UNDATED_TEXT
from bot.core.fuzzydate import FuzzyDate
from bot.core.schedule import local_label
from bot.core.status_axes import snapshot_axes
from bot.digest.refs import footer
from bot.render.entries import COLOUR
from bot.render.expected import expected_note as _expected
from bot.render.sources import unsourced_text
from bot.render.status import field_value_label, snapshot_status_text, status_emoji
from bot.render.text import (
    CONTENT_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    EMBEDS_PER_MESSAGE,
    clip,
    inline,
    link,
    plural,
)
from bot.services.digest_content import DigestContent, Item, ItemKind, Snapshot, TopicRef

MAX_PARTS = 3  # messages per digest; beyond this the digest points to /chronology
FOOTER_ROOM = 120  # reserved in every message for the footer that carries the delivery reference
OVERFLOW_ROOM = 900  # reserved in the last allowed message for the "more in /chronology" embed
QUOTE_MAX = 280
NOTE_MAX = 300
DETAILS_MAX = 200
REASON_MAX = 200
DIFF_VALUE_MAX = 100
UNCHANGED_MAX = 1000

_FIELD_LABELS = {
    "note": "note",
    "speaker": "speaker",
    "speaker_role": "role",
    "speaker_org": "organisation",
    "statement_kind": "kind",
    "text": "text",
    "context": "context",
    "headline": "headline",
    "details": "details",
    "source_name": "source",
    "source_url": "link",
    "unsourced_reason": "unsourced mark",
}
_DATE_FIELDS = ("date_precision", "date_earliest", "date_latest")
_END_FIELDS = ("end_precision", "end_earliest", "end_latest")


def _text(value: object, limit: int) -> str:
    """User text inside a digest line: on one line (an item is a line), clipped, markdown and mentions
    neutralised."""
    return inline(clip(" ".join(str(value).split()), limit))


def size(text: str | None) -> int:
    return len(text.encode("utf-16-le")) // 2 if text else 0


@dataclass(frozen=True, slots=True)
class DigestPart:
    """One Discord message: stored as JSON in the delivery row so every retry posts the same thing."""

    content: str | None
    embeds: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"content": self.content, "embeds": self.embeds}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DigestPart:
        return cls(data.get("content"), list(data.get("embeds") or []))

    def discord_embeds(self) -> list[discord.Embed]:
        return [discord.Embed.from_dict(e) for e in self.embeds]


# -- one line per item ---------------------------------------------------------------------------------


def _fuzzy(state: Snapshot, prefix: str = "date") -> str | None:
    precision, earliest, latest = (state.get(f"{prefix}_{k}") for k in ("precision", "earliest", "latest"))
    if not precision or not earliest or not latest:
        return None
    if precision == UNDATED:
        return UNDATED_TEXT
    try:
        return FuzzyDate.from_storage(
            str(precision), dt.date.fromisoformat(earliest), dt.date.fromisoformat(latest)
        ).render()
    except (TypeError, ValueError):
        return str(earliest)


def _when(state: Snapshot) -> str:
    start = _fuzzy(state) or "undated"
    end = _fuzzy(state, "end")
    return f"{start} – {end}" if end else start


def _source(state: Snapshot) -> str:
    name, url = state.get("source_name") or "", state.get("source_url")
    if state.get("unsourced_reason"):
        return unsourced_text(str(state["unsourced_reason"]), 130)
    if not name and not url:
        return "no source given"
    return link(clip(" ".join(str(name or "link").split()), 100), url)


def _speaker(state: Snapshot) -> str:
    who = f"**{_text(str(state.get('speaker') or 'Unknown speaker'), 100)}**"
    role = ", ".join(_text(str(p), 100) for p in (state.get("speaker_role"), state.get("speaker_org")) if p)
    return f"{who} ({role})" if role else who


def _what(state: Snapshot) -> str:
    """A short reminder of which entry a correction or retraction is about."""
    kind = state.get("kind")
    if kind == "status":
        return f"status change “{snapshot_status_text(state)}”"
    if kind == "statement":
        return f"statement by {_text(str(state.get('speaker') or 'unknown'), 60)}"
    return f"event “{_text(str(state.get('headline') or ''), 80)}”"


def _diff_value(state: Snapshot, name: str) -> str:
    if name == "date":
        return _fuzzy(state) or "none"
    if name == "end":
        return _fuzzy(state, "end") or "none"
    value = state.get(name)
    if value in (None, ""):
        return "none"
    return field_value_label(name, value) or _text(str(value), DIFF_VALUE_MAX)


def _diff(item: Item) -> str:
    names: list[str] = []
    for name in item.changed_fields:
        label = "date" if name in _DATE_FIELDS else "end" if name in _END_FIELDS else name
        if label not in names:
            names.append(label)
    previous = item.previous or {}
    parts = [f"{_FIELD_LABELS.get(n, n)}: {_diff_value(previous, n)} → {_diff_value(item.state, n)}" for n in names[:4]]
    if len(names) > 4:
        parts.append(f"and {plural(len(names) - 4, 'more field')}")
    return "; ".join(parts)


def _reason(reason: str | None) -> str:
    return f" Reason: {_text(reason, REASON_MAX)}." if reason else ""


def item_line(item: Item) -> str:
    s = item.state
    ref = f"`#{item.entry_id}`"
    if item.kind is ItemKind.STATUS:
        emoji, said = status_emoji(*snapshot_axes(s)), snapshot_status_text(s, bold=True, old=item.old_axes)
        note = f" {_text(str(s.get('note') or ''), NOTE_MAX)}" if s.get("note") else ""
        if s.get("expected"):
            # Expected is not happened: never the current status, so no move from an old value.
            head = f"{emoji} {snapshot_status_text(s, bold=True)} ({_when(s)})."
        elif not item.current:
            head = f"{emoji} Status logged for {_when(s)}: {said} (earlier; not the current status)."
        else:
            head = f"{emoji} {said} ({_when(s)})."
        return f"{head}{_expected(s)}{note} — {_source(s)} · {ref}"
    if item.kind is ItemKind.STATEMENT:
        quote = _text(str(s.get("text") or ""), QUOTE_MAX)
        context = f" · {_text(str(s['context']), 80)}" if s.get("context") else ""
        return f"\N{SPEECH BALLOON} {_speaker(s)}, {_when(s)}: “{quote}”{context} — {_source(s)} · {ref}"
    if item.kind is ItemKind.EVENT:
        details = f" {_text(str(s.get('details') or ''), DETAILS_MAX)}" if s.get("details") else ""
        headline = _text(str(s.get("headline") or ""), 200)
        return f"\N{SPIRAL CALENDAR PAD} **{headline}** ({_when(s)}).{_expected(s)}{details} — {_source(s)} · {ref}"
    if item.kind is ItemKind.CORRECTION:
        return f"\N{PENCIL} Corrected {ref} ({_what(s)}): {_diff(item)}.{_reason(item.reason)} — {_source(s)}"
    if item.kind is ItemKind.RETRACTION:
        return f"\N{NO ENTRY SIGN} Retracted {ref} ({_what(s)}).{_reason(item.reason)} — {_source(s)}"
    return f"\N{LEFTWARDS ARROW WITH HOOK} Restored {ref} ({_what(s)}).{_reason(item.reason)} — {_source(s)}"


def unchanged_line(topics: Sequence[TopicRef], *, budget: int = UNCHANGED_MAX) -> str:
    head = "No change on "
    names: list[str] = []
    used = size(head) + 40
    for topic in topics:
        name = f"{_text(topic.title, 80)} (`{topic.slug}`)"
        if used + size(name) + 2 > budget:
            break
        names.append(name)
        used += size(name) + 2
    rest = len(topics) - len(names)
    tail = f" and {plural(rest, 'more topic')}" if rest else ""
    return f"{head}{', '.join(names)}{tail}."


# -- packing ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Section:
    title: str | None
    slug: str | None
    lines: list[str]


@dataclass(slots=True)
class _Embed:
    section: int
    title: str | None
    lines: list[str] = field(default_factory=list)

    @property
    def description_size(self) -> int:
        return sum(size(line) for line in self.lines) + max(len(self.lines) - 1, 0)

    @property
    def size(self) -> int:
        return size(self.title) + self.description_size


class _Packer:
    def __init__(self, max_parts: int) -> None:
        self.max_parts = max_parts
        self.messages: list[list[_Embed]] = []

    def _last_allowed(self, index: int) -> bool:
        return index == self.max_parts - 1

    def _budget(self, index: int) -> int:
        return EMBED_TOTAL_MAX - FOOTER_ROOM - (OVERFLOW_ROOM if self._last_allowed(index) else 0)

    def _max_embeds(self, index: int) -> int:
        return EMBEDS_PER_MESSAGE - (1 if self._last_allowed(index) else 0)

    def place(self, section_index: int, section: _Section, line: str) -> bool:
        """Put one whole item somewhere; False once no allowed message has room for it."""
        if self.messages:
            index = len(self.messages) - 1
            message = self.messages[index]
            total = sum(e.size for e in message)
            last = message[-1]
            line_size = size(line) + 1
            if (
                last.section == section_index
                and last.description_size + line_size <= EMBED_DESCRIPTION_MAX
                and total + line_size <= self._budget(index)
            ):
                last.lines.append(line)
                return True
            embed = self._new_embed(section_index, section, line)
            if len(message) < self._max_embeds(index) and total + embed.size <= self._budget(index):
                message.append(embed)
                return True
        if len(self.messages) >= self.max_parts:
            return False
        self.messages.append([self._new_embed(section_index, section, line)])
        return True

    def _new_embed(self, section_index: int, section: _Section, line: str) -> _Embed:
        started = any(e.section == section_index for m in self.messages for e in m)
        title = section.title
        if title is not None and started:
            title = clip(title, EMBED_TITLE_MAX - 12) + " (continued)"
        return _Embed(section_index, title, [line])


def _sections(content: DigestContent) -> list[_Section]:
    sections = [
        _Section(
            f"{_text(t.topic.title, 200)} · {t.topic.slug}",
            t.topic.slug,
            [item_line(i) for i in t.items],
        )
        for t in content.changed
    ]
    if content.unchanged:
        sections.append(_Section(None, None, [unchanged_line(content.unchanged)]))
    return sections


def _overflow_text(remaining: dict[str, int]) -> str:
    total = sum(remaining.values())
    head = f"…and {total} more change{'s' if total != 1 else ''} not shown here. The full record: "
    commands = [f"`/chronology {slug}` ({count})" for slug, count in remaining.items()]
    return clip(head + ", ".join(commands), OVERFLOW_ROOM - 100)


def header(
    *, period_day: dt.date, since: dt.datetime, zone: ZoneInfo, changes: int, mention_role_id: int | None
) -> str:
    mention = f"<@&{mention_role_id}> " if mention_role_id else ""
    day = f"{period_day.strftime('%a')} {period_day.day} {period_day.strftime('%b %Y')}"
    counted = f" ({changes} change{'s' if changes != 1 else ''})" if changes else ""
    return clip(f"{mention}**Newsdesk digest** · {day} · since {local_label(since, zone)}{counted}", CONTENT_MAX)


def render_digest(
    content: DigestContent,
    *,
    zone: ZoneInfo,
    period_day: dt.date,
    mention_role_id: int | None = None,
    ref: str | None = None,
    max_parts: int = MAX_PARTS,
) -> list[DigestPart]:
    """The messages of one digest. `ref` (the delivery nonce) goes in each message's last footer;
    None renders a preview."""
    first_content = header(
        period_day=period_day,
        since=content.window_start,
        zone=zone,
        changes=content.item_count,
        mention_role_id=mention_role_id,
    )
    if content.is_empty:
        quiet = discord.Embed(colour=COLOUR, description="Nothing new on the followed stories.")
        quiet.set_footer(text=footer(1, 1, ref))
        return [DigestPart(first_content, [quiet.to_dict()])]  # type: ignore[list-item]

    packer = _Packer(max_parts)
    remaining: dict[str, int] = {}
    overflowing = False
    for index, section in enumerate(_sections(content)):
        for line in section.lines:
            if not overflowing and packer.place(index, section, line):
                continue
            overflowing = True
            if section.slug is not None:
                remaining[section.slug] = remaining.get(section.slug, 0) + 1

    parts: list[DigestPart] = []
    count = len(packer.messages)
    for number, message in enumerate(packer.messages, 1):
        embeds = [discord.Embed(colour=COLOUR, title=e.title, description="\n".join(e.lines)) for e in message]
        if number == count and remaining:
            embeds.append(discord.Embed(colour=COLOUR, title="More changes", description=_overflow_text(remaining)))
        embeds[-1].set_footer(text=footer(number, count, ref))
        parts.append(DigestPart(first_content if number == 1 else None, [e.to_dict() for e in embeds]))  # type: ignore[misc]
    return parts


def render_payload(
    content: DigestContent,
    *,
    zone: ZoneInfo,
    period_day: dt.date,
    mention_role_id: int | None = None,
    ref: str | None = None,
) -> list[dict[str, Any]]:
    """`render_digest` as the digest runner takes it: the parts as the JSON stored with the delivery."""
    parts = render_digest(content, zone=zone, period_day=period_day, mention_role_id=mention_role_id, ref=ref)
    return [part.to_json() for part in parts]
