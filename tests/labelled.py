"""The labelled query sets, for the accuracy tests, the benchmark and bench/fit_decision.py.

tests/data/queries.yaml is the tuning set: thresholds and weights are fitted on it only.
tests/data/heldout.yaml is the held-out set, written without sight of the matcher: it is only
ever reported, as figures per kind, never tuned on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from bot.core.glossary import load_glossary
from bot.core.matcher import Decision, Matcher, glossary_entries

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
TUNING = ROOT / "tests" / "data" / "queries.yaml"
HELDOUT = ROOT / "tests" / "data" / "heldout.yaml"


def glossary_path(name: str) -> Path:
    return ROOT / name if name == "glossary.yaml" else SHARED / name


def queries(path: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["queries"] if path.exists() else []


def runnable(
    items: list[dict[str, Any]], build: Callable[[list], Matcher] = Matcher
) -> Iterator[tuple[dict[str, Any], Matcher]]:
    """Each query whose glossary files are here, with a matcher over them (built once)."""
    built: dict[tuple[str, ...], Matcher] = {}
    for item in items:
        files = tuple(item["glossary"])
        if not all(glossary_path(f).exists() for f in files):
            continue
        if files not in built:
            entries = list(glossary_entries(load_glossary(glossary_path(f)) for f in files))
            built[files] = build(entries)
        yield item, built[files]


def right(item: dict[str, Any], decision: Decision) -> bool:
    """Chit-chat: silence. Anything else: the expected term or FAQ, answered."""
    if item["expect"] is None:
        return decision.decision == "none"
    best = decision.best
    return decision.decision == "answer" and best is not None and best.label == item["expect"]
