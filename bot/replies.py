"""Sending replies: one place that applies the rules every message must follow."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import discord

from bot.core import readings
from bot.render.text import CONTENT_MAX, NO_MENTIONS, clip

log = logging.getLogger(__name__)

_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)


def safe_content(text: str) -> str:
    """Content as sent: @everyone/@here (ours or echoed input) escaped, then clipped to Discord's limit.

    allowed_mentions already stops every ping; this keeps the text itself harmless too.
    """
    return clip(_EVERYONE.sub(lambda m: "@\u200b" + m.group(1), text), CONTENT_MAX)


async def reply(
    interaction: discord.Interaction,
    *,
    content: str | None = None,
    embeds: Sequence[discord.Embed] = (),
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> None:
    """Answer an interaction whether or not it was deferred; never pings anyone. A topic found by a
    close spelling is said first (bot.core.readings)."""
    content = _with_readings(content)
    content = safe_content(content) if content else None
    kwargs: dict[str, object] = {"content": content, "embeds": list(embeds), "allowed_mentions": NO_MENTIONS}
    if view is not None:
        kwargs["view"] = view
    # discord.py types content as str, yet takes None (no text), and view only when one is given: the
    # arguments go as a dict its overloads cannot check.
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=ephemeral, **kwargs)  # pyright: ignore[reportCallIssue, reportArgumentType]
    else:
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)  # pyright: ignore[reportCallIssue, reportArgumentType]
    _forget(view)


async def update(
    interaction: discord.Interaction,
    *,
    content: str | None = None,
    embeds: Sequence[discord.Embed] = (),
    view: discord.ui.View | None = None,
) -> None:
    """Replace the message a component belongs to (pagination)."""
    await interaction.response.edit_message(
        content=safe_content(content) if content else None,
        embeds=list(embeds),
        view=view,
        allowed_mentions=NO_MENTIONS,
    )
    _forget(view)


async def page(
    interaction: discord.Interaction,
    *,
    edit: bool,
    embeds: Sequence[discord.Embed],
    view: discord.ui.View | None,
    ephemeral: bool = False,
) -> None:
    """A page of a paged answer: the first as a reply, the others replacing the clicked message."""
    if edit:
        await update(interaction, embeds=embeds, view=view)
    else:
        await reply(interaction, embeds=embeds, view=view, ephemeral=ephemeral)


def _with_readings(content: str | None) -> str | None:
    return "\n".join((*readings.take(), *([content] if content else []))) or None


def _forget(view: discord.ui.View | None) -> None:
    """Our buttons are DynamicItems rebuilt from their custom_id on every click, so the view object
    need not live on: discord.py would otherwise keep every sent view in memory for good."""
    if view is not None:
        view.stop()


async def error(interaction: discord.Interaction, message: str) -> None:
    """A short ephemeral error; the interaction may already have been acknowledged."""
    text = safe_content(_with_readings(message) or message)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        # The interaction token may have expired; the log already has the cause.
        log.warning("could not deliver an error message for interaction %s", interaction.id)
