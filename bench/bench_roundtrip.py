"""Round trip of a slash command through the Discord stand-in: the bot's /define next to a
bare discord.py client's trivial /ping, both as their own processes, in the same run.

    python bench/bench_roundtrip.py [--n 200] [--burst 200]

Measured: from the moment the stand-in sends INTERACTION_CREATE to the moment the client's
callback reaches it, one member at a time (each interaction sent a few milliseconds after the
last answer, so it meets an idle client), back to back (each sent the instant the last was
answered, so it also waits for the tail of the previous answer's work), and for a burst sent at
once (time until the last answer). Targets: /define within 1.5x of the bare client; a burst of
200 all answered, the last within 0.5 s.
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
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent), str(HERE)]

from bench_votes import stalls  # noqa: E402
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


SPACING = 0.005  # seconds between one answer and the next interaction, one member at a time


async def sequential(discord, guild, member, command: str, options: dict, n: int, pause: float):
    times = []
    for _ in range(n):
        ix = await discord.slash(guild, guild.general, member, command, options)
        await ix.response(10)
        times.append(ix.answered_at - ix.created)
        if pause:
            await asyncio.sleep(pause)
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000


async def measure(
    kind: str,
    command: str,
    options: dict,
    n: int,
    burst: int,
    *,
    db: str | None = None,
    monitor: bool = False,
) -> dict:
    """db: the bot's database (default: a new SQLite file); monitor: also the longest
    event-loop stall of the bot while the interactions one at a time and back to back ran."""
    async with DiscordStandin() as discord:
        guild = discord.add_guild()
        member = discord.add_member(guild, "member")
        folder = Path(tempfile.mkdtemp())
        process_class = BareProcess if kind == "bare" else BotProcess
        env = {"GLOSSARY_LOOP_MONITOR": "1"} if monitor else None
        process = process_class(discord, db or folder / "g.db", folder / "log", env=env)
        await process.start()
        try:
            await until(lambda: bool(discord.global_commands), timeout=10)
            for _ in range(20):  # warm up
                ix = await discord.slash(guild, guild.general, member, command, options)
                await ix.response(10)
            begun = time.time()
            spaced = await sequential(discord, guild, member, command, options, n, SPACING)
            back_to_back = await sequential(discord, guild, member, command, options, n, 0)
            ended = time.time()
            started = time.monotonic()
            many = [
                await discord.slash(guild, guild.general, member, command, options)
                for _ in range(burst)
            ]
            await asyncio.gather(*(ix.response(30) for ix in many))
            last = max(ix.answered_at for ix in many) - started
            await asyncio.sleep(0.6 if monitor else 0)  # the monitor's last window is logged
            violations = list(discord.violations)
        finally:
            await process.stop()
    return {
        "stall": stalls(process.output(), begun, ended) if monitor else None,
        "spaced": spaced,
        "back_to_back": back_to_back,
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
    print(f"round trip through the stand-in, {args.n} one at a time and back to back,")
    print(f"then {args.burst} at once; milliseconds")
    print(
        f"{'client':<24}{'one p50':>9}{'one p99':>9}{'b2b p50':>9}{'b2b p99':>9}"
        f"{'burst last':>12}{'answered':>10}"
    )
    for name, r in (("bare discord.py /ping", bare), ("glossary-bot /define", bot)):
        print(
            f"{name:<24}{r['spaced'][0]:>9.2f}{r['spaced'][1]:>9.2f}"
            f"{r['back_to_back'][0]:>9.2f}{r['back_to_back'][1]:>9.2f}"
            f"{r['burst_last']:>12.1f}{r['answered']:>7}/{args.burst}"
        )
    for label, key in (("one at a time", "spaced"), ("back to back", "back_to_back")):
        p50, p99 = (bot[key][i] / bare[key][i] for i in (0, 1))
        print(f"ratio bot/bare, {label}: p50 {p50:.2f}x, p99 {p99:.2f}x (target <= 1.5x)")
    print(f"burst: last answer after {bot['burst_last']:.0f} ms (target <= 500 ms)")
    for r in (bare, bot):
        for v in r["violations"]:
            print("violation:", v)


if __name__ == "__main__":
    asyncio.run(main())
