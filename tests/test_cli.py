"""The glossary-bot command line: help, check, load, export, ask, run, invite."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from helpers import NO_SHARED, SHARED_DATA, SMALL

from bot.cli import main
from bot.core.glossary import bundled_glossary_path, load_glossary
from bot.core.store import Store, StoreError

DATA = Path(__file__).parent / "data"


@pytest.fixture
def runner(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GLOSSARY_DB", raising=False)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    return CliRunner()


def invoke(runner, *args, input=None):
    return runner.invoke(main, list(args), input=input, catch_exceptions=False)


def test_every_command_and_option_has_help(runner):
    """Each command says what it does, and so does each of its options."""
    assert main.commands
    for name, command in main.commands.items():
        assert command.help, f"{name} has no help"
        result = invoke(runner, name, "--help")
        assert result.exit_code == 0
        output = " ".join(result.output.split())
        assert " ".join(command.help.split("\n")[0].split()) in output
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                assert param.help, f"{name} {param.opts} has no help"
                assert param.opts[-1] in output


def test_check_accepts_a_good_file_and_lists_problems_of_a_bad_one(runner):
    """check prints ok for a valid file, and FILE:LINE:COL errors with exit 2 for a broken one."""
    good = Path("good.yaml")
    good.write_text(SMALL)
    result = invoke(runner, "check", str(good))
    assert result.exit_code == 0 and "good.yaml: ok (3 terms, 2 FAQs)" in result.output
    result = invoke(runner, "check", str(DATA / "broken.yaml"))
    assert result.exit_code == 2
    assert f"{DATA / 'broken.yaml'}:7:11: duplicate term 'customer'" in result.output


def test_load_of_a_broken_file_leaves_the_database_untouched(runner):
    """A rejected load writes nothing, even when a good file comes with it."""
    Path("good.yaml").write_text(SMALL)
    invoke(runner, "load", "good.yaml", "--db", "g.db")
    before = Path("g.db").read_bytes()
    result = invoke(runner, "load", "good.yaml", str(DATA / "broken.yaml"), "--db", "g.db")
    assert result.exit_code == 2
    assert "nothing was loaded" in result.output
    assert Path("g.db").read_bytes() == before
    with Store("g.db") as store:
        assert "Small Glossary" in store.glossary_names()


def test_load_prints_one_summary_line_and_reports_removed_terms(runner, db_url):
    """load summarises what it changed; a term dropped from the file is named; the same file
    again is known unchanged (on both backends)."""
    Path("small.yaml").write_text(SMALL)
    result = invoke(runner, "load", "small.yaml", "--db", db_url)
    assert "Small Glossary: terms +3 ~0 -0, aliases +3 ~0 -0, faqs +2 ~0 -0" in result.output
    Path("small.yaml").write_text(SMALL.replace("  - term: Consumer\n", "  - term: Shopper\n"))
    result = invoke(runner, "load", "small.yaml", "--db", db_url)
    assert "terms +1 ~0 -1" in result.output
    assert "removed from the file: Consumer" in result.output
    result = invoke(runner, "load", "small.yaml", "--db", db_url)
    assert "Small Glossary: unchanged since it was loaded from small.yaml" in result.output


def test_export_then_load_gives_the_same_glossary(runner, db_url, monkeypatch):
    """The bundled glossary survives a round trip through the database (made on first use,
    GLOSSARY_DB naming it) and export."""
    monkeypatch.setenv("GLOSSARY_DB", db_url)
    result = invoke(runner, "export", "-o", "out.yaml")
    assert result.exit_code == 0
    assert load_glossary("out.yaml") == load_glossary(bundled_glossary_path())


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=NO_SHARED)
def test_export_round_trips_every_shared_glossary(runner):
    """Each real glossary comes back from export exactly as it was loaded."""
    for path in sorted(SHARED_DATA.glob("*.yaml")):
        original = load_glossary(path)
        invoke(runner, "load", str(path), "--db", "shared.db")
        invoke(runner, "export", "--db", "shared.db", "--glossary", original.name, "-o", "o.yaml")
        assert load_glossary("o.yaml") == original, path.name


def test_ask_json_has_the_documented_keys(runner, db_url):
    """ask --json prints one object with query, decision, match, score and candidates."""
    result = invoke(runner, "ask", "--json", "what is a customer?", "--db", db_url)
    answer = json.loads(result.output)
    assert answer["query"] == "what is a customer?"
    assert answer["decision"] == "answer" and answer["match"] == "Customer"
    assert 0 <= answer["score"] <= 100
    assert answer["candidates"][0] == {
        "match": "Customer",
        "kind": "term",
        "score": answer["candidates"][0]["score"],
    }


def test_ask_reads_one_question_per_line_from_stdin(runner):
    """ask - answers each line in turn, and chat mode stays silent on chit-chat."""
    result = invoke(
        runner,
        "ask",
        "-",
        "--json",
        "--mode",
        "chat",
        input="whats churn\nhello everyone, how was your weekend?\n",
    )
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(a["decision"], a["match"]) for a in lines] == [("answer", "Churn"), ("none", None)]
    assert result.exit_code == 0


def test_database_path_comes_from_option_then_environment_then_default(runner, monkeypatch):
    """--db wins over GLOSSARY_DB, which wins over ./glossary.db; each is made on first use."""
    invoke(runner, "ask", "customer")
    assert Path("glossary.db").exists()
    monkeypatch.setenv("GLOSSARY_DB", "env.db")
    invoke(runner, "ask", "customer")
    assert Path("env.db").exists()
    invoke(runner, "ask", "customer", "--db", "opt.db")
    assert Path("opt.db").exists()


def test_run_without_a_token_says_how_to_get_one(runner):
    """run with no DISCORD_TOKEN explains where to get one and exits 2."""
    result = invoke(runner, "run")
    assert result.exit_code == 2
    assert "DISCORD_TOKEN" in result.output and "Reset Token" in result.output


def test_invite_url_has_the_bot_scopes_and_permissions(runner, monkeypatch):
    """invite prints an OAuth2 URL with both scopes and the bot's permissions."""
    result = invoke(runner, "invite", "--client-id", "1234")
    url = result.output.strip()
    assert url.startswith("https://discord.com/oauth2/authorize?client_id=1234")
    assert "scope=bot+applications.commands" in url
    assert "permissions=274877992000" in url
    # The application id is also read from the token (its first part is the id in base64).
    monkeypatch.setenv("DISCORD_TOKEN", "MTIzNA.abc.def")
    assert invoke(runner, "invite").output.strip() == url


@pytest.mark.skipif(shutil.which("glossary-bot") is None, reason="glossary-bot is not installed")
def test_installed_command_answers_from_any_directory(tmp_path):
    """The README's first command prints the definition of customer, wherever it runs."""
    env = {k: v for k, v in os.environ.items() if k not in ("GLOSSARY_DB", "DISCORD_TOKEN")}
    result = subprocess.run(
        [shutil.which("glossary-bot"), "ask", "what is a customer?"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.startswith("Customer\n")
    assert "Definition:" in result.stdout
    assert (tmp_path / "glossary.db").exists()


def test_a_file_that_is_not_a_database_is_refused_clearly(runner):
    """A --db that is not SQLite, or cannot be created, gets one line and exit 1."""
    Path("notes.db").write_text("not a database")
    result = runner.invoke(main, ["ask", "customer", "--db", "notes.db"])
    assert result.exit_code == 1
    assert "cannot open notes.db as a glossary database" in result.output
    result = runner.invoke(main, ["ask", "customer", "--db", "no/such/folder/g.db"])
    assert result.exit_code == 1 and "cannot open" in result.output


def test_odd_questions_get_answers_not_crashes(runner):
    """Empty, huge and binary-looking questions are answered plainly, exit status 0."""
    assert "Type a term or a question" in invoke(runner, "ask", "").output
    for text in ("x" * 20000, "\u0000\u200b🙂", "<@123> ||spoiler|| `code`"):
        result = invoke(runner, "ask", text, "--json")
        assert result.exit_code == 0 and json.loads(result.output)["query"] == text


def test_a_wrong_log_level_is_named_not_a_traceback(runner, monkeypatch):
    """GLOSSARY_LOG_LEVEL with a typo gets a usage error naming the valid levels."""
    monkeypatch.setenv("GLOSSARY_LOG_LEVEL", "loud")
    result = runner.invoke(main, ["ask", "customer"])
    assert result.exit_code == 2
    assert "GLOSSARY_LOG_LEVEL='LOUD' is not a log level" in result.output


def test_load_into_a_database_another_process_keeps_busy_says_so(runner, tmp_path, monkeypatch):
    """A load that cannot get the database in time says why, writes nothing, and exits 1."""
    import sqlite3

    db = tmp_path / "busy.db"
    assert invoke(runner, "ask", "--db", str(db), "churn").exit_code == 0  # created
    (tmp_path / "small.yaml").write_text(SMALL)
    monkeypatch.setenv("GLOSSARY_BUSY_TIMEOUT", "0.3")
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    result = invoke(runner, "load", str(tmp_path / "small.yaml"), "--db", str(db))
    other.rollback()
    other.close()
    assert result.exit_code == 1, result.output
    assert "stayed busy" in result.output and "nothing was written" in result.output
    assert "Traceback" not in result.output
    with Store(db) as store, pytest.raises(StoreError, match="Small Glossary"):
        store.export_glossary("Small Glossary")


def test_a_bad_vote_limit_in_the_environment_is_named_not_a_traceback(runner, monkeypatch):
    """GLOSSARY_VOTES_PER_MINUTE=lots stops the command with a message naming the setting."""
    monkeypatch.setenv("GLOSSARY_VOTES_PER_MINUTE", "lots")
    result = invoke(runner, "ask", "churn")
    assert result.exit_code == 1, result.output
    assert "GLOSSARY_VOTES_PER_MINUTE='lots' is not a number from 1 to 1000" in result.output
    assert "Traceback" not in result.output


def test_console_help_names_contribute_and_glossary(runner):
    """`console --help` says the console takes /contribute and /glossary too."""
    result = invoke(runner, "console", "--help")
    assert result.exit_code == 0
    assert "/contribute" in result.output and "/glossary" in result.output
