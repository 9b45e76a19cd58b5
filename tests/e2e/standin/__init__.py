"""A local stand-in for the parts of Discord's HTTP API and gateway a discord.py bot uses.

End-to-end tests run the real bot against this server because Discord itself is unreachable
from CI. The stand-in aims to behave like Discord where a bot could tell the difference:

* HTTP responses carry the headers discord.py relies on (exact ``Content-Type:
  application/json``, ``X-RateLimit-*``, and ``Via`` -- discord.py treats a 429 *without* ``Via``
  as a Cloudflare ban and does not retry it).
* The gateway speaks JSON with zlib-stream transport compression (discord.py 2.7 asks for it
  unless ``zstandard`` is installed), sequences every dispatch, and replays missed events on
  RESUME.
* Interaction rules: 3 second acknowledgement deadline, exactly-once acknowledgement, follow-ups
  only after the acknowledgement, the first follow-up after a deferral replacing the "thinking"
  message.
* Message ``nonce``/``enforce_nonce`` de-duplication, and the nonce is not stored: fetching
  messages later does not return it (as on Discord).

Everything is recorded so tests can assert on it; bodies are checked against Discord's limits and
the project's policies (see :mod:`tests.e2e.contracts`); unknown routes answer 404 and are listed
in :attr:`DiscordStandIn.unexpected`.

Usage::

    async with DiscordStandIn() as standin:
        discord.http.Route.BASE = standin.base_url
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(standin.gateway_url)  # see note below
        ...

Note: a plain ``discord.Client`` never asks ``/gateway/bot`` for the gateway URL; it connects to
``DiscordWebSocket.DEFAULT_GATEWAY`` directly, so setting ``Route.BASE`` alone is not enough.
"""

from bot.simulation.world import User as UserFixture
from tests.e2e.standin.model import (
    ADD_REACTIONS,
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    ALLOWED_CALLBACKS,
    API_PREFIX,
    APPLICATION_FLAGS,
    APPLICATION_ID,
    ATTACH_FILES,
    BOT_ROLE_PERMISSIONS,
    BOT_USER,
    DISCORD_EPOCH_MS,
    EDITOR_USER,
    EDITORS_PERMISSIONS,
    EMBED_LINKS,
    EVERYONE_PERMISSIONS,
    GATEWAY_PATH,
    GUILD_A,
    GUILD_B,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILD_PRESENCES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_COMMAND,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    INTERACTION_PING,
    JOINED_AT,
    MANAGE_MESSAGES,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    OWNER_USER,
    PRIVILEGED_INTENTS,
    READ_MESSAGE_HISTORY,
    READER_USER,
    RESUME_GATEWAY_PATH,
    SEND_MESSAGES,
    SNOWFLAKE,
    TOKEN,
    USE_APPLICATION_COMMANDS,
    USE_EXTERNAL_EMOJIS,
    VIEW_CHANNEL,
    ContractViolation,
    GatewayConnection,
    GatewayFrame,
    GatewaySession,
    GuildFixture,
    InteractionRecord,
    InteractionResponseRecord,
    RecordedFile,
    RecordedRequest,
    StandInConfig,
    Unexpected,
    _Call,
    _Conn,
    _error,
    _Failure,
    _Handler,
    _Reply,
    _Stored,
)
from tests.e2e.standin.server import DiscordStandIn

__all__ = [
    "ADD_REACTIONS",
    "ADMINISTRATOR",
    "ALLOWED_CALLBACKS",
    "ALL_PERMISSIONS",
    "API_PREFIX",
    "APPLICATION_FLAGS",
    "APPLICATION_ID",
    "ATTACH_FILES",
    "BOT_ROLE_PERMISSIONS",
    "BOT_USER",
    "DISCORD_EPOCH_MS",
    "EDITORS_PERMISSIONS",
    "EDITOR_USER",
    "EMBED_LINKS",
    "EVERYONE_PERMISSIONS",
    "GATEWAY_PATH",
    "GUILD_A",
    "GUILD_B",
    "INTENT_GUILDS",
    "INTENT_GUILD_MEMBERS",
    "INTENT_GUILD_MESSAGES",
    "INTENT_GUILD_PRESENCES",
    "INTENT_MESSAGE_CONTENT",
    "INTERACTION_AUTOCOMPLETE",
    "INTERACTION_COMMAND",
    "INTERACTION_COMPONENT",
    "INTERACTION_MODAL_SUBMIT",
    "INTERACTION_PING",
    "JOINED_AT",
    "MANAGE_MESSAGES",
    "MESSAGE_FLAG_EPHEMERAL",
    "MESSAGE_FLAG_LOADING",
    "OWNER_USER",
    "PRIVILEGED_INTENTS",
    "READER_USER",
    "READ_MESSAGE_HISTORY",
    "RESUME_GATEWAY_PATH",
    "SEND_MESSAGES",
    "SNOWFLAKE",
    "TOKEN",
    "USE_APPLICATION_COMMANDS",
    "USE_EXTERNAL_EMOJIS",
    "VIEW_CHANNEL",
    "ContractViolation",
    "DiscordStandIn",
    "GatewayConnection",
    "GatewayFrame",
    "GatewaySession",
    "GuildFixture",
    "InteractionRecord",
    "InteractionResponseRecord",
    "RecordedFile",
    "RecordedRequest",
    "StandInConfig",
    "Unexpected",
    "UserFixture",
    "_Call",
    "_Conn",
    "_Failure",
    "_Handler",
    "_Reply",
    "_Stored",
    "_error",
]
