"""The terminal console: the same inputs as a channel, the same answers as text."""

import io
import subprocess
import sys

import pytest

from bot.console import ConsoleSession, render_text, run_console
from bot.core.glossary import parse_glossary
from bot.core.service import GlossaryService


@pytest.fixture
def service(tmp_path):
    service = GlossaryService.open(tmp_path / "g.db")
    yield service
    service.close()


def run_lines(service, *lines: str) -> str:
    out = io.StringIO()
    run_console(service, lines=lines, out=out)
    return out.getvalue()


def test_define_prints_the_whole_definition(service):
    """/define customer prints the term, its definition and its sections."""
    out = run_lines(service, "/define customer")
    assert out.startswith("Customer\n")
    for heading in (
        "Summary:",
        "Definition:",
        "Context:",
        "Purpose:",
        "Example:",
        "Related terms:",
        "Source:",
    ):
        assert heading in out


def test_typo_in_define_still_answers_or_suggests(service):
    """/define with a typo answers the right term or offers it as a choice."""
    out = run_lines(service, "/define custmer")
    assert "Customer" in out


def test_a_comparison_offers_both_terms_to_open(service):
    """/define "the difference between churn and retention" offers both, by number."""
    out = run_lines(service, "/define what's the difference between churn and retention?", "2")
    assert out.startswith("Did you mean")
    assert "[1] see Churn" in out and "[2] see Customer Retention" in out
    assert "\nCustomer Retention\n===" in out  # "2" opened the second


def test_free_text_answers_questions_and_ignores_chitchat(service):
    """A glossary question gets an answer; small talk gets nothing at all."""
    assert run_lines(service, "hello everyone, how is it going?") == ""
    assert run_lines(service, "what's a CRM?").startswith("Customer Relationship Management\n")


def test_numbers_open_the_options_of_the_last_answer(service):
    """Typing an option's number opens it, like pressing the button on Discord."""
    session = ConsoleSession(service)
    answer = session.handle("/define customer")
    faqs_index = next(i for i, a in enumerate(answer.actions, 1) if a.kind == "faqs")
    faq_list = session.handle(str(faqs_index))
    assert faq_list.title == "FAQs about Customer"
    assert len(faq_list.actions) == 5
    faq = session.handle("1")
    assert faq.kind == "faq"


def test_faq_command_answers_with_the_question(service):
    """/faq matches only FAQ questions and prints question and answer."""
    out = run_lines(service, "/faq what is the difference between a customer and a consumer")
    assert out.lower().startswith("what is the difference between a customer and a consumer")
    out = run_lines(service, "/faq how do I get more customers")
    assert out.startswith("How can a business attract more customers?")


def test_unknown_commands_and_empty_input_are_handled(service):
    """Odd input gets a short explanation, never a traceback."""
    out = run_lines(service, "/frobnicate", "", "   ", "/define", "/help", "42")
    assert "not a command" in out and "Usage" in out and "Ctrl-D exits" in out


def test_nothing_found_says_so_in_clear_words(service):
    """/define of something unknown says it found nothing."""
    out = run_lines(service, "/define zzqxv blorptastic")
    assert "couldn't find" in out


def test_piped_console_exits_cleanly_at_end_of_input(tmp_path):
    """The console reads piped lines, answers them, and exits 0 at end of input."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console", "--db", str(tmp_path / "g.db")],
        input="/define churn\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Churn\n")


def test_render_text_lists_actions_with_numbers(service):
    """Text answers number their options so a reader can pick one."""
    text = render_text(service.ask("customer").answer)
    assert "  [1] " in text


def test_console_contributes_edits_and_deletes_like_a_member(service):
    """/contribute in the console: prompts for the modal's boxes; the checks refuse what they
    refuse on Discord; the answer offers edit and delete of one's own definition."""
    session = ConsoleSession(service)
    for line in ("/contribute customer", "too short", "", ""):
        answer = session.handle(line)
    assert (
        answer.body == "A definition needs at least 10 characters (yours has 9). Nothing was saved."
    )
    for line in ("/contribute customer", "Someone who pays us for things.", "", ""):
        answer = session.handle(line)
    assert "Someone who pays us for things." in render_text(answer)
    labels = [a.label for a in answer.actions]
    edit = str(labels.index("Edit my definition") + 1)
    for line in (edit, "Someone who pays us, often.", "", ""):
        answer = session.handle(line)
    assert "Someone who pays us, often." in render_text(answer)
    delete = str([a.label for a in answer.actions].index("Delete my definition") + 1)
    assert "is deleted" in session.handle(delete).body
    assert "Someone who pays us" not in render_text(session.handle("/define customer"))


def test_console_creates_a_term_that_does_not_exist(service):
    """/contribute on an unknown name offers to create it; the new term is then defined."""
    session = ConsoleSession(service)
    offer = session.handle("/contribute zorblax")
    assert offer.title == "Not a term yet" and offer.actions[-1].label == "Create “zorblax”"
    for line in (str(len(offer.actions)), "", "Our in-house widget for billing.", "", ""):
        answer = session.handle(line)
    assert answer.title == "zorblax"
    assert session.handle("/define zorblax").title == "zorblax"


def test_console_runs_the_local_servers_glossary(service, tmp_path):
    """/glossary add, import (confirming a removal), export, report and free-text."""
    session = ConsoleSession(service)
    for line in ("/glossary add Quux", "", "To quux is to frob a thing.", "", "qx", ""):
        answer = session.handle(line)
    assert answer.title == "Term saved"
    assert session.handle("/define qx").title == "Quux"
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: B\nterms:\n  - term: X\n")
    answer = session.handle(f"/glossary import {broken}")
    assert f"{broken}:3:5: a term is missing the required key 'definition'" in answer.body
    good = tmp_path / "good.yaml"
    good.write_text("name: Acme\nterms:\n  - term: Blip\n    definition: A spike on a chart.\n")
    asked = session.handle(f"/glossary import {good}")
    assert "Removed terms: Quux." in asked.body and "yes/no" in asked.body
    assert session.handle("no").title == "Import cancelled"
    assert session.handle("/define qx").title == "Quux"
    session.handle(f"/glossary import {good}")
    assert "Terms: 1 added, 0 changed, 1 removed." in session.handle("yes").body
    out = tmp_path / "out.yaml"
    session.handle(f"/glossary export {out}")
    assert parse_glossary(out.read_text()) == parse_glossary(good.read_text())
    session.handle("/define qqq zzz")
    report = session.handle("/glossary report")
    assert "1× qqq zzz" in report.body and report.actions[0].label == "Add “qqq zzz”"
    assert session.handle("what is churn?") is not None
    assert "off" in session.handle("/glossary free-text off").body
    assert session.handle("what is churn?") is None
