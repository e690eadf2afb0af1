"""Benchmark autocomplete as members type: every prefix, clean and with one typo.

    python bench/bench_autocomplete.py [--sizes 100000,1000000] [--sample 20000]
                                       [--previous OLD/bot/core/matcher.py] [--repeat 1]

The names typed are the real ones (../shared/data plus the bundled glossary): every prefix
from three characters to the whole name, as typed cleanly and with one typo (a letter
substituted, left out, or two swapped, at the second character or later), and, apart, with
that typo in the first letter (a letter wrong, left out, swapped with the second, or one
extra in front). A query is a hit when the intended name is among the 25 offered. The real
glossaries are measured alone, then mixed into synthetic glossaries of each size (as
bench_matcher.py builds them), where a sample of the queries is typed. In the same run,
beside the matcher:

- a full rapidfuzz scan: ``process.extract(query, names, scorer=fuzz.WRatio, limit=25)``;
- an exact-prefix bisect: the first 25 names that start with the input, in sorted order;
- with ``--previous``, another matcher.py, loaded beside this one, to compare with the
  implementation it replaces; the completion.py and grams.py beside it, when there are, are
  loaded with it in place of this project's (``git archive main bot/core | tar -x -C OLD``).

Printed per size: the load average, index build time and memory (RSS growth), p50/p99 per
query, the share of hits for clean, one-typo and first-letter-typo prefixes, and each by
prefix length; then define and chat
latency (bench_matcher.py's queries) and, with ``--previous``, whether both matchers make the
same decisions. Methods measured together take turns query by query.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import random
import sys
import time
from bisect import bisect_left
from collections.abc import Callable, Sequence
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matcher import SEED, SHARED, built, pct, synthetic, workload  # noqa: E402

from bot.core.glossary import load_glossary  # noqa: E402
from bot.core.matcher import Entry, Matcher, glossary_entries  # noqa: E402
from bot.core.normalize import fold  # noqa: E402

LIMIT = 25
SCAN_BUDGET = 3_000_000  # names a full scan compares per size (queries x names)
LENGTHS = ((3, 3), (4, 5), (6, 8), (9, 1000))  # prefix-length buckets reported
LETTERS = "abcdefghijklmnopqrstuvwxyz"
DECIDE_QUERIES = 300  # define and chat queries per size (bench_matcher.py's workload)
REPEAT = 1  # tries per query and method (--repeat)
RETRY_BUILDS_UP_TO = 200_000  # names: each index is built twice, the quicker try printed

# (typed, intended folded name, prefix length, typo: CLEAN, LATER or AT_FIRST)
Query = tuple[str, str, int, int]
CLEAN, LATER, AT_FIRST = 0, 1, 2
Complete = Callable[[str], list[str]]  # typed -> folded labels offered, best first


def real_entries() -> list[Entry]:
    paths = [ROOT / "glossary.yaml"]
    if SHARED.is_dir():
        paths += sorted(SHARED.glob("*.yaml"))
    return list(glossary_entries(load_glossary(p) for p in paths))


def mixed(real: list[Entry], size: int, rng: random.Random) -> list[Entry]:
    """The real entries among synthetic ones, about ``size`` names in all."""
    terms = max(e.target for e in real if e.kind != "faq")
    faqs = max((e.target for e in real if e.kind == "faq"), default=0)
    extra, _ = synthetic(max(0, size - len(real)), rng)
    shifted = [
        Entry(e.text, e.kind, e.target + (faqs if e.kind == "faq" else terms), e.label)
        for e in extra
    ]
    return real + shifted


def with_typo(name: str, length: int, rng: random.Random, first: bool = False) -> str | None:
    """The first ``length`` characters of ``name`` as typed with one typo, at the second
    character or later, or (``first``) in the first (None: no typo fits, as in a name of
    repeated letters)."""
    for _ in range(10):
        at = 0 if first else rng.randrange(1, length)
        kind = rng.choice(("substitute", "leave out", "swap") + (("extra",) if first else ()))
        chars = list(name)
        if kind == "substitute" and chars[at].isalpha():
            chars[at] = rng.choice([c for c in LETTERS if c != chars[at]])
        elif kind == "leave out":
            del chars[at]
        elif kind == "swap" and at + 1 < len(chars) and chars[at] != chars[at + 1]:
            chars[at], chars[at + 1] = chars[at + 1], chars[at]
        elif kind == "extra":
            chars.insert(at, rng.choice(LETTERS))
        else:
            continue
        typed = "".join(chars)[:length]
        if fold(typed) != fold(name[:length]):
            return typed
    return None


def typing(names: Sequence[str], rng: random.Random) -> list[Query]:
    """Every prefix of every name from three characters on, clean and with one typo."""
    queries: list[Query] = []
    for name in names:
        folded = fold(name)
        for length in range(3, len(folded) + 1):
            queries.append((folded[:length], folded, length, CLEAN))
            typed = with_typo(folded, length, rng)
            if typed is not None:
                queries.append((typed, folded, length, LATER))
    return queries


def first_letter_typing(names: Sequence[str], rng: random.Random) -> list[Query]:
    """Every prefix of every name from three characters on with a typo in the first letter
    (drawn apart, so that the other queries are the ones earlier runs typed)."""
    queries: list[Query] = []
    for name in names:
        folded = fold(name)
        for length in range(3, len(folded) + 1):
            typed = with_typo(folded, length, rng, first=True)
            if typed is not None:
                queries.append((typed, folded, length, AT_FIRST))
    return queries


def measure(
    methods: Sequence[Complete], queries: Sequence[Query]
) -> list[tuple[list[float], list[Query]]]:
    """Per method, milliseconds per query and the queries whose intended name was offered.

    The methods take turns on each query (who goes first rotates), so that a busy machine
    slows them alike; with REPEAT > 1 each query's quickest try counts.
    """
    results: list[tuple[list[float], list[Query]]] = [([], []) for _ in methods]
    for turn, query in enumerate(queries):
        for step in range(len(methods)):
            which = (turn + step) % len(methods)
            best = float("inf")
            for _ in range(REPEAT):
                start = time.perf_counter()
                offered = methods[which](query[0])
                best = min(best, time.perf_counter() - start)
            results[which][0].append(best * 1000)
            if query[1] in offered[:LIMIT]:
                results[which][1].append(query)
    return results


def decisions(matchers: list[tuple[str, Matcher]], entries: list[Entry], rng: random.Random):
    """define and chat latency, interleaved, and how many decisions the matchers share."""
    names = [e.text for e in entries if e.kind == "term"]
    work = workload(names, entries, DECIDE_QUERIES, rng)
    for mode in ("define", "chat"):
        times: list[list[float]] = [[] for _ in matchers]
        made: list[list[tuple]] = [[] for _ in matchers]
        for turn, query in enumerate(work[mode]):
            for step in range(len(matchers)):
                which = (turn + step) % len(matchers)
                best = float("inf")
                for _ in range(REPEAT):
                    start = time.perf_counter()
                    decision = matchers[which][1].decide(query, mode=mode)
                    best = min(best, time.perf_counter() - start)
                times[which].append(best * 1000)
                made[which].append(
                    (decision.decision, [(c.kind, c.target, c.score) for c in decision.candidates])
                )
        same = sum(len({str(m[i]) for m in made}) == 1 for i in range(len(work[mode])))
        for (name, _), spent in zip(matchers, times, strict=True):
            print(f"{mode:<7}{name:<19}{pct(spent, 0.5):8.3f}{pct(spent, 0.99):8.3f}")
        if len(matchers) > 1:
            print(f"{mode:<7}identical decisions and candidates: {same} of {len(work[mode])}")


def row(label: str, queries: Sequence[Query], times: list[float], hits: list[Query]) -> str:
    def share(chosen: Callable[[Query], bool]) -> str:
        total = sum(1 for q in queries if chosen(q))
        if not total:
            return "    -"
        return f"{100 * sum(1 for q in hits if chosen(q)) / total:5.1f}"

    buckets = " ".join(
        f"{share(lambda q, a=a, b=b, t=typo: q[3] == t and a <= q[2] <= b)}"
        for typo in (CLEAN, LATER, AT_FIRST)
        for a, b in LENGTHS
    )
    shares = "   ".join(share(lambda q, t=typo: q[3] == t) for typo in (CLEAN, LATER, AT_FIRST))
    return f"{label:<26}{pct(times, 0.5):8.3f}{pct(times, 0.99):8.3f}   {shares}   {buckets}"


def header() -> str:
    spans = " ".join(f"{a}-{b}" if b < 1000 else f"{a}+" for a, b in LENGTHS)
    return (
        f"{'method':<26}{'p50 ms':>8}{'p99 ms':>8}   clean   typo   1st   "
        f"clean by length ({spans}) / one typo / first-letter typo by length"
    )


def matcher_complete(matcher: Matcher) -> Complete:
    return lambda typed: [fold(c.label) for c in matcher.complete(typed, limit=LIMIT)]


def scan_complete(entries: list[Entry]) -> Complete:
    names = [e for e in entries if e.kind != "faq"]
    texts = [fold(e.text) for e in names]
    labels = [fold(e.label) for e in names]

    def complete(typed: str) -> list[str]:
        found = process.extract(fold(typed), texts, scorer=fuzz.WRatio, limit=4 * LIMIT)
        return list(dict.fromkeys(labels[i] for _, _, i in found))[:LIMIT]

    return complete


def bisect_complete(entries: list[Entry]) -> Complete:
    pairs = sorted((fold(e.text), fold(e.label)) for e in entries if e.kind != "faq")
    texts = [text for text, _ in pairs]

    def complete(typed: str) -> list[str]:
        query = fold(typed)
        found: dict[str, None] = {}
        at = bisect_left(texts, query)
        while at < len(pairs) and len(found) < LIMIT and texts[at].startswith(query):
            found[pairs[at][1]] = None
            at += 1
        return list(found)

    return complete


def load_previous(path: str) -> type[Matcher]:
    """The Matcher of another matcher.py, with the grams.py and completion.py beside it, if
    there are, in place of this project's (each imports the one before)."""
    folder = Path(path).parent
    kept = {name: sys.modules[f"bot.core.{name}"] for name in ("grams", "completion")}
    loaded = []
    try:
        for name in ("grams", "completion", "matcher"):
            source = Path(path) if name == "matcher" else folder / f"{name}.py"
            if not source.is_file():
                continue
            spec = importlib.util.spec_from_file_location(f"previous_{name}", source)
            assert spec and spec.loader, source
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # dataclasses look their module up while it loads
            spec.loader.exec_module(module)
            sys.modules[f"bot.core.{name}"] = module  # what the next one imports
            loaded.append(name)
    finally:
        sys.modules.update(kept)
    print(f"previous: {', '.join(loaded)} from {folder}")
    return sys.modules["previous_matcher"].Matcher


def bench(
    label: str,
    entries: list[Entry],
    queries: list[Query],
    rng: random.Random,
    sample: int,
    previous: type[Matcher] | None,
) -> None:
    names = sum(1 for e in entries if e.kind != "faq")
    typed = queries
    if len(queries) > sample:
        # The first-letter typos are drawn apart (a quarter as many), so that the others are
        # the ones earlier runs typed.
        others = [q for q in queries if q[3] != AT_FIRST]
        firsts = [q for q in queries if q[3] == AT_FIRST]
        typed = rng.sample(others, sample) if len(others) > sample else others
        typed += random.Random(SEED + names).sample(firsts, min(len(firsts), sample // 4))
    print(
        f"\n== {label}: {names:,} names, {len(typed):,} queries typed;"
        f" load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    factories = [(n, f) for n, f in (("this project", Matcher), ("previous", previous)) if f]
    matchers: list[tuple[str, Matcher]] = []
    builds: dict[str, list[float]] = {}
    for name, factory in factories:
        matcher, seconds, grown = built(factory, entries)
        builds[name] = [seconds]
        print(f"build {name:<14}{seconds:8.2f} s   RSS growth {grown:8.1f} MB")
        matchers.append((name, matcher))
    if names <= RETRY_BUILDS_UP_TO:
        # The first build of a run pays for memory the process takes from the system: build
        # again in the other order, and print each one's quicker try.
        for name, factory in reversed(factories):
            builds[name].append(built(factory, entries)[1])
        quicker = ", ".join(f"{name} {min(times):.2f} s" for name, times in builds.items())
        print(f"build, quicker of two tries (second in the other order): {quicker}")
    print(header())
    methods = [matcher_complete(m) for _, m in matchers] + [bisect_complete(entries)]
    labels = [name for name, _ in matchers] + ["exact-prefix bisect"]
    for label, result in zip(labels, measure(methods, typed), strict=True):
        print(row(label, typed, *result))
    scanned = typed[: max(10, SCAN_BUDGET // max(names, 1))]
    (scan,) = measure([scan_complete(entries)], scanned)
    print(row(f"full WRatio scan (n={len(scanned)})", scanned, *scan))
    print(f"{'mode':<7}{'matcher':<19}{'p50 ms':>8}{'p99 ms':>8}   ({DECIDE_QUERIES} queries)")
    decisions(matchers, entries, rng)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="synthetic sizes ('' for none)")
    parser.add_argument("--sample", type=int, default=20_000, help="queries typed per size")
    parser.add_argument("--previous", help="another matcher.py to compare with")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="time each query this many times and keep the quickest (on a busy machine)",
    )
    args = parser.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)
    rng = random.Random(SEED)
    previous = load_previous(args.previous) if args.previous else None
    real = real_entries()
    if not SHARED.is_dir():
        print("(../shared/data is absent: the bundled glossary only)")
    terms = [e.text for e in real if e.kind == "term"]
    queries = typing(terms, rng)
    queries += first_letter_typing(terms, random.Random(SEED + 1))
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f};"
        f" typing {len(queries):,} prefixes of real names; best of {REPEAT} tries per query"
    )
    bench("real glossaries", real, queries, rng, len(queries), previous)
    for size in (int(s) for s in args.sizes.split(",") if s):
        bench(f"{size:,} names", mixed(real, size, rng), queries, rng, args.sample, previous)
        gc.collect()
    print(f"\nload average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("targets: real >= 99% clean, >= 97% one typo, p99 <= 1 ms; 100k >= 85% one typo,")
    print("p99 <= 2 ms; 1M p99 <= 20 ms; build <= 2 s at 100k, <= 15 s at 1M")


if __name__ == "__main__":
    main()
