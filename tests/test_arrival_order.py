"""Reaction events of one message are queued for writing in the order Discord sent them, even
when the reads before each finish out of order (reads off the event loop, on PostgreSQL)."""

from __future__ import annotations

import asyncio

from bot.discord.votes import ArrivalOrder


async def handle(order: ArrivalOrder, queued: list[str], name: str, read_seconds: float) -> None:
    async with order(1):
        await asyncio.sleep(read_seconds)  # is it an answer? the server's limits?
        queued.append(name)


async def test_a_quick_later_event_waits_for_the_slow_earlier_one():
    order, queued = ArrivalOrder(), []
    await asyncio.gather(
        handle(order, queued, "👍 put on", 0.05), handle(order, queued, "👍 taken off", 0)
    )
    assert queued == ["👍 put on", "👍 taken off"]
    assert len(order) == 0  # nothing kept once a message's events are through


async def test_other_messages_do_not_wait():
    order, queued = ArrivalOrder(), []

    async def other() -> None:
        async with order(2):
            queued.append("other message")

    await asyncio.gather(handle(order, queued, "slow", 0.05), other())
    assert queued == ["other message", "slow"]
