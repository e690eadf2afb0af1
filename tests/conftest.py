"""Fixtures shared by the end-to-end tests: the Discord stand-in, started on loopback."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass

import postgres_server
import pytest
from helpers import small_glossary
from running_bot import BotProcess
from standin import Channel, DiscordStandin, Guild, User

from bot.core.service import GlossaryService
from bot.core.store import Store


@pytest.fixture
def service(tmp_path):
    """A service over a fresh database holding the small test glossary."""
    service = GlossaryService.open(tmp_path / "g.db", seed=False)
    service.load(small_glossary())
    yield service
    service.close()


@pytest.fixture(scope="session")
def pg_dsn():
    """A PostgreSQL server for the whole run: GLOSSARY_TEST_PG_DSN's, or a throwaway one.

    Skipped, with the reason, where neither can be had (a laptop without PostgreSQL); in CI
    (GLOSSARY_TEST_PG_REQUIRED=1) that is a failure instead.
    """
    try:
        with postgres_server.postgres_dsn() as dsn:
            yield dsn
    except postgres_server.Unavailable as why:
        if postgres_server.required():
            pytest.fail(f"PostgreSQL is required here ({postgres_server.REQUIRED_VARIABLE}): {why}")
        pytest.skip(f"no PostgreSQL for these tests: {why}")


@pytest.fixture
def pg_url(pg_dsn, request):
    """The postgresql:// URL of a new, empty database for this test alone."""
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]
    return postgres_server.fresh_database(pg_dsn, f"test_{digest}")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """Where a contract test's database lives: a new SQLite file, then a new PostgreSQL
    database; every store test taking it runs on both backends."""
    if request.param == "sqlite":
        return str(tmp_path / "glossary.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url):
    """A store holding the small test glossary: on SQLite, then on PostgreSQL."""
    with Store(db_url) as store:
        store.load_glossary(small_glossary())
        yield store


@pytest.fixture
def service_on_both(db_url):
    """`service` for contract tests: the small glossary on SQLite, then on PostgreSQL."""
    service = GlossaryService.open(db_url, seed=False)
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

    A test marked `@pytest.mark.bot_env(NAME="value")` starts it with those variables set; one
    marked `@pytest.mark.postgres` runs it on PostgreSQL.
    """
    guild = discord_standin.add_guild()
    alice = discord_standin.add_member(guild, "alice")
    bob = discord_standin.add_member(guild, "bob")
    marker = request.node.get_closest_marker("bot_env")
    # `@pytest.mark.postgres`: the bot runs on a new PostgreSQL database instead of a file.
    on_postgres = request.node.get_closest_marker("postgres") is not None
    process = BotProcess(
        discord_standin,
        request.getfixturevalue("pg_url") if on_postgres else tmp_path / "glossary.db",
        tmp_path / "bot.log",
        env=marker.kwargs if marker else None,
    )
    await process.start()
    yield World(discord_standin, guild, guild.general, alice, bob, process)
    assert await process.stop() == 0, process.output()
    if not process.tracebacks_expected:
        assert "Traceback" not in process.output(), process.output()


def pytest_terminal_summary(terminalreporter):
    """The accuracy figures per kind, tuning beside held-out (tests/test_accuracy.py)."""
    module = sys.modules.get("test_accuracy")
    figures = getattr(module, "FIGURES", None)
    if not figures:
        return
    write = terminalreporter.write_line
    write("")
    write("matcher accuracy (share right; chitchat: share left unanswered)")
    write(f"{'install':<10}{'kind':<16}{'tuning':>14}{'held-out':>16}")
    for install in ("default", "semantic"):
        for kind in sorted({k for i, _, k in figures if i == install}):
            cells = []
            for name in ("tuning", "heldout"):
                n, share = figures.get((install, name, kind), (0, float("nan")))
                cells.append(f"{share:7.1%} (n={n:3})" if n else f"{'-':>13}")
            write(f"{install:<10}{kind:<16}{cells[0]:>14}{cells[1]:>16}")
