"""Benchmark `glossary-bot check` and `load` on a big generated glossary.

    python bench/bench_load.py [--terms 50000] [--small 100]

Generates a glossary of --terms terms (about 250 bytes of YAML each, every field used) and
runs the real commands on it, as a user would (`python -m bot.cli ...`, output on a pipe),
each time next to the floor measured in the same run: the time PyYAML's C loader
(`yaml.load(text, Loader=yaml.CSafeLoader)`) takes just to parse the same file. Then:

- check, and load into a new database (issue goals: within 3x and 6x of the floor);
- reload of the unchanged file (goal: a no-op under a second), and of a file with one term
  changed (a real reload: the whole file is read and compared);
- a --small-term file loaded into an empty database and into the one that holds the big
  glossary (goal: the same time: a load's time follows its file, not the database);
- on a terminal (a pty), how soon the first progress is shown; on a pipe, that nothing is.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers import big_glossary_yaml, stderr_on_a_terminal  # noqa: E402


def run(*args: str, cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("GLOSSARY_DB", "DISCORD_TOKEN")}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=env | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return elapsed, result


def first_progress_on_a_terminal(*args: str, cwd: Path) -> tuple[float, float]:
    """Seconds until the first progress bar appears on a pty, and until the command ends."""
    _, first, total = stderr_on_a_terminal(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    return (first if first is not None else float("nan")), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--terms", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=100)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        big = work / "big.yaml"
        text = big_glossary_yaml(options.terms)
        big.write_text(text, encoding="utf-8")
        small = work / "small.yaml"
        small.write_text(
            big_glossary_yaml(options.small, seed=1).replace(
                "name: Generated Glossary", "name: Small Generated Glossary"
            ),
            encoding="utf-8",
        )
        print(f"{options.terms:,} terms, {len(text.encode()) / 1e6:.1f} MB of YAML")

        start = time.perf_counter()
        yaml.load(text, Loader=yaml.CSafeLoader)
        floor = time.perf_counter() - start

        rows: list[tuple[str, float, str]] = [("floor: yaml.load, CSafeLoader", floor, "")]
        startup, _ = run("--help", cwd=work)
        rows.append(("start-up alone (--help)", startup, "in every row below"))
        elapsed, result = run("check", str(big), cwd=work)
        assert not result.stderr, result.stderr  # nothing on a pipe
        rows.append(("check", elapsed, "goal <= 3x"))
        elapsed, result = run("load", str(big), "--db", "big.db", cwd=work)
        assert not result.stderr, result.stderr
        rows.append(("load into a new database", elapsed, "goal <= 6x"))
        elapsed, result = run("load", str(big), "--db", "big.db", cwd=work)
        assert "unchanged" in result.stdout, result.stdout
        rows.append(
            (
                "reload, file unchanged",
                elapsed,
                f"goal < 1 s ({elapsed - startup:.2f} s beyond start-up)",
            )
        )
        big.write_text(text.replace("number 7.", "number seven.", 1), encoding="utf-8")
        elapsed, result = run("load", str(big), "--db", "big.db", cwd=work)
        assert "terms +0 ~1 -0" in result.stdout, result.stdout
        rows.append(("reload, one term changed", elapsed, ""))
        empty, _ = run("load", str(small), "--db", "small.db", cwd=work)
        rows.append((f"{options.small}-term file, new database", empty, ""))
        beside, _ = run("load", str(small), "--db", "big.db", cwd=work)
        rows.append((f"{options.small}-term file, beside the big one", beside, "goal: the same"))

        for label, seconds, goal in rows:
            ratio = f"{seconds / floor:5.2f}x" if label != rows[0][0] else "     "
            print(f"  {label:38} {seconds:7.2f} s  {ratio}  {goal}")

        first, total = first_progress_on_a_terminal("check", str(big), cwd=work)
        print(f"  progress on a terminal: first shown after {first:.2f} s of {total:.2f} s")


if __name__ == "__main__":
    main()
