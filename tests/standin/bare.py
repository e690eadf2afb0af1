"""A bare discord.py client with one trivial command: the baseline the bot is measured against."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import discord
from discord import app_commands

from .server import DiscordStandin


class BareClient(discord.Client):
    def __init__(self, *, message_content: bool = True):
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(intents=intents)
        self.tree = app_commands.CommandTree(self)
        self.seen_messages: list[discord.Message] = []
        self.seen_reactions: list[tuple[str, str]] = []

        @self.tree.command(name="ping", description="Answers pong")
        async def ping(interaction: discord.Interaction, word: str = "") -> None:
            await interaction.response.send_message(f"pong {word}".strip())

        @ping.autocomplete("word")
        async def words(interaction: discord.Interaction, current: str):
            return [
                app_commands.Choice(name=f"{current}{i}", value=f"{current}{i}") for i in range(3)
            ]

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        self.seen_messages.append(message)
        if message.content.startswith("!echo"):
            await message.reply(
                message.content[5:].strip() or "(empty)",
                allowed_mentions=discord.AllowedMentions.none(),
            )

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.seen_reactions.append(("add", str(payload.emoji)))

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        self.seen_reactions.append(("remove", str(payload.emoji)))


class BareShardedClient(discord.AutoShardedClient):
    """A bare client running shards (all Discord asks for, or `shard_ids` of `shard_count`),
    noting which shard each message and resume came on."""

    def __init__(self, *, shard_ids: list[int] | None = None, shard_count: int | None = None):
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, shard_ids=shard_ids, shard_count=shard_count)
        self.tree = app_commands.CommandTree(self)
        self.seen_messages: list[tuple[int | None, str]] = []
        self.resumed_shards: list[int] = []

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Discord allows one IDENTIFY per 5 seconds; the stand-in does not make anyone wait.
        return None

    async def on_message(self, message: discord.Message) -> None:
        if not message.author.bot:
            self.seen_messages.append((message.guild and message.guild.shard_id, message.content))

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.resumed_shards.append(shard_id)


@contextlib.asynccontextmanager
async def running(client: discord.Client, standin: DiscordStandin) -> AsyncIterator[discord.Client]:
    """Run a client against the stand-in until the block ends; it has synced when it yields."""
    from . import pointed_at

    with pointed_at(standin):
        task = asyncio.create_task(client.start(standin.token))
        try:
            await until(lambda: bool(standin.command_syncs) or task.done(), timeout=10)
            if task.done():
                task.result()
            # Commands sync before the gateway connects; events sent before READY are lost.
            await until(lambda: client.is_ready() or task.done(), timeout=10)
            if task.done():
                task.result()
            yield client
        finally:
            await client.close()
            with contextlib.suppress(asyncio.CancelledError, discord.DiscordException):
                await asyncio.wait_for(task, 5)


async def until(condition, timeout: float = 5.0, step: float = 0.02) -> None:
    """Wait until condition() is true; fails the test on timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)


if __name__ == "__main__":
    # A bare client as its own process, for the round-trip benchmark's baseline.
    import os

    import yarl

    url = os.environ["GLOSSARY_STANDIN_URL"]
    discord.http.Route.BASE = url + "/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
        url.replace("http://", "ws://") + "/gateway"
    )
    BareClient().run(os.environ["DISCORD_TOKEN"], log_handler=None)
