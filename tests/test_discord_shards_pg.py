"""Two shard processes of the bot (`glossary-bot run --shard-count 2 --shard-ids N`) over one
PostgreSQL database, against the stand-in: each answers the servers of its shard."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import pytest
from flows import contribute
from running_bot import BotProcess, run_cli
from standin import Channel, DiscordStandin, Guild, Interaction, User

UP = "👍"
NEW_TERM = """\
name: Zoology
terms:
  - term: Zebrafish
    definition: A small striped fish that many laboratories keep.
"""


@dataclass
class Server:
    """One server, as the flows shared by the end-to-end tests take it."""

    discord: DiscordStandin
    guild: Guild
    channel: Channel


def field(embed, name):
    return next(f["value"] for f in embed["fields"] if f["name"].startswith(name))


async def answered(interaction: Interaction, timeout: float = 5.0) -> bool:
    try:
        await interaction.response(timeout)
    except TimeoutError:
        return False
    return True


async def eventually_define(standin, server: Server, user: User, term: str, title: str) -> None:
    """/define until the answer is `title` (a load reaches every process within seconds)."""
    shown: list[str] = []

    async def ask() -> bool:
        ix = await standin.slash(server.guild, server.channel, user, "define", {"term": term})
        shown.append((await ix.message(10)).embed.get("title", ""))
        return shown[-1] == title

    for _ in range(30):
        if await ask():
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"/define {term} never answered {title!r}: {shown[-3:]}")


@pytest.fixture
async def two_shards():
    async with DiscordStandin(shard_count=2) as standin:
        yield standin
    assert not standin.violations, "\n".join(map(str, standin.violations))


async def test_two_shard_processes_share_one_postgresql(two_shards, pg_url, tmp_path):
    """Process "zero" runs shard 0, process "one" shard 1, both over one PostgreSQL: a vote in
    the server on shard 1 shows on /profile there; a `load` beside them is answered by both;
    only zero synced the slash commands; killed, zero leaves one answering its server."""
    standin = two_shards
    guilds = [standin.add_guild(f"on shard {n}", shard=n) for n in (0, 1)]
    servers = [Server(standin, g, g.general) for g in guilds]
    alice = [standin.add_member(s.guild, "alice") for s in servers]
    bob = standin.add_member(servers[1].guild, "bob")
    shard = ("--shard-count", "2", "--shard-ids")
    zero = BotProcess(standin, pg_url, tmp_path / "zero.log", args=(*shard, "0"))
    one = BotProcess(standin, pg_url, tmp_path / "one.log", args=(*shard, "1"))
    # Shard 1's process starts first: it must leave the sync to shard 0's.
    await one.start()
    await zero.start()
    try:
        assert "running shard(s) 0 of 2; serving 1 server(s)" in zero.output()
        assert "running shard(s) 1 of 2; serving 1 server(s)" in one.output()
        # Only the process holding shard 0 synced; the other did not try.
        assert standin.command_syncs == ["global"]
        synced = re.compile(r"synced \d+ slash commands")
        assert synced.search(zero.output()) and not synced.search(one.output())
        assert "slash commands are synced by the process holding shard 0" in one.output()

        # A member of the server on shard 1 votes; /profile there shows it.
        posted = await contribute(servers[1], alice[1])
        await standin.react(posted, bob, UP)
        shown = []
        for _ in range(50):
            ix = await standin.slash(
                servers[1].guild, servers[1].channel, bob, "profile", {"member": alice[1]}
            )
            profile = (await ix.message(10)).embed
            shown.append([field(profile, n) for n in ("Upvotes", "Downvotes")])
            if shown[-1] == ["1", "0"]:
                break
        assert shown[-1] == ["1", "0"], shown

        # A load beside them reaches both processes.
        (tmp_path / "zoology.yaml").write_text(NEW_TERM)
        status, output = await run_cli(
            standin, "load", str(tmp_path / "zoology.yaml"), "--db", pg_url, timeout=60
        )
        assert status == 0, output
        for server, member in zip(servers, alice, strict=True):
            await eventually_define(standin, server, member, "zebrafish", "Zebrafish")

        # Killed, zero takes only its own server offline.
        await zero.kill()
        lost = await standin.slash(
            servers[0].guild, servers[0].channel, alice[0], "define", {"term": "customer"}
        )
        kept = await standin.slash(
            servers[1].guild, servers[1].channel, alice[1], "define", {"term": "customer"}
        )
        assert (await kept.message(10)).embed["title"] == "Customer"
        assert not await answered(lost, timeout=2)
    finally:
        await zero.stop()
        assert await one.stop() == 0, one.output()
    assert "Traceback" not in zero.output() + one.output()


def test_the_command_sync_lock_keeps_another_process_waiting(pg_url):
    """While one process holds the command-sync lock, another one's wait for it lasts until it
    is let go (two stores: two processes' connections to one database)."""
    import threading

    from bot.core.store import Store

    first, second = Store(pg_url), Store(pg_url)
    entered = threading.Event()

    def other_process() -> None:
        with second.command_sync_lock():
            entered.set()

    try:
        with first.command_sync_lock():
            waiting = threading.Thread(target=other_process)
            waiting.start()
            assert not entered.wait(0.5), "the lock let a second holder in"
        assert entered.wait(10), "the lock was never handed on"
        waiting.join(10)
    finally:
        first.close()
        second.close()
