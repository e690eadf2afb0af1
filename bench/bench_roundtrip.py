"""Round trip of a slash command through the Discord stand-in: the bot's /define next to a
bare discord.py client's trivial /ping, both as their own processes, in the same run.

    python bench/bench_roundtrip.py [--n 200] [--burst 200]

Measured: from the moment the stand-in sends INTERACTION_CREATE to the moment the client's
callback reaches it, sequentially (p50/p99) and for a burst sent at once (time until the last
answer). Targets: /define within 1.5x of the bare client; a burst of 200 all answered, the last
within 0.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent)]

from running_bot import BotProcess  # noqa: E402
from standin import DiscordStandin  # noqa: E402
from standin.bare import until  # noqa: E402


class BareProcess(BotProcess):
    """The bare client of the stand-in's own tests, started as `python -m standin.bare`."""

    async def start(self, *, timeout: float = 30.0) -> BareProcess:
        env = {
            **os.environ,
            "DISCORD_TOKEN": self.standin.token,
            "GLOSSARY_STANDIN_URL": self.standin.url,
            "PYTHONPATH": str(HERE.parent / "tests"),
        }
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "standin.bare", env=env, stdout=log, stderr=log
            )
        await until(lambda: bool(self.standin.command_syncs), timeout=timeout)
        await asyncio.sleep(0.5)
        return self


async def measure(kind: str, command: str, options: dict, n: int, burst: int) -> dict:
    async with DiscordStandin() as discord:
        guild = discord.add_guild()
        member = discord.add_member(guild, "member")
        folder = Path(tempfile.mkdtemp())
        process_class = BareProcess if kind == "bare" else BotProcess
        process = await process_class(discord, folder / "g.db", folder / "log").start()
        try:
            await until(lambda: bool(discord.global_commands), timeout=10)
            for _ in range(20):  # warm up
                ix = await discord.slash(guild, guild.general, member, command, options)
                await ix.response(10)
            times = []
            for _ in range(n):
                ix = await discord.slash(guild, guild.general, member, command, options)
                await ix.response(10)
                times.append(ix.answered_at - ix.created)
            started = time.monotonic()
            many = [
                await discord.slash(guild, guild.general, member, command, options)
                for _ in range(burst)
            ]
            await asyncio.gather(*(ix.response(30) for ix in many))
            last = max(ix.answered_at for ix in many) - started
            violations = list(discord.violations)
        finally:
            await process.stop()
    times.sort()
    return {
        "p50": statistics.median(times) * 1000,
        "p99": times[int(len(times) * 0.99) - 1] * 1000,
        "burst_last": last * 1000,
        "answered": sum(ix.answered_at is not None for ix in many),
        "violations": violations,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="sequential interactions")
    parser.add_argument("--burst", type=int, default=200, help="interactions sent at once")
    args = parser.parse_args()
    bare = await measure("bare", "ping", {"word": "x"}, args.n, args.burst)
    bot = await measure("bot", "define", {"term": "customer"}, args.n, args.burst)
    print(f"round trip through the stand-in, {args.n} sequential, {args.burst} at once")
    print(f"{'client':<24}{'p50 ms':>9}{'p99 ms':>9}{'burst last ms':>15}{'answered':>10}")
    for name, r in (("bare discord.py /ping", bare), ("glossary-bot /define", bot)):
        print(
            f"{name:<24}{r['p50']:>9.2f}{r['p99']:>9.2f}{r['burst_last']:>15.1f}"
            f"{r['answered']:>7}/{args.burst}"
        )
    print(
        f"ratio bot/bare: p50 {bot['p50'] / bare['p50']:.2f}x, p99 {bot['p99'] / bare['p99']:.2f}x"
        f" (target <= 1.5x); burst last {bot['burst_last']:.0f} ms (target <= 500 ms)"
    )
    for r in (bare, bot):
        for v in r["violations"]:
            print("violation:", v)


if __name__ == "__main__":
    asyncio.run(main())
