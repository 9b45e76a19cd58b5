"""The one place errors from commands, buttons and modals turn into a user message and a log line."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot import replies
from bot.core.errors import UserFacingError, echoed
from bot.option_check import InvalidOption, payload_problem
from bot.options import bot_of, requester_of
from bot.render.text import CONTENT_MAX, clip

log = logging.getLogger("newsdesk.errors")

GENERIC_FAILURE = "Something went wrong on our side and nothing was changed. The error was logged (ref `{ref}`)."


def _unwrap(error: BaseException) -> BaseException:
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError) and error.__cause__:
        if isinstance(error, app_commands.TransformerError) and isinstance(error.__cause__, UserFacingError):
            return error.__cause__
        if isinstance(error, app_commands.TransformerError):
            return error
        error = error.__cause__
    return error


def user_message(error: BaseException) -> str | None:
    """What the user is told, or None when the error is ours and only the log should see it."""
    error = _unwrap(error)
    if isinstance(error, UserFacingError):
        return error.message
    if isinstance(error, app_commands.TransformerError):
        return f"`{echoed(str(error.value), 50)}` is not a valid value for this option."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "Newsdesk commands work inside a server (newsroom), not in direct messages."
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        return str(error) or "You don't have permission to do that."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return "This command has changed since your client loaded it. Reload Discord and try again."
    return None


def with_submitted(message: str, submitted: str) -> str:
    """A refusal of a form that hands back what was typed (clipped to fit), since the form is gone."""
    header = f"{message}\nYour text, to fix and send again:\n```\n"
    # A fence inside the text would end the block early; a zero-width space keeps it inert.
    body = submitted.replace("```", "`\u200b``")
    # Sending escapes each @everyone/@here with one more character: room for that is kept.
    room = CONTENT_MAX - len(header) - len("\n```") - body.count("@")
    return header + clip(body, room) + "\n```"


async def report(interaction: discord.Interaction, error: BaseException, *, submitted: str | None = None) -> None:
    """Tell the user why and log ours; `submitted`, a form's text, comes back with a refusal."""
    message = user_message(error)
    if message is None:
        original = _unwrap(error)
        log.error(
            "interaction %s (%s) failed",
            interaction.id,
            _describe(interaction),
            exc_info=(type(original), original, original.__traceback__),
        )
        message = GENERIC_FAILURE.format(ref=interaction.id)
    else:
        log.debug("interaction %s refused: %s", interaction.id, message)
        if submitted:
            message = with_submitted(message, submitted)
    await replies.error(interaction, message)


def _describe(interaction: discord.Interaction) -> str:
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    data = interaction.data or {}
    return str(data.get("custom_id", interaction.type.name))


class NewsTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Options that do not fit their declaration are refused before anything runs. Every command runs
        in a newsroom whose row exists: it is created here, before the guild's first command in this
        process (autocomplete needs none, and must answer fast)."""
        problem = payload_problem(interaction)
        if problem is not None:
            # Answered here, not raised to on_error: its handling reads the payload that failed the check.
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                await report(interaction, InvalidOption(problem))
            return False
        if interaction.guild_id is not None and interaction.type is discord.InteractionType.application_command:
            await bot_of(interaction).newsrooms.ensure(requester_of(interaction))
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report(interaction, error)
