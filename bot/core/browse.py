"""Read-only queries for browsing the glossary (the web site), beside the store's own SQL.

Everything here only reads. Terms of loaded glossaries have no server and are public; a server's
own terms are listed only for that server (``guild_id``), and only when the caller says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.store import Store

# Index letters: a term whose name does not start with a-z is listed under "#".
LETTERS = (*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "#")
WEB_VIEW = "web_view"  # guild setting: "on" while the server's pages are served
WEB_KEY = "web_key"  # guild setting: the unguessable part of the server's pages' address


@dataclass(frozen=True, slots=True)
class IndexedTerm:
    id: int
    name: str
    summary: str | None
    glossary: str


@dataclass(frozen=True, slots=True)
class GlossaryInfo:
    name: str
    source_name: str | None
    source_url: str | None
    terms: int


_LETTER = (
    "CASE WHEN substr(t.key, 1, 1) BETWEEN 'a' AND 'z' THEN upper(substr(t.key, 1, 1)) ELSE '#' END"
)
_VISIBLE = "t.removed_at IS NULL AND (t.guild_id IS NULL OR t.guild_id = ?)"


def glossaries(store: Store) -> list[GlossaryInfo]:
    """The loaded glossaries, with how many public terms each has."""
    return [
        GlossaryInfo(r["name"], r["source_name"], r["source_url"], r["n"])
        for r in store.sql.rows(
            "SELECT g.name, g.source_name, g.source_url, count(t.id) AS n FROM glossaries g"
            " LEFT JOIN terms t ON t.glossary_id = g.id AND t.removed_at IS NULL"
            " AND t.guild_id IS NULL GROUP BY g.id ORDER BY g.id"
        )
    ]


def letter_counts(store: Store, *, guild_id: int | None) -> dict[str, int]:
    """How many visible terms start with each index letter (letters without terms left out)."""
    rows = store.sql.rows(
        f"SELECT {_LETTER} AS letter, count(*) AS n FROM terms t WHERE {_VISIBLE} GROUP BY letter",
        [guild_id],
    )
    return {r["letter"]: r["n"] for r in rows}


def terms_by_letter(
    store: Store, letter: str, *, guild_id: int | None, offset: int, limit: int
) -> list[IndexedTerm]:
    """The visible terms under one index letter, by name."""
    rows = store.sql.rows(
        "SELECT t.id, t.name, t.summary, g.name AS glossary FROM terms t"
        f" JOIN glossaries g ON g.id = t.glossary_id WHERE {_VISIBLE} AND {_LETTER} = ?"
        " ORDER BY t.key, t.id LIMIT ? OFFSET ?",
        [guild_id, letter, limit, offset],
    )
    return [IndexedTerm(r["id"], r["name"], r["summary"], r["glossary"]) for r in rows]


def guild_of_web_key(store: Store, key: str) -> int | None:
    """The server whose pages live under this key, while its web view is on."""
    row = next(
        iter(
            store.sql.rows(
                "SELECT k.guild_id FROM guild_settings k JOIN guild_settings v"
                " ON v.guild_id = k.guild_id AND v.key = ? AND v.value = 'on'"
                " WHERE k.key = ? AND k.value = ?",
                [WEB_VIEW, WEB_KEY, key],
            )
        ),
        None,
    )
    return row["guild_id"] if row else None


def member_ids(store: Store, *, guild_id: int) -> list[int]:
    """Every member the bot knows in a server (authors of definitions)."""
    return [
        r["user_id"]
        for r in store.sql.rows(
            "SELECT user_id FROM members WHERE guild_id = ? ORDER BY user_id", [guild_id]
        )
    ]


def is_public_term(store: Store, term_id: int) -> bool:
    """A live term of a loaded glossary (not a server's own)."""
    rows = store.sql.rows(
        "SELECT 1 FROM terms WHERE id = ? AND guild_id IS NULL AND removed_at IS NULL", [term_id]
    )
    return next(iter(rows), None) is not None
