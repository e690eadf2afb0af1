"""Bad input, from the command line and the console: a clear message, nothing damaged."""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest
import test_cli
from helpers import SMALL, small_glossary
from running_bot import SITE, bot_command

from bot.cli import main
from bot.console import ConsoleSession, render_text, run_console
from bot.core.answers import Answer, Section
from bot.core.glossary import GlossaryError, load_glossaries
from bot.core.service import GlossaryService
from bot.core.store import APPLICATION_ID, Store, StoreError

runner = test_cli.runner  # the command line's fixture: a CliRunner in a fresh folder
invoke = test_cli.invoke


def command(*args: str | bytes, cwd: Path, input: bytes | None = None, env=None):
    """`glossary-bot ARGS` as a user runs it: real argv bytes, real stdin and stdout."""
    base, source = bot_command()
    environment = {k: v for k, v in os.environ.items() if k not in ("GLOSSARY_DB", "DISCORD_TOKEN")}
    if source:
        environment["PYTHONPATH"] = source
    # Standard streams that are strictly UTF-8, as Python makes them in most UTF-8 locales
    # (in the C locale it is lenient, and would hide a crash).
    environment["PYTHONIOENCODING"] = "utf-8:strict"
    return subprocess.run(
        [*base, *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        timeout=60,
        env=environment | (env or {}),
    )


# -- 1. questions that are not UTF-8 -------------------------------------------------------------


def test_questions_that_are_not_utf8_are_answered_and_the_next_ones_too(tmp_path):
    """Bad bytes in `ask -`, the console and an argument: an answer each, no traceback."""
    asked = command(
        "ask", "-", "--json", cwd=tmp_path, input=b"what is churn?\n\xff\xfe\nwhat is NPS?\n"
    )
    assert asked.returncode == 0, asked.stderr.decode()
    answers = [json.loads(line) for line in asked.stdout.decode().splitlines()]
    assert [a["match"] for a in answers] == ["Churn", None, "Net Promoter Score"]
    assert answers[1]["query"] == "\ufffd\ufffd"

    console = command("console", cwd=tmp_path, input=b"/define \xff\xfe\n/define churn\n")
    assert console.returncode == 0, console.stderr.decode()
    assert "No match" in console.stdout.decode() and "\nChurn\n===" in console.stdout.decode()

    service = GlossaryService.open(tmp_path / "g.db")
    answer = ConsoleSession(service).handle("/define \udcff\udcfe")  # as Python reads bad bytes
    render_text(answer).encode("utf-8")  # printable
    service.close()

    argument = command("ask", b"\xff\xfe", cwd=tmp_path)
    assert argument.returncode == 0, argument.stderr.decode()
    assert "couldn't find “\ufffd\ufffd”" in argument.stdout.decode()
    searched = command("search", b"retention \xff", cwd=tmp_path)
    assert searched.returncode == 0, searched.stderr.decode()
    assert "Customer Retention" in searched.stdout.decode()
    for result in (asked, console, argument, searched):
        assert b"Traceback" not in result.stderr


# -- 2. another program's database ---------------------------------------------------------------


def _files_beside(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir() if p.name.startswith(path.name)}


@pytest.mark.parametrize(
    "schema",
    [
        ["CREATE TABLE terms (x INTEGER)"],  # clashes with one of the bot's tables
        [
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
            "INSERT INTO notes VALUES (1, 'x')",
        ],
        ["PRAGMA journal_mode=WAL", "CREATE TABLE notes (id INTEGER)"],
        ["PRAGMA application_id = 1234", "CREATE TABLE t (x)"],
    ],
    ids=["clashing-table", "other-tables", "wal-mode", "other-application-id"],
)
def test_another_programs_database_is_refused_and_left_byte_for_byte(runner, tmp_path, schema):
    """--db naming someone else's SQLite file: one clear line, exit 1, the file untouched."""
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    for statement in schema:
        connection.execute(statement)
    connection.commit()
    journal_mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    connection.close()
    before, beside = path.read_bytes(), _files_beside(path)
    assert beside == {"other.db"}

    result = runner.invoke(main, ["ask", "customer", "--db", str(path)])
    assert result.exit_code == 1, result.output
    assert "is not a glossary-bot database" in result.output
    assert "left as it is" in result.output and "Traceback" not in result.output
    with pytest.raises(StoreError, match="not a glossary-bot database"):
        Store(path)

    assert path.read_bytes() == before
    assert _files_beside(path) == beside  # no -wal, no -shm
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == journal_mode


def test_an_empty_or_missing_file_is_a_new_database_marked_as_the_bots(tmp_path):
    """An empty file, a missing one, and an SQLite file without tables become the bot's."""
    empty = tmp_path / "empty.db"
    empty.touch()
    bare = tmp_path / "bare.db"
    sqlite3.connect(bare).execute("VACUUM")
    for path in (empty, tmp_path / "missing.db", bare):
        with Store(path) as store:
            store.load_glossary(small_glossary())
        assert int.from_bytes(path.read_bytes()[68:72], "big") == APPLICATION_ID
        with Store(path) as store:  # and opens again as the bot's
            assert store.find_term("Customer") is not None


# -- 3. deeply nested YAML -----------------------------------------------------------------------


@pytest.mark.parametrize("depth", [200, 5000, 200_000])
def test_deeply_nested_yaml_is_an_error_at_its_place(runner, depth):
    """Nesting no glossary needs: FILE:LINE:COL and exit 2 from check and load, no traceback."""
    Path("deep.yaml").write_text(
        "name: D\nterms:\n  - term: F\n    definition: " + "[" * depth + "]" * depth + "\n"
    )
    for args in (["check", "deep.yaml"], ["load", "deep.yaml", "--db", "g.db"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        (problem,) = [line for line in result.output.splitlines() if line.startswith("deep.yaml:")]
        assert problem.startswith("deep.yaml:4:") and "nest" in problem, problem
    assert not Path("g.db").exists()


# -- 4. export to a place that cannot take it ----------------------------------------------------


def test_export_to_a_missing_folder_a_file_or_a_full_disk_says_so(runner):
    """No traceback: the path and the reason, exit 1, and no file left behind."""
    Path("notes.txt").write_text("mine")
    cases = {
        "no-such-dir/x.yaml": "there is no folder no-such-dir",
        "notes.txt/x.yaml": "notes.txt is not a folder",
    }
    if Path("/dev/full").exists():
        cases["/dev/full"] = "No space left on device"
    for output, reason in cases.items():
        result = runner.invoke(main, ["export", "-o", output])
        assert result.exit_code == 1, result.output
        assert f"cannot write {output}: {reason}" in result.output
        assert "Traceback" not in result.output
    assert Path("notes.txt").read_text() == "mine"
    assert sorted(p.name for p in Path().iterdir()) == ["glossary.db", "notes.txt"]


def test_a_failed_export_leaves_the_good_file_that_was_there(tmp_path):
    """A write that fails half-way (a file size limit, like a full disk) keeps the old file."""
    good = tmp_path / "out.yaml"
    assert command("export", "-o", str(good), cwd=tmp_path).returncode == 0
    before = good.read_bytes()
    good.write_bytes(before[: len(before) // 2] + b"# edited by hand\n")
    edited = good.read_bytes()

    limit = 40 * 1024  # room for the database's 32 KiB -shm file, not for the export
    assert len(before) > limit + 8 * 1024

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    base, source = bot_command()
    result = subprocess.run(
        [*base, "export", "-o", str(good)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=small_files,
        env={**os.environ, **({"PYTHONPATH": source} if source else {})},
    )
    assert result.returncode == 1, result.stderr
    assert "cannot write" in result.stderr and "out.yaml is as it was" in result.stderr
    assert "Traceback" not in result.stderr
    assert good.read_bytes() == edited
    assert sorted(p.name for p in tmp_path.iterdir()) == ["glossary.db", "out.yaml"]


# -- 5. one glossary name in two files -----------------------------------------------------------


def test_two_files_naming_the_same_glossary_are_an_error_naming_both(runner):
    """load a.yaml b.yaml with one name: nothing loaded, the error names both files."""
    Path("a.yaml").write_text(SMALL)
    Path("b.yaml").write_text(SMALL.replace("  - term: Churn\n", "  - term: Attrition\n"))
    invoke(runner, "ask", "customer", "--db", "g.db")  # made, with the bundled glossary
    before = Path("g.db").read_bytes()
    for args in (["load", "a.yaml", "b.yaml", "--db", "g.db"], ["check", "a.yaml", "b.yaml"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, result.output
        assert (
            "b.yaml:1:7: the glossary 'Small Glossary' is also named in a.yaml (line 1)"
            in result.output
        )
    assert Path("g.db").read_bytes() == before
    with pytest.raises(GlossaryError, match=r"also named in a\.yaml"):
        load_glossaries(["a.yaml", "b.yaml"])
    # Also when the first file was loaded before and is known without being read again.
    assert invoke(runner, "load", "a.yaml", "--db", "g.db").exit_code == 0
    result = runner.invoke(main, ["load", "a.yaml", "b.yaml", "--db", "g.db"])
    assert result.exit_code == 2 and "also named in a.yaml" in result.output


# -- 6. the console follows loads ----------------------------------------------------------------


def test_the_console_answers_from_a_glossary_another_process_loaded(tmp_path):
    """A load run beside the console is seen at the next input, as the bot sees it."""
    console = GlossaryService.open(tmp_path / "g.db")
    session = ConsoleSession(console)
    assert session.handle("/define zebra metric").title != "Zebra Metric"
    loader = GlossaryService.open(tmp_path / "g.db", answering=False)
    loader.load(
        small_glossary(
            SMALL.replace(
                "\nfaqs:", "\n  - term: Zebra Metric\n    definition: Stripes per customer.\nfaqs:"
            )
        )
    )
    loader.close()
    assert session.handle("/define zebra metric").title == "Zebra Metric"
    console.close()


# -- 7. numbers belong to the last answer --------------------------------------------------------


def test_a_number_opens_an_option_of_the_last_answer_only(tmp_path):
    """After "No match", a number does not open the answer before it; with no options it says so."""
    service = GlossaryService.open(tmp_path / "g.db")
    session = ConsoleSession(service)
    assert session.handle("1").title == "No options"
    assert session.handle("/define customer").actions
    assert session.handle("/define zzqxv blorptastic").title == "No match"
    answer = session.handle("1")
    assert answer.title == "No options", answer.title
    session.handle("/define customer")
    assert session.handle("9" * 5000).title == "No such option"  # int() refuses 4300+ digits
    session.handle("²")  # a digit to str.isdigit(), not to int(): free text, no crash
    service.close()


# -- 8. code and URLs are never wrapped ----------------------------------------------------------


def test_code_blocks_and_urls_are_never_wrapped():
    """A long code line keeps its comment; a long URL is not broken at a hyphen."""
    code = "    total_customers_this_quarter = count_customers(active=True)  # the ones who paid us"
    fenced = (
        "total = sum(order.value for order in orders if order.paid)  # paid orders, this year only"
    )
    url = (
        "https://example.com/a-very-long-glossary-path/with-many-hyphenated-words/and-more-of-them"
    )
    answer = Answer(
        kind="definition",
        title="Code",
        body="Prose before the code, long enough that it has to be wrapped by the console " * 2,
        sections=[
            Section("Example", f"```python\n{fenced}\n```\n{code}"),
            Section("Source", f"Example Co. ({url})"),
        ],
    )
    text = render_text(answer)
    assert f"\n  {fenced}\n" in text and f"\n  {code}\n" in text
    assert url in text
    assert max(len(line) for line in text.splitlines() if "Prose" in line) <= 88


# -- 9. run without a usable token or without Discord --------------------------------------------


def test_run_with_a_blank_token_says_how_to_get_one(runner, monkeypatch):
    """A token of only spaces is no token: the help, exit 2."""
    monkeypatch.setenv("DISCORD_TOKEN", "   \n")
    for name in ("run", "sync"):
        result = invoke(runner, name)
        assert result.exit_code == 2 and "Reset Token" in result.output


def test_run_that_cannot_reach_discord_says_why_in_one_line(tmp_path):
    """No network (here: nothing listening): one line with the reason, exit 1, no traceback."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {
        "DISCORD_TOKEN": "MTIzNA.abc.def",
        "GLOSSARY_STANDIN_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": os.pathsep.join(p for p in (str(SITE), bot_command()[1]) if p),
    }
    for name in ("run", "sync"):
        result = command(name, "--db", str(tmp_path / "g.db"), cwd=tmp_path, env=env)
        errors = result.stderr.decode()
        assert result.returncode == 1, errors
        assert "Traceback" not in errors
        (line,) = [line for line in errors.splitlines() if "ERROR" in line]
        assert "cannot reach Discord: Cannot connect to host 127.0.0.1" in line


# -- 10. wording -----------------------------------------------------------------------------------


def test_check_says_nothing_about_loading_and_counts_in_words(runner):
    """check never loads, so never says "nothing was loaded"; 1 term, not "1 terms"."""
    Path("one.yaml").write_text("name: One\nterms:\n  - term: A\n    definition: a\n")
    assert invoke(runner, "check", "one.yaml").output == "one.yaml: ok (1 term, 0 FAQs)\n"
    Path("bad.yaml").write_text("name: One\nterms:\n  - term: A\n")
    result = runner.invoke(main, ["check", "bad.yaml"])
    assert result.exit_code == 2
    assert "1 problem found; the files were only checked." in result.output
    assert "loaded" not in result.output


def test_faq_with_no_match_does_not_advise_a_shorter_term(tmp_path):
    """/faq asks a question: the advice is other words or /define, not "a shorter term"."""
    service = GlossaryService.open(tmp_path / "g.db")
    out = io.StringIO()
    run_console(service, lines=["/faq zzqxv blorptastic wibble"], out=out)
    assert "No match" in out.getvalue() and "shorter term" not in out.getvalue()
    assert "other words" in out.getvalue()
    service.close()


def test_one_shot_ask_lists_options_without_numbers(runner):
    """No number can follow a one-shot ask, so its options are not numbered."""
    output = invoke(runner, "ask", "the difference between churn and retention").output
    assert "  - see Churn" in output and "[1]" not in output
