"""`/search` results: one embed a page, every hit with its topic, kind, date, snippet, source and id.

A page's Previous/Next buttons cannot carry the query (a custom_id holds 100 characters), so the footer
does: a footer is plain text, shown as written, so the query and the speaker filter read back exactly.
The button's id carries their checksum, the page and the short filters; a footer that does not match
its checksum (or a message without one) makes the button refuse, as a forged one would.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import discord

from bot.core.errors import InvalidButton
from bot.render import custom_ids
from bot.render.entries import COLOUR, pager
from bot.render.text import EMBED_DESCRIPTION_MAX, EMBED_TITLE_MAX, clip, inline, plural
from bot.services.search import Hit, SearchPage

SNIPPET_MAX = 420
_FIELD_BREAK = re.compile(r"\s*\n\s*")
_QUERY_LINE = "query: "
_SPEAKER_LINE = "speaker: "
KIND_LABELS = {
    "status": "Status",
    "statement": "Statement",
    "event": "Event",
    "summary": "Summary",
    "fact": "Background fact",
}


@dataclass(frozen=True, slots=True)
class SearchState:
    """What a page of results was asked for, as its buttons carry it to the next page."""

    query: str
    speaker: str | None = None
    topic_id: int | None = None
    kind: str | None = None
    since: str | None = None
    until: str | None = None

    def check(self) -> str:
        signed = self.query + "\n" + (self.speaker or "")
        return f"{zlib.crc32(signed.encode()):08x}"

    def custom_id(self, page: int) -> str:
        return (
            f"{custom_ids.PREFIX}:search:{page}:{self.topic_id or 0}:{self.kind or ''}:"
            f"{self.since or ''}:{self.until or ''}:{self.check()}"
        )

    def footer_lines(self) -> list[str]:
        return [_QUERY_LINE + self.query, *([_SPEAKER_LINE + self.speaker] if self.speaker else [])]

    @classmethod
    def from_button(cls, groups: dict[str, str], message: discord.Message | None) -> SearchState:
        """The state a page button was drawn with: its id, and the query in its message's footer."""
        footer = message.embeds[0].footer.text if message is not None and message.embeds else None
        lines = (footer or "").split("\n")
        query = next((line[len(_QUERY_LINE) :] for line in lines if line.startswith(_QUERY_LINE)), None)
        speaker = next((line[len(_SPEAKER_LINE) :] for line in lines if line.startswith(_SPEAKER_LINE)), None)
        topic_id = custom_ids.number(groups, "topic")
        if query is None:
            raise InvalidButton()
        state = cls(
            query, speaker, topic_id or None, groups["kind"] or None, groups["since"] or None, groups["until"] or None
        )
        if state.check() != groups["check"]:
            raise InvalidButton()
        return state


def snippet_text(hit: Hit, limit: int = SNIPPET_MAX) -> str:
    """The snippet on one line, escaped for Discord markdown, its matched words in bold (and only those)."""
    pieces: list[str] = []
    room = limit
    for text, matched in hit.snippet_parts():
        # The indexed text is the entry's fields one per line: a line break between two of them
        # (a headline and its details, a statement and its speaker) is shown as a separator.
        text = _FIELD_BREAK.sub(" · ", text)
        plain = " ".join(text.split()) if text.strip() else " "
        if text[:1].isspace() and plain != " ":
            plain = " " + plain
        if text[-1:].isspace() and plain != " ":
            plain += " "
        if room <= 0:
            break
        if len(plain) > room:
            plain = clip(plain, room)
        room -= len(plain)
        shown = inline(plain)
        pieces.append(f"**{shown.strip()}**" if matched and shown.strip() else shown)
    return "".join(pieces).strip(" ·")


def hit_block(hit: Hit, number: int) -> str:
    """A hit's heading (number, kind, topic, date, id), its snippet quoted, and its source."""
    head = [
        f"**{number}.** {KIND_LABELS.get(hit.kind, hit.kind)}",
        f"{inline(clip(hit.topic_title, 80))} (`{hit.topic_slug}`)",
    ]
    if hit.date is not None:
        head.append(hit.date.render())
    elif hit.entry_id is not None:
        head.append("date not announced")  # an expected entry, placed but not dated
    if hit.entry_id is not None:
        head.append(f"`#{hit.entry_id}`")
    elif hit.fact_id is not None:
        head.append(f"fact {hit.fact_id}")
    lines = [" · ".join(head), "> " + (snippet_text(hit) or "…")]
    if hit.source:
        lines.append(f"Source: {inline(clip(hit.source, 200))}")
    return "\n".join(lines)


def search_page(result: SearchPage, state: SearchState) -> tuple[discord.Embed, discord.ui.View | None]:
    title = clip(f"Search: {state.query}", EMBED_TITLE_MAX - 20)
    embed = discord.Embed(title=inline(title)[:EMBED_TITLE_MAX], colour=COLOUR)
    if not result.hits:
        embed.description = (
            "Nothing matches this search in this newsroom's topics and live entries. "
            "Try fewer words, a `word*` prefix, or `OR`: `/help command:search` shows the syntax."
        )
    else:
        blocks: list[str] = []
        used = 0
        for n, hit in enumerate(result.hits, start=result.page * result.per_page + 1):
            block = hit_block(hit, n)
            if used + len(block) + 2 > EMBED_DESCRIPTION_MAX:
                break
            blocks.append(block)
            used += len(block) + 2
        embed.description = "\n\n".join(blocks)
    pages = result.pages
    status = f"page {result.page + 1} of {pages} · {plural(result.total, 'hit')} · best first"
    embed.set_footer(text="\n".join([status, *state.footer_lines()]))
    view = pager(result.page, pages, state.custom_id) if pages > 1 else None
    return embed, view


def moved_note(result: SearchPage) -> str | None:
    if not result.moved:
        return None
    if not result.total:
        return "This search has no hits any more (its entries were retracted or corrected since)."
    return f"This search has fewer hits than when the button was drawn: showing its last page ({result.page + 1})."
