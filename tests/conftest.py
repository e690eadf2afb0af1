"""Fixtures shared by the end-to-end tests: the Discord stand-in, started on loopback."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from helpers import small_glossary
from running_bot import BotProcess
from standin import Channel, DiscordStandin, Guild, User

from bot.core.service import GlossaryService


@pytest.fixture
def service(tmp_path):
    """A service over a fresh database holding the small test glossary."""
    service = GlossaryService.open(tmp_path / "g.db", seed=False)
    service.load(small_glossary())
    yield service
    service.close()


@pytest.fixture
async def discord_standin():
    """A started stand-in; a test fails if the bot broke any of Discord's rules during it."""
    async with DiscordStandin() as standin:
        yield standin
    assert not standin.violations, "Discord rules broken:\n" + "\n".join(
        str(v) for v in standin.violations
    )


@dataclass
class World:
    """A server with two members, and the bot running in it."""

    discord: DiscordStandin
    guild: Guild
    channel: Channel
    alice: User
    bob: User
    bot: BotProcess


@pytest.fixture
async def world(discord_standin, tmp_path, request):
    """The real bot, started with `glossary-bot run`, in a server with alice and bob.

    A test marked `@pytest.mark.bot_env(NAME="value")` starts it with those variables set.
    """
    guild = discord_standin.add_guild()
    alice = discord_standin.add_member(guild, "alice")
    bob = discord_standin.add_member(guild, "bob")
    marker = request.node.get_closest_marker("bot_env")
    process = BotProcess(
        discord_standin,
        tmp_path / "glossary.db",
        tmp_path / "bot.log",
        env=marker.kwargs if marker else None,
    )
    await process.start()
    yield World(discord_standin, guild, guild.general, alice, bob, process)
    assert await process.stop() == 0, process.output()
    if not process.tracebacks_expected:
        assert "Traceback" not in process.output(), process.output()
