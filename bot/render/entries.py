"""Pure rendering of entries, the status card, statements, the chronology and topic lists."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence

import discord

from bot.core.dates import day_text
from bot.core.vocabulary import EntryKind
from bot.render import custom_ids
from bot.render.expected import date_text, expected_lines, expected_mark
from bot.render.sources import fact_line, stale_summary_mark, unsourced_text
from bot.render.status import NO_STATUS, entry_status_text, status_emoji, status_now_lines, status_now_text
from bot.render.text import (
    EMBED_DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_VALUE_MAX,
    FOOTER_MAX,
    clip,
    inline,
    link,
    local_time,
    plural,
)
from bot.services.reader import TopicCard, TopicRow
from db.models import EntryBase, TopicBase

COLOUR = discord.Colour.from_rgb(47, 111, 171)
RETRACTED_COLOUR = discord.Colour.dark_grey()
KIND_MARK = {
    EntryKind.STATUS.value: "\N{ROUND PUSHPIN}",
    EntryKind.STATEMENT.value: "\N{SPEECH BALLOON}",
    EntryKind.EVENT.value: "\N{SPIRAL CALENDAR PAD}",
}


def short_id(entry: EntryBase) -> str:
    return f"#{entry.id}"


def when(entry: EntryBase) -> str:
    text = date_text(entry)
    end = entry.end_date
    if end is not None:
        text += f" – {end.render()}"
    return text


def corrected_marker(entry: EntryBase, timezone: str) -> str:
    if entry.edited_at is None:
        return ""
    return f" *(corrected {local_time(entry.edited_at, timezone).rsplit(' ', 2)[0]})*"


def speaker_line(entry: EntryBase, *, compact: bool = False) -> str:
    name_max, part_max = (60, 40) if compact else (100, 150)
    who = f"**{clip(inline(entry.speaker or 'Unknown speaker'), name_max)}**"
    role = ", ".join(clip(inline(p), part_max) for p in (entry.speaker_role, entry.speaker_org) if p)
    return f"{who} ({role})" if role else who


def source_text(entry: EntryBase, *, room: int = 2000) -> str:
    """The source as a link when it fits in `room`, else its name alone: a citation either way."""
    if entry.unsourced_reason:
        return unsourced_text(entry.unsourced_reason, room)
    if not entry.source_name and not entry.source_url:
        return "no source given"
    full = link(entry.source_name or "link", entry.source_url)
    if len(full) <= room:
        return full
    return clip(inline(entry.source_name or entry.source_url or "link"), max(room, 30))


# Marks a chronology line whose fuzzy date only partly overlaps the range asked for.
PARTLY_IN_RANGE_MARK = "\N{ALMOST EQUAL TO}"
PARTLY_IN_RANGE_NOTE = f"{PARTLY_IN_RANGE_MARK} dated only roughly: may fall outside the range"


def partly_in_range(entry: EntryBase, since: dt.date | None, until: dt.date | None) -> bool:
    """Whether the entry's date overlaps the range (as the filter matched it) without lying inside it:
    "2023" against since 11 Sep 2023 may be January."""
    date = entry.date
    if date is None:
        return False
    return (since is not None and date.earliest < since) or (until is not None and date.latest > until)


def entry_summary(entry: EntryBase, *, budget: int, timezone: str = "UTC", mark: str = "") -> str:
    """One entry as a line of the chronology or a digest: date, what happened, source."""
    compact = budget < 1200
    marked = "".join(f" {m}" for m in (mark, expected_mark(entry)) if m)
    head = f"`{short_id(entry)}` **{when(entry)}**{marked} {KIND_MARK.get(entry.kind, '')} "
    tail = f" — {source_text(entry, room=max(budget // 3, 30))}{corrected_marker(entry, timezone)}"
    if entry.kind == EntryKind.STATUS.value:
        body = f"{entry_status_text(entry)}. {inline(entry.note or '')}"
    elif entry.kind == EntryKind.STATEMENT.value:
        body = f"{speaker_line(entry, compact=compact)}: “{inline(entry.text or '')}”"
    else:
        body = f"**{inline(entry.headline or '')}**"
        if entry.details:
            body += f" {inline(entry.details)}"
    room = max(budget - len(head) - len(tail), 20)
    return head + clip(body.replace("\n", " "), room) + tail


KIND_LABEL = {"quote": "Quote", "paraphrase": "Paraphrase", "summary": "Summary"}


def statement_block(st: EntryBase, *, budget: int, extra: str = "") -> str:
    """Speaker, date, the quote as a block quote, context and source, within `budget` characters.

    The quote gets what the fixed parts leave; it is shortened at a word boundary, and the
    fixed parts themselves shrink (short names, source without link) when the budget is small.
    """
    compact = budget < 1200
    head = f"{speaker_line(st, compact=compact)} · **{when(st)}**{extra}\n"
    context = clip(inline(st.context), 80 if compact else 200) + " · " if st.context else ""
    kind = KIND_LABEL.get(st.statement_kind or "", "Statement")
    cited = "" if st.unsourced_reason else "Source: "
    tail = f"\n{kind} · {context}{cited}{source_text(st, room=max(budget // 3, 30))}"
    room = max(budget - len(head) - len(tail) - 2, 40)
    quote = clip(inline(st.text or "").replace("\n", "\n> "), room)
    return f"{head}> {quote}{tail}"


# What the card leaves of the message total for the status history shown under it (/status history:true).
HISTORY_ROOM = 1500


def status_card(
    card: TopicCard, *, timezone: str, room: int = EMBED_TOTAL_MAX
) -> tuple[discord.Embed, discord.ui.View]:
    """`room` is what the card may take of the message's 6000-character total."""
    topic = card.topic
    embed = discord.Embed(title=clip(inline(topic.title), 256), colour=COLOUR)
    parts: list[str] = []
    latest = card.status.latest
    if latest is not None:
        parts.append("\n".join(status_now_lines(card.status)))
        changed = f"*Latest change {when(latest)}*"
        note = inline(latest.note or "")
        parts.append(f"{changed} · {note} ({source_text(latest, room=800)})" if note else changed)
    else:
        parts.append(NO_STATUS)
    if topic.summary:
        parts.append(inline(topic.summary))
    if topic.next_step:
        parts.append(f"**Next:** {inline(topic.next_step)}")
    stale = stale_summary_mark(topic, card.status, timezone)
    if stale:
        parts.append(stale)
    if topic.archived:
        parts.append("*This topic is archived.*")
    embed.description = clip("\n\n".join(parts), EMBED_DESCRIPTION_MAX)
    if card.latest_statement is not None:
        embed.add_field(name="Latest statement", value=statement_block(card.latest_statement, budget=FIELD_VALUE_MAX),
                        inline=False)  # fmt: skip
    if card.expected:
        embed.add_field(name="Expected", value=expected_lines(card.expected, pending=card.expected_count), inline=False)
    if topic.background:
        lines = [fact_line(f) for f in topic.background[:10]]
        embed.add_field(name="Background", value=clip("\n".join(lines), FIELD_VALUE_MAX), inline=False)
    if card.sources:
        lines = [f"{i}. {link(name, url)}" for i, (name, url) in enumerate(card.sources[:10], 1)]
        embed.add_field(name="Sources", value=clip("\n".join(lines), FIELD_VALUE_MAX), inline=False)
    updated = local_time(card.last_updated, timezone)
    footer = f"{topic.slug} · {plural(card.entry_count, 'entry')} · last updated {updated}"
    embed.set_footer(text=clip(footer, FOOTER_MAX))
    _fit_card(embed, room)
    view = discord.ui.View(timeout=None)
    assert topic.id is not None
    view.add_item(
        discord.ui.Button(
            label="Latest statements",
            style=discord.ButtonStyle.primary,
            custom_id=custom_ids.open_id("latest", topic.id),
        )
    )
    view.add_item(
        discord.ui.Button(
            label="Chronology", style=discord.ButtonStyle.secondary, custom_id=custom_ids.open_id("chron", topic.id)
        )
    )
    return embed, view


def _fit_card(embed: discord.Embed, room: int) -> None:
    """Keep the card within `room` of the message total: background goes first, then detail."""
    if len(embed) <= room:
        return
    for index, field in enumerate(embed.fields):
        if field.name == "Background":
            embed.remove_field(index)
            break
    excess = len(embed) - room
    if excess > 0 and embed.description:
        embed.description = clip(embed.description, max(len(embed.description) - excess, 200))


def status_history(
    topic: TopicBase, entries: Sequence[EntryBase], *, timezone: str, room: int = EMBED_TOTAL_MAX
) -> discord.Embed:
    """`room` is what the message's other embeds leave of Discord's 6000-character total."""
    embed = discord.Embed(title=clip(f"Status history: {inline(topic.title)}", 256), colour=COLOUR)
    footer = f"{topic.slug} · newest first · retracted entries stay in the record"
    embed.set_footer(text=footer)
    available = min(EMBED_DESCRIPTION_MAX, room - len(embed.title or "") - len(footer) - 10)
    lines: list[str] = []
    budget = max(available // max(len(entries), 1) - 2, 60)
    for e in entries:
        emoji = status_emoji(e.decision, e.delivery)
        source = source_text(e, room=budget // 3)
        said = entry_status_text(e, bold=False)
        mark = f" {expected_mark(e)}" if e.expected else ""
        line = f"`{short_id(e)}` **{when(e)}**{mark} {emoji} {said} — {inline(e.note or '')} ({source})"
        if e.retracted_at is not None:
            line = f"~~{clip(line, budget - 60)}~~ *retracted: {inline(e.retraction_reason or '')}*"
        lines.append(clip(line, budget) + corrected_marker(e, timezone))
    embed.description = clip("\n".join(lines) or NO_STATUS, max(available, 60))
    return embed


def pager(page: int, pages: int, make_id: Callable[[int], str]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label="Previous",
            style=discord.ButtonStyle.secondary,
            custom_id=make_id(max(page - 1, 0)),
            disabled=page <= 0,
        )
    )
    view.add_item(
        discord.ui.Button(
            label=f"{page + 1}/{max(pages, 1)}",
            style=discord.ButtonStyle.secondary,
            custom_id=make_id(page) + ":x",
            disabled=True,
        )
    )
    view.add_item(
        discord.ui.Button(
            label="Next",
            style=discord.ButtonStyle.secondary,
            custom_id=make_id(min(page + 1, max(pages - 1, 0))),
            disabled=page >= pages - 1,
        )
    )
    return view


def page_count(total: int, per_page: int) -> int:
    return max(math.ceil(total / per_page), 1)


def latest_page(
    topic: TopicBase,
    entries: Sequence[EntryBase],
    *,
    total: int,
    page: int,
    per_page: int,
    speaker: str | None,
    timezone: str,
) -> tuple[list[discord.Embed], discord.ui.View | None]:
    """One embed per statement; each statement's quote shares the 6000-character message budget."""
    if not entries:
        who = f" by “{inline(clip(speaker, custom_ids.SPEAKER_FILTER_MAX))}”" if speaker else ""
        embed = discord.Embed(
            title=clip(f"Latest statements: {inline(topic.title)}", 256),
            colour=COLOUR,
            description=f"No statements{who} have been logged for this topic.",
        )
        return [embed], None
    budget = (EMBED_TOTAL_MAX - 400) // len(entries)
    embeds: list[discord.Embed] = []
    for i, st in enumerate(entries):
        embed = discord.Embed(colour=COLOUR if st.edited_at is None else discord.Colour.orange())
        if i == 0:
            shown = f" by “{inline(clip(speaker, custom_ids.SPEAKER_FILTER_MAX))}”" if speaker else ""
            embed.title = clip(f"Latest statements{shown}: {inline(topic.title)}", 256)
        embed.description = statement_block(
            st, budget=min(budget, EMBED_DESCRIPTION_MAX), extra=f" · `{short_id(st)}`{corrected_marker(st, timezone)}"
        )
        embeds.append(embed)
    pages = page_count(total, per_page)
    embeds[-1].set_footer(
        text=f"{topic.slug} · page {page + 1} of {pages} · {plural(total, 'statement')} · newest first"
    )
    assert topic.id is not None
    topic_id = topic.id
    view = pager(page, pages, lambda p: custom_ids.latest_id(topic_id, p, per_page, speaker)) if pages > 1 else None
    return embeds, view


def chronology_page(
    topic: TopicBase,
    entries: Sequence[EntryBase],
    *,
    total: int,
    page: int,
    per_page: int,
    since: dt.date | None,
    until: dt.date | None,
    timezone: str,
) -> tuple[discord.Embed, discord.ui.View | None]:
    embed = discord.Embed(title=clip(f"Chronology: {inline(topic.title)}", 256), colour=COLOUR)
    if entries:
        budget = (EMBED_DESCRIPTION_MAX - 100) // len(entries) - 2
        marks = [PARTLY_IN_RANGE_MARK if partly_in_range(e, since, until) else "" for e in entries]
        embed.description = "\n\n".join(
            entry_summary(e, budget=budget, timezone=timezone, mark=mark)
            for e, mark in zip(entries, marks, strict=True)
        )
    else:
        marks = []
        embed.description = "Nothing logged in this period." if (since or until) else "Nothing logged yet."
    pages = page_count(total, per_page)
    footer = (
        f"{topic.slug} · page {page + 1} of {pages} · {plural(total, 'entry')} · oldest first{range_text(since, until)}"
    )
    if any(marks):
        footer += f"\n{PARTLY_IN_RANGE_NOTE}"
    embed.set_footer(text=footer)
    assert topic.id is not None
    topic_id = topic.id

    def page_id(target: int) -> str:
        # Previous and Next say where their page starts (see custom_ids.CHRONOLOGY_TEMPLATE).
        seek = None
        if entries and target == page + 1 and entries[-1].id is not None:
            seek = custom_ids.Seek(True, entries[-1].date_sort, entries[-1].id)
        elif entries and target == page - 1 and entries[0].id is not None:
            seek = custom_ids.Seek(False, entries[0].date_sort, entries[0].id)
        return custom_ids.chronology_id(topic_id, target, since, until, seek)

    return embed, (pager(page, pages, page_id) if pages > 1 else None)


def range_text(since: dt.date | None, until: dt.date | None) -> str:
    """The range a chronology was filtered to, as resolved from what was typed."""
    if since is None and until is None:
        return ""
    return f" · from {day_text(since) if since else 'the start'} to {day_text(until) if until else 'now'}"


def topics_page(
    rows: Sequence[TopicRow], *, total: int, page: int, per_page: int, guild_name: str
) -> tuple[discord.Embed, discord.ui.View | None]:
    embed = discord.Embed(title=clip(f"Tracked topics · {inline(guild_name)}", 256), colour=COLOUR)
    if not rows:
        embed.description = "No topics yet. Editors can add one with `/topic create` or `/topic import-seed`."
    else:
        budget = (EMBED_DESCRIPTION_MAX - 100) // len(rows) - 2
        lines = []
        for row in rows:
            status = status_now_text(row.status)
            lines.append(clip(f"**`{row.topic.slug}`** {inline(row.topic.title)} — {status}", budget))
        embed.description = "\n".join(lines)
    pages = page_count(total, per_page)
    embed.set_footer(text=f"page {page + 1} of {pages} · {plural(total, 'topic')} · /status <topic> for details")
    return embed, (pager(page, pages, custom_ids.topics_id) if pages > 1 else None)
