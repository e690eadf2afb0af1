"""Benchmark /search (SQLite FTS5) against a plain ``LIKE '%word%'`` scan, in one run.

    python bench/bench_search.py [--sizes 10000,100000] [--queries 300]

For synthetic glossaries of each size (terms with real-length definitions, summaries and
examples, built from the words of the real glossaries in ../shared/data, or from a fallback
list when they are absent), it prints:

- the load time with the search index kept in step by its triggers, beside the same load with
  the triggers dropped (what keeping the index in step costs);
- the index's size beside the whole database's;
- p50/p99 of a search through the store (one-word, two-word and misspelt queries, the first
  page described with snippets) beside the same words found with ``LIKE '%word%'`` over the
  same columns (no ranking, no snippets: the floor a scan gives).

Goal (issue 10): p99 of a search <= 20 ms at 100k terms.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.model import Glossary, Term  # noqa: E402
from bot.core.search_index import INDEXED, index_size  # noqa: E402
from bot.core.store import Store  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
SEED = 11
FALLBACK = re.findall(
    r"\w+",
    "account action adapter agent alert analysis application archive asset audit backup"
    " balance batch billing branch broker budget buffer build bundle cache campaign capacity"
    " catalog certificate channel checkout client cloud cluster cohort commit compute config"
    " consumer container contract cost credit customer dashboard data database deadline demand"
    " deployment device discount domain driver engine entity event export feature filter"
    " forecast gateway growth handler health host identity image index inventory invoice"
    " journey kernel ledger lifetime limit loyalty margin market membership merge message",
)


def vocabulary() -> list[str]:
    """Words as the real glossaries use them, common ones more often (as in real text)."""
    words: list[str] = []
    for path in sorted(SHARED.glob("*.yaml")) if SHARED.is_dir() else []:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for term in data.get("terms") or []:
            words += re.findall(r"[A-Za-z]{3,}", str(term.get("definition", "")).lower())
    return words or FALLBACK * 20


def glossary(size: int, words: list[str], rng: random.Random) -> Glossary:
    def text(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."

    terms = [
        Term(
            name=f"{text(rng.randint(1, 3))[:-1]} {number}",
            summary=text(12),
            definition=text(rng.randint(40, 90)),
            example=text(20) if number % 3 == 0 else None,
        )
        for number in range(size)
    ]
    return Glossary(name=f"Bench {size}", terms=terms)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def like_scan(store: Store, words: list[str]) -> int:
    """Rows holding every word, found by scanning each searchable column."""
    found = 0
    for table, (_, columns) in INDEXED.items():
        holds = " OR ".join(f"{c} LIKE ?" for c in columns)
        where = " AND ".join(f"({holds})" for _ in words)
        params = [f"%{w}%" for w in words for _ in columns]
        found += store.db.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[
            0
        ]
    return found


def misspelt(word: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word) - 1)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def measure(size: int, words: list[str], distinct: list[str], count: int) -> None:
    rng = random.Random(SEED)
    data = glossary(size, words, rng)
    with tempfile.TemporaryDirectory() as folder:
        plain = Store(Path(folder) / "plain.db")
        for fts, _ in INDEXED.values():
            for suffix in ("ai", "ad", "au"):
                plain.db.execute(f"DROP TRIGGER {fts}_{suffix}")
        load_plain = timed(lambda: plain.load_glossary(data))
        plain.close()
        store = Store(Path(folder) / "search.db")
        load_indexed = timed(lambda: store.load_glossary(data))
        size_index = index_size(store.db.conn)
        size_db = sum(p.stat().st_size for p in Path(folder).glob("search.db*"))
        queries = []
        for number in range(count):
            first, second = rng.choice(distinct), rng.choice(distinct)
            shapes = ([first], [first, second], [misspelt(first, rng)])
            queries.append(shapes[number % 3])
        store.search("warm up", guild_id=123)
        search_ms, like_ms, found = [], [], 0
        for query in queries:  # interleaved, so both see the same machine
            text = " ".join(query)
            start = time.perf_counter()
            result = store.search(text, guild_id=123)
            search_ms.append((time.perf_counter() - start) * 1000)
            found += bool(result.shown)
            like_ms.append(timed(lambda query=query: like_scan(store, query)))
        store.close()
    print(f"\n{size:,} terms")
    print(
        f"  load: {load_indexed / 1000:.1f} s with the index kept in step,"
        f" {load_plain / 1000:.1f} s without (x{load_indexed / load_plain:.2f})"
    )
    print(f"  index: {size_index / 2**20:.1f} MiB of a {size_db / 2**20:.1f} MiB database")
    print(
        f"  search   p50 {statistics.median(search_ms):6.2f} ms  p99"
        f" {percentile(search_ms, 99):6.2f} ms  ({found}/{len(queries)} found something)"
    )
    print(
        f"  LIKE     p50 {statistics.median(like_ms):6.2f} ms  p99"
        f" {percentile(like_ms, 99):6.2f} ms"
        f"  (search p99 is x{percentile(search_ms, 99) / percentile(like_ms, 99):.3f} of it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    words = vocabulary()
    distinct = sorted({w for w in words if len(w) >= 5})
    print(f"vocabulary: {len(distinct)} distinct words of 5+ letters")
    for size in (int(s) for s in args.sizes.split(",")):
        measure(size, words, distinct, args.queries)


if __name__ == "__main__":
    main()
