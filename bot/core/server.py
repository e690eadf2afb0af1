"""A server's own glossary and settings, as its admins run them.

Both front ends (the Discord cogs under `/glossary` and the console) call these, so the checks,
the refusals and what is said afterwards are the same everywhere. Every write runs as one
transaction: a refusal raises `Refused` and nothing changes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.core import answers
from bot.core.answers import Action, Answer
from bot.core.contributions import (
    MAX_TERM_NAME,
    NOTHING_SAVED,
    Refused,
    definition_text,
    term_name,
)
from bot.core.export import dump_glossary
from bot.core.glossary import GlossaryError, parse_glossary
from bot.core.history_store import Actor
from bot.core.model import Glossary, LoadReport, MissedQuery, Related, Term, name_key
from bot.core.store import Store, StoreError

NOTHING_CHANGED = "Nothing was changed."
NEED_MANAGE_SERVER = (
    f"You need the Manage Server permission to run this server's glossary. {NOTHING_CHANGED}"
)
NEED_MANAGE_MESSAGES = (
    f"You need the Manage Messages permission to remove a member's definition. {NOTHING_CHANGED}"
)
PERMISSION_NAMES = {"manage_guild": "Manage Server", "manage_messages": "Manage Messages"}


def missing_permission_text(missing: list[str]) -> str:
    """Why a member was refused a command, naming the permission it takes."""
    if "manage_guild" in missing:
        return NEED_MANAGE_SERVER
    if "manage_messages" in missing:
        return NEED_MANAGE_MESSAGES
    names = ", ".join(PERMISSION_NAMES.get(m, m.replace("_", " ").title()) for m in missing)
    return f"You need the {names} permission for that. {NOTHING_CHANGED}"


TERM_NOT_HERE = f"That is not one of this server's own terms. {NOTHING_CHANGED}"
IMPORT_LIMIT = 5 * 1024 * 1024  # bytes: far more than any glossary file so far
FREE_TEXT = "free_text"
FREE_TEXT_CHANNELS = "free_text_channels"
REPORT_LIMIT = 20  # questions on one report, each with its button (Discord allows 25)
MAX_SUMMARY = 300
MAX_TERM_DEFINITION = 4000  # what one box of a Discord modal holds
MAX_NAMES = 25  # aliases or related terms typed in one box


@dataclass(slots=True)
class TermForm:
    """What an admin types for a term: the modal's boxes, or the console's prompts."""

    name: str = ""
    definition: str = ""
    summary: str = ""
    aliases: str = ""  # comma-separated
    related: str = ""  # comma-separated

    @classmethod
    def of(cls, term: Term) -> TermForm:
        return cls(
            name=term.name,
            definition=term.definition,
            summary=term.summary or "",
            aliases=", ".join(term.aliases),
            related=", ".join(r.term for r in term.related),
        )


def _names(text: str, what: str) -> list[str]:
    names = [" ".join(n.split()) for n in text.replace("\n", ",").split(",")]
    names = [n for n in names if n]
    if len(names) > MAX_NAMES:
        raise Refused(f"At most {MAX_NAMES} {what}, please. {NOTHING_SAVED}")
    for name in names:
        term_name(name)
    return list(dict.fromkeys(names))


def term_of(form: TermForm, *, keep: Term | None = None) -> Term:
    """The term the form describes (keeping what the form does not show: FAQs, tags, ...)."""
    summary = " ".join(form.summary.split()) or None
    if summary and len(summary) > MAX_SUMMARY:
        raise Refused(f"A summary can be at most {MAX_SUMMARY} characters. {NOTHING_SAVED}")
    old_notes = {name_key(r.term): r.note for r in keep.related} if keep else {}
    term = Term(
        name=term_name(form.name),
        definition=definition_text(form.definition, limit=MAX_TERM_DEFINITION),
        summary=summary,
        aliases=_names(form.aliases, "aliases"),
        related=[
            Related(name, old_notes.get(name_key(name))) for name in _names(form.related, "terms")
        ],
    )
    if keep is not None:
        term.context, term.purpose, term.example = keep.context, keep.purpose, keep.example
        term.faqs, term.tags, term.source = keep.faqs, keep.tags, keep.source
    return term


def _check_names(store: Store, guild_id: int, term: Term, *, term_id: int | None) -> None:
    """A server's names are unique as in a glossary file: no two terms or aliases alike."""
    taken = {k: v for k, v in store.server_names(guild_id).items() if v[0] != term_id}
    seen: set[str] = set()
    for name in [term.name, *term.aliases]:
        key = name_key(name)
        if key in seen:
            raise Refused(f"“{name}” is given twice. {NOTHING_SAVED}")
        seen.add(key)
        if key in taken:
            owner = taken[key][1]
            where = "a term" if name_key(owner) == key else f"an alias of “{owner}”"
            raise Refused(f"“{name}” is already {where} in this server's glossary. {NOTHING_SAVED}")


def server_term(store: Store, guild_id: int, term_id: int) -> Term:
    record = store.term(term_id)
    if record is None or record.removed or record.guild_id != guild_id:
        raise Refused(TERM_NOT_HERE)
    term = store.glossary_term(term_id)
    assert term is not None
    if not term.definition:  # a member's term: their definition is the one to start from
        first = store.definitions(term_id, guild_id=guild_id)
        term.definition = first[0].text if first else ""
    return term


_QUESTION_FRAME = re.compile(
    r"^(?:what(?:'?s| is| are| does)|define|meaning of|who is)\s+(?:an?\s+|the\s+)?",
    re.IGNORECASE,
)


def term_name_from(query: str) -> str:
    """A question that found nothing, as the name of the term that would answer it."""
    name = _QUESTION_FRAME.sub("", " ".join(query.split())).rstrip("?!. ")
    return name[:MAX_TERM_NAME].strip() or query[:MAX_TERM_NAME]


def find_server_term(store: Store, guild_id: int, name: str) -> int | None:
    """One of the server's own terms by its name or alias (case-insensitive)."""
    found = store.server_names(guild_id).get(name_key(name))
    return found[0] if found else None


def add_term(store: Store, guild_id: int, form: TermForm, by: Actor | None = None) -> int:
    term = term_of(form)
    _check_names(store, guild_id, term, term_id=None)
    return store.save_server_term(guild_id, term, by=by)


def edit_term(
    store: Store, guild_id: int, term_id: int, form: TermForm, by: Actor | None = None
) -> int:
    term = term_of(form, keep=server_term(store, guild_id, term_id))
    _check_names(store, guild_id, term, term_id=term_id)
    try:
        return store.save_server_term(guild_id, term, term_id=term_id, by=by)
    except StoreError as exc:
        raise Refused(f"{exc}. {NOTHING_SAVED}") from exc


def remove_term(store: Store, guild_id: int, term_id: int, by: Actor | None = None) -> str:
    name = server_term(store, guild_id, term_id).name
    store.remove_server_term(guild_id, term_id, by=by)
    return name


def term_saved_answer(name: str, *, added: bool) -> Answer:
    verb = "added to" if added else "changed in"
    return answers.info_answer(
        "Term saved", f"“{name}” is {verb} this server's glossary; /define {name} shows it."
    )


def term_removed_answer(name: str) -> Answer:
    return answers.info_answer(
        "Term removed",
        f"“{name}” is no longer in this server's glossary. Members' definitions of it are"
        " hidden with it and come back if the term does.",
    )


# -- import and export ----------------------------------------------------------------------


@dataclass(slots=True)
class ImportPlan:
    """A checked file and what applying it would change."""

    glossary: Glossary
    report: LoadReport

    @property
    def removes_terms(self) -> bool:
        return bool(self.report.removed_terms)


def read_import(data: bytes, *, filename: str) -> Glossary:
    """The file checked as `glossary-bot check` checks it; GlossaryError lists every problem."""
    if len(data) > IMPORT_LIMIT:
        raise Refused(
            f"{filename} is {len(data) // 1024} KiB; a glossary file can be at most"
            f" {IMPORT_LIMIT // 1024 // 1024} MiB. {NOTHING_CHANGED}"
        )
    return parse_glossary(data, filename=filename)


def problems_text(error: GlossaryError) -> str:
    """Every problem as `FILE:LINE:COL: message`, then the count, as `glossary-bot check`."""
    return f"{error}\n{len(error.problems)} problem(s) found; nothing was imported."


def plan_import(store: Store, guild_id: int, glossary: Glossary) -> ImportPlan:
    """What importing the file would change, without changing anything."""
    report = store.rehearse(lambda s: s.load_glossary(glossary, guild_id=guild_id))
    return ImportPlan(glossary, report)


def apply_import(
    store: Store, guild_id: int, glossary: Glossary, by: Actor | None = None
) -> LoadReport:
    return store.load_glossary(glossary, guild_id=guild_id, by=by)


def import_summary(report: LoadReport) -> str:
    lines = [
        f"{kind.capitalize()}: {report.added[kind]} added, {report.changed[kind]} changed,"
        f" {report.removed[kind]} removed."
        for kind in ("terms", "aliases", "faqs")
    ]
    if report.removed_terms:
        shown = ", ".join(report.removed_terms[:15])
        more = len(report.removed_terms) - 15
        lines.append(f"Removed terms: {shown}{f' and {more} more' if more > 0 else ''}.")
    return "\n".join(lines)


def import_plan_answer(plan: ImportPlan) -> Answer:
    return answers.info_answer(
        "Import: please confirm",
        f"Importing “{plan.glossary.name}” would change this server's glossary:\n"
        f"{import_summary(plan.report)}\nMembers' definitions of removed terms are hidden with"
        " them. Nothing changes until you confirm.",
    )


def import_done_answer(report: LoadReport) -> Answer:
    body = import_summary(report) if report.changed_anything() else "Nothing changed."
    return answers.info_answer(f"Imported “{report.glossary}”", body)


def export_file(store: Store, guild_id: int) -> tuple[str, str]:
    """The server's glossary as a file: (file name, YAML text that imports back unchanged)."""
    glossary = store.export_glossary(guild_id=guild_id)
    stem = re.sub(r"[^a-z0-9]+", "-", glossary.name.casefold()).strip("-")
    return f"{stem or 'glossary'}.yaml", dump_glossary(glossary)


# -- free text --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FreeText:
    """Where the bot answers questions asked in channels."""

    enabled: bool = True
    channels: tuple[int, ...] = ()  # when set: only there (and in threads under them)

    def allows(self, channel_id: int | None, parent_id: int | None = None) -> bool:
        if not self.enabled:
            return False
        return not self.channels or channel_id in self.channels or parent_id in self.channels


@dataclass(slots=True)
class ChannelList:
    ids: list[int] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def parse_channels(text: str, channels: dict[int, str]) -> list[int]:
    """Channels named in free text: mentions (<#id>), ids or names, separated by spaces or
    commas; Refused naming the ones that are not channels of this server."""
    found = ChannelList()
    by_name = {name.casefold(): cid for cid, name in channels.items()}
    for word in re.split(r"[\s,]+", text.strip()):
        if not word:
            continue
        mention = re.fullmatch(r"<#(\d+)>", word)
        digits = mention.group(1) if mention else word if word.isdigit() else None
        if digits is not None and int(digits) in channels:
            found.ids.append(int(digits))
        elif digits is None and word.lstrip("#").casefold() in by_name:
            found.ids.append(by_name[word.lstrip("#").casefold()])
        else:
            found.unknown.append(word)
    if found.unknown:
        raise Refused(
            f"Not a channel of this server: {', '.join(found.unknown)}. {NOTHING_CHANGED}"
        )
    if not found.ids:
        raise Refused(f"Name at least one channel, like #general. {NOTHING_CHANGED}")
    return list(dict.fromkeys(found.ids))


def free_text(store: Store, guild_id: int) -> FreeText:
    if store.guild_setting(guild_id, FREE_TEXT) == "off":
        return FreeText(enabled=False)
    channels = json.loads(store.guild_setting(guild_id, FREE_TEXT_CHANNELS) or "[]")
    return FreeText(channels=tuple(int(c) for c in channels))


def set_free_text(store: Store, guild_id: int, setting: FreeText) -> None:
    store.set_guild_setting(guild_id, FREE_TEXT, "on" if setting.enabled else "off")
    store.set_guild_setting(
        guild_id,
        FREE_TEXT_CHANNELS,
        json.dumps(list(setting.channels)) if setting.channels else None,
    )


def free_text_answer(setting: FreeText, channel_names: dict[int, str]) -> Answer:
    if not setting.enabled:
        state = "off: I answer only /define, /faq and @mentions"
    elif setting.channels:
        names = ", ".join(f"#{channel_names.get(c, c)}" for c in setting.channels)
        state = f"on in {names} only (and in threads under them)"
    else:
        state = "on: I answer glossary questions asked in channels"
    return answers.info_answer("Free-text answers", f"Free text is {state}.")


# -- what nobody found ------------------------------------------------------------------------


def report_answer(rows: list[MissedQuery], *, waiting: str | None = None) -> Answer:
    """The questions that found nothing, most asked first; each a button to add its term.
    `waiting`: what waits in the review queue, said first (nothing waits forever unseen)."""
    head = f"{waiting}\n\n" if waiting else ""
    if not rows:
        return answers.info_answer(
            "Unanswered questions", head + "Nothing missed yet: every question found an answer."
        )
    lines = [f"{row.count}× {row.query} (last asked {_when(row.last_asked)})" for row in rows]
    return Answer(
        kind="info",
        title="Unanswered questions",
        body=head + "Most asked first; a button adds a term for it.\n" + "\n".join(lines),
        actions=[Action("add-term", f"Add “{row.query}”", row.id) for row in rows],
        private=True,
    )


def _when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso
