"""The terminal console: the same inputs as a channel, the same answers as text."""

import io
import subprocess
import sys

import pytest

from bot.console import ConsoleSession, render_text, run_console
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
