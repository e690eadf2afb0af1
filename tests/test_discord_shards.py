"""The bot running several shards in one process (`glossary-bot run`, over SQLite), and the shard
settings it refuses."""

from __future__ import annotations

import re

import pytest
from running_bot import BotProcess, run_cli
from standin import DiscordStandin
from standin.bare import until

UP = "👍"


@pytest.fixture
async def two_shards(tmp_path):
    """A stand-in whose bot must run two shards, a server on each with a member in it."""
    async with DiscordStandin(shard_count=2) as standin:
        guilds = [standin.add_guild(f"on shard {n}", shard=n) for n in (0, 1)]
        members = [standin.add_member(g, "alice") for g in guilds]
        yield standin, guilds, members
    assert not standin.violations, "\n".join(map(str, standin.violations))


async def define(standin, guild, user, term="customer"):
    ix = await standin.slash(guild, guild.general, user, "define", {"term": term})
    return await ix.message(timeout=10)


@pytest.mark.parametrize(
    ("args", "env"),
    [
        ((), {}),
        (("--shard-count", "2", "--shard-ids", "0,1"), {}),
        ((), {"GLOSSARY_SHARD_COUNT": "2"}),
    ],
    ids=["as many as Discord asks", "command line", "environment"],
)
async def test_one_process_runs_every_shard_and_answers_each_server(
    two_shards, tmp_path, args, env
):
    """Asked (or told) for two shards, one process runs both, answers /define in the server of
    each, and syncs the slash commands once."""
    standin, guilds, members = two_shards
    bot = BotProcess(standin, tmp_path / "g.db", tmp_path / "bot.log", args=args, env=env)
    await bot.start()
    try:
        assert "running shard(s) 0, 1 of 2; serving 2 server(s)" in bot.output()
        assert sorted(standin.gateway.sessions) == [0, 1]
        for guild, member in zip(guilds, members, strict=True):
            assert (await define(standin, guild, member)).embed["title"] == "Customer"
        assert standin.command_syncs == ["global"]
    finally:
        assert await bot.stop() == 0, bot.output()
    assert "Traceback" not in bot.output()


def reconciled(bot) -> list[set[int]]:
    """The shards of each reconcile the bot logged, in order."""
    runs = re.findall(r"votes reconciled with Discord \(shard\(s\) ([\d, ]+)\)", bot.output())
    return [{int(n) for n in run.split(",")} for run in runs]


async def test_a_shard_that_resumes_reconciles_its_own_servers(two_shards, tmp_path):
    """A 👍 whose event never came, in the server on shard 1, is counted when shard 1's
    session resumes; shard 0, which stayed connected, is not reconciled again."""
    standin, guilds, (alice0, alice1) = two_shards
    bob = standin.add_member(guilds[1], "bob")
    bot = BotProcess(standin, tmp_path / "g.db", tmp_path / "bot.log")
    await bot.start()
    try:
        await until(lambda: set().union(*reconciled(bot)) == {0, 1}, timeout=15)
        elsewhere = await define(standin, guilds[0], alice0)
        answer = await define(standin, guilds[1], alice1)
        await standin.react(answer, bob, UP, deliver=False)
        assert "👍 0" in (await define(standin, guilds[1], alice1)).embed["footer"]["text"]
        before, requests = len(reconciled(bot)), len(standin.requests)
        await standin.drop_connection(shard_id=1)
        await until(lambda: len(reconciled(bot)) > before, timeout=15)
        assert reconciled(bot)[before:] == [{1}]
        read = " ".join(standin.requests[requests:])
        # The answer on shard 1 was read back from Discord; the one on shard 0 was not.
        assert f"/messages/{answer.id}" in read and f"/messages/{elsewhere.id}" not in read
        assert "shard 1's session resumed" in bot.output()
        assert [s.resumes for s in standin.gateway.sessions.values()] == [0, 1]
        shown = await define(standin, guilds[1], alice1)
        assert "👍 1" in shown.embed["footer"]["text"], shown.embed["footer"]
    finally:
        assert await bot.stop() == 0, bot.output()


async def test_too_few_shards_for_discord_ends_with_a_clear_message(two_shards, tmp_path):
    """One shard where Discord asks for two: Discord closes with 4011, the bot says what to
    change and exits with status 2 instead of reconnecting forever."""
    standin, _, _ = two_shards
    status, output = await run_cli(
        standin, "run", "--db", str(tmp_path / "g.db"), "--shard-count", "1", timeout=60
    )
    assert status == 2, output
    assert "Discord requires more shards" in output and "--shard-count" in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--shard-count", "2", "--shard-ids", "1"), "an SQLite database serves one process"),
        (("--shard-ids", "0"), "--shard-ids (GLOSSARY_SHARD_IDS) needs --shard-count"),
        (("--shard-count", "two"), "must be a whole number"),
        (("--shard-count", "0"), "must be 1 to 4096"),
        (("--shard-count", "2", "--shard-ids", "0,2"), "run from 0 to 1; '2' does not fit"),
        (("--shard-count", "4", "--shard-ids", "1,0-2"), "given twice"),
        (("--shard-count", "4", "--shard-ids", "a-b"), "numbers separated by commas"),
    ],
)
async def test_shard_settings_that_cannot_work_are_refused_before_connecting(
    discord_standin, tmp_path, args, message
):
    """A shard range on SQLite (one machine, one process) or shard settings that make no sense
    end with one clear line and status 2, before anything talks to Discord."""
    status, output = await run_cli(discord_standin, "run", "--db", str(tmp_path / "g.db"), *args)
    assert status == 2, output
    assert message in output, output
    assert "Traceback" not in output
    assert discord_standin.identify_count == 0 and not discord_standin.requests
