"""The bot in a terminal: the same inputs as a Discord channel, the same answers as text."""

from __future__ import annotations

import contextlib
import sys
import textwrap
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.console_server import LOCAL_CHANNEL, LOCAL_SERVER, LOCAL_USER, ServerCommands
from bot.core.answers import Action, Answer, info_answer
from bot.core.contributions import Refused
from bot.core.service import GlossaryService

PROMPT = "glossary> "
HELP = """\
Ask like you would in a channel:
  /define TERM       the definition of a term (typos forgiven; suggestions when unsure)
  /faq QUESTION      the best-matching frequently asked question
  /search WORDS      the terms and FAQs whose texts hold these words
  /help              this help
  /contribute TERM   add or edit your definition of a term (or create the term)
  /history TERM      every version of the term's definition shown, to revert to one
  /glossary ...      run this (local) server's own glossary; /glossary alone lists how
  a number           open that option of the last answer (related term, next page, FAQ)
  anything else      free text, answered only when it is a glossary question
Ctrl-D exits."""


def readable(text: str | bytes) -> str:
    """Typed input as text that can be printed and stored: what is not UTF-8 (bytes, or the
    lone surrogates Python makes of them in arguments) becomes U+FFFD."""
    if isinstance(text, bytes):
        return text.decode("utf-8", "replace")
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def render_text(answer: Answer, *, width: int = 88, numbered: bool = True) -> str:
    """An answer as plain text: everything it holds, nothing cut.

    numbered=False: the options are listed without the numbers that open them, for a front
    end where no number can be typed next (one-shot `ask`).
    """
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
        lines += [
            f"  {f'[{i}]' if numbered else '-'} {_action_text(a)}"
            for i, a in enumerate(answer.actions, 1)
        ]
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


def _action_text(action: Action) -> str:
    if action.kind == "term":
        return f"see {action.label}"
    return action.label


def _wrap(text: str, width: int) -> str:
    # Keep the author's paragraphs and lists; wrap only over-long lines of prose. Code (a
    # fenced block, or a line indented four spaces) is never wrapped: a wrapped `# comment`
    # would read as code of its own. Nor is a URL broken: it would no longer open.
    out = []
    in_fence = False
    for line in text.splitlines() or [""]:
        fence = line.lstrip().startswith(("```", "~~~"))
        if fence:
            in_fence = not in_fence
        if fence or in_fence or len(line) <= width or line.startswith(("    ", "\t")):
            out.append(line)
            continue
        out.append(
            textwrap.fill(
                line,
                width,
                subsequent_indent="  " if line[:2] in ("- ", "* ") else "",
                break_long_words=False,
                break_on_hyphens=False,
            )
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
        line = readable(line)
        if self.server.form is not None:  # a prompt of /contribute or /glossary is open
            return self._remember(self.server.answer_line(line))
        text = line.strip()
        if not text:
            return None
        # Another process may have loaded a glossary since the last input (as the bot does).
        self.service.follow_other_writers_now()
        if text.isascii() and text.isdigit():  # not "²", which int() refuses
            if not self.last_actions:
                return info_answer("No options", "The last answer has no numbered options to open.")
            # No int() of thousands of digits, which Python refuses (and which is no option).
            index = int(text) - 1 if len(text) <= 6 else -1
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
        if command == "/history":
            return self._remember(self._history(rest))
        if command == "/search":
            if not rest.strip():
                return info_answer("Usage", "/search WORDS, for example: /search retention rate")
            return self._remember(self.service.search(rest, guild_id=LOCAL_SERVER))
        if command.startswith("/"):
            return info_answer("Unknown command", f"{command} is not a command; try /help.")
        if not self.service.free_text(LOCAL_SERVER).allows(LOCAL_CHANNEL):
            return None  # /glossary free-text off
        return self._remember(self.service.ask(text, mode="chat", guild_id=LOCAL_SERVER).answer)

    def _history(self, text: str) -> Answer:
        """/history TERM: the versions of the definition /define TERM shows."""
        if not text.strip():
            return info_answer("Usage", "/history TERM, for example: /history churn")
        answer = self.service.ask(text, mode="define", guild_id=LOCAL_SERVER).answer
        if answer is None or answer.definition_id is None:
            return answer or info_answer("No match", "No such term.")
        return self._history_page(answer.definition_id, 0)

    def _history_page(self, definition_id: int, page: int) -> Answer:
        try:
            return self.service.definition_history(
                definition_id, guild_id=LOCAL_SERVER, user_id=LOCAL_USER, admin=True, page=page
            )
        except Refused as refused:
            return info_answer("Gone", str(refused))

    def _revert(self, definition_id: int, version: str | None) -> Answer:
        # The console's member is the local server's admin, as for /glossary.
        try:
            return self.server._wait(
                lambda: self.service.revert_definition(
                    definition_id,
                    int(version or 0),
                    guild_id=LOCAL_SERVER,
                    user_id=LOCAL_USER,
                    user_name="you",
                    admin=True,
                )
            )
        except Refused as refused:
            return info_answer("Not reverted", str(refused))

    def open_action(self, action: Action) -> Answer:
        if (opened := self.server.open_action(action)) is not None:
            return opened
        if action.kind == "history":
            return self._history_page(action.target, action.page)
        if action.kind == "revert":
            return self._revert(action.target, action.text)
        if action.kind == "faq":
            return self.service.faq_answer(action.target, guild_id=LOCAL_SERVER)
        if action.kind == "faqs":
            return self.service.faq_list(action.target, guild_id=LOCAL_SERVER)
        if action.kind == "search":
            return self.service.search(self.last_query, guild_id=LOCAL_SERVER, page=action.page)
        return self.service.term_answer(action.target, guild_id=LOCAL_SERVER, page=action.page)

    def _remember(self, answer: Answer | None) -> Answer | None:
        answer = self.server.own(answer) if answer is not None else None
        # Numbers open the options of the last glossary answer, and only those: an answer
        # without options leaves none. Silence (chat mode) shows nothing, so changes nothing;
        # nor do help and usage notes, which are not answers.
        if answer is not None:
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
        # Bytes, decoded line by line: one line that is not UTF-8 must not end the session.
        yield from (readable(line) for line in sys.stdin.buffer)
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
        except UnicodeDecodeError:
            sys.stdout.write("(that line was not UTF-8 text; nothing was asked)\n")
