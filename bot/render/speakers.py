"""/speaker's pages: a speaker's statements across topics, newest first, each with the role held at the
time, its date, its topic, its entry id and its source."""

from __future__ import annotations

import discord

from bot.render import custom_ids
from bot.render.entries import COLOUR, corrected_marker, page_count, pager, short_id, statement_block
from bot.render.text import EMBED_DESCRIPTION_MAX, EMBED_TOTAL_MAX, clip, inline, plural
from bot.services.speakers import SpeakerResult

TITLE_NAME_MAX = 60


def speaker_page(result: SpeakerResult) -> tuple[list[discord.Embed], discord.ui.View | None]:
    """One embed per statement; the statements share the 6000-character message budget."""
    name = inline(clip(result.name, TITLE_NAME_MAX))
    scope = f" on {inline(result.topic_slug)}" if result.topic_slug else ""
    title = clip(f"Statements by “{name}”{scope}", 256)
    close = f"Closest to “{inline(clip(result.typed, TITLE_NAME_MAX))}”. " if result.typed else ""
    if not result.statements:
        where = scope or " in this newsroom"
        embed = discord.Embed(
            title=title,
            colour=COLOUR,
            description=f"{close}No live statements by “{name}” are logged{where}. "
            "A part of a name, a role or an organisation is enough: `/speaker name:Kirby`.",
        )
        return [embed], None
    budget = (EMBED_TOTAL_MAX - 500) // len(result.statements)
    embeds: list[discord.Embed] = []
    for index, cited in enumerate(result.statements):
        entry = cited.entry
        embed = discord.Embed(colour=COLOUR if entry.edited_at is None else discord.Colour.orange())
        if index == 0:
            embed.title = title
        extra = (
            f" · `{short_id(entry)}` · topic **{inline(cited.topic_slug)}**{corrected_marker(entry, result.timezone)}"
        )
        block = statement_block(entry, budget=min(budget, EMBED_DESCRIPTION_MAX) - len(close), extra=extra)
        embed.description = (close if index == 0 else "") + block
        embeds.append(embed)
    page = result.page
    pages = page_count(page.total, page.per_page)
    embeds[-1].set_footer(
        text=f"page {page.number + 1} of {pages} · {plural(page.total, 'statement')} · newest first"
        + ("" if result.topic_slug else " · every topic")
    )
    topic_id, shown = result.topic_id, result.name
    view = pager(page.number, pages, lambda p: custom_ids.speaker_id(topic_id, p, shown)) if pages > 1 else None
    return embeds, view
