"""Direct messages: part of :class:`tests.e2e.standin.DiscordStandIn`.

``POST /users/@me/channels`` opens (or returns) the DM channel with a known user; messages in it go
through the channel handlers like any other. A user in :attr:`closed_dms` has closed their DMs:
Discord answers a message to them with 403 and code 50007.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.e2e.standin.base import _StandInBase
from tests.e2e.standin.channels import _Channels
from tests.e2e.standin.model import _Call, _error, _Reply

DM_CHANNEL = 1
CANNOT_DM = 50007


class _DMs(_Channels, _StandInBase):
    """Part of ``DiscordStandIn``: HTTP handlers for direct messages."""

    _dm_by_user: dict[int, int]
    closed_dms: set[int]

    async def _h_create_dm(self, call: _Call) -> _Reply:
        body = call.body if isinstance(call.body, dict) else {}
        try:
            user = self._users.get(int(body.get("recipient_id") or 0))
        except (TypeError, ValueError):
            user = None
        if user is None or user.id == self.config.bot_user.id:
            return _error(400, 50033, "Invalid Recipient(s)")
        channel_id = self._dm_by_user.get(user.id)
        if channel_id is None:
            channel_id = self._dm_by_user[user.id] = self._ids.next()
            self._channels[channel_id] = {
                "id": str(channel_id),
                "type": DM_CHANNEL,
                "last_message_id": None,
                "flags": 0,
                "recipients": [user.payload()],
            }
        return _Reply(200, copy.deepcopy(self._channels[channel_id]))

    async def _h_create_message(self, call: _Call) -> _Reply:
        channel = self._channels.get(int(call.match[1]))
        if channel is not None and channel.get("type") == DM_CHANNEL:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in self.closed_dms:
                refused = _error(403, CANNOT_DM, "Cannot send messages to this user")
                refused.arranged = True
                return refused
        return await super()._h_create_message(call)

    def dm_channel_of(self, user_id: int) -> int | None:
        return self._dm_by_user.get(user_id)

    def dms_to(self, user_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent the user by DM, oldest first."""
        channel_id = self._dm_by_user.get(user_id)
        if channel_id is None:
            return []
        stored = sorted(self._messages.values(), key=lambda m: m.id)
        return [copy.deepcopy(m.msg) for m in stored if m.channel_id == channel_id and not m.deleted]
