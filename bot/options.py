"""Shared option handling for cogs: topic autocomplete, date options, the newsroom of an interaction."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.core.dates import ANY_DAY, depends_on_today, read_date, read_entry_date, today_in
from bot.core.errors import InvalidInput, echoed
from bot.core.fuzzydate import FuzzyDate
from bot.core.requester import Requester
from bot.render.custom_ids import SPEAKER_FILTER_MAX
from bot.render.text import AUTOCOMPLETE_MAX, CHOICE_NAME_MAX, clip
from bot.services import entries, reader, settings

if TYPE_CHECKING:
    from bot.client import NewsBot


def bot_of(interaction: discord.Interaction) -> NewsBot:
    return cast("NewsBot", interaction.client)


def guild_id_of(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


async def topic_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    choices = await reader.topic_choices(
        bot_of(interaction).database, requester_of(interaction), current=current, limit=AUTOCOMPLETE_MAX
    )
    return [app_commands.Choice(name=clip(label, CHOICE_NAME_MAX), value=slug) for label, slug in choices]


async def newsroom_today(interaction: discord.Interaction) -> dt.date:
    """Today in the newsroom's time zone: what "today" or "Sept 11" in a date option is read against."""
    bot = bot_of(interaction)
    newsroom = await settings.newsroom_settings(bot.database, requester_of(interaction))
    return today_in(newsroom.timezone, bot.clock())


async def reference_for(interaction: discord.Interaction, *texts: str | None) -> dt.date:
    """What to read these typed dates against: the newsroom's today (a query) only when one of them
    depends on it, else any day."""
    if any(depends_on_today(text) for text in texts if text):
        return await newsroom_today(interaction)
    return ANY_DAY


async def parse_date_options(interaction: discord.Interaction, **texts: str | None) -> dict[str, FuzzyDate | None]:
    """The date options given, parsed against the newsroom's today where it matters."""
    reference = await reference_for(interaction, *texts.values())
    return {name: read_date(name, text, reference=reference) if text else None for name, text in texts.items()}


async def parse_entry_dates(
    interaction: discord.Interaction, *, expected: bool = False, **texts: str | None
) -> tuple[dict[str, FuzzyDate | None], dict[str, str]]:
    """The dates of something being logged or corrected (see read_entry_date), and how each yearless
    or relative one was read."""
    today = await newsroom_today(interaction)
    values: dict[str, FuzzyDate | None] = {}
    notes: dict[str, str] = {}
    for name, text in texts.items():
        values[name] = None
        if text:
            values[name], note = read_entry_date(name, text, today=today, expected=expected)
            if note is not None:
                notes[name] = note
    return values, notes


def requester_of(interaction: discord.Interaction) -> Requester:
    """The member behind an interaction, as Discord described them, in the shape the services take."""
    user = interaction.user
    role_ids = frozenset(role.id for role in user.roles) if isinstance(user, discord.Member) else frozenset()
    perms = interaction.permissions
    return Requester(
        guild_id=guild_id_of(interaction),
        user_id=user.id,
        guild_name=guild_name_of(interaction),
        role_ids=role_ids,
        manage_guild=perms.manage_guild or perms.administrator,
        interaction_id=interaction.id,
    )


def guild_name_of(interaction: discord.Interaction) -> str:
    return interaction.guild.name if interaction.guild is not None else ""


async def speaker_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Names, roles and organisations, each labelled: any of them filters /latest."""
    return await _speaker_choices(interaction, current, names_only=False)


async def speaker_name_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Names alone: what a new statement's speaker can be."""
    return await _speaker_choices(interaction, current, names_only=True)


async def _speaker_choices(
    interaction: discord.Interaction, current: str, *, names_only: bool
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    found = await entries.known_speakers(
        bot_of(interaction).database,
        requester_of(interaction),
        current=current,
        limit=AUTOCOMPLETE_MAX,
        names_only=names_only,
    )
    # The value must fit the option it fills: /latest's speaker filter is the shorter one, and a
    # shortened value still matches, the filter being "contains".
    size = CHOICE_NAME_MAX if names_only else SPEAKER_FILTER_MAX
    return [
        app_commands.Choice(
            name=clip(value if names_only else f"{label}: {value}", CHOICE_NAME_MAX), value=value[:size]
        )
        for label, value in found
    ]


def _shown(label: str, value: str, names_only: bool) -> str:
    return value if names_only else f"{label}: {value}"


@functools.cache
def _zones() -> tuple[str, ...]:
    # Read once: listing the tz database touches the disk.
    return tuple(sorted(zoneinfo.available_timezones()))


def clean_timezone(value: str) -> str:
    name = value.strip()
    if name not in _zones():
        raise InvalidInput(
            f"`{echoed(name, 64)}` is not a time zone name. Use an IANA name such as Europe/London or UTC."
        )
    return name


async def timezone_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    needle = current.strip().lower()
    matches = [z for z in _zones() if needle in z.lower()][:AUTOCOMPLETE_MAX]
    return [app_commands.Choice(name=z, value=z) for z in matches]
