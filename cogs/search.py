"""/search: full text over everything a newsroom has logged, with persistent page buttons."""

from __future__ import annotations

from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.buttons import StatefulButton
from bot.client import NewsBot
from bot.core.errors import InvalidInput
from bot.core.search_query import QUERY_MAX
from bot.options import bot_of, parse_date_options, requester_of, speaker_autocomplete, topic_autocomplete
from bot.render import custom_ids
from bot.render.search import SearchState, moved_note, search_page
from bot.render.text import defang
from bot.services import search as search_service

PER_PAGE = 5
Kind = Literal["status", "statement", "event", "summary", "fact"]


async def send_search(
    interaction: discord.Interaction,
    state: SearchState,
    *,
    edit: bool,
    page: int = 0,
    topic: str | None = None,
    private: bool = False,
) -> None:
    dates = await parse_date_options(interaction, since=state.since, until=state.until)
    since = dates["since"].earliest if dates["since"] else None
    until = dates["until"].latest if dates["until"] else None
    if since and until and since > until:
        raise InvalidInput("`since` is after `until`; swap them or widen the range.")
    result = await search_service.search(
        bot_of(interaction).database,
        requester_of(interaction),
        state.query,
        limit=PER_PAGE,
        page=page,
        topic=topic,
        topic_id=state.topic_id,
        speaker=state.speaker,
        kinds=(state.kind,) if state.kind else (),
        since=since,
        until=until,
    )
    # The buttons carry the dates as read and the topic by id, so every page asks the same thing.
    state = SearchState(
        state.query,
        state.speaker,
        result.topic_id,
        state.kind,
        since.isoformat() if since else None,
        until.isoformat() if until else None,
    )
    embed, view = search_page(result, state)
    if edit:
        await replies.update(interaction, content=moved_note(result), embeds=[embed], view=view)
    else:
        await replies.reply(interaction, embeds=[embed], view=view, ephemeral=private)


class SearchPageButton(
    StatefulButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.SEARCH_TEMPLATE
):
    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        state = SearchState.from_button(groups, interaction.message)
        await send_search(interaction, state, edit=True, page=custom_ids.number(groups, "page"))


class Search(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SearchPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SearchPageButton)

    @app_commands.command(name="search", description="Search everything this newsroom has logged, best match first")
    @app_commands.guild_only()
    @app_commands.describe(
        query='Words that must all appear; "exact phrase", OR, -leave-out, prefix*',
        topic="Only in this story: its short name, title or an alias",
        speaker="Only statements by this speaker: part of a name, role or organisation is enough",
        kind="Only this kind of entry, or topic summaries, or background facts",
        since="Only from this date, e.g. 2023-09-01, Sep 2023, autumn 2023",
        until="Only up to this date, e.g. 2023-12-31, Q4 2023, 2024",
        private="Only you see the answer (default: everyone in the channel)",
    )
    @app_commands.autocomplete(topic=topic_autocomplete, speaker=speaker_autocomplete)
    async def search(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, QUERY_MAX],
        topic: app_commands.Range[str, 1, 100] | None = None,
        speaker: app_commands.Range[str, 1, custom_ids.SPEAKER_FILTER_MAX] | None = None,
        kind: Kind | None = None,
        since: app_commands.Range[str, 1, 64] | None = None,
        until: app_commands.Range[str, 1, 64] | None = None,
        private: bool = False,
    ) -> None:
        # One line each, as the footer that carries them to the next page is read back line by line; mention
        # syntax defanged, as the footer shows them (no search word contains an @ or a <).
        shown_speaker = defang(" ".join(speaker.split())) if speaker else None
        state = SearchState(defang(" ".join(query.split())), shown_speaker or None, None, kind, since, until)
        await send_search(interaction, state, edit=False, topic=topic, private=private)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Search(bot))
