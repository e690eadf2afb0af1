"""A database held by another process (a `glossary-bot load`, a second bot) stalls nothing.

Writes wait on the bot's writer thread; answers keep coming from the event loop within Discord's
3-second deadline, and a slow write defers its interaction instead of missing the deadline.
"""

import asyncio
import contextlib
import sqlite3

import pytest
from flows import contribute, submit_contribution
from standin.bare import until

from bot.core.store import Store

HOLD = 4.0  # seconds: longer than Discord's 3-second deadline


@contextlib.asynccontextmanager
async def write_lock_held(path, seconds: float = HOLD):
    """Another connection takes the database's write lock and gives it back after `seconds`."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    release = asyncio.get_running_loop().time() + seconds
    try:
        yield
        await asyncio.sleep(release - asyncio.get_running_loop().time())
    finally:
        connection.commit()
        connection.close()


async def test_answers_keep_coming_while_another_process_writes(world):
    """Lookups are answered at once, a contribution is deferred then posted, nothing is lost."""
    async with write_lock_held(world.bot.db):
        ix = await world.discord.slash(
            world.guild, world.channel, world.bob, "define", {"term": "churn"}
        )
        assert (await ix.message(timeout=2.5)).embed["title"] == "Churn"
        submitted = await submit_contribution(world, world.alice, text="People who leave.")
        assert (await submitted.response(timeout=3))["type"] == 5  # "thinking…", in time
        # While alice's contribution waits for the lock, bob is still answered at once.
        ix = await world.discord.slash(
            world.guild, world.channel, world.bob, "define", {"term": "customer"}
        )
        assert (await ix.message(timeout=2.5)).embed["title"] == "Customer"
        assert not submitted.original.embeds  # still thinking: the lock is held
    answer = await submitted.message(timeout=5)
    assert "Contributed by alice" in answer.embed["footer"]["text"]
    assert not answer.ephemeral
    with Store(world.bot.db) as store:
        mine = store.member_definitions(guild_id=world.guild.id, user_id=world.alice.id)
    assert [d.text for d in mine] == ["People who leave."]


async def test_votes_given_while_the_database_is_held_are_counted_in_order(world):
    """Reactions that arrive while another process writes are kept, and counted in order."""
    answer = await contribute(world, world.alice)
    async with write_lock_held(world.bot.db, seconds=2.0):
        await world.discord.react(answer, world.bob, "👍")
        await world.discord.unreact(answer, world.bob, "👍")
        await world.discord.react(answer, world.bob, "👎")

    def votes():
        with Store(world.bot.db) as store:
            stats = store.member_stats(guild_id=world.guild.id, user_id=world.alice.id)
        return stats.upvotes, stats.downvotes

    await until(lambda: votes() == (0, 1), timeout=5)


@pytest.mark.bot_env(GLOSSARY_BUSY_TIMEOUT="0.5")
async def test_a_write_that_cannot_wait_long_enough_tells_the_member(world):
    """Past the busy timeout a contribution is refused in plain words, whole; the bot goes on."""
    async with write_lock_held(world.bot.db, seconds=3.0):
        submitted = await submit_contribution(world, world.alice, text="Never saved.")
        note = await submitted.message(timeout=3)
        assert note.ephemeral and "busy" in note.content and "nothing was saved" in note.content
    with Store(world.bot.db) as store:
        assert store.member_definitions(guild_id=world.guild.id, user_id=world.alice.id) == []
    answer = await contribute(world, world.alice, text="Saved this time.")
    assert "Contributed by alice" in answer.embed["footer"]["text"]
