"""Members' definitions: the checks every contribution passes, and the writes that follow.

Discord's modal limits (a minimum length, a maximum) are not enough: clients, scripts and
replayed requests can send anything, so the bot checks every contribution itself. The Discord
cogs and the console both go through here, so they refuse the same things with the same words.
Each operation runs as one transaction: a refusal raises `Refused` and nothing is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bot.core import review_store
from bot.core.answers import Action, Answer
from bot.core.history_store import Actor
from bot.core.model import DefinitionRecord, Source, TermRecord
from bot.core.store import Store
from bot.core.voting import award_badges

MIN_DEFINITION = 10
MAX_DEFINITION = 1500
MAX_SOURCE_NAME = 100
MAX_SOURCE_URL = 300
MAX_TERM_NAME = 80  # a new term's name rides in its button's custom id (100)
NOTHING_SAVED = "Nothing was saved."

EMPTY_TEXT = f"Your definition is empty. {NOTHING_SAVED}"
TERM_GONE = "That term is no longer in the glossary. " + NOTHING_SAVED
DEFINITION_GONE = "That definition is no longer here."
NOT_YOURS = "Only its author can change this definition."
DELETED = (
    "Your definition of “{term}” is deleted: it no longer shows, and its votes no longer count."
)
BAD_URL = (
    "The source link must be a plain http:// or https:// address, like"
    f" https://example.com/page. {NOTHING_SAVED}"
)
BAD_SOURCE_NAME = (
    f"The source must be a short name (at most {MAX_SOURCE_NAME} characters, on one line)"
    f" or a link. {NOTHING_SAVED}"
)
_URL_LIKE = re.compile(r"^[a-z][a-z0-9+.-]*:|^www\.", re.IGNORECASE)


class Refused(Exception):
    """An action the bot will not do; the message says why, in words for the member."""


@dataclass(frozen=True, slots=True)
class Saved:
    """A definition stored: which, on which page of its term's answer, and how."""

    term_id: int
    definition_id: int
    page: int
    edited: bool = False
    new_term: bool = False
    waiting: int | None = None  # it waits for review: the id of its place in the queue


def definition_text(text: str | None, *, limit: int = MAX_DEFINITION) -> str:
    """The definition as it will be stored, or Refused saying what is wrong with it."""
    text = (text or "").strip()
    if not text:
        raise Refused(EMPTY_TEXT)
    if len(text) < MIN_DEFINITION:
        raise Refused(
            f"A definition needs at least {MIN_DEFINITION} characters (yours has {len(text)})."
            f" {NOTHING_SAVED}"
        )
    if len(text) > limit:
        raise Refused(
            f"A definition can be at most {limit} characters (yours has {len(text)})."
            f" {NOTHING_SAVED}"
        )
    return text


def source_of(name: str | None, url: str | None) -> Source | None:
    """The source from a name and a link, either optional; a link alone is named "link"."""
    name, url = (name or "").strip() or None, (url or "").strip() or None
    if name and _URL_LIKE.match(name) and url is None:
        name, url = None, name  # a link typed in the name's box
    if url is not None and not plain_link(url):
        raise Refused(BAD_URL)
    if name is not None and (
        len(name) > MAX_SOURCE_NAME or "\n" in name or _URL_LIKE.match(name) or "](" in name
    ):
        raise Refused(BAD_SOURCE_NAME)
    if name is None and url is None:
        return None
    return Source(name or "link", url)


def unknown_term_answer(name: str, choices: list[tuple[int, str]]) -> Answer:
    """/contribute on a name that is no term here: the closest terms, or a new one."""
    actions = [Action("contribute", label, target) for target, label in choices[:4]]
    try:
        new_name = term_name(name)
    except Refused:
        new_name = None
    if new_name and not new_name.startswith("#"):
        actions.append(Action("new-term", f"Create “{new_name}”", 0, text=new_name))
    offer = "Did you mean one of these? Or create it" if choices else "Create it"
    return Answer(
        kind="info",
        title="Not a term yet",
        body=f"“{_shown(name)}” is not a term in this glossary. {offer} in this server with your"
        " definition (the server's admins can remove it).",
        actions=actions,
        private=True,
    )


def _shown(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def plain_link(url: str) -> bool:
    """An http(s) address with a host and nothing Discord or a reader could trip on."""
    if len(url) > MAX_SOURCE_URL or any(ch.isspace() or ch in '<>"' for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "." in parts.hostname


def term_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Refused(f"A term needs a name. {NOTHING_SAVED}")
    if len(name) > MAX_TERM_NAME:
        raise Refused(f"A term's name can be at most {MAX_TERM_NAME} characters. {NOTHING_SAVED}")
    return name


def same_text(a: str, b: str) -> bool:
    """Two definitions say the same when they differ only in case and spacing."""
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def visible_term(store: Store, term_id: int, guild_id: int) -> TermRecord:
    term = store.term(term_id)
    if term is None or term.removed or term.guild_id not in (None, guild_id):
        raise Refused(TERM_GONE)
    return term


@dataclass(frozen=True, slots=True)
class Contribution:
    """What a member sent: their definition and its source, as typed (unchecked)."""

    guild_id: int
    author_id: int
    author_name: str
    text: str | None
    source_name: str | None = None
    source_url: str | None = None
    channel_id: int | None = None  # where it was sent: badges it earns are announced there

    def checked(self) -> tuple[str, Source | None]:
        """The text and source as stored, or Refused: the checks that need no database."""
        return definition_text(self.text), source_of(self.source_name, self.source_url)


def save(store: Store, term_id: int, sent: Contribution, *, reviewed: bool = False) -> Saved:
    """The member's definition of a term in their server: added, or their earlier one edited
    (one definition per member per term; an edit keeps its votes). Where the server reviews
    members' definitions (and not `reviewed` already), it waits for review instead."""
    term = visible_term(store, term_id, sent.guild_id)
    text, source = sent.checked()
    guild_id, author_id = sent.guild_id, sent.author_id
    mine = store.author_definition(term_id, guild_id=guild_id, author_id=author_id)
    for other in store.definitions(term_id, guild_id=guild_id):
        if (mine is None or other.id != mine.id) and same_text(other.text, text):
            raise Refused(f"“{term.name}” already has that definition. {NOTHING_SAVED}")
    if not reviewed and review_store.needs_review(store, guild_id, author_id):
        waiting = _wait(store, sent, term_id=term_id, term_name=term.name, text=text, source=source)
        return Saved(term_id, mine.id if mine else 0, 0, edited=mine is not None, waiting=waiting)
    if mine is not None:
        store.edit_definition(
            mine.id, text=text, source=source, by=Actor(author_id, sent.author_name)
        )
        definition_id = mine.id
    else:
        definition_id = store.add_definition(
            term_id=term_id,
            guild_id=guild_id,
            author_id=author_id,
            author_name=sent.author_name,
            text=text,
            source=source,
        )
        award_badges(store, guild_id=guild_id, user_id=author_id, channel_id=sent.channel_id)
    page = _page(store, term_id, guild_id, definition_id)
    return Saved(term_id, definition_id, page, edited=mine is not None)


def create_term(
    store: Store, name: str | None, sent: Contribution, *, reviewed: bool = False
) -> Saved:
    """A new term in the member's server, with their definition as its only one. A name that
    is already a term there gets the definition instead. Under review, both wait for it."""
    name = term_name(name)
    existing = store.find_term(name, guild_id=sent.guild_id)
    if existing is not None:
        return save(store, existing.id, sent, reviewed=reviewed)
    text, source = sent.checked()
    if not reviewed and review_store.needs_review(store, sent.guild_id, sent.author_id):
        waiting = _wait(store, sent, term_id=None, term_name=name, text=text, source=source)
        return Saved(0, 0, 0, waiting=waiting)
    term_id, definition_id = store.add_member_term(
        guild_id=sent.guild_id,
        name=name,
        author_id=sent.author_id,
        author_name=sent.author_name,
        text=text,
        source=source,
    )
    award_badges(store, guild_id=sent.guild_id, user_id=sent.author_id, channel_id=sent.channel_id)
    return Saved(term_id, definition_id, 0, new_term=True)


def _wait(
    store: Store,
    sent: Contribution,
    *,
    term_id: int | None,
    term_name: str,
    text: str,
    source: Source | None,
) -> int:
    """The contribution, checked, in the server's review queue (not public yet)."""
    mine = (
        store.author_definition(term_id, guild_id=sent.guild_id, author_id=sent.author_id)
        if term_id is not None
        else None
    )
    return store.transaction(
        lambda s: review_store.submit(
            s,
            guild_id=sent.guild_id,
            term_id=term_id,
            term_name=term_name,
            definition_id=mine.id if mine else None,
            author_id=sent.author_id,
            author_name=sent.author_name,
            text=text,
            source=source,
            channel_id=sent.channel_id,
            at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    )


def own_definition(
    store: Store, definition_id: int, *, guild_id: int, user_id: int
) -> DefinitionRecord:
    """The member's own live definition, or Refused (gone, or someone else's)."""
    definition = server_definition(store, definition_id, guild_id=guild_id)
    if definition.author_id != user_id:
        raise Refused(NOT_YOURS)
    return definition


def server_definition(store: Store, definition_id: int, *, guild_id: int) -> DefinitionRecord:
    """A member's live definition in this server, or Refused."""
    definition = store.definition(definition_id, guild_id=guild_id)
    if (
        definition is None
        or definition.removed
        or definition.origin != "member"
        or definition.guild_id != guild_id
    ):
        raise Refused(DEFINITION_GONE)
    return definition


def delete(
    store: Store,
    definition_id: int,
    *,
    guild_id: int,
    user_id: int,
    moderator: bool = False,
    user_name: str | None = None,
) -> DefinitionRecord:
    """Take a definition down: its author's, or any member's for a moderator."""
    if moderator:
        definition = server_definition(store, definition_id, guild_id=guild_id)
    else:
        definition = own_definition(store, definition_id, guild_id=guild_id, user_id=user_id)
    store.remove_definition(definition_id, by=Actor(user_id, user_name))
    return definition


def definition_removed(definition_id: int) -> str:
    return (
        f"Definition {definition_id} is removed: it no longer shows, and its votes no longer"
        " count in its author's karma."
    )


def _page(store: Store, term_id: int, guild_id: int, definition_id: int) -> int:
    definitions = store.definitions(term_id, guild_id=guild_id)
    return next((i for i, d in enumerate(definitions) if d.id == definition_id), 0)
