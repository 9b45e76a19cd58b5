"""/topic create|edit|archive|unarchive|import-seed: editors manage the stories the newsroom tracks."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.client import NewsBot
from bot.core.drafts import TopicDraft
from bot.core.validation import LIMITS, clean_aliases, clean_slug, clean_text, require_text
from bot.options import bot_of, requester_of, topic_autocomplete
from bot.render import editor as render
from bot.render.text import plural
from bot.services import topics
from db.seeds import available_seeds

Str = app_commands.Range
OptAliases = app_commands.Range[str, 1, LIMITS["aliases"]]
OptNextStep = app_commands.Range[str, 1, LIMITS["next_step"]]
OptSummary = app_commands.Range[str, 1, LIMITS["summary"]]
OptTitle = app_commands.Range[str, 1, LIMITS["title"]]


async def _seed_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=n, value=n) for n in available_seeds() if current.lower() in n][:25]


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class TopicCog(commands.GroupCog, group_name="topic", group_description="Editors: manage tracked stories"):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="create", description="Start tracking a story")
    @app_commands.describe(
        slug="Short name readers type: lowercase letters, digits, hyphens (2-32), e.g. atacms",
        title="Full title (max 200)",
        aliases="Other names readers may type, comma-separated (max 10)",
        summary="One-line summary (max 1000)",
        next_step="What to watch for next (max 500)",
    )
    async def create(
        self,
        interaction: discord.Interaction,
        slug: Str[str, 2, 32],
        title: OptTitle,
        aliases: OptAliases | None = None,
        summary: OptSummary | None = None,
        next_step: OptNextStep | None = None,
    ) -> None:
        draft = TopicDraft(
            slug=clean_slug(slug),
            title=require_text("title", title),
            aliases=clean_aliases(aliases),
            summary=clean_text("summary", summary) or "",
            next_step=clean_text("next_step", next_step) or "",
        )
        topic = await topics.create_topic(bot_of(interaction).database, requester_of(interaction), draft=draft)
        content, embed = render.topic_saved(topic, verb="Created")
        await replies.reply(interaction, content=content, embeds=[embed])

    @app_commands.command(name="edit", description="Change a story's title, aliases, summary or next step")
    @app_commands.describe(
        topic="The story",
        title="New title (max 200)",
        aliases="Replace the aliases, comma-separated; '-' clears",
        summary="New summary (max 1000); '-' clears",
        next_step="New next step (max 500); '-' clears",
    )
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def edit(
        self,
        interaction: discord.Interaction,
        topic: Str[str, 1, 100],
        title: OptTitle | None = None,
        aliases: OptAliases | None = None,
        summary: OptSummary | None = None,
        next_step: OptNextStep | None = None,
    ) -> None:
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = require_text("title", title)
        if aliases is not None:
            changes["aliases"] = [] if aliases.strip() == "-" else clean_aliases(aliases)
        if summary is not None:
            changes["summary"] = "" if summary.strip() == "-" else require_text("summary", summary)
        if next_step is not None:
            changes["next_step"] = "" if next_step.strip() == "-" else require_text("next_step", next_step)
        saved = await topics.edit_topic(
            bot_of(interaction).database, requester_of(interaction), slug=topic, changes=changes
        )
        content, embed = render.topic_saved(saved, verb="Updated")
        await replies.reply(interaction, content=content, embeds=[embed])

    @app_commands.command(name="archive", description="Stop tracking a story; its history is kept")
    @app_commands.describe(topic="The story to archive")
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def archive(self, interaction: discord.Interaction, topic: Str[str, 1, 100]) -> None:
        saved = await topics.set_archived(
            bot_of(interaction).database, requester_of(interaction), slug=topic, archived=True
        )
        content, embed = render.topic_saved(saved, verb="Archived")
        await replies.reply(interaction, content=content + " `/topic unarchive` restores it.", embeds=[embed])

    @app_commands.command(name="unarchive", description="Resume tracking an archived story")
    @app_commands.describe(topic="The archived story's slug")
    async def unarchive(self, interaction: discord.Interaction, topic: Str[str, 1, 100]) -> None:
        saved = await topics.set_archived(
            bot_of(interaction).database, requester_of(interaction), slug=topic, archived=False
        )
        content, embed = render.topic_saved(saved, verb="Restored")
        await replies.reply(interaction, content=content, embeds=[embed])

    @app_commands.command(name="import-seed", description="Load a ready-made story into this newsroom")
    @app_commands.describe(name="The seed story, e.g. atacms")
    @app_commands.autocomplete(name=_seed_autocomplete)
    async def import_seed(self, interaction: discord.Interaction, name: Str[str, 1, 50]) -> None:
        result = await topics.import_seed(bot_of(interaction).database, requester_of(interaction), name=name)
        state = "created" if result.topic_created else "already tracked"
        await replies.reply(
            interaction,
            content=f"Seed `{result.story}`: topic {state}, {plural(result.entries_added, 'entry')} added.",
            ephemeral=result.entries_added == 0 and not result.topic_created,
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(TopicCog(bot))
