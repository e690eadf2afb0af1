"""A burst of votes through the Discord stand-in: 1,000 reactions from 200 members on 50
answers, against `glossary-bot run`, next to the same burst with vote handling turned off
(GLOSSARY_VOTING=off: the floor), in the same run, each with discord.py's own gateway reads and
with the bot's paced ones (GLOSSARY_GATEWAY_PACING).

    python bench/bench_votes.py [--members 200] [--answers 50] [--per-member 5]

Measured: every vote recorded (counted in the database), the time from the first reaction
sent to the last vote committed (for the floor: to the answer of a /define sent right after the
burst, which the bot reads after every reaction), votes per second, and the longest event-loop
stall inside the bot process during the burst (GLOSSARY_LOOP_MONITOR). Goals: no stall over
50 ms, >= 500 votes/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent)]

import yaml  # noqa: E402
from running_bot import BotProcess  # noqa: E402
from standin import DiscordStandin  # noqa: E402
from standin.bare import until  # noqa: E402

GLOSSARY = HERE.parent / "glossary.yaml"
MONITOR = re.compile(r"loop monitor t=([\d.]+) longest_stall_ms=([\d.]+) cpu_ms=([\d.]+)")


def term_names(count: int) -> list[str]:
    terms = yaml.safe_load(GLOSSARY.read_text())["terms"]
    if len(terms) < count:
        raise SystemExit(f"the bundled glossary has {len(terms)} terms, fewer than {count}")
    return [t["term"] for t in terms[:count]]


def votes_recorded(db: Path | str) -> int:
    """Votes committed so far, read as another process would (SQLite file or PostgreSQL)."""
    if str(db).startswith("postgresql://"):
        import psycopg

        with psycopg.connect(str(db)) as connection:
            row = connection.execute("SELECT count(*) FROM votes").fetchone()
            return int(row[0]) if row else 0
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT count(*) FROM votes").fetchone()[0]
    except sqlite3.OperationalError:
        return -1
    finally:
        connection.close()


def stalls(log: str, start: float, end: float) -> float:
    """The longest stall the bot logged in windows overlapping [start, end]."""
    return stall_and_cpu(log, start, end)[0]


def stall_and_cpu(log: str, start: float, end: float) -> tuple[float, float]:
    """The longest stall (ms) the bot logged in windows overlapping [start, end], and the CPU
    time the loop's thread used in it (the rest: the OS running other threads or processes)."""
    found = [
        (float(ms), float(cpu))
        for t, ms, cpu in MONITOR.findall(log)
        if float(t) >= start and float(t) - 0.25 <= end + 0.25
    ]
    return max(found, default=(float("nan"), float("nan")))


async def burst(
    voting: bool,
    members: int,
    answers: int,
    per_member: int,
    seed: int,
    *,
    db: Path | str | None = None,
    paced: bool = True,
) -> dict:
    """db: the bot's database (default: a new SQLite file); paced: the bot's gateway reads
    (else discord.py's own)."""
    env = {
        "GLOSSARY_LOOP_MONITOR": "1",
        "GLOSSARY_VOTING": "on" if voting else "off",
        "GLOSSARY_GATEWAY_PACING": "on" if paced else "off",
    }
    async with DiscordStandin() as discord:
        guild = discord.add_guild()
        channel = guild.general
        asker = discord.add_member(guild, "asker")
        crowd = [discord.add_member(guild, f"member{n}") for n in range(members)]
        folder = Path(tempfile.mkdtemp())
        db = db or folder / "g.db"
        bot = await BotProcess(discord, db, folder / "bot.log", env=env).start()
        try:
            posted = []
            for name in term_names(answers):
                ix = await discord.slash(guild, channel, asker, "define", {"term": name})
                posted.append(await ix.message(10))
            if voting:  # the bot's own 👍 and 👎 are on every answer before the burst
                await until(lambda: all(len(m.reactions) == 2 for m in posted), timeout=30)
            await asyncio.sleep(1.0)  # let the start-up reconcile and the answers settle
            rng = random.Random(seed)
            plan = [
                (message, member, rng.choice("👍👎"))
                for member in crowd
                for message in rng.sample(posted, per_member)
            ]
            rng.shuffle(plan)
            started = time.time()
            for message, member, emoji in plan:
                await discord.react(message, member, emoji)
            sent = time.time()
            if voting:
                await until(lambda: votes_recorded(db) >= len(plan), timeout=120, step=0.01)
            else:
                ix = await discord.slash(guild, channel, asker, "define", {"term": "customer"})
                await ix.response(60)
            drained = time.time()
            await asyncio.sleep(0.6)  # the monitor's last window is logged
            recorded = votes_recorded(db)
            violations = list(discord.violations)
        finally:
            await bot.stop()
        log = bot.output()
    return {
        "reactions": len(plan),
        "recorded": recorded,
        "send": sent - started,
        "drain": drained - started,
        "stall": stalls(log, started, drained),
        "stall_cpu": stall_and_cpu(log, started, drained)[1],
        "violations": violations,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--answers", type=int, default=50)
    parser.add_argument("--per-member", type=int, default=5, help="answers each member votes on")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    shape = (args.members, args.answers, args.per_member, args.seed)
    runs = {
        "floor, discord.py's reads": await burst(False, *shape, paced=False),
        "votes on, discord.py's reads": await burst(True, *shape, paced=False),
        "floor, paced reads": await burst(False, *shape),
        "votes on, paced reads (bot)": await burst(True, *shape),
    }
    floor, votes = runs["floor, paced reads"], runs["votes on, paced reads (bot)"]
    print(
        f"a burst of {votes['reactions']} reactions from {args.members} members on"
        f" {args.answers} answers, through the stand-in"
    )
    print(
        f"{'bot':<30}{'recorded':>10}{'sent s':>8}{'drain s':>9}{'votes/s':>9}{'stall ms':>10}"
        f"{'its cpu ms':>12}"
    )
    for name, r in runs.items():
        rate = r["reactions"] / r["drain"] if r["drain"] else float("inf")
        recorded = "-" if name.startswith("floor") else f"{r['recorded']}/{r['reactions']}"
        print(
            f"{name:<30}{recorded:>10}{r['send']:>8.2f}{r['drain']:>9.2f}{rate:>9.0f}"
            f"{r['stall']:>10.1f}{r['stall_cpu']:>12.1f}"
        )
    print(
        f"drain ratio votes on / floor: {votes['drain'] / floor['drain']:.2f}x;"
        f" goals: every vote recorded, >= 500 votes/s, no stall over 50 ms"
    )
    # Stalls include time the OS gave other processes (wall time, beside "its cpu ms", the
    # bot's own share): read them beside the machine's load.
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for r in runs.values():
        for v in r["violations"]:
            print("violation:", v)


if __name__ == "__main__":
    asyncio.run(main())
