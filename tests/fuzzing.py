"""Seeded fuzz inputs for the question path and for glossary files, and the checks on what the
commands make of them. The short runs are tests (tests/test_fuzz.py); the long one is
bench/bench_fuzz.py."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from running_bot import bot_command

from bot.core.glossary import GlossaryError, parse_glossary

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # how the parser counts lines
PROBLEM_LINE = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+):(?P<column>\d+): \S")

MARKUP = [
    "<@123456789012345678>",
    "<@&987654321>",
    "<#111>",
    "@everyone",
    "@here",
    "||spoiler||",
    "`code`",
    "```py\nprint('x')\n```",
    "**bold** __under__ ~~strike~~",
    "> quote",
    "[link](https://example.com)",
    "<https://example.com>",
    ":emoji:",
    "<:custom:123>",
    "/define",
    "/faq",
    "/help",
    "/",
    "1",
    "0",
    "99999999999999999999",
    "-1",
    "what is",
    "define",
    "the difference between and",
    "churn",
    "what's a CRM?",
    "NPS vs CSAT",
]
UNICODE = [
    "\u200b",
    "\u200e",
    "\u202e",
    "\ufeff",
    "\u0301",
    "\U0001f642",
    "\U0001f1eb\U0001f1f7",
    "\u00e9",
    "\u4e2d\u6587",
    "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "\u2028",
    "\u0085",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x00",
    "\x7f",
    "\ufffd",
    "\U0010ffff",
    "\t",
    "\r",
]


def question_inputs(count: int, *, seed: int) -> list[bytes]:
    """`count` lines of input (no newline inside): random bytes, unicode, markup, huge ones."""
    rng = random.Random(seed)
    lines = []
    for number in range(count):
        kind = number % 6
        if kind == 0:
            line = bytes(rng.randrange(256) for _ in range(rng.randint(1, 60)))
        elif kind == 1:
            line = "".join(rng.choice(UNICODE + MARKUP) for _ in range(rng.randint(1, 8))).encode(
                "utf-8", "surrogatepass"
            )
        elif kind == 2:
            line = " ".join(rng.choice(MARKUP) for _ in range(rng.randint(1, 5))).encode()
        elif kind == 3:
            text = "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randint(1, 40)))
            line = text.encode("utf-8", "surrogatepass")
        elif kind == 4:
            prefix = rng.choice(["/define ", "/faq ", "", "what is ", "1"])
            word = rng.choice(MARKUP + UNICODE)
            line = (prefix + word * rng.randint(1, 3)).encode("utf-8", "surrogatepass")
        else:
            size = 1_000_000 if number % 600 == 5 else rng.choice([500, 5000, 50_000])
            line = (rng.choice(MARKUP) * (size // 8 + 1))[:size].encode()
        lines.append(line.replace(b"\n", b" "))
    return lines


def expected_answers(lines: list[bytes]) -> int:
    """How many of the lines `ask -` answers: those that are not blank once decoded."""
    return sum(1 for line in lines if line.decode("utf-8", "replace").rstrip("\r").strip())


def run_command(*args: str, stdin: bytes, cwd: Path, timeout: float = 600):
    """`glossary-bot ARGS` with strictly UTF-8 standard streams (no lenient C locale)."""
    base, source = bot_command()
    env = {k: v for k, v in os.environ.items() if k not in ("GLOSSARY_DB", "DISCORD_TOKEN")}
    env["PYTHONIOENCODING"] = "utf-8:strict"
    if source:
        env["PYTHONPATH"] = source
    return subprocess.run(
        [*base, *args], cwd=cwd, input=stdin, capture_output=True, timeout=timeout, env=env
    )


@dataclass
class QuestionRun:
    inputs: int
    decisions: dict[str, int] = field(default_factory=dict)
    console_answers: int = 0
    failures: list[str] = field(default_factory=list)


def fuzz_questions(lines: list[bytes], folder: Path) -> QuestionRun:
    """Every line through `ask - --json` and through the console; what went wrong, if any."""
    run = QuestionRun(len(lines))
    stdin = b"\n".join(lines) + b"\n"
    database = str(folder / "fuzz.db")
    asked = run_command("ask", "-", "--json", "--db", database, stdin=stdin, cwd=folder)
    if asked.returncode != 0 or b"Traceback" in asked.stderr:
        run.failures.append(f"ask - exited {asked.returncode}: {asked.stderr[-2000:]!r}")
    answers = [json.loads(line) for line in asked.stdout.decode("utf-8").splitlines()]
    if len(answers) != expected_answers(lines):
        run.failures.append(f"ask - answered {len(answers)} of {expected_answers(lines)} lines")
    for answer in answers:
        run.decisions[answer["decision"]] = run.decisions.get(answer["decision"], 0) + 1
    console = run_command("console", "--db", database, stdin=stdin, cwd=folder)
    if console.returncode != 0 or b"Traceback" in console.stderr:
        run.failures.append(f"console exited {console.returncode}: {console.stderr[-2000:]!r}")
    run.console_answers = console.stdout.decode("utf-8").count("\n===")
    return run


# -- glossary files -------------------------------------------------------------------------------

YAML_BITS = [":", "-", "[", "]", "{", "}", "&a", "*a", "!!str", "|", ">", "#", "'", '"', "\t"]
YAML_BITS += [" ", "\n", "?", ",", "%", "@", "`", "é", "\U0001f642", "\x00", "\ufeff", "---"]
YAML_BITS += ["- term: X\n", "  aliases: [", "definition:", "\\", "\r\n", "~", "null", "<<: *a"]


def glossary_texts() -> list[tuple[str, str]]:
    """(name, text) of the bundled glossary and, when present, the shared real ones."""
    texts = [("glossary.yaml", (REPO / "glossary.yaml").read_text(encoding="utf-8"))]
    if SHARED_DATA.is_dir():
        texts += [
            (p.name, p.read_text(encoding="utf-8")) for p in sorted(SHARED_DATA.glob("*.yaml"))
        ]
    return texts


def mutate(text: str, rng: random.Random) -> str:
    """One to four random edits: characters and YAML syntax in, out, moved; lines shuffled."""
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(text) + 1)
        edit = rng.randrange(7)
        if edit == 0:
            text = text[:at] + text[at + rng.randint(1, 20) :]
        elif edit == 1:
            text = text[:at] + rng.choice(YAML_BITS) + text[at:]
        elif edit in (2, 3):
            lines = text.split("\n")
            line = rng.randrange(len(lines))
            if edit == 2:
                lines.insert(line, lines[rng.randrange(len(lines))])
            else:
                lines[line] = rng.choice(["", "  ", "    ", "\t"]) + lines[line]
            text = "\n".join(lines)
        elif edit == 4:
            text = text[:at] + text[at : at + 30][::-1] + text[at + 30 :]
        elif edit == 5:
            depth = rng.choice([10, 100, 2000])
            text = text[:at] + rng.choice("[{") * depth + text[at:]
        else:
            text = text[:at] + chr(rng.randrange(1, 0x11000)) + text[at:]
    return text


@dataclass
class CheckRun:
    files: int = 0
    valid: int = 0
    rejected: int = 0
    problems: int = 0
    failures: list[str] = field(default_factory=list)


def fuzz_check(count: int, *, seed: int, window: int = 8000) -> CheckRun:
    """`count` mutated glossary files, validated: only FILE:LINE:COL problems that point
    inside the file, or success; anything else is a failure."""
    rng = random.Random(seed)
    texts = glossary_texts()
    run = CheckRun()
    for _ in range(count):
        name, text = rng.choice(texts)
        if len(text) > window and rng.random() < 0.9:
            start = rng.randrange(len(text) - window)
            text = text[text.rfind("\n", 0, start) + 1 : start + window]  # from a line start
        mutated = mutate(text, rng)
        data = mutated.encode("utf-8", "surrogatepass")
        if rng.random() < 0.05:
            data = data[: rng.randrange(len(data) + 1)] + b"\xff" + data[len(data) // 2 :]
        run.files += 1
        try:
            parse_glossary(data, filename=name)
            run.valid += 1
        except GlossaryError as exc:
            run.rejected += 1
            run.problems += len(exc.problems)
            run.failures += _out_of_place(exc, data, name)
        except Exception as exc:  # the point of the run: nothing else may come out
            run.failures.append(f"{name}: {type(exc).__name__}: {exc}"[:500])
    return run


def _out_of_place(exc: GlossaryError, data: bytes, name: str) -> list[str]:
    lines = YAML_LINE_BREAK.split(data.decode("utf-8", "replace").removeprefix("\ufeff"))
    failures = []
    for problem in exc.problems:
        text = str(problem)
        match = PROBLEM_LINE.match(text)
        if not match or match["file"] != name:
            failures.append(f"not FILE:LINE:COL: {text[:300]!r}")
        elif not 1 <= problem.line <= len(lines) + 1 or problem.column < 1:
            failures.append(f"line out of the file ({len(lines)} lines): {text[:300]!r}")
        elif (
            problem.line <= len(lines)
            and not 1 <= problem.column <= len(lines[problem.line - 1]) + 1
        ):
            failures.append(f"column out of the line: {text[:300]!r}")
    return failures
