"""The bot's gateway reads yield to other tasks between the frames of a buffered burst.

discord.py reads a shard with `while ...: await ws.poll_event()`, which never yields while
frames are already buffered; `PacedGateway` wraps each new websocket's poll_event through a
discord.py internal (ConnectionState._update_references). These tests fail if a discord.py
release stops calling that hook or stops reading through poll_event.
"""

from __future__ import annotations

import discord
from standin.bare import BareClient, running, until

from bot.discord.client import PacedGateway

BURST = 300


class Probe(PacedGateway, BareClient):
    """A bare client with the bot's paced gateway, noting how many reaction frames had been
    read when each reaction's handler started."""

    gateway_slice_seconds = 0.0  # yield after every frame: what the test can see without a clock

    def __init__(self) -> None:
        super().__init__()
        self.frames_read = 0
        self.started: list[tuple[int, int]] = []  # (frames read, user id) per handler start

    def dispatch(self, event: str, /, *args, **kwargs) -> None:
        if event == "raw_reaction_add":  # called by the reader itself, as each frame is read
            self.frames_read += 1
        super().dispatch(event, *args, **kwargs)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.started.append((self.frames_read, payload.user_id))


async def test_every_new_gateway_websocket_is_paced(discord_standin):
    standin = discord_standin
    async with running(Probe(), standin) as client:
        assert getattr(client.ws.poll_event, "paced", False)
        first = client.ws
        await standin.drop_connection()  # a resume makes a new websocket
        await until(lambda: client.ws is not first and client.is_ready(), timeout=10)
        assert getattr(client.ws.poll_event, "paced", False)


async def test_a_buffered_burst_lets_each_frames_handler_run_before_the_next_frame(
    discord_standin,
):
    standin = discord_standin
    guild = standin.add_guild()
    alice = standin.add_member(guild, "alice")
    crowd = [standin.add_member(guild, f"m{n}") for n in range(BURST)]
    async with running(Probe(), standin) as client:
        message = await standin.send_message(guild.general, alice, "vote here")
        for member in crowd:  # all sent before the client reads: buffered on its socket
            await standin.react(message, member, "👍")
        await until(lambda: len(client.started) == BURST, timeout=30)
        # In the order they came, and each started before the next frame was read.
        assert client.started == [(n + 1, m.id) for n, m in enumerate(crowd)]
