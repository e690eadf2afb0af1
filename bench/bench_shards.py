"""The bot over SQLite and over PostgreSQL, side by side in one run: the /define round trip
through the Discord stand-in, and a burst of 1,000 reactions (200 members on 50 answers).

    python bench/bench_shards.py [--pg postgresql://...] [--n 200] [--members 200]

PostgreSQL: the server of --pg (default $GLOSSARY_TEST_PG_DSN), where the benchmark makes and
drops a database of its own per run; without one, a throwaway server is started from the
binaries on the machine (`pg_config --bindir`), as the tests do. Each backend runs the same bot
(`glossary-bot run`, one process) against a fresh database.

Measured, as bench_roundtrip.py and bench_votes.py do: the /define round trip (INTERACTION_CREATE
sent to callback received) one member at a time and back to back; the time from the first
reaction sent to the last vote committed; and the longest event-loop stall inside the bot
during each (GLOSSARY_LOOP_MONITOR). Goals: PostgreSQL within 1.5x of SQLite for /define, no
stall over 50 ms on either.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent), str(HERE)]

from bench_roundtrip import measure as round_trip  # noqa: E402
from bench_votes import burst  # noqa: E402
from postgres_server import Unavailable, postgres_dsn  # noqa: E402
from postgres_server import fresh_database as make_database  # noqa: E402


@contextlib.contextmanager
def postgres_server(dsn: str | None) -> Iterator[str | None]:
    """The DSN of a PostgreSQL server to make databases on: the one given, else a throwaway
    one (tests/postgres_server.py), else None, saying why."""
    if dsn:
        yield dsn
        return
    try:
        with postgres_dsn() as started:
            yield started
    except Unavailable as why:
        print(f"PostgreSQL: none given (--pg) and none can be started here: {why}")
        yield None


@contextlib.contextmanager
def fresh_database(server: str, name: str) -> Iterator[str]:
    """A new, empty database on the server for one run (its postgresql:// URL), dropped after."""
    import psycopg

    url = make_database(server, name)
    try:
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def measure(db: str, args: argparse.Namespace) -> dict:
    define = await round_trip(
        "bot", "define", {"term": "customer"}, args.n, args.burst, db=db, monitor=True
    )
    shape = (args.members, args.answers, args.per_member, args.seed)
    votes = await burst(True, *shape, db=db)
    return {"define": define, "votes": votes}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("GLOSSARY_TEST_PG_DSN"), help="server")
    parser.add_argument("--n", type=int, default=200, help="sequential /define interactions")
    parser.add_argument("--burst", type=int, default=200, help="/define interactions at once")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--answers", type=int, default=50)
    parser.add_argument("--per-member", type=int, default=5, help="answers each member votes on")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp())
    results: dict[str, dict] = {}
    results["SQLite"] = await measure(str(folder / "g.db"), args)
    with postgres_server(args.pg) as server:
        if server is not None:
            with fresh_database(server, f"bench_shards_{os.getpid()}") as url:
                results["PostgreSQL"] = await measure(url, args)
    load_after = os.getloadavg()[0]
    report(results, args)
    # Stalls and round trips include time the OS gave other processes: read them beside it.
    print(
        f"load average: {load_before:.1f} at the start, {load_after:.1f} at the end,"
        f" on {os.cpu_count()} cores"
    )


def report(results: dict[str, dict], args: argparse.Namespace) -> None:
    print(
        f"/define round trip through the stand-in, {args.n} one at a time and back to back,"
        f" then {args.burst} at once (burst: ms to the last answer), milliseconds; then"
        f" {args.members * args.per_member} reactions from {args.members} members on"
        f" {args.answers} answers"
    )
    print(
        f"{'backend':<12}{'one p50':>9}{'one p99':>9}{'b2b p50':>9}{'b2b p99':>9}"
        f"{'burst':>8}{'stall':>8}{'votes':>11}{'drain s':>9}{'votes/s':>9}{'stall':>8}"
    )
    for name, r in results.items():
        d, v = r["define"], r["votes"]
        print(
            f"{name:<12}{d['spaced'][0]:>9.2f}{d['spaced'][1]:>9.2f}"
            f"{d['back_to_back'][0]:>9.2f}{d['back_to_back'][1]:>9.2f}"
            f"{d['burst_last']:>8.0f}{d['stall']:>8.1f}"
            f"{v['recorded']:>6}/{v['reactions']:<4}{v['drain']:>9.2f}"
            f"{v['reactions'] / v['drain']:>9.0f}{v['stall']:>8.1f}"
        )
    if "PostgreSQL" in results:
        sqlite, pg = results["SQLite"], results["PostgreSQL"]
        for label, key in (("one at a time", "spaced"), ("back to back", "back_to_back")):
            p50, p99 = (pg["define"][key][i] / sqlite["define"][key][i] for i in (0, 1))
            print(f"/define PostgreSQL/SQLite, {label}: p50 {p50:.2f}x, p99 {p99:.2f}x")
        drain = pg["votes"]["drain"] / sqlite["votes"]["drain"]
        print(f"reaction burst drain PostgreSQL/SQLite: {drain:.2f}x")
    print("goals: /define PostgreSQL within 1.5x of SQLite; no stall over 50 ms (stall: ms)")
    for name, r in results.items():
        for part in ("define", "votes"):
            for violation in r[part]["violations"]:
                print(f"violation ({name}, {part}):", violation)


if __name__ == "__main__":
    asyncio.run(main())
