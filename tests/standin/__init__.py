"""A loopback stand-in for Discord's API, for end-to-end tests of the real bot."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .server import DiscordStandin, Violation
from .state import Attachment, Channel, Guild, Interaction, Message, User

__all__ = [
    "Attachment",
    "Channel",
    "DiscordStandin",
    "Guild",
    "Interaction",
    "Message",
    "User",
    "Violation",
    "pointed_at",
]


@contextlib.contextmanager
def pointed_at(standin: DiscordStandin) -> Iterator[None]:
    """Point discord.py in this process at the stand-in: its REST base and its gateway."""
    import discord.gateway
    import discord.http
    import yarl

    route_base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = standin.url + "/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(standin.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = route_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
