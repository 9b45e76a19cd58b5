"""The simulated Discord world: users, guilds with roles and channels, members, DM channels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.simulation import payloads
from bot.simulation.payloads import JSON, SNOWFLAKES


def id_of(obj: Any) -> int:
    if isinstance(obj, bool):
        raise TypeError("a bool is not a snowflake")
    if isinstance(obj, int):
        return obj
    if isinstance(obj, str) and obj.isdigit():
        return int(obj)
    if isinstance(obj, Mapping) and "id" in obj:
        return int(obj["id"])
    ident = getattr(obj, "id", None)
    if ident is not None:
        return int(ident)
    raise TypeError(f"cannot take a snowflake from {obj!r}")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> JSON:
        return payloads.user_payload(self.id, self.username, self.global_name, bot=self.bot)


@dataclass(frozen=True, slots=True)
class Role:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False
    bot_id: int | None = None  # set for the bot's managed integration role

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> JSON:
        return payloads.role_payload(
            self.id, self.name, self.permissions, self.position, managed=self.managed, bot_id=self.bot_id
        )


@dataclass(frozen=True, slots=True)
class Channel:
    id: int
    name: str
    guild_id: int | None
    type: int = 0  # 0 = GUILD_TEXT, 1 = DM, 5 = announcement, 11 = public thread, 15 = forum
    position: int = 0
    topic: str | None = None
    recipient: User | None = None  # DM channels only
    parent_id: int | None = None  # threads: the channel (or forum) they are in
    owner_id: int | None = None  # threads: who started it
    flags: int = 0  # forums: 16 = a tag is required on every post
    archived: bool = False  # threads
    locked: bool = False  # threads

    @property
    def is_thread(self) -> bool:
        return self.type in payloads.THREAD_TYPES

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self, permissions: int | None = None) -> JSON:
        if self.type == 1:
            assert self.recipient is not None
            return payloads.dm_channel_payload(self.id, self.recipient.payload())
        assert self.guild_id is not None
        if self.is_thread:
            assert self.parent_id is not None
            return payloads.thread_payload(
                self.id,
                self.guild_id,
                self.parent_id,
                self.name,
                owner_id=self.owner_id or 0,
                kind=self.type,
                archived=self.archived,
                locked=self.locked,
                permissions=permissions,
            )
        data = payloads.channel_payload(
            self.id, self.guild_id, self.name, self.position, kind=self.type, topic=self.topic, permissions=permissions
        )
        if self.type == payloads.FORUM:
            data.update(flags=self.flags, available_tags=[])
        return data


@dataclass(slots=True)
class Guild:
    id: int
    name: str
    owner_id: int
    roles: list[Role]
    channels: list[Channel]
    #: user id -> ids of the member's roles (never including @everyone, as in Discord payloads)
    members: dict[int, list[int]] = field(default_factory=dict)
    joined_at: str = field(default_factory=payloads.now_iso)

    @property
    def everyone_role(self) -> Role:
        return self.role_by_id(self.id)  # Discord: the @everyone role's id is the guild's id

    @property
    def editors_role(self) -> Role:
        return self.role("Editors")

    @property
    def channel(self) -> Channel:
        """The guild's default text channel (the first one)."""
        return self.channels[0]

    def role(self, name: str) -> Role:
        for role in self.roles:
            if role.name == name:
                return role
        raise KeyError(f"guild {self.name} has no role {name!r}")

    def role_by_id(self, role_id: int) -> Role:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise KeyError(f"guild {self.name} has no role {role_id}")

    def channel_named(self, name: str) -> Channel:
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(f"guild {self.name} has no channel {name!r}")

    def is_member(self, user_id: int) -> bool:
        return user_id in self.members

    def permissions_for(self, user_id: int) -> int:
        """Base permissions as Discord computes them (no channel overwrites exist in the simulation)."""
        if user_id == self.owner_id:
            return discord.Permissions.all().value
        value = self.everyone_role.permissions
        for role_id in self.members.get(user_id, []):
            value |= self.role_by_id(role_id).permissions
        if value & discord.Permissions(administrator=True).value:
            return discord.Permissions.all().value
        return value

    def member_payload(self, user: User, *, with_user: bool = True, with_permissions: bool = False) -> JSON:
        permissions = self.permissions_for(user.id) if with_permissions else None
        user_data = user.payload() if with_user else None
        return payloads.member_payload(
            user_data, self.members.get(user.id, []), self.joined_at, permissions=permissions
        )

    def create_payload(self, users: Mapping[int, User]) -> JSON:
        """GUILD_CREATE with every member listed.

        Member count == members sent, so discord.py treats the guild as chunked and never tries to
        request members over the (absent) websocket.
        """
        system = self.channels[0].id if self.channels else None
        guild = payloads.guild_payload(self.id, self.name, self.owner_id, [r.payload() for r in self.roles], system)
        return payloads.guild_create_payload(
            guild,
            channels=[c.payload() for c in self.channels if not c.is_thread],
            threads=[c.payload() for c in self.channels if c.is_thread],
            members=[self.member_payload(users[uid]) for uid in self.members],
            member_count=len(self.members),
            joined_at=self.joined_at,
        )


@dataclass(slots=True)
class World:
    """Everything the simulated Discord knows about: looked up by the recorder to answer REST calls."""

    bot_user: User
    owner: User
    users: dict[int, User] = field(default_factory=dict)
    guilds: dict[int, Guild] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)

    def add_guild(self, guild: Guild) -> Guild:
        self.guilds[guild.id] = guild
        self.channels.update({c.id: c for c in guild.channels})
        return guild

    def add_user(self, user: User) -> User:
        self.users[user.id] = user
        return user

    def guild(self, guild: Any) -> Guild:
        return self.guilds[id_of(guild)]

    def user(self, user: Any) -> User:
        return self.users[id_of(user)]

    def channel(self, channel: Any) -> Channel:
        return self.channels[id_of(channel)]

    def dm_channel(self, user: User) -> Channel:
        for channel in self.channels.values():
            if channel.type == 1 and channel.recipient == user:
                return channel
        channel = Channel(SNOWFLAKES.next(), "", None, type=1, recipient=user)
        self.channels[channel.id] = channel
        return channel

    def set_roles(self, guild: Any, user: Any, roles: Iterable[Any]) -> None:
        self.guild(guild).members[id_of(user)] = [id_of(r) for r in roles]

    def interaction(
        self,
        itype: int,
        data: JSON,
        user: User,
        guild: Guild | None,
        channel: Channel,
        **extra: Any,
    ) -> JSON:
        """An INTERACTION_CREATE from ``user`` in ``channel`` of ``guild`` (None: their DM with the bot)."""
        if guild is not None:
            return payloads.interaction_payload(
                itype,
                data,
                application_id=self.bot_user.id,
                channel=channel.payload(permissions=guild.permissions_for(user.id)),
                guild_id=guild.id,
                member=guild.member_payload(user, with_permissions=True),
                app_permissions=guild.permissions_for(self.bot_user.id),
                **extra,
            )
        return payloads.interaction_payload(
            itype,
            data,
            application_id=self.bot_user.id,
            channel=channel.payload(),
            guild_id=None,
            user=user.payload(),
            app_permissions=self.guilds_default_permissions(),
            **extra,
        )

    def guilds_default_permissions(self) -> int:
        # A DM has no roles: the bot gets what @everyone gets in the first guild.
        first = next(iter(self.guilds.values()), None)
        return first.everyone_role.permissions if first is not None else 0
