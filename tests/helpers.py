"""Small glossaries and databases shared by the tests (real files in temporary folders)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.core.glossary import parse_glossary
from bot.core.model import Glossary

try:
    import psycopg

    # What a write breaking a constraint raises, on either backend.
    INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.IntegrityError)
except ImportError:  # no PostgreSQL here: its tests skip
    INTEGRITY_ERRORS = (sqlite3.IntegrityError,)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NO_SHARED = "../shared/data is absent (a plain clone of the project has none)"

SMALL = """\
name: Small Glossary
source: {name: Small Co., url: https://small.example}
terms:
  - term: Customer
    aliases: [customers, buyer]
    summary: Someone who buys.
    definition: A person or organisation that buys goods or services.
    context: Sales and marketing.
    related:
      - Consumer
      - term: Client
        note: A customer in an ongoing relationship.
    faqs:
      - q: What is the difference between a customer and a consumer?
        a: A customer buys; a consumer uses.
    tags: [sales]
  - term: Consumer
    summary: Someone who uses.
    definition: A person who uses a product.
  - term: Churn
    aliases: [churn rate]
    definition: Customers who stop buying.
faqs:
  - q: How do I measure loyalty?
    a: Track repeat purchases.
"""


def small_glossary(text: str = SMALL) -> Glossary:
    return parse_glossary(text, filename="small.yaml")


def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback, below the range the system draws
    outgoing connections' ports from, so none of those takes it before the test binds it."""
    import random
    import socket

    for _ in range(100):
        port = random.randrange(20_000, 32_000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


def big_glossary_yaml(terms: int, *, seed: int = 16) -> str:
    """A generated glossary of `terms` terms, about 200 bytes of YAML each, every field used.

    The same arguments give the same text, so a test can point at a line it knows.
    """
    import random

    rng = random.Random(seed)
    text = """account adapter agent alert archive asset audit backup balance batch billing branch
        broker budget buffer bundle cache campaign capacity catalog channel checkout client cluster
        cohort commit compute connector consumer contract credit customer dashboard ledger margin
        market metric model module monitor network offer order payment pipeline policy portal
        price process product profile queue quota record region release report"""
    words = text.split()
    lines = [
        "name: Generated Glossary",
        "source: {name: Bench Co., url: https://bench.example/glossary}",
        "terms:",
    ]
    for number in range(terms):
        a, b = rng.choice(words), rng.choice(words)
        name = f"{a.title()} {b.title()} {number}"
        lines += [
            f"  - term: {name}",
            f"    aliases: [{a[:2]}{b[:2]}{number}, {b}-{a} {number}]",
            f"    summary: The {a} of a {b}, number {number}.",
            f"    definition: A {a} {b} is what a {rng.choice(words)} keeps for its"
            f" {rng.choice(words)}.",
        ]
        if number % 3 == 0:
            lines += ["    related:", f"      - {words[number % len(words)].title()} Thing"]
        if number % 5 == 0:
            lines += [
                "    faqs:",
                f"      - q: Why does the {a} {b} {number} matter?",
                f"        a: Because the {rng.choice(words)} depends on it.",
            ]
        if number % 2 == 0:
            lines.append(f"    tags: [{a}, {b}]")
    lines += ["faqs:", "  - q: Where do generated terms come from?", "    a: From a benchmark."]
    return "\n".join(lines) + "\n"


def stderr_on_a_terminal(command: list[str], **popen: object) -> tuple[bytes, float | None, float]:
    """Run `command` with its stderr on a pseudo-terminal: what it drew there, the seconds until
    it first drew a percentage (None if never), and the seconds until it ended."""
    import os
    import pty
    import select
    import subprocess
    import time

    parent, child = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=child, **popen)  # type: ignore[call-overload]
    os.close(child)
    drawn, first = b"", None
    while True:
        ready, _, _ = select.select([parent], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(parent, 4096)
            except OSError:  # the terminal closed with the command
                chunk = b""
            if not chunk:
                break
            drawn += chunk
            if first is None and b"%" in drawn:
                first = time.perf_counter() - start
        elif process.poll() is not None:
            break
    process.wait(timeout=600)
    os.close(parent)
    return drawn, first, time.perf_counter() - start
