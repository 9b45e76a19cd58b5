"""A tiny discord.py client (not the Newsdesk bot) for proving the Discord stand-in: if discord.py can log
in, connect, sync, answer interactions, resume and retry against the stand-in, scenarios for the real
bot can trust it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import discord.http
from discord import app_commands

from tests.e2e.standin import (
    DiscordStandIn,
)

MESSAGES = r"/channels/\d+/messages"
LATE_COMMAND_DELAY = 0.5


class ApproveView(discord.ui.View):
    @discord.ui.button(label="Approve", custom_id="approve", style=discord.ButtonStyle.success)
    async def approve(self, interaction: discord.Interaction, button: discord.ui.Button[ApproveView]) -> None:
        await interaction.response.edit_message(content=f"approved by {interaction.user.name}", view=None)


class StatementModal(discord.ui.Modal, title="Add statement"):
    statement: discord.ui.TextInput[StatementModal] = discord.ui.TextInput(label="Statement", custom_id="statement")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"statement: {self.statement.value}")


class TinyClient(discord.Client):
    """Minimal client exercising every response path the stand-in implements."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("intents", discord.Intents.default())
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        # on_ready fires this long after the last GUILD_CREATE; the 2 s default slows the suite.
        options.setdefault("guild_ready_timeout", 0.1)
        super().__init__(**options)
        self.tree = app_commands.CommandTree(self)
        self.resumed = asyncio.Event()
        self.seen_interactions: list[int] = []
        self.messages: asyncio.Queue[discord.Message] = asyncio.Queue()
        tree = self.tree

        @tree.command(name="ping", description="Replies with pong")
        async def ping(interaction: discord.Interaction) -> None:
            self.seen_interactions.append(interaction.id)
            await interaction.response.send_message("pong")

        @tree.command(name="slow", description="Defers, then follows up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("first")
            await interaction.followup.send("second")
            await interaction.edit_original_response(content="first (edited)")

        @tree.command(name="pick", description="Pick a topic")
        @app_commands.describe(topic="Topic to pick", count="How many")
        async def pick(interaction: discord.Interaction, topic: str, count: int = 1) -> None:
            await interaction.response.send_message(f"{topic} x{count}")

        @pick.autocomplete("topic")
        async def pick_topic(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            topics = ["budget", "bridges", "schools"]
            return [app_commands.Choice(name=t, value=t) for t in topics if t.startswith(current)]

        @tree.command(name="approval", description="Posts an approval button")
        async def approval(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("needs approval", view=ApproveView())

        @tree.command(name="statement", description="Opens the statement modal")
        async def statement(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(StatementModal())

        @tree.command(name="late", description="Answers too late")
        async def late(interaction: discord.Interaction) -> None:
            await asyncio.sleep(LATE_COMMAND_DELAY)
            await interaction.response.send_message("sorry, late")

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def on_message(self, message: discord.Message) -> None:
        self.messages.put_nowait(message)


@contextlib.asynccontextmanager
async def running_client(**options: Any) -> AsyncIterator[TinyClient]:
    client = TinyClient(**options)
    await client.login("dummy-token")
    task = asyncio.create_task(client.connect())
    try:
        async with asyncio.timeout(5):
            await client.wait_until_ready()
        yield client
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


async def raw(
    standin: DiscordStandIn, method: str, path: str, *, json: Any = None, token: str | None = "dummy-token"
) -> tuple[int, Any]:
    """A request straight to the stand-in, bypassing discord.py's validation and retries."""
    headers = {"Authorization": f"Bot {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, standin.base_url + path, json=json, headers=headers) as resp,
    ):
        body = await resp.json(content_type=None) if resp.status != 204 else None
        return resp.status, body


async def human_pause() -> None:
    """discord.py registers a View/Modal only after parsing the callback response; a click or
    submit racing ahead of that is (correctly) ignored. No human is faster than this."""
    await asyncio.sleep(0.1)


def allowed_none() -> dict[str, Any]:
    return {"parse": []}
