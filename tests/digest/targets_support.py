"""Discord's channel store with forums, threads and announcement channels, for digest target tests.

On top of `ChannelStore`: creating a forum post (the post's id is its first message's, as on
Discord, and the request takes no nonce), listing the guild's active threads, publishing
(crossposting) a message, and a thread's archive state: a send unarchives an archived thread and a
locked one refuses with Discord's error 50083.
"""

from __future__ import annotations

import re
from typing import Any

from bot.simulation import payloads
from bot.simulation.world import Channel
from tests.digest.support import ChannelStore
from tests.harness import DEFAULT, DiscordHarness, RecordedCall, http_error

FORUM = payloads.FORUM
ANNOUNCEMENT = 5
PUBLIC_THREAD = 11
ARCHIVED_THREAD = 50083


class TargetStore(ChannelStore):
    def __init__(self) -> None:
        super().__init__()
        self.posts: dict[int, Channel] = {}  # forum posts the bot created, by id
        self.published: list[str] = []  # message ids, in the order they were published
        self.unarchived: list[int] = []
        self._lose_post: dict[int, int] = {}

    def attach(self, harness: DiscordHarness) -> DiscordHarness:
        super().attach(harness)
        # Later routes are tried first: the thread checks wrap the plain send.
        harness.respond("POST", r"^/channels/\d+/messages$", lambda call: self._send_in_thread(harness, call))
        harness.respond("POST", r"^/channels/\d+/threads$", lambda call: self._open_post(harness, call))
        harness.respond("GET", r"^/guilds/\d+/threads/active$", lambda call: self._active(harness, call))
        harness.respond("POST", r"^/channels/\d+/messages/\d+/crosspost$", self._publish)
        return harness

    def lose_next_post(self, forum_id: int, status: int = 502) -> None:
        """The next forum post is created, and the answer is lost (a crash or a failed proxy)."""
        self._lose_post[forum_id] = status

    def posts_in(self, forum_id: int) -> list[Channel]:
        return [p for p in self.posts.values() if p.parent_id == forum_id]

    def _send_in_thread(self, harness: DiscordHarness, call: RecordedCall) -> Any:
        channel = harness.channels.get(self._channel(call))
        if channel is not None and channel.is_thread:
            if channel.locked:
                raise http_error(400, "Thread is locked", code=ARCHIVED_THREAD, method="POST")
            if channel.archived and channel.id not in self.unarchived:
                self.unarchived.append(channel.id)
        return self._send(harness, call)

    def _open_post(self, harness: DiscordHarness, call: RecordedCall) -> Any:
        match = re.fullmatch(r"/channels/(\d+)/threads", call.path)
        assert match is not None
        forum = harness.channels.get(int(match[1]))
        if forum is None or forum.type != FORUM:
            return DEFAULT
        body = call.json or {}
        post_id = self._snowflake()
        post = Channel(
            post_id,
            body["name"],
            forum.guild_id,
            type=PUBLIC_THREAD,
            parent_id=forum.id,
            owner_id=harness.bot_user.id,
        )
        self.posts[post_id] = post
        for attached in self.harnesses:
            attached.channels[post_id] = post
        message = self.store_message(harness, post_id, body["message"], id=str(post_id))
        if forum.id in self._lose_post:
            raise http_error(self._lose_post.pop(forum.id), method="POST")
        return {**post.payload(), "message": message}

    def _active(self, harness: DiscordHarness, call: RecordedCall) -> Any:
        threads = [c.payload() for c in harness.channels.values() if c.is_thread and not c.archived]
        return {"threads": threads, "members": []}

    def _publish(self, call: RecordedCall) -> Any:
        match = re.fullmatch(r"/channels/(\d+)/messages/(\d+)/crosspost", call.path)
        assert match is not None
        for message in self.messages(int(match[1])):
            if message["id"] == match[2]:
                if message["flags"] & 1:
                    raise http_error(400, "This message has already been crossposted.", code=40033, method="POST")
                message["flags"] |= 1
                self.published.append(message["id"])
                return message
        return DEFAULT
