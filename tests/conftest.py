"""Fixtures shared by the end-to-end tests: the Discord stand-in, started on loopback."""

from __future__ import annotations

import pytest
from standin import DiscordStandin


@pytest.fixture
async def discord_standin():
    """A started stand-in; a test fails if the bot broke any of Discord's rules during it."""
    async with DiscordStandin() as standin:
        yield standin
    assert not standin.violations, "Discord rules broken:\n" + "\n".join(
        str(v) for v in standin.violations
    )
