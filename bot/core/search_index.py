"""The full-text index behind /search: SQLite FTS5, kept in step with the glossary by triggers.

Each searchable table gets an external-content FTS5 table (the text is stored once, in the table
itself) and three triggers, so every write to a term, alias, definition or FAQ, whichever code
path makes it, updates the index in the same transaction. The index is rebuilt from the tables
when it is created, so an older database gains it on upgrade.

Only SQL lives here; ranking and typo handling are in ``bot.core.search``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

# table -> (FTS table, indexed columns). The column order is the bm25 weight order below.
INDEXED = {
    "terms": ("terms_fts", ("name", "summary", "context", "purpose", "example")),
    "aliases": ("aliases_fts", ("alias",)),
    "definitions": ("definitions_fts", ("text",)),
    "faqs": ("faqs_fts", ("question", "answer")),
}
TOKENIZER = "unicode61 remove_diacritics 2"

# Where a hit was found, and how much a hit there weighs (bm25 weights, per column).
FIELDS = {
    "terms": ("name", "summary", "context", "purpose", "example"),
    "aliases": ("alias",),
    "definitions": ("definition",),
    "faqs": ("FAQ", "FAQ"),
}
WEIGHTS = {
    "terms": (10.0, 4.0, 2.0, 2.0, 2.0),
    "aliases": (8.0,),
    "definitions": (2.0,),
    "faqs": (3.0, 1.5),
}
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"  # around matched words in snippets


def create_search_index(db: Any) -> None:
    """Create the FTS tables and their triggers, and fill them from what is stored."""
    for table, (fts, columns) in INDEXED.items():
        names = ", ".join(columns)
        old = ", ".join(f"old.{c}" for c in columns)
        new = ", ".join(f"new.{c}" for c in columns)
        db.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({names}, content='{table}',"
            f" content_rowid='id', tokenize='{TOKENIZER}')"
        )
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN"
            f" INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END"
        )
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN"
            f" INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END"
        )
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {names} ON {table} BEGIN"
            f" INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
            f" INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END"
        )
        db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts}_vocab USING fts5vocab({fts}, 'row')")
    rebuild_search_index(db)


def rebuild_search_index(db: Any) -> None:
    for fts, _ in INDEXED.values():
        db.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


@dataclass(frozen=True, slots=True)
class RawHit:
    """One row that matched: what it belongs to and how well it ranks."""

    table: str
    rowid: int
    term_id: int | None
    faq_id: int | None
    title: str  # the term's name, or the FAQ's question
    rank: float  # higher is better
    in_name: bool  # the words were found in a name or an alias


# Per table (as `b`, joined to its FTS row): the joins and conditions that keep only rows the
# server sees, what a hit points at (term, FAQ) and its title.
_VISIBLE = {
    "terms": (
        "",
        "b.removed_at IS NULL AND (b.guild_id IS NULL OR b.guild_id = :guild)",
        "b.id",
        "NULL",
        "b.name",
    ),
    "aliases": (
        "JOIN terms t ON t.id = b.term_id",
        "t.removed_at IS NULL AND (t.guild_id IS NULL OR t.guild_id = :guild)",
        "b.term_id",
        "NULL",
        "t.name",
    ),
    "definitions": (
        "JOIN terms t ON t.id = b.term_id",
        "b.removed_at IS NULL AND t.removed_at IS NULL"
        " AND (b.guild_id IS NULL OR b.guild_id = :guild)"
        " AND (t.guild_id IS NULL OR t.guild_id = :guild)",
        "b.term_id",
        "NULL",
        "t.name",
    ),
    "faqs": (
        "JOIN glossaries g ON g.id = b.glossary_id LEFT JOIN terms t ON t.id = b.term_id",
        "b.removed_at IS NULL AND (g.guild_id IS NULL OR g.guild_id = :guild)"
        " AND (t.id IS NULL OR (t.removed_at IS NULL"
        " AND (t.guild_id IS NULL OR t.guild_id = :guild)))",
        "b.term_id",
        "b.id",
        "b.question",
    ),
}


# bm25 reads every matching row's positions (about 10 µs a row): a word in tens of thousands
# of texts would take a second. Past this many matches in a table, only the first this many (in
# the order they were stored) are ranked; names and aliases are always ranked in full.
RANKED_AT_MOST = 500


def search_rows(
    conn: sqlite3.Connection, expression: str, *, guild_id: int | None, limit: int
) -> list[RawHit]:
    """The visible rows matching an FTS5 expression, best first, at most `limit` per table.

    No snippets here: SQLite would make one for every matching row before sorting; `describe`
    makes them for the few hits shown.
    """
    hits: list[RawHit] = []
    for table in INDEXED:
        if table == "aliases":
            hits += _rows(conn, table, expression, guild_id, limit, in_name=True)
        elif table == "terms":
            # A term whose name holds the words outranks any text hit, so names are ranked
            # on their own and in full.
            named = _rows(conn, table, f"name : ({expression})", guild_id, limit, in_name=True)
            ids = {hit.rowid for hit in named}
            texts = _rows(conn, table, expression, guild_id, limit, capped=True)
            hits += named + [hit for hit in texts if hit.rowid not in ids]
        else:
            hits += _rows(conn, table, expression, guild_id, limit, capped=True)
    return hits


def _rows(
    conn: sqlite3.Connection,
    table: str,
    expression: str,
    guild_id: int | None,
    limit: int,
    *,
    in_name: bool = False,
    capped: bool = False,
) -> list[RawHit]:
    fts, _ = INDEXED[table]
    joins, visible, term, faq, title = _VISIBLE[table]
    weights = ", ".join(str(w) for w in WEIGHTS[table])
    params: dict[str, object] = {"expression": expression, "guild": guild_id, "limit": limit}
    bound = ""
    if capped:
        beyond = conn.execute(
            f"SELECT rowid FROM {fts} WHERE {fts} MATCH ? LIMIT 1 OFFSET ?",
            [expression, RANKED_AT_MOST],
        ).fetchone()
        if beyond is not None:
            bound = f" AND {fts}.rowid < :beyond"
            params["beyond"] = beyond[0]
    sql = (
        f"SELECT b.id, {term}, {faq}, {title}, -bm25({fts}, {weights}) AS score"
        f" FROM {fts} JOIN {table} b ON b.id = {fts}.rowid {joins}"
        f" WHERE {fts} MATCH :expression{bound} AND {visible} ORDER BY score DESC LIMIT :limit"
    )
    return [
        RawHit(table, rowid, term_id, faq_id, name, score, in_name)
        for rowid, term_id, faq_id, name, score in conn.execute(sql, params)
    ]


def describe(conn: sqlite3.Connection, hit: RawHit, expression: str) -> list[tuple[str, str]]:
    """Where in one row the words were found: (field, snippet with MARK_OPEN/CLOSE) for each
    column that holds them."""
    fts, columns = INDEXED[hit.table]
    snippets = ", ".join(
        f"snippet({fts}, {i}, '{MARK_OPEN}', '{MARK_CLOSE}', '…', 12)" for i in range(len(columns))
    )
    row = conn.execute(
        f"SELECT {snippets} FROM {fts} WHERE {fts} MATCH ? AND rowid = ?", [expression, hit.rowid]
    ).fetchone()
    return [
        (FIELDS[hit.table][i], text)
        for i, text in enumerate(row or ())
        if text and MARK_OPEN in text
    ]


def vocabulary(conn: sqlite3.Connection) -> dict[str, int]:
    """Every word the index holds, with how many rows use it (for forgiving typos)."""
    words: dict[str, int] = {}
    for fts, _ in INDEXED.values():
        for term, docs in conn.execute(f"SELECT term, doc FROM {fts}_vocab"):
            words[term] = words.get(term, 0) + docs
    return words


def matches_anything(conn: sqlite3.Connection, expression: str) -> bool:
    """Whether any row, visible or not, matches (a word the glossary uses at all)."""
    return any(
        conn.execute(f"SELECT 1 FROM {fts} WHERE {fts} MATCH ? LIMIT 1", [expression]).fetchone()
        for fts, _ in INDEXED.values()
    )


def index_size(conn: sqlite3.Connection) -> int:
    """Bytes the FTS tables take (their shadow tables), where dbstat is compiled in."""
    names = [f"{fts}_{part}" for fts, _ in INDEXED.values() for part in ("data", "idx", "docsize")]
    marks = ", ".join("?" for _ in names)
    try:
        row = conn.execute(f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({marks})", names)
        return int(row.fetchone()[0] or 0)
    except sqlite3.OperationalError:
        return 0


class SqliteSearchIndex:
    """The index on one SQLite connection, as /search reads it (bot.core.db.SearchIndex)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def matches_anything(self, expression: str) -> bool:
        return matches_anything(self.conn, expression)

    def search_rows(self, expression: str, *, guild_id: int | None, limit: int) -> list[RawHit]:
        return search_rows(self.conn, expression, guild_id=guild_id, limit=limit)

    def describe(self, hit: RawHit, expression: str) -> list[tuple[str, str]]:
        return describe(self.conn, hit, expression)

    def vocabulary(self) -> dict[str, int]:
        return vocabulary(self.conn)
