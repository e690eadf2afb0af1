"""A definition's history in the store: every text it had, who gave it and when.

A definition here is a row of ``definitions``: a glossary's own text of a term (a file's, or a
server's term that its admins write) or a member's. Each change to one (a load that changes
it, a member's edit, an admin's edit, a removal, a revert) keeps a version row: the text and
source as they are after the change, who made it and when. The row edited in place keeps its
id, so its votes stay with it across edits and reverts.

The first version of a definition loaded from a file is not written at load time (a load of
100k terms would double its writes for texts that may never change): it is copied from the
definition itself just before its first change. Every other first version (a member's, an
admin's term) is written as it is made.

The SQL is plain and portable (INSERT ... SELECT, no SQLite-only syntax), so that another
backend can run it as it is. Only the store and its load call these, inside their transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.store import Store

# The table, as plain SQL so that it can be copied into another backend's migration.
M008_SQL = (
    "CREATE TABLE definition_versions ("
    " id INTEGER PRIMARY KEY,"
    " definition_id INTEGER NOT NULL REFERENCES definitions(id),"
    " change TEXT NOT NULL,"
    " text TEXT NOT NULL,"
    " source_name TEXT,"
    " source_url TEXT,"
    " changed_by BIGINT,"
    " changed_by_name TEXT,"
    " changed_at TEXT NOT NULL,"
    " reverted_to INTEGER REFERENCES definition_versions(id))",
    "CREATE INDEX definition_versions_definition ON definition_versions (definition_id, id)",
)

# What a version says happened. "loaded": a glossary file's load (nobody in particular).
CHANGES = ("created", "edited", "loaded", "removed", "restored", "reverted")

_COLUMNS = (
    "definition_id, change, text, source_name, source_url, changed_by, changed_by_name,"
    " changed_at, reverted_to"
)
# The definition as it stands now, as a version (parameters: change, by, name, at, reverted
# to, and then the definition's id or its term's id).
_RECORD = (
    f"INSERT INTO definition_versions ({_COLUMNS})"
    " SELECT d.id, ?, d.text, d.source_name, d.source_url, ?, ?, ?, ? FROM definitions d"
)
RECORD_BY_ID = _RECORD + " WHERE d.id = ?"
RECORD_BY_TERM = _RECORD + " WHERE d.term_id = ? AND d.origin = 'glossary'"
# The version a definition had before its first recorded change (parameter: its id, or its
# term's id): what it was made with, by its author (none for a glossary's).
_ORIGINAL = (
    f"INSERT INTO definition_versions ({_COLUMNS})"
    " SELECT d.id, CASE WHEN d.origin = 'glossary' THEN 'loaded'"
    "  WHEN d.edited_at IS NULL THEN 'created' ELSE 'edited' END,"
    " d.text, d.source_name, d.source_url, d.author_id, d.author_name,"
    " coalesce(d.edited_at, d.created_at), NULL FROM definitions d"
)
_NO_VERSIONS = " AND NOT EXISTS (SELECT 1 FROM definition_versions v WHERE v.definition_id = d.id)"
ORIGINAL_BY_ID = _ORIGINAL + " WHERE d.id = ?" + _NO_VERSIONS
ORIGINAL_BY_TERM = _ORIGINAL + " WHERE d.term_id = ? AND d.origin = 'glossary'" + _NO_VERSIONS


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: a member (their Discord id and name); None for a glossary file."""

    user_id: int | None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Version:
    """One text a definition had. id None: its only version, not stored yet (never changed)."""

    id: int | None
    number: int  # 1 for the first
    change: str
    text: str
    source_name: str | None
    source_url: str | None
    changed_by: int | None
    changed_by_name: str | None
    changed_at: str
    reverted_to: int | None = None


def record_params(change: str, actor: Actor | None, at: str, key: int) -> tuple[Any, ...]:
    """The parameters of RECORD_BY_ID / RECORD_BY_TERM for one definition (or term)."""
    return (
        change,
        actor.user_id if actor else None,
        actor.name if actor else None,
        at,
        None,
        key,
    )


def keep_original(store: Store, definition_id: int) -> None:
    """Before a definition's first recorded change: its text as it was, as version 1."""
    store._execute(ORIGINAL_BY_ID, [definition_id])


def record(
    store: Store,
    definition_id: int,
    change: str,
    actor: Actor | None,
    at: str,
    *,
    reverted_to: int | None = None,
) -> None:
    """The definition as it is now (after a change), as its newest version."""
    params = list(record_params(change, actor, at, definition_id))
    params[4] = reverted_to
    store._execute(RECORD_BY_ID, params)


def record_terms(
    store: Store, term_ids: Iterable[int], change: str, actor: Actor | None, at: str
) -> None:
    """The glossary definition of each term, as it is now, as its newest version."""
    for term_id in term_ids:
        store._execute(ORIGINAL_BY_TERM, [term_id])
        store._execute(RECORD_BY_TERM, record_params(change, actor, at, term_id))


def versions(store: Store, definition_id: int) -> list[Version]:
    """Every version of a definition, oldest first; its only one when it never changed."""
    rows = store._rows(
        "SELECT id, change, text, source_name, source_url, changed_by, changed_by_name,"
        " changed_at, reverted_to FROM definition_versions WHERE definition_id = ? ORDER BY id",
        [definition_id],
    )
    if rows:
        return [_version(row, number) for number, row in enumerate(rows, 1)]
    row = store._one(
        "SELECT CASE WHEN origin = 'glossary' THEN 'loaded' WHEN edited_at IS NULL"
        " THEN 'created' ELSE 'edited' END AS change, text, source_name, source_url,"
        " author_id AS changed_by, author_name AS changed_by_name,"
        " coalesce(edited_at, created_at) AS changed_at FROM definitions WHERE id = ?",
        [definition_id],
    )
    return [_version({**row, "id": None, "reverted_to": None}, 1)] if row else []


def version(store: Store, definition_id: int, version_id: int) -> Version | None:
    """One stored version of this definition (None: no such version of it)."""
    for found in versions(store, definition_id):
        if found.id == version_id:
            return found
    return None


def revert(store: Store, definition_id: int, to: Version, actor: Actor, at: str) -> None:
    """The definition's text and source become a former version's again: itself a change,
    recorded as the newest version. The row is the same, so its votes stay."""
    keep_original(store, definition_id)
    store._execute(
        "UPDATE definitions SET text = ?, source_name = ?, source_url = ?, edited_at = ?"
        " WHERE id = ?",
        [to.text, to.source_name, to.source_url, at, definition_id],
    )
    record(store, definition_id, "reverted", actor, at, reverted_to=to.id)


def _version(row: dict[str, Any], number: int) -> Version:
    return Version(
        id=row["id"],
        number=number,
        change=row["change"],
        text=row["text"],
        source_name=row["source_name"],
        source_url=row["source_url"],
        changed_by=row["changed_by"],
        changed_by_name=row["changed_by_name"],
        changed_at=row["changed_at"],
        reverted_to=row["reverted_to"],
    )
