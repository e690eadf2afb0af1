"""The web site under load from a second process on loopback, and the bot beside it.

    python bench/bench_web.py [--seconds 5] [--concurrency 16] [--terms 100000]

1. `glossary-bot web` alone, at the bundled glossary and at a generated one of --terms terms:
   term pages, each request a random term (so most miss the page cache), p50/p99 and pages per
   second; beside them /site.css, a static answer of the same server, as the floor of what
   the HTTP stack and the load client can do on this machine. Goal: term page p99 <= 20 ms,
   >= 500 pages/s.
2. `glossary-bot run` with GLOSSARY_WEB_PORT against the Discord stand-in: the /define round trip
   one member at a time, idle and while the load hits the bot's own site, in the same run.

The load is a Python aiohttp client run as its own process (`--load`), so it does not share an
event loop with the server or the stand-in.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent)]

from helpers import free_port  # noqa: E402
from running_bot import BotProcess, bot_command  # noqa: E402
from standin import DiscordStandin  # noqa: E402
from standin.bare import until  # noqa: E402

from bot.core.model import Glossary, Related, Term  # noqa: E402
from bot.core.service import GlossaryService  # noqa: E402

# -- the load: its own process ------------------------------------------------------------------


async def load(base: str, paths: list[str], seconds: float, concurrency: int) -> dict:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    rng = random.Random(1)

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            started = time.perf_counter()
            async with session.get(base + rng.choice(paths)) as response:
                await response.read()
                ok = response.status == 200
            latencies.append(time.perf_counter() - started)
            errors += not ok

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        began = time.monotonic()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        "per_second": len(latencies) / elapsed,
    }


def run_load(base: str, paths: list[str], seconds: float, concurrency: int) -> subprocess.Popen:
    """Start the load in a second process; its figures come back as JSON on stdout."""
    folder = Path(tempfile.mkdtemp())
    (folder / "paths.json").write_text(json.dumps(paths))
    return subprocess.Popen(
        [sys.executable, __file__, "--load", base, "--paths", str(folder / "paths.json"),
         "--seconds", str(seconds), "--concurrency", str(concurrency)],
        stdout=subprocess.PIPE,
        text=True,
    )


def load_result(process: subprocess.Popen) -> dict:
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    return json.loads(output)


# -- 1. the site alone ----------------------------------------------------------------------------


def generated_glossary(count: int) -> Glossary:
    rng = random.Random(7)
    words = [f"{a}{b}" for a in ("al", "be", "co", "de", "ex", "fi", "go", "hu", "in", "jo",
                                 "ka", "lu", "mo", "no", "op", "pa", "qu", "ro", "su", "te")
             for b in ("ba", "ce", "di", "fo", "gu", "ha", "ji", "ko", "la", "me")]
    names = [f"{rng.choice(words).title()} {rng.choice(words)} {n}" for n in range(count)]
    return Glossary(
        name="Generated",
        terms=[
            Term(
                name=name,
                summary=f"What {name} is, in one line.",
                definition=f"{name} is a generated term, with a definition of a few words " * 3,
                context="Benchmarks.",
                related=[Related(names[(n * 7 + 1) % count]), Related(names[(n * 13 + 5) % count])],
            )
            for n, name in enumerate(names)
        ],
    )


def database(folder: Path, terms: int) -> tuple[Path, list[int]]:
    """The bundled glossary, or a generated one (kept in the temporary folder for the next run:
    loading 100k terms takes minutes)."""
    path = folder / f"glossary-bot-bench-web-{terms}.db"
    service = GlossaryService.open(path)
    if terms and "Generated" not in service.store.glossary_names():
        started = time.monotonic()
        service.load(generated_glossary(terms))
        print(f"  (loaded {terms} generated terms in {time.monotonic() - started:.0f} s)")
    ids = [r["id"] for r in service.store.db.query("SELECT id FROM terms")]
    service.close()
    return path, ids


async def site_alone(db: Path, ids: list[int], seconds: float, concurrency: int) -> dict:
    port = free_port()
    command, _ = bot_command()
    server = subprocess.Popen([*command, "web", "--db", str(db), "--port", str(port)],
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_for_site(base)
        results = {}
        for name, paths in (("/site.css", ["/site.css"]),
                            ("term page", [f"/term/{i}" for i in ids])):
            results[name] = load_result(run_load(base, paths, seconds, concurrency))
        return results
    finally:
        server.terminate()
        server.wait(30)


async def wait_for_site(base: str) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        for _ in range(1800):  # a big glossary's matcher is built before the site opens
            try:
                async with session.get(base + "/site.css") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise SystemExit(f"nothing served at {base}")


# -- 2. the bot beside its site ----------------------------------------------------------------


async def round_trips(discord, guild, member, n: int) -> list[float]:
    times = []
    for _ in range(n):
        ix = await discord.slash(guild, guild.general, member, "define", {"term": "customer"})
        await ix.response(10)
        times.append(ix.answered_at - ix.created)
        await asyncio.sleep(0.01)
    return sorted(times)


async def bot_beside_its_site(n: int, seconds: float, concurrency: int) -> dict:
    port = free_port()
    folder = Path(tempfile.mkdtemp())
    async with DiscordStandin() as discord:
        guild = discord.add_guild()
        member = discord.add_member(guild, "member")
        bot = BotProcess(discord, folder / "g.db", folder / "log",
                         env={"GLOSSARY_WEB_PORT": str(port)})
        await bot.start()
        try:
            await until(lambda: bool(discord.global_commands), timeout=10)
            await round_trips(discord, guild, member, 20)  # warm up
            idle = await round_trips(discord, guild, member, n)
            service = GlossaryService.open(folder / "g.db")
            ids = [r["id"] for r in service.store.db.query("SELECT id FROM terms")]
            service.close()
            load_process = run_load(f"http://127.0.0.1:{port}", [f"/term/{i}" for i in ids],
                                    seconds, concurrency)
            await asyncio.sleep(0.5)
            loaded = []
            while load_process.poll() is None and len(loaded) < n:
                loaded += await round_trips(discord, guild, member, 1)
            site = load_result(load_process)
            violations = list(discord.violations)
        finally:
            await bot.stop()
    loaded.sort()
    return {"idle": idle, "loaded": loaded, "site": site, "violations": violations}


def p(times: list[float], q: float) -> float:
    return times[max(0, int(len(times) * q) - 1)] * 1000 if times else float("nan")


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.gettempdir())
    print(f"1. glossary-bot web alone; {args.concurrency} connections for {args.seconds:g} s"
          " from a second process; milliseconds")
    print(f"{'glossary':<22}{'page':<12}{'p50':>8}{'p99':>8}{'pages/s':>10}{'errors':>8}")
    figures = {}
    for label, terms in (("bundled", 0), (f"{args.terms:,} terms", args.terms)):
        db, ids = database(folder, terms)
        results = await site_alone(db, ids, args.seconds, args.concurrency)
        figures[label] = results
        for page, r in results.items():
            print(f"{label:<22}{page:<12}{r['p50']:>8.2f}{r['p99']:>8.2f}"
                  f"{r['per_second']:>10.0f}{r['errors']:>8}")
        ratio = results["term page"]["per_second"] / results["/site.css"]["per_second"]
        print(f"{'':<22}term pages/s are {ratio:.2f}x of the static floor")
    for label, results in figures.items():
        r = results["term page"]
        verdict = "met" if r["p99"] <= 20 and r["per_second"] >= 500 else "NOT met"
        print(f"goal p99 <= 20 ms and >= 500 pages/s at {label}: {verdict}")

    print(f"\n2. glossary-bot run with its site: /define round trip, one member at a time,"
          f" idle and while {args.concurrency} connections load the site; milliseconds")
    beside = await bot_beside_its_site(args.n, args.seconds, args.concurrency)
    print(f"{'':<26}{'p50':>8}{'p99':>8}{'max':>8}{'n':>6}")
    for label, key in (("idle", "idle"), ("site under load", "loaded")):
        times = beside[key]
        print(f"{label:<26}{p(times, 0.5):>8.2f}{p(times, 0.99):>8.2f}"
              f"{max(times) * 1000:>8.2f}{len(times):>6}")
    site = beside["site"]
    print(f"the site meanwhile: {site['per_second']:.0f} pages/s, p50 {site['p50']:.2f} ms,"
          f" p99 {site['p99']:.2f} ms, {site['errors']} errors")
    print(f"ratio loaded/idle /define p50: {p(beside['loaded'], .5) / p(beside['idle'], .5):.2f}x,"
          f" p99: {p(beside['loaded'], .99) / p(beside['idle'], .99):.2f}x")
    for violation in beside["violations"]:
        print("violation:", violation)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load")
    parser.add_argument("--concurrency", type=int, default=4, help="connections at once")
    parser.add_argument("--terms", type=int, default=100_000, help="size of the big glossary")
    parser.add_argument("--n", type=int, default=100, help="/define round trips per phase")
    parser.add_argument("--load", help=argparse.SUPPRESS)  # the load process: base URL
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.load:
        paths = json.loads(Path(arguments.paths).read_text())
        result = asyncio.run(load(arguments.load, paths, arguments.seconds, arguments.concurrency))
        print(json.dumps(result))
    else:
        os.environ.pop("GLOSSARY_DB", None)
        asyncio.run(main(arguments))
