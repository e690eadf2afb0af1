"""Long fuzz runs of the question path and of `check` (the short ones are tests/test_fuzz.py).

    python bench/bench_fuzz.py [--questions 10000] [--files 10000] [--seed 1]

Questions: random bytes, unicode (controls, bidi, combining, astral), Discord markup and huge
lines (up to 1 MB), every one through `glossary-bot ask - --json` and through the console;
the run fails on any traceback, a non-zero exit, or a line left unanswered. Glossary files:
the bundled and shared glossaries mutated (characters, YAML syntax, lines, deep nesting, bytes
that are not UTF-8), validated as `check` does; the run fails on anything but success or
FILE:LINE:COL problems inside the file. A sample of the mutated files also goes through the
real `glossary-bot check` command, whose every line must be such a problem or its summary.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fuzzing import (  # noqa: E402
    PROBLEM_LINE,
    fuzz_check,
    fuzz_questions,
    glossary_texts,
    mutate,
    question_inputs,
    run_command,
)

SUMMARY = re.compile(r"^\d+ problems? found; the files were only checked\.$")


def check_command_sample(count: int, seed: int, folder: Path) -> tuple[int, list[str]]:
    """`count` mutated files through one `glossary-bot check`: lines that are not problems."""
    rng = random.Random(seed)
    texts = glossary_texts()
    paths = []
    for number in range(count):
        _, text = rng.choice(texts)
        path = folder / f"m{number}.yaml"
        path.write_bytes(mutate(text[:8000], rng).encode("utf-8", "surrogatepass"))
        paths.append(path.name)
    result = run_command("check", *paths, stdin=b"", cwd=folder)
    odd = [
        line
        for line in result.stderr.decode("utf-8").splitlines()
        if not (PROBLEM_LINE.match(line) or SUMMARY.match(line))
    ]
    if result.returncode not in (0, 2):
        odd.append(f"exit status {result.returncode}")
    return result.stderr.count(b"\n"), odd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    failed = False

    with tempfile.TemporaryDirectory() as folder:
        lines = question_inputs(options.questions, seed=options.seed)
        start = time.perf_counter()
        questions = fuzz_questions(lines, Path(folder))
        elapsed = time.perf_counter() - start
        size = sum(len(line) for line in lines) / 1e6
        print(
            f"questions: {questions.inputs:,} inputs ({size:.1f} MB, longest"
            f" {max(map(len, lines)):,} bytes) through ask - and the console in {elapsed:.0f} s"
        )
        decisions = ", ".join(f"{k} {v:,}" for k, v in sorted(questions.decisions.items()))
        print(f"  ask - --json: {decisions}; console answers shown: {questions.console_answers:,}")
        print(f"  failures (tracebacks, bad exits, unanswered lines): {len(questions.failures)}")
        for failure in questions.failures[:5]:
            print("   ", failure[:1000])
        failed |= bool(questions.failures)

        start = time.perf_counter()
        check = fuzz_check(options.files, seed=options.seed)
        elapsed = time.perf_counter() - start
        print(
            f"check: {check.files:,} mutated glossary files in {elapsed:.0f} s: {check.valid:,}"
            f" valid, {check.rejected:,} rejected with {check.problems:,} FILE:LINE:COL problems"
        )
        print(f"  failures (tracebacks, problems not placed in the file): {len(check.failures)}")
        for failure in check.failures[:5]:
            print("   ", failure)
        failed |= bool(check.failures)

        sample = max(1, options.files // 20)
        printed, odd = check_command_sample(sample, options.seed, Path(folder))
        print(
            f"  glossary-bot check on {sample:,} of them: {printed:,} lines,"
            f" {len(odd)} not a problem"
        )
        for line in odd[:5]:
            print("   ", line[:300])
        failed |= bool(odd)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
