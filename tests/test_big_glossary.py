"""Big glossaries: exact positions, progress only on a terminal, no-op reloads, loads that
follow their file. Times are measured by `python bench/bench_load.py`, never asserted here."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml
from helpers import SMALL, big_glossary_yaml, small_glossary, stderr_on_a_terminal
from running_bot import bot_command

from bot.core.glossary import REWORD_UP_TO, GlossaryError, parse_glossary
from bot.core.service import GlossaryService

TERMS = 5000  # about 1.3 MB: parsed by libyaml alone, past what PyYAML is asked to reword


@pytest.fixture(scope="module")
def big_text() -> str:
    text = big_glossary_yaml(TERMS)
    assert len(text) > REWORD_UP_TO
    return text


def problems_of(text: str) -> list[str]:
    with pytest.raises(GlossaryError) as caught:
        parse_glossary(text, filename="big.yaml")
    return [str(p) for p in caught.value.problems]


def test_problems_deep_in_a_big_file_are_at_their_exact_line_and_column(big_text):
    """Line and column stay exact at line 20,000 and after characters of several bytes."""
    lines = big_text.split("\n")
    near_the_end = next(i for i in range(len(lines) - 200, 0, -1) if "summary:" in lines[i])
    lines[near_the_end] = lines[near_the_end].replace("summary:", "summery:")
    lines.insert(3, '  - {term: "Café 🙂 ünïcode", definition: x, colour: blue}')
    problems = problems_of("\n".join(lines))
    column = lines[3].index("colour") + 1
    assert problems == [
        f"big.yaml:4:{column}: unknown key 'colour' in a term; expected one of: term, aliases,"
        " summary, definition, context, purpose, example, related, faqs, tags, source",
        f"big.yaml:{near_the_end + 2}:5: unknown key 'summery' in a term; expected one of:"
        " term, aliases, summary, definition, context, purpose, example, related, faqs, tags,"
        " source",
    ]


def test_syntax_errors_in_a_big_file_are_where_pyyaml_puts_them(big_text):
    """libyaml reads big files; its positions are PyYAML's, here checked on a small file too."""
    bad_line = "    summary: a: b"
    small = "name: S\nterms:\n  - term: A\n    definition: a\n" + bad_line + "\n"
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        list(yaml.parse(small, Loader=yaml.SafeLoader))
    column = caught.value.problem_mark.column + 1
    assert problems_of(small)[0].startswith(f"big.yaml:5:{column}: invalid YAML:")

    lines = big_text.split("\n")
    at = len(lines) - 300
    while not lines[at].startswith("    definition:"):
        at += 1
    lines[at] = bad_line.replace("summary", "definition")
    (problem,) = problems_of("\n".join(lines))
    assert problem.startswith(f"big.yaml:{at + 1}:{column + 3}: invalid YAML: mapping values")


def _command(*args: str, cwd, stderr):
    base, source = bot_command()
    env = {k: v for k, v in os.environ.items() if k not in ("GLOSSARY_DB", "DISCORD_TOKEN")}
    if source:
        env["PYTHONPATH"] = source
    return subprocess.Popen([*base, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=stderr)


def test_progress_shows_on_a_terminal_and_nothing_goes_to_a_pipe(tmp_path, big_text):
    """check and load draw a progress bar on a terminal's stderr; on a pipe, stderr is empty."""
    (tmp_path / "big.yaml").write_text(big_text)
    for args in (["check", "big.yaml"], ["load", "big.yaml", "--db", "g.db"]):
        piped = _command(*args, cwd=tmp_path, stderr=subprocess.PIPE)
        out, err = piped.communicate(timeout=300)
        assert piped.returncode == 0 and err == b"", err
        assert out

    base, source = bot_command()
    env = {**os.environ, **({"PYTHONPATH": source} if source else {})}
    drawn, first, _ = stderr_on_a_terminal([*base, "check", "big.yaml"], cwd=tmp_path, env=env)
    assert first is not None
    assert b"Checking big.yaml" in drawn and b"0%" in drawn and b"100%" in drawn, drawn[-500:]


def _load(tmp_path, *files: str):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "load", *files, "--db", "g.db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": bot_command()[1] or os.environ.get("PYTHONPATH", "")},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_reloading_an_unchanged_file_is_a_no_op(tmp_path):
    """The same bytes again: "unchanged", the database as it was; any change is loaded."""
    (tmp_path / "small.yaml").write_text(SMALL)
    assert "terms +3" in _load(tmp_path, "small.yaml")
    before = (tmp_path / "g.db").read_bytes()
    assert "Small Glossary: unchanged since it was loaded from small.yaml" in _load(
        tmp_path, "small.yaml"
    )
    assert (tmp_path / "g.db").read_bytes() == before
    # Another file of the same glossary replaces it; the first is then a change again.
    (tmp_path / "other.yaml").write_text(SMALL.replace("  - term: Churn\n", "  - term: Loss\n"))
    assert "terms +1 ~0 -1" in _load(tmp_path, "other.yaml")
    assert "terms +0 ~1 -1" in _load(tmp_path, "small.yaml")  # Churn is back, Loss is gone
    (tmp_path / "small.yaml").write_text(SMALL.replace("Someone who uses.", "A user."))
    assert "terms +0 ~1 -0" in _load(tmp_path, "small.yaml")


def test_a_load_does_the_same_work_whatever_else_the_database_holds(tmp_path):
    """The statements a load runs depend on its file, not on the other glossaries beside it
    (each kind of row read in one query; no matcher is built)."""

    def statements_of_loading(service: GlossaryService) -> list[str]:
        executed: list[str] = []
        service.store.db.conn.set_trace_callback(executed.append)
        service.load(small_glossary())
        service.store.db.conn.set_trace_callback(None)
        # The same statements, up to savepoint names and the ids and dates they carry.
        return [re.sub(r"sqlite_utils_\w+|[\d:+-]+", "*", sql) for sql in executed]

    alone = GlossaryService.open(tmp_path / "alone.db", seed=False, answering=False)
    alone.load(parse_glossary("name: Other\nterms:\n  - term: A\n    definition: a\n"))
    crowded = GlossaryService.open(tmp_path / "crowded.db", seed=False, answering=False)
    crowded.load(parse_glossary(big_glossary_yaml(2000)))
    statements = statements_of_loading(alone)
    assert statements_of_loading(crowded) == statements
    # Every read of glossary rows is of this glossary's (no matcher is built over them all);
    # the next term id comes from the end of the primary key's index.
    reads = [
        sql
        for sql in statements
        if sql.startswith("SELECT") and re.search(r"\b(terms|aliases|faqs|related)\b", sql)
    ]
    assert 0 < len(reads) <= 8, reads  # one per kind of row, not one per term
    assert all(
        "glossary_id" in sql or sql.startswith("SELECT coalesce(max(id), *)") for sql in reads
    ), reads
    alone.close()
    crowded.close()
