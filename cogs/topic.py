"""/topic create|edit|archive|unarchive|import-seed|history and /topic fact add|edit|remove: editors manage
the stories the newsroom tracks, every change audited and readable in /topic history."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.buttons import StatefulButton
from bot.client import NewsBot
from bot.core import background
from bot.core.drafts import TopicDraft
from bot.core.errors import InvalidInput
from bot.core.validation import LIMITS, clean_aliases, clean_slug, clean_text, clean_url, require_text
from bot.options import bot_of, requester_of, topic_autocomplete
from bot.render import custom_ids
from bot.render import editor as render
from bot.render import topic_history as history_render
from bot.render.sources import fact_line
from bot.render.text import AUTOCOMPLETE_MAX, CHOICE_NAME_MAX, clip, plural
from bot.services import background as facts_service
from bot.services import topics
from db.models import Topic
from db.seeds import available_seeds

Str = app_commands.Range
OptAliases = app_commands.Range[str, 1, LIMITS["aliases"]]
OptNextStep = app_commands.Range[str, 1, LIMITS["next_step"]]
OptSummary = app_commands.Range[str, 1, LIMITS["summary"]]
OptTitle = app_commands.Range[str, 1, LIMITS["title"]]
OptReason = app_commands.Range[str, 1, LIMITS["reason"]]
OptFact = app_commands.Range[str, 1, background.FACT_MAX]
OptSource = app_commands.Range[str, 1, LIMITS["source"]]
OptUrl = app_commands.Range[str, 1, LIMITS["url"]]


async def _fact_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    topic = getattr(interaction.namespace, "topic", None)
    if interaction.guild_id is None or not topic:
        return []
    facts = await facts_service.fact_choices(
        bot_of(interaction).database, requester_of(interaction), topic_query=str(topic), current=current
    )
    return [
        app_commands.Choice(name=clip(f"#{f['id']} {f.get('fact', '')}", CHOICE_NAME_MAX), value=str(f["id"]))
        for f in facts[:AUTOCOMPLETE_MAX]
    ]


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
        reason="Why it changes: readers see it in /topic history (max 500)",
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
        reason: OptReason,
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
            bot_of(interaction).database,
            requester_of(interaction),
            slug=topic,
            changes=changes,
            reason=require_text("reason", reason),
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

    fact = app_commands.Group(name="fact", description="Editors: a story's background facts, each with its source")

    @fact.command(name="add", description="Add a background fact with its source")
    @app_commands.describe(
        topic="The story",
        text=f"The fact, as readers see it (max {background.FACT_MAX})",
        source="Who or what it comes from (max 200)",
        url="Link to the source (http or https)",
    )
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def fact_add(
        self,
        interaction: discord.Interaction,
        topic: Str[str, 1, 100],
        text: OptFact,
        source: OptSource,
        url: OptUrl | None = None,
    ) -> None:
        saved, fact = await facts_service.add_fact(
            bot_of(interaction).database,
            requester_of(interaction),
            topic_query=topic,
            text=require_fact(text),
            source=require_text("source", source),
            url=clean_url(url),
        )
        await _fact_reply(interaction, saved, fact, verb="Added")

    @fact.command(name="edit", description="Correct a background fact's text or source")
    @app_commands.describe(
        topic="The story",
        fact="The fact (suggestions: this topic's facts)",
        reason="Why it is corrected (max 500)",
        text="The corrected fact",
        source="The corrected source",
        url="The corrected link; '-' clears it",
    )
    @app_commands.autocomplete(topic=topic_autocomplete, fact=_fact_autocomplete)
    async def fact_edit(
        self,
        interaction: discord.Interaction,
        topic: Str[str, 1, 100],
        fact: Str[str, 1, 12],
        reason: OptReason,
        text: OptFact | None = None,
        source: OptSource | None = None,
        url: OptUrl | None = None,
    ) -> None:
        changes: dict[str, Any] = {}
        if text is not None:
            changes["fact"] = require_fact(text)
        if source is not None:
            changes["source"] = require_text("source", source)
        if url is not None:
            changes["url"] = None if url.strip() == "-" else clean_url(url)
        saved, changed = await facts_service.edit_fact(
            bot_of(interaction).database,
            requester_of(interaction),
            topic_query=topic,
            fact=fact,
            changes=changes,
            reason=require_text("reason", reason),
        )
        await _fact_reply(interaction, saved, changed, verb="Corrected")

    @fact.command(name="remove", description="Remove a background fact; it stays in /topic history")
    @app_commands.describe(topic="The story", fact="The fact (suggestions: this topic's facts)", reason="Why (max 500)")
    @app_commands.autocomplete(topic=topic_autocomplete, fact=_fact_autocomplete)
    async def fact_remove(
        self, interaction: discord.Interaction, topic: Str[str, 1, 100], fact: Str[str, 1, 12], reason: OptReason
    ) -> None:
        saved, removed = await facts_service.remove_fact(
            bot_of(interaction).database,
            requester_of(interaction),
            topic_query=topic,
            fact=fact,
            reason=require_text("reason", reason),
        )
        await _fact_reply(interaction, saved, removed, verb="Removed")

    @app_commands.command(name="history", description="Every change to a story's summary, fields and background facts")
    @app_commands.describe(topic="The story", private="Only you see the answer")
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def history(self, interaction: discord.Interaction, topic: Str[str, 1, 100], private: bool = True) -> None:
        await send_topic_history(interaction, query=topic, edit=False, private=private)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(TopicHistoryPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(TopicHistoryPageButton)


def require_fact(text: str) -> str:
    cleaned = clean_text("summary", text, required=True, label="text") or ""
    if len(cleaned) > background.FACT_MAX:
        raise InvalidInput(
            f"`text` is {len(cleaned)} characters; the maximum is {background.FACT_MAX}. Nothing was saved."
        )
    return cleaned


async def _fact_reply(interaction: discord.Interaction, topic: Topic, fact: dict[str, Any], *, verb: str) -> None:
    content = f"{verb} background fact `#{fact['id']}` of `{topic.slug}`:\n{fact_line(fact, room=1500)}"
    await replies.reply(interaction, content=content)


async def send_topic_history(
    interaction: discord.Interaction,
    *,
    query: str | None = None,
    topic_id: int | None = None,
    edit: bool,
    page: int = 0,
    private: bool = True,
) -> None:
    # Every page is read afresh in the clicker's own newsroom: a button's topic id leads nowhere else.
    found = await topics.topic_history(
        bot_of(interaction).database, requester_of(interaction), query=query, topic_id=topic_id
    )
    embed, view = history_render.topic_history(found.topic, found.records, timezone=found.timezone, page=page)
    await replies.page(interaction, edit=edit, embeds=[embed], view=view, ephemeral=private)


class TopicHistoryPageButton(
    StatefulButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.TOPIC_HISTORY_TEMPLATE
):
    async def handle(self, interaction: discord.Interaction, groups: dict[str, str]) -> None:
        await send_topic_history(interaction, topic_id=int(groups["topic"]), edit=True, page=int(groups["page"]))


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(TopicCog(bot))
