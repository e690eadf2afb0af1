"""/contribute and /glossary in the console: the person at the terminal is a member and an
admin of a local server, and gets the checks and messages a Discord server gets (they are the
core's: bot/core/contributions.py and bot/core/server.py).

Discord's modals become prompts, one box per line: an empty line keeps what the box holds
(shown in brackets), `/cancel` stops. A confirmation is a yes/no prompt.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bot.core import contributions, review, server
from bot.core.answers import Action, Answer, for_viewer, info_answer
from bot.core.contributions import Contribution, Refused, Saved
from bot.core.glossary import GlossaryError
from bot.core.history_store import Actor
from bot.core.server import FreeText, TermForm
from bot.core.service import GlossaryService

T = TypeVar("T")
LOCAL_SERVER = 0  # the console's server (no Discord server has id 0)
LOCAL_USER = 0
LOCAL_CHANNEL = 0
LOCAL_CHANNELS = {LOCAL_CHANNEL: "console"}
GLOSSARY_HELP = """\
/contribute TERM                 add (or edit) your definition of a term, or create the term
/glossary add TERM               add a term to this server's own glossary
/glossary edit TERM              change one of its terms
/glossary remove TERM            remove one of its terms
/glossary import FILE            make a glossary file this server's glossary
/glossary export [FILE]          this server's glossary as YAML (printed, or written to FILE)
/glossary remove-definition ID   remove a member's definition (ID from its answer's options)
/glossary free-text on|off [CHANNEL ...]
/glossary report                 questions asked here that found nothing
/glossary review [on|off] [KARMA] the review queue; on|off switches it, KARMA: who skips it"""


@dataclass(slots=True)
class Box:
    key: str
    label: str
    value: str = ""
    required: bool = False


@dataclass(slots=True)
class Form:
    """A modal as prompts: each line fills the next box; then `submit` gets the values."""

    title: str
    boxes: list[Box]
    submit: Callable[[dict[str, str]], Answer]
    filled: dict[str, str] = field(default_factory=dict)

    @property
    def current(self) -> Box:
        return self.boxes[len(self.filled)]

    def prompt(self) -> Answer:
        box = self.current
        shown = f" [{box.value}]" if box.value else ""
        need = "" if box.required or box.value else " (optional: an empty line skips it)"
        return info_answer(self.title, f"{box.label}{need}{shown}:")


class ServerCommands:
    """The console's /contribute and /glossary, and the options their answers offer."""

    def __init__(self, service: GlossaryService):
        self.service = service
        self.form: Form | None = None
        self.author = getpass.getuser() or "you"

    # -- prompts ----------------------------------------------------------------------------

    def answer_line(self, line: str) -> Answer:
        """A line typed while a form is open."""
        form = self.form
        assert form is not None
        text = line.rstrip("\r\n")
        if text.strip().lower() == "/cancel":
            self.form = None
            return info_answer("Cancelled", "Nothing was saved.")
        form.filled[form.current.key] = text if text.strip() else form.current.value
        if len(form.filled) < len(form.boxes):
            return form.prompt()
        self.form = None
        return form.submit(form.filled)

    def _open(self, form: Form) -> Answer:
        self.form = form
        return form.prompt()

    def _wait(self, make: Callable[[], Awaitable[T]]) -> T:
        """The service's writes are awaitables (for the bot); the console waits for each."""

        async def run() -> T:
            return await make()

        return asyncio.run(run())

    # -- /contribute ------------------------------------------------------------------------

    def contribute(self, text: str) -> Answer:
        if not text:
            return info_answer("Usage", "/contribute TERM, for example: /contribute churn")
        decision = self.service.decide(text, guild_id=LOCAL_SERVER, kinds=("term",))
        if decision.decision == "answer" and decision.best:
            return self.definition_form(decision.best.target)
        choices = [(c.target, c.label) for c in decision.candidates if c.kind == "term"]
        return contributions.unknown_term_answer(text, choices)

    def definition_form(self, term_id: int) -> Answer:
        term = self.service.term(term_id)
        if term is None or term.removed or term.guild_id not in (None, LOCAL_SERVER):
            return info_answer("Not saved", contributions.TERM_GONE)
        mine = self.service.author_definition(term_id, guild_id=LOCAL_SERVER, author_id=LOCAL_USER)
        source = mine.source if mine else None

        def submit(values: dict[str, str]) -> Answer:
            return self._saved(lambda: self.service.contribute(term_id, self._sent(values)))

        verb = "Edit your definition of" if mine else "Define"
        return self._open(
            Form(
                f"{verb} {term.name}",
                [
                    Box("text", "Definition", mine.text if mine else "", required=True),
                    Box(
                        "source_name",
                        "Source",
                        source.name if source and source.name != "link" else "",
                    ),
                    Box("source_url", "Source link", (source.url if source else None) or ""),
                ],
                submit,
            )
        )

    def new_term_form(self, name: str) -> Answer:
        def submit(values: dict[str, str]) -> Answer:
            sent = self._sent(values)
            return self._saved(lambda: self.service.create_member_term(values["name"], sent))

        return self._open(
            Form(
                f"New term: {name}",
                [
                    Box("name", "Term", name, required=True),
                    Box("text", "Definition", required=True),
                    Box("source_name", "Source"),
                    Box("source_url", "Source link"),
                ],
                submit,
            )
        )

    def _sent(self, values: dict[str, str]) -> Contribution:
        return Contribution(
            LOCAL_SERVER,
            LOCAL_USER,
            self.author,
            values["text"],
            values["source_name"],
            values["source_url"],
        )

    def _saved(self, make: Callable[[], Awaitable[Saved]]) -> Answer:
        try:
            saved = self._wait(make)
        except Refused as refused:
            return info_answer("Not saved", str(refused))
        if saved.waiting is not None:
            return self.service.waiting_answer(saved, guild_id=LOCAL_SERVER)
        answer = self.service.term_answer(saved.term_id, guild_id=LOCAL_SERVER, page=saved.page)
        return self.own(answer)

    def own(self, answer: Answer) -> Answer:
        """Answers as the person at the terminal sees them: their definitions with edit and
        delete among the options."""
        return for_viewer(answer, LOCAL_USER)

    def delete(self, definition_id: int, *, moderator: bool = False) -> Answer:
        try:
            gone = self._wait(
                lambda: self.service.delete_definition(
                    definition_id, guild_id=LOCAL_SERVER, user_id=LOCAL_USER, moderator=moderator
                )
            )
        except Refused as refused:
            return info_answer("Not found", str(refused))
        if moderator:
            return info_answer("Removed", contributions.definition_removed(definition_id))
        term = self.service.term(gone.term_id)
        return info_answer("Deleted", contributions.DELETED.format(term=term.name if term else "?"))

    def edit(self, definition_id: int) -> Answer:
        try:
            mine = self.service.own_definition(
                definition_id, guild_id=LOCAL_SERVER, user_id=LOCAL_USER
            )
        except Refused as refused:
            return info_answer("Not saved", str(refused))
        return self.definition_form(mine.term_id)

    # -- /glossary --------------------------------------------------------------------------

    def glossary(self, text: str) -> Answer:
        sub, _, rest = text.partition(" ")
        rest = rest.strip()
        handlers: dict[str, Callable[[str], Answer]] = {
            "add": self.add,
            "edit": self.edit_term,
            "remove": self.remove_term,
            "import": self.import_file,
            "export": self.export_file,
            "remove-definition": self.remove_definition,
            "free-text": self.free_text,
            "report": lambda _: server.report_answer(
                self.service.missed_report(LOCAL_SERVER),
                waiting=self.service.review_report_line(LOCAL_SERVER),
            ),
            "review": self.review,
        }
        handler = handlers.get(sub.lower())
        if handler is None:
            return info_answer("/glossary", GLOSSARY_HELP)
        return handler(rest)

    def term_form(self, form: TermForm, term_id: int | None = None) -> Answer:
        def submit(values: dict[str, str]) -> Answer:
            typed = TermForm(**values)
            try:
                if term_id is None:
                    self._wait(lambda: self.service.add_server_term(LOCAL_SERVER, typed))
                else:
                    self._wait(lambda: self.service.edit_server_term(LOCAL_SERVER, term_id, typed))
            except Refused as refused:
                return info_answer("Not saved", str(refused))
            name = " ".join(typed.name.split())
            return server.term_saved_answer(name, added=term_id is None)

        return self._open(
            Form(
                f"Edit {form.name}" if term_id else "Add a term",
                [
                    Box("name", "Term", form.name, required=True),
                    Box("definition", "Definition", form.definition, required=True),
                    Box("summary", "Summary", form.summary),
                    Box("aliases", "Other names, comma-separated", form.aliases),
                    Box("related", "Related terms, comma-separated", form.related),
                ],
                submit,
            )
        )

    def add(self, name: str) -> Answer:
        if not name:
            return info_answer("Usage", "/glossary add TERM")
        return self.term_form(TermForm(name=name))

    def _server_term(self, name: str) -> int:
        term_id = self.service.find_server_term(LOCAL_SERVER, name) if name else None
        if term_id is None:
            raise Refused(server.TERM_NOT_HERE)
        return term_id

    def edit_term(self, name: str) -> Answer:
        try:
            term_id = self._server_term(name)
            return self.term_form(self.service.server_term_form(LOCAL_SERVER, term_id), term_id)
        except Refused as refused:
            return info_answer("Not saved", str(refused))

    def remove_term(self, name: str) -> Answer:
        try:
            term_id = self._server_term(name)
            removed = self._wait(lambda: self.service.remove_server_term(LOCAL_SERVER, term_id))
        except Refused as refused:
            return info_answer("Not changed", str(refused))
        return server.term_removed_answer(removed)

    def import_file(self, path: str) -> Answer:
        if not path:
            return info_answer("Usage", "/glossary import FILE")
        try:
            data = Path(path).read_bytes()
            glossary = server.read_import(data, filename=path)
            plan = self._wait(lambda: self.service.plan_import(LOCAL_SERVER, glossary))
        except OSError as exc:
            return info_answer("Not imported", f"cannot read {path}: {exc.strerror}")
        except GlossaryError as error:
            return info_answer("Not imported", server.problems_text(error))
        except Refused as refused:
            return info_answer("Not imported", str(refused))

        def apply(values: dict[str, str] | None = None) -> Answer:
            if values is not None and values["confirm"].strip().lower() not in ("y", "yes"):
                return info_answer("Import cancelled", server.NOTHING_CHANGED)
            report = self._wait(lambda: self.service.apply_import(LOCAL_SERVER, plan.glossary))
            return server.import_done_answer(report)

        if not plan.removes_terms:
            return apply()
        asked = server.import_plan_answer(plan)
        form = Form(asked.title, [Box("confirm", "Import and remove those terms? yes/no")], apply)
        self.form = form
        return info_answer(asked.title, f"{asked.body}\n\n{form.prompt().body}")

    def export_file(self, path: str) -> Answer:
        filename, text = self._wait(lambda: self.service.export_server_glossary(LOCAL_SERVER))
        if not path:
            return info_answer(filename, text)
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            return info_answer("Not exported", f"cannot write {path}: {exc.strerror}")
        return info_answer("Exported", f"This server's glossary is in {path}.")

    def remove_definition(self, number: str) -> Answer:
        if not number.isdigit():
            return info_answer("Usage", "/glossary remove-definition ID")
        return self.delete(int(number), moderator=True)

    def free_text(self, text: str) -> Answer:
        state, _, channels = text.partition(" ")
        if state.lower() not in ("on", "off"):
            return info_answer("Usage", "/glossary free-text on|off [CHANNEL ...]")
        enabled = state.lower() == "on"
        try:
            only = server.parse_channels(channels, LOCAL_CHANNELS) if enabled and channels else []
        except Refused as refused:
            return info_answer("Not changed", str(refused))
        setting = FreeText(enabled=enabled, channels=tuple(only))
        self._wait(lambda: self.service.set_free_text(LOCAL_SERVER, setting))
        return server.free_text_answer(setting, LOCAL_CHANNELS)

    def review(self, text: str) -> Answer:
        """/glossary review [on|off] [KARMA]: switch the queue and list what waits."""
        words = text.lower().split()
        state = words.pop(0) if words and words[0] in ("on", "off") else None
        skip = words.pop(0) if words and words[0].lstrip("-").isdigit() else None
        if words:
            return info_answer("Usage", "/glossary review [on|off] [KARMA]")
        note = None
        if state is not None or skip is not None:
            on = None if state is None else state == "on"
            # Past the allowed range is refused (with it) by the service; any longer number
            # is, too, without asking int() for thousands of digits.
            skip_karma = None if skip is None else int(skip[:12])
            try:
                note = self._wait(
                    lambda: self.service.set_review(LOCAL_SERVER, on=on, skip_karma=skip_karma)
                )
            except Refused as refused:
                return info_answer("Not changed", str(refused))
        return self.service.review_queue(LOCAL_SERVER, note=note)

    def decide(self, review_id: int, *, reject: bool) -> Answer:
        """Approve, or reject (asking for a reason first), a waiting definition."""
        reviewer = Actor(LOCAL_USER, self.author)

        def done(decide: Callable[[], Awaitable[review.Decided]]) -> Answer:
            try:
                decided = self._wait(decide)
            except Refused as refused:
                return info_answer("Not changed", str(refused))
            return self.service.review_queue(LOCAL_SERVER, note=decided.note(told=None))

        if not reject:
            return done(
                lambda: self.service.approve_review(
                    review_id, guild_id=LOCAL_SERVER, reviewer=reviewer
                )
            )

        def submit(values: dict[str, str]) -> Answer:
            return done(
                lambda: self.service.reject_review(
                    review_id, guild_id=LOCAL_SERVER, reviewer=reviewer, reason=values["reason"]
                )
            )

        return self._open(
            Form(f"Reject #{review_id}", [Box("reason", "Reason, sent to its author")], submit)
        )

    # -- options of answers -----------------------------------------------------------------

    def open_action(self, action: Action) -> Answer | None:
        """The options only these commands offer; None for the console's own."""
        if action.kind == "contribute":
            return self.definition_form(action.target)
        if action.kind == "new-term":
            return self.new_term_form(action.text or "")
        if action.kind == "edit":
            return self.edit(action.target)
        if action.kind == "delete":
            return self.delete(action.target)
        if action.kind in ("approve", "reject"):
            return self.decide(action.target, reject=action.kind == "reject")
        if action.kind == "reviews":
            return self.service.review_queue(LOCAL_SERVER, page=action.page)
        if action.kind == "add-term":
            query = self.service.missed_query(action.target, guild_id=LOCAL_SERVER)
            return self.term_form(TermForm(name=server.term_name_from(query or "")))
        return None
