"""What the stand-in remembers: users, servers, channels, messages and interactions."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

EPHEMERAL = 1 << 6
DISCORD_EPOCH_MS = 1420070400000
ALL_PERMISSIONS = (1 << 50) - 1
MEMBER_PERMISSIONS = (
    (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 6) | (1 << 31) | (1 << 38)
)

_counter = itertools.count(1)


def snowflake(at: float | None = None) -> int:
    """Ids that sort by creation time, like Discord's (at: a creation time in the past)."""
    ms = int((time.time() if at is None else at) * 1000)
    return ((ms - DISCORD_EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF)


def iso_now(at: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime(at))


DAY = 86400.0


@dataclass
class User:
    id: int
    name: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class Member:
    user: User
    roles: list[int] = field(default_factory=list)
    permissions: int = MEMBER_PERMISSIONS
    # When they joined the server: fixed, as Discord keeps it (members vote only after a while).
    joined_at: str = field(default_factory=iso_now)

    def payload(self, *, with_permissions: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "user": self.user.payload(),
            "roles": [str(r) for r in self.roles],
            "nick": None,
            "avatar": None,
            "joined_at": self.joined_at,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        if with_permissions:
            data["permissions"] = str(self.permissions)
        return data


PUBLIC_THREAD = 11
DM = 1


@dataclass
class Channel:
    id: int
    name: str
    guild_id: int | None
    type: int = 0
    parent_id: int | None = None  # a thread's channel
    owner_id: int | None = None  # who started a thread
    recipient: User | None = None  # a direct-message channel's member

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.type == DM:
            data["recipients"] = [self.recipient.payload()] if self.recipient else []
        if self.type == PUBLIC_THREAD:
            # What Discord sends for a thread: its metadata, and no overwrites of its own.
            del data["permission_overwrites"], data["position"], data["topic"]
            data.update(
                owner_id=str(self.owner_id),
                member_count=1,
                message_count=0,
                total_message_sent=0,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": iso_now(),
                    "locked": False,
                    "create_timestamp": iso_now(),
                },
            )
        return data


@dataclass
class Attachment:
    """A file on a message (uploaded by the bot, or by a member in a command option)."""

    id: int
    filename: str
    data: bytes
    content_type: str
    url: str

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
        }


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    roles: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def general(self) -> Channel:
        return next(iter(self.channels.values()))

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "unavailable": False,
            "member_count": len(self.members),
            "large": False,
            "features": [],
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "channels": [c.payload() for c in self.channels.values()],
            "threads": [],
            "members": [m.payload() for m in self.members.values()],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "system_channel_flags": 0,
            "joined_at": iso_now(),
        }


@dataclass
class Message:
    """A message as Discord holds it, plus what a test wants to know about it."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: dict[str, Any] | None = None
    reference: int | None = None
    interaction_id: int | None = None
    reactions: dict[str, set[int]] = field(default_factory=dict)
    # Super reactions: Discord keeps them apart from normal ones (a member may have both).
    burst_reactions: dict[str, set[int]] = field(default_factory=dict)
    edits: int = 0
    me: int = 0  # the bot's user id, for the "me" of each reaction
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def embed(self) -> dict[str, Any]:
        return self.embeds[0] if self.embeds else {}

    def file(self, filename: str | None = None) -> bytes:
        """The content of the file attached to the message (the one named, or the only one)."""
        for attachment in self.attachments:
            if filename is None or attachment.filename == filename:
                return attachment.data
        raise KeyError(f"no file {filename!r} on message {self.id}: {self.attachments}")

    def custom_ids(self) -> list[str]:
        return [
            item["custom_id"]
            for row in self.components
            for item in row.get("components", [])
            if "custom_id" in item
        ]

    def button(self, label: str) -> str:
        """The custom id of the button with this label."""
        for row in self.components:
            for item in row.get("components", []):
                if item.get("label") == label:
                    return item["custom_id"]
        raise KeyError(f"no button {label!r} on message {self.id}: {self.components}")

    def reaction_payloads(self) -> list[dict[str, Any]]:
        """Reactions as a message object carries them: counts, and whether the bot's is one."""
        payloads = []
        for emoji in dict.fromkeys([*self.reactions, *self.burst_reactions]):
            normal = self.reactions.get(emoji, set())
            burst = self.burst_reactions.get(emoji, set())
            if not normal and not burst:
                continue
            payloads.append(
                {
                    "count": len(normal) + len(burst),
                    "count_details": {"normal": len(normal), "burst": len(burst)},
                    "me": self.me in normal,
                    "me_burst": self.me in burst,
                    "emoji": {"id": None, "name": emoji},
                    "burst_colors": [],
                }
            )
        return payloads

    def pinged(self, replied_author: int | None = None) -> dict[str, Any]:
        """Who Discord would notify: users, roles and @everyone, by the allowed mentions."""
        allowed = self.allowed_mentions
        users = {int(u) for u in re.findall(r"<@!?(\d+)>", self.content)}
        roles = {int(r) for r in re.findall(r"<@&(\d+)>", self.content)}
        everyone = bool(re.search(r"@(everyone|here)", self.content))
        if allowed is None:
            reply_ping = replied_author is not None
            return {
                "users": users | ({replied_author} if reply_ping else set()),
                "roles": roles,
                "everyone": everyone,
            }
        parse = set(allowed.get("parse") or [])
        allowed_users = {int(u) for u in allowed.get("users") or []}
        allowed_roles = {int(r) for r in allowed.get("roles") or []}
        pinged_users = users if "users" in parse else users & allowed_users
        if replied_author is not None and allowed.get("replied_user"):
            pinged_users = pinged_users | {replied_author}
        return {
            "users": pinged_users,
            "roles": roles if "roles" in parse else roles & allowed_roles,
            "everyone": everyone and "everyone" in parse,
        }

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "type": 19 if self.reference else 0,
            "flags": self.flags,
        }
        reactions = self.reaction_payloads()
        if reactions:
            data["reactions"] = reactions
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.reference:
            data["message_reference"] = {
                "message_id": str(self.reference),
                "channel_id": str(self.channel_id),
            }
        if self.interaction_id and self.author.bot:
            data["type"] = 20
        return data


LOADING = 1 << 7  # message flag: a deferred response the bot is still "thinking" about


@dataclass
class Interaction:
    """One interaction a test injected, and everything the bot answered to it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    created: float = field(default_factory=time.monotonic)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    followup_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    answered_at: float | None = None

    @property
    def acknowledged(self) -> bool:
        return bool(self.callbacks)

    async def response(self, timeout: float = 5.0) -> dict[str, Any]:
        """The bot's callback ({type, data}); fails the test if none comes in time."""
        await asyncio.wait_for(self.answered.wait(), timeout)
        return self.callbacks[0]

    async def followup(self, timeout: float = 5.0) -> Message:
        await asyncio.wait_for(self.followup_arrived.wait(), timeout)
        return self.followups[-1]

    async def message(self, timeout: float = 5.0) -> Message:
        """The message the bot answered with (its original response, or first follow-up).

        A deferred response is waited for until the bot fills it in.
        """
        await self.response(timeout)
        if self.original is not None and not self.original.flags & LOADING:
            return self.original
        await asyncio.wait_for(self.followup_arrived.wait(), timeout)
        return self.original if self.original is not None else self.followups[-1]
