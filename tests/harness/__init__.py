"""Offline Discord harness: drive a real discord.py bot through its real gateway entry points.

Every command test goes through this package. It never mocks the bot's own callbacks: interactions
are built as Discord would send them and fed to discord.py's gateway parser, and the network is the
simulation's recorder (:mod:`bot.simulation`), which answers with realistic Discord JSON. This
package adds what tests need on top: fixture guilds and users, one ``Reply`` per dispatch, settling
and assertions.

Typical use::

    async with DiscordHarness(make_bot()) as h:
        reply = await h.slash("log status", {"topic": "atacms", "count": 2}, user=h.editor)
        assert reply.response_type == 4 and reply.ephemeral
        click = await h.click("vote:42", message=reply.final, user=h.reader)
"""

from bot.simulation.dispatch import GatewayCall
from bot.simulation.network import FakeHTTPResponse, RecordedCall, RecordedFile, http_error
from bot.simulation.recorder import DEFAULT, DM, UnhandledRouteError
from bot.simulation.world import Channel as ChannelFixture
from bot.simulation.world import Guild as GuildFixture
from bot.simulation.world import Role as RoleFixture
from bot.simulation.world import User as UserFixture
from tests.harness.core import (
    APPLICATION_ID,
    BOT_ROLE_PERMISSIONS,
    EVERYONE_PERMISSIONS,
    GUILD_A_ID,
    GUILD_B_ID,
    MANAGERS_PERMISSIONS,
    DiscordHarness,
)
from tests.harness.reply import HarnessError, HarnessTimeout, Reply

__all__ = [
    "APPLICATION_ID",
    "BOT_ROLE_PERMISSIONS",
    "DEFAULT",
    "DM",
    "EVERYONE_PERMISSIONS",
    "GUILD_A_ID",
    "GUILD_B_ID",
    "MANAGERS_PERMISSIONS",
    "ChannelFixture",
    "DiscordHarness",
    "FakeHTTPResponse",
    "GatewayCall",
    "GuildFixture",
    "HarnessError",
    "HarnessTimeout",
    "RecordedCall",
    "RecordedFile",
    "Reply",
    "RoleFixture",
    "UnhandledRouteError",
    "UserFixture",
    "http_error",
]
