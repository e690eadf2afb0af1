"""The bot in a terminal: the same inputs as a Discord channel, the same answers as text."""

from __future__ import annotations

import contextlib
import sys
import textwrap
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.console_server import LOCAL_CHANNEL, LOCAL_SERVER, ServerCommands
from bot.core.answers import Action, Answer, info_answer
from bot.core.service import GlossaryService

PROMPT = "glossary> "
HELP = """\
Ask like you would in a channel:
  /define TERM       the definition of a term (typos forgiven; suggestions when unsure)
  /faq QUESTION      the best-matching frequently asked question
  /search WORDS      the terms and FAQs whose texts hold these words
  /help              this help
  /contribute TERM   add or edit your definition of a term (or create the term)
  /glossary ...      run this (local) server's own glossary; /glossary alone lists how
  a number           open that option of the last answer (related term, next page, FAQ)
  anything else      free text, answered only when it is a glossary question
Ctrl-D exits."""


def render_text(answer: Answer, *, width: int = 88) -> str:
    """An answer as plain text: everything it holds, nothing cut."""
    lines = [answer.title, "=" * min(len(answer.title), width)]
    if answer.body:
        lines += [_wrap(answer.body, width), ""]
    for section in answer.sections:
        lines.append(f"{section.name}:")
        lines.append(textwrap.indent(_wrap(section.text, width - 2), "  "))
    if answer.footer:
        lines += ["", f"({answer.footer})"]
    if answer.actions:
        if lines[-1]:
            lines.append("")
        lines += [f"  [{i}] {_action_text(a)}" for i, a in enumerate(answer.actions, 1)]
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


def _action_text(action: Action) -> str:
    if action.kind == "term":
        return f"see {action.label}"
    return action.label


def _wrap(text: str, width: int) -> str:
    # Keep the author's paragraphs and lists; wrap only over-long lines.
    out = []
    for line in text.splitlines() or [""]:
        out.append(
            textwrap.fill(line, width, subsequent_indent="  " if line[:2] in ("- ", "* ") else "")
            if len(line) > width
            else line
        )
    return "\n".join(out)


class ConsoleSession:
    """Turns one line of input into an answer, remembering the last answer's options."""

    def __init__(self, service: GlossaryService):
        self.service = service
        self.last_actions: list[Action] = []
        self.last_query = ""  # the words of the last search, for its page options
        # /contribute and /glossary, as a member and admin of the console's own server.
        self.server = ServerCommands(service)

    def handle(self, line: str) -> Answer | None:
        if self.server.form is not None:  # a prompt of /contribute or /glossary is open
            return self._remember(self.server.answer_line(line))
        text = line.strip()
        if not text:
            return None
        if text.isdigit() and self.last_actions:
            index = int(text) - 1
            if 0 <= index < len(self.last_actions):
                return self._remember(self.open_action(self.last_actions[index]))
            return info_answer(
                "No such option", f"Pick a number from 1 to {len(self.last_actions)}."
            )
        command, _, rest = text.partition(" ")
        command = command.lower()
        if command in ("/help", "help", "/?"):
            return info_answer("Help", HELP)
        if command == "/define":
            if not rest.strip():
                return info_answer("Usage", "/define TERM, for example: /define customer")
            return self._remember(
                self.service.ask(rest, mode="define", guild_id=LOCAL_SERVER).answer
            )
        if command == "/faq":
            if not rest.strip():
                return info_answer(
                    "Usage", "/faq QUESTION, for example: /faq why does churn matter"
                )
            return self._remember(
                self.service.ask(rest, mode="define", kinds=("faq",), guild_id=LOCAL_SERVER).answer
            )
        if command == "/contribute":
            return self._remember(self.server.contribute(rest.strip()))
        if command == "/glossary":
            return self._remember(self.server.glossary(rest.strip()))
        if command == "/search":
            if not rest.strip():
                return info_answer("Usage", "/search WORDS, for example: /search retention rate")
            return self._remember(self.service.search(rest, guild_id=LOCAL_SERVER))
        if command.startswith("/"):
            return info_answer("Unknown command", f"{command} is not a command; try /help.")
        if not self.service.free_text(LOCAL_SERVER).allows(LOCAL_CHANNEL):
            return None  # /glossary free-text off
        return self._remember(self.service.ask(text, mode="chat", guild_id=LOCAL_SERVER).answer)

    def open_action(self, action: Action) -> Answer:
        if (opened := self.server.open_action(action)) is not None:
            return opened
        if action.kind == "faq":
            return self.service.faq_answer(action.target, guild_id=LOCAL_SERVER)
        if action.kind == "faqs":
            return self.service.faq_list(action.target, guild_id=LOCAL_SERVER)
        if action.kind == "search":
            return self.service.search(self.last_query, guild_id=LOCAL_SERVER, page=action.page)
        return self.service.term_answer(action.target, guild_id=LOCAL_SERVER, page=action.page)

    def _remember(self, answer: Answer | None) -> Answer | None:
        answer = self.server.own(answer) if answer is not None else None
        if answer is not None and answer.actions:
            self.last_actions = answer.actions
            self.last_query = answer.query or self.last_query
        return answer


def run_console(
    service: GlossaryService,
    *,
    lines: Iterable[str] | None = None,
    out: TextIO | None = None,
) -> None:
    """Read inputs until end of input; interactive terminals get line editing and history."""
    out = out or sys.stdout
    session = ConsoleSession(service)
    interactive = lines is None and sys.stdin.isatty()
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (importing it gives input() editing and history)
        out.write("Glossary bot console. /help for help, Ctrl-D to exit.\n")
    for line in _inputs(lines, interactive):
        answer = session.handle(line)
        if answer is not None:
            out.write(render_text(answer) + "\n")
        elif interactive and line.strip():
            out.write("(no answer: not a glossary question; use /define to ask directly)\n\n")
        out.flush()


def _inputs(lines: Iterable[str] | None, interactive: bool) -> Iterable[str]:
    if lines is not None:
        yield from lines
        return
    if not interactive:
        yield from sys.stdin
        return
    read: Callable[[str], str] = input
    while True:
        try:
            yield read(PROMPT)
        except EOFError:
            sys.stdout.write("\n")
            return
        except KeyboardInterrupt:
            sys.stdout.write("\n")
            continue
