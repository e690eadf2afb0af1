"""A definition's history as members see it: its versions, paged, and reverting to one.

Who may revert: a member's definition, its author or an admin of its server; a server's own
term, that server's admins; a definition from a glossary file shared by every server, nobody
here (its file is where it changes). Front ends say whether the member is an admin (Manage
Server, checked by Discord on every use); the rules are here, so both front ends refuse alike.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from bot.core import answers, history_store
from bot.core.answers import Action, Answer, Section
from bot.core.contributions import DEFINITION_GONE, Refused
from bot.core.history_store import Actor, Version
from bot.core.model import DefinitionRecord, TermRecord

if TYPE_CHECKING:
    from bot.core.store import Store

T = TypeVar("T")
HISTORY_PAGE = 5  # versions on one page (each may have its Revert button: one row of five)
SHOWN_TEXT = 700  # characters of a version's text on the page
FROM_A_FILE = (
    "This definition comes from a glossary file that every server shares: it changes when"
    " the file is changed and loaded again."
)
NOT_ALLOWED = (
    "Only the definition's author or a server admin (Manage Server) can revert it."
    " Nothing was changed."
)
ADMINS_ONLY = "Only a server admin (Manage Server) can revert this term. Nothing was changed."
NO_SUCH_VERSION = "That version is no longer in this definition's history. Nothing was changed."
SAME_TEXT = "The definition already reads as that version. Nothing was changed."
_WHAT = {
    "created": "written",
    "edited": "edited",
    "loaded": "loaded from its glossary file",
    "removed": "removed",
    "restored": "back in its glossary",
    "reverted": "reverted",
}


def shown_definition(
    store: Store, definition_id: int, *, guild_id: int | None
) -> tuple[DefinitionRecord, TermRecord]:
    """A live definition this server sees, with its term; Refused otherwise."""
    definition = store.definition(definition_id, guild_id=guild_id)
    term = store.term(definition.term_id) if definition else None
    if (
        definition is None
        or term is None
        or definition.removed
        or term.removed
        or definition.guild_id not in (None, guild_id)
        or term.guild_id not in (None, guild_id)
    ):
        raise Refused(DEFINITION_GONE)
    return definition, term


def revert_refusal(
    definition: DefinitionRecord, term: TermRecord, *, user_id: int, admin: bool
) -> str | None:
    """Why this member may not revert this definition (None: they may)."""
    if definition.origin == "member":
        return None if admin or definition.author_id == user_id else NOT_ALLOWED
    if term.guild_id is None:
        return FROM_A_FILE
    return None if admin else ADMINS_ONLY


def history_answer(
    term: TermRecord,
    definition: DefinitionRecord,
    versions: list[Version],
    *,
    page: int = 0,
    can_revert: bool = False,
    note: str | None = None,
) -> Answer:
    """One page of a definition's versions, newest first; Revert buttons for the member who
    may use them, on every version whose text is not the current one."""
    newest_first = list(reversed(versions))
    pages = max(1, -(-len(newest_first) // HISTORY_PAGE))
    page = max(0, min(page, pages - 1))
    numbers = {v.id: v.number for v in versions if v.id is not None}
    current = versions[-1] if versions else None
    sections, actions = [], answers.page_actions("history", definition.id, page, pages)
    for shown in newest_first[page * HISTORY_PAGE : (page + 1) * HISTORY_PAGE]:
        what = _WHAT.get(shown.change, shown.change)
        if shown.change == "reverted" and shown.reverted_to in numbers:
            what += f" to v{numbers[shown.reverted_to]}"
        mark = " (current)" if shown is current else ""
        who = _who(shown)
        by = f" by {who}" if who else ""
        name = f"v{shown.number}{mark} · {what}{by} · {_when(shown.changed_at)}"
        text = answers.clip(shown.text, SHOWN_TEXT)
        if shown.source_name:
            text += f"\nSource: {shown.source_name}" + (
                f" ({shown.source_url})" if shown.source_url else ""
            )
        sections.append(Section(name, text))
        if (
            can_revert
            and current is not None
            and shown.id is not None
            and (shown.text, shown.source_name, shown.source_url)
            != (current.text, current.source_name, current.source_url)
        ):
            actions.append(
                Action("revert", f"Revert to v{shown.number}", definition.id, 0, str(shown.id))
            )
    whose = (
        f"{definition.author_name or 'a member'}'s definition"
        if definition.origin == "member"
        else "the glossary's definition"
    )
    body = f"Every version of {whose} of “{term.name}”, newest first."
    if note:
        body = f"{note}\n\n{body}"
    return Answer(
        kind="info",
        title=f"History: {term.name}",
        body=body,
        sections=sections,
        footer=f"page {page + 1} of {pages} · {len(versions)} versions",
        actions=actions,
        private=True,
        page=page,
        pages=pages,
    )


def _who(version: Version) -> str | None:
    """Who made a version; None for a glossary file's load (its change says so)."""
    if version.changed_by_name:
        return version.changed_by_name
    return "a member" if version.changed_by is not None else None


def _when(at: str) -> str:
    return at[:16].replace("T", " ") + " UTC" if at else "?"


def show(
    store: Store,
    definition_id: int,
    *,
    guild_id: int | None,
    user_id: int,
    admin: bool,
    page: int = 0,
    note: str | None = None,
) -> Answer:
    """The history page a member sees (with Revert buttons if they may revert)."""
    definition, term = shown_definition(store, definition_id, guild_id=guild_id)
    can_revert = revert_refusal(definition, term, user_id=user_id, admin=admin) is None
    return history_answer(
        term,
        definition,
        history_store.versions(store, definition_id),
        page=page,
        can_revert=can_revert,
        note=note,
    )


def revert(
    store: Store,
    definition_id: int,
    version_id: int,
    *,
    guild_id: int | None,
    actor: Actor,
    admin: bool,
) -> Answer:
    """Bring a former version back (a change of its own in the history); the history page
    after it. Refused, with nothing changed, when the member may not or nothing would change."""
    assert actor.user_id is not None
    definition, term = shown_definition(store, definition_id, guild_id=guild_id)
    refusal = revert_refusal(definition, term, user_id=actor.user_id, admin=admin)
    if refusal:
        raise Refused(refusal)
    to = history_store.version(store, definition_id, version_id)
    if to is None:
        raise Refused(NO_SUCH_VERSION)
    now = history_store.versions(store, definition_id)[-1]
    if (to.text, to.source_name, to.source_url) == (now.text, now.source_name, now.source_url):
        raise Refused(SAME_TEXT)
    store.revert_definition(definition_id, to, actor)
    return show(
        store,
        definition_id,
        guild_id=guild_id,
        user_id=actor.user_id,
        admin=admin,
        note=f"Reverted to v{to.number}: /define {term.name} shows it now, with its votes.",
    )


class HistoryOperations:
    """The service's named operations for histories (mixed into GlossaryService)."""

    store: Store
    if TYPE_CHECKING:

        def _write(
            self, work: Callable[[Store], T], *, long: bool = False
        ) -> asyncio.Future[T]: ...

    def definition_history(
        self,
        definition_id: int,
        *,
        guild_id: int | None,
        user_id: int,
        admin: bool,
        page: int = 0,
    ) -> Answer:
        """A page of a definition's versions as this member sees it; Refused if gone."""
        return show(
            self.store, definition_id, guild_id=guild_id, user_id=user_id, admin=admin, page=page
        )

    def revert_definition(
        self,
        definition_id: int,
        version_id: int,
        *,
        guild_id: int | None,
        user_id: int,
        user_name: str | None,
        admin: bool,
    ) -> asyncio.Future[Answer]:
        """Revert a definition to a former version (its author or an admin): the history
        page after it, or Refused."""
        return self._write(
            functools.partial(
                revert,
                definition_id=definition_id,
                version_id=version_id,
                guild_id=guild_id,
                actor=Actor(user_id, user_name),
                admin=admin,
            )
        )
