"""Small glossaries and databases shared by the tests (real files in temporary folders)."""

from __future__ import annotations

from pathlib import Path

from bot.core.glossary import parse_glossary
from bot.core.model import Glossary

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
