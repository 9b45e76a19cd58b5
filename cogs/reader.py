"""Reader commands: /status, /latest, /chronology, /topics, and their persistent buttons."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.buttons import StatefulButton
from bot.client import NewsBot
from bot.core.dates import reading_note
from bot.core.errors import InvalidInput
from bot.options import bot_of, parse_date_options, requester_of, speaker_autocomplete, topic_autocomplete
from bot.render import custom_ids
from bot.render import entries as render
from bot.render.text import EMBED_TOTAL_MAX
from bot.services import reader
from db.entries import Position

LATEST_DEFAULT = 5
CHRONOLOGY_PER_PAGE = 10
TOPICS_PER_PAGE = 15

PRIVATE_HELP = "Only you see the answer (default: everyone in the channel)"


async def send_latest(
    interaction: discord.Interaction,
    *,
    edit: bool,
    topic: str | None = None,
    topic_id: int | None = None,
    speaker: str | None = None,
    page: int = 0,
    count: int = LATEST_DEFAULT,
    private: bool = False,
) -> None:
    result = await reader.latest(
        bot_of(interaction).database,
        requester_of(interaction),
        query=topic,
        topic_id=topic_id,
        speaker=speaker,
        page=page,
        per_page=count,
    )
    embeds, view = render.latest_page(
        result.topic,
        result.entries,
        total=result.page.total,
        page=result.page.number,
        per_page=count,
        speaker=speaker,
        timezone=result.timezone,
    )
    if edit:
        await replies.update(interaction, embeds=embeds, view=view)
    else:
        await replies.reply(interaction, embeds=embeds, view=view, ephemeral=private)


async def send_chronology(
    interaction: discord.Interaction,
    *,
    edit: bool,
    topic: str | None = None,
    topic_id: int | None = None,
    since: str | None = None,
    until: str | None = None,
    page: int = 0,
    private: bool = False,
    seek: custom_ids.Seek | None = None,
) -> None:
    db = bot_of(interaction).database
    dates = await parse_date_options(interaction, since=since, until=until)
    # Buttons carry ISO dates, which need no note; typed yearless ones say how they were read.
    notes = [
        note
        for name, text in (("since", since), ("until", until))
        if text and (value := dates[name]) is not None and (note := reading_note(name, text, value))
    ]
    since_date = dates["since"].earliest if dates["since"] else None
    until_date = dates["until"].latest if dates["until"] else None
    if since_date and until_date and since_date > until_date:
        raise InvalidInput("`since` is after `until`; swap them or widen the range.")
    result = await reader.chronology(
        db,
        requester_of(interaction),
        query=topic,
        topic_id=topic_id,
        since=since_date,
        until=until_date,
        page=page,
        per_page=CHRONOLOGY_PER_PAGE,
        after=Position(seek.day, seek.entry_id) if seek is not None and seek.after else None,
        before=Position(seek.day, seek.entry_id) if seek is not None and not seek.after else None,
    )
    embed, view = render.chronology_page(
        result.topic,
        result.entries,
        total=result.page.total,
        page=result.page.number,
        per_page=CHRONOLOGY_PER_PAGE,
        since=since_date,
        until=until_date,
        timezone=result.timezone,
    )
    content = "\n".join(notes) or None
    if edit:
        await replies.update(interaction, embeds=[embed], view=view)
    else:
        await replies.reply(interaction, content=content, embeds=[embed], view=view, ephemeral=private)


async def send_topics(interaction: discord.Interaction, *, edit: bool, page: int = 0, private: bool = False) -> None:
    result = await reader.topic_list(
        bot_of(interaction).database, requester_of(interaction), page=page, per_page=TOPICS_PER_PAGE
    )
    guild_name = interaction.guild.name if interaction.guild else "this newsroom"
    embed, view = render.topics_page(
        result.rows,
        total=result.page.total,
        page=result.page.number,
        per_page=TOPICS_PER_PAGE,
        guild_name=guild_name,
    )
    if edit:
        await replies.update(interaction, embeds=[embed], view=view)
    else:
        await replies.reply(interaction, embeds=[embed], view=view, ephemeral=private)


class OpenButton(StatefulButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.OPEN_TEMPLATE):
    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        # Opened from a shared card: answer privately so one reader's click doesn't spam the channel.
        if groups["what"] == "latest":
            await send_latest(interaction, edit=False, topic_id=custom_ids.number(groups, "topic"), private=True)
        else:
            await send_chronology(interaction, edit=False, topic_id=custom_ids.number(groups, "topic"), private=True)


class LatestPageButton(
    StatefulButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.LATEST_TEMPLATE
):
    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        await send_latest(
            interaction,
            edit=True,
            topic_id=custom_ids.number(groups, "topic"),
            page=custom_ids.number(groups, "page"),
            count=custom_ids.number(groups, "count", custom_ids.LATEST_COUNT_MAX, 1),
            speaker=groups["speaker"] or None,
        )


class ChronologyPageButton(
    StatefulButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.CHRONOLOGY_TEMPLATE
):
    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        await send_chronology(
            interaction,
            edit=True,
            topic_id=custom_ids.number(groups, "topic"),
            page=custom_ids.number(groups, "page"),
            since=groups["since"] or None,
            until=groups["until"] or None,
            seek=custom_ids.Seek.parse(groups.get("seek"), groups.get("day"), groups.get("entry")),
        )


class TopicsPageButton(
    StatefulButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.TOPICS_TEMPLATE
):
    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        await send_topics(interaction, edit=True, page=custom_ids.number(groups, "page"))


BUTTONS = (OpenButton, LatestPageButton, ChronologyPageButton, TopicsPageButton)


class Reader(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*BUTTONS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*BUTTONS)

    @app_commands.command(name="status", description="Current status of a tracked story, with sources")
    @app_commands.guild_only()
    @app_commands.describe(
        topic="The story: its short name, title or an alias",
        history="Also show every earlier status, including retracted ones",
        private=PRIVATE_HELP,
    )
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def status(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 100],
        history: bool = False,
        private: bool = False,
    ) -> None:
        result = await reader.status(self.bot.database, requester_of(interaction), query=topic, history=history)
        room = EMBED_TOTAL_MAX - (render.HISTORY_ROOM if result.history is not None else 0)
        embed, view = render.status_card(result.card, timezone=result.timezone, room=room)
        embeds = [embed]
        if result.history is not None:
            room = EMBED_TOTAL_MAX - len(embed)
            embeds.append(render.status_history(result.card.topic, result.history, timezone=result.timezone, room=room))
        await replies.reply(interaction, embeds=embeds, view=view, ephemeral=private)

    @app_commands.command(name="latest", description="Latest official statements on a story, newest first")
    @app_commands.guild_only()
    @app_commands.describe(
        topic="The story: its short name, title or an alias",
        speaker="Only statements by this speaker: part of a name, role or organisation is enough",
        count="How many statements per page (1-10, default 5)",
        private=PRIVATE_HELP,
    )
    @app_commands.autocomplete(topic=topic_autocomplete, speaker=speaker_autocomplete)
    async def latest(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 100],
        speaker: app_commands.Range[str, 1, custom_ids.SPEAKER_FILTER_MAX] | None = None,
        count: app_commands.Range[int, 1, 10] = LATEST_DEFAULT,
        private: bool = False,
    ) -> None:
        await send_latest(interaction, edit=False, topic=topic, speaker=speaker, count=count, private=private)

    @app_commands.command(name="chronology", description="Timeline of a story, oldest first")
    @app_commands.guild_only()
    @app_commands.describe(
        topic="The story: its short name, title or an alias",
        since="Only from this date, e.g. 2023-09-01, Sep 2023, autumn 2023",
        until="Only up to this date, e.g. 2023-12-31, Q4 2023, 2024",
        private=PRIVATE_HELP,
    )
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def chronology(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 100],
        since: app_commands.Range[str, 1, 64] | None = None,
        until: app_commands.Range[str, 1, 64] | None = None,
        private: bool = False,
    ) -> None:
        await send_chronology(interaction, edit=False, topic=topic, since=since, until=until, private=private)

    @app_commands.command(name="topics", description="The stories this newsroom tracks, with their status")
    @app_commands.guild_only()
    @app_commands.describe(private=PRIVATE_HELP)
    async def topics(self, interaction: discord.Interaction, private: bool = False) -> None:
        await send_topics(interaction, edit=False, private=private)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Reader(bot))
