"""`glossary-bot copy`: move a whole database between SQLite and PostgreSQL, checked by counts.

Every table of the bot's schema is copied row for row with its ids, in an order where a row's
parents come first, in one unit of work on the target: a copy that fails leaves the target as
it was. The search index is not copied; each backend keeps its own in step as rows arrive. The
target must be empty (a new file or database, migrated to this version's schema), and a table
in the source that this version does not know stops the copy before anything is written, so
nothing is left behind unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.db import Database
from bot.core.errors import StoreError
from bot.core.store import Store

# (table, its primary key): parents before children, as the foreign keys need.
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("meta", ("key",)),
    ("glossaries", ("id",)),
    ("terms", ("id",)),
    ("aliases", ("id",)),
    ("related", ("id",)),
    ("faqs", ("id",)),
    ("definitions", ("id",)),
    ("answer_messages", ("message_id",)),
    ("reactions", ("id",)),
    ("votes", ("definition_id", "guild_id", "user_id")),
    ("badges", ("guild_id", "user_id", "badge")),
    ("members", ("guild_id", "user_id")),
    ("missed_queries", ("id",)),
    ("guild_settings", ("guild_id", "key")),
    ("embeddings", ("model", "text_key")),
    ("definition_versions", ("id",)),
    ("reviews", ("id",)),
)
# Each backend's own bookkeeping: its migrations, and SQLite's FTS5 tables behind /search.
_OWN_TABLES = ("_sqlite_migrations", "glossary_bot_migrations", "sqlite_")  # pg.MIGRATIONS_TABLE
_BATCH = 2000


@dataclass
class CopyReport:
    """Rows copied per table (each equal in source and target, or the copy raised)."""

    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def copy_database(
    source: Store, target: Store, *, progress: Callable[[str, int], None] | None = None
) -> CopyReport:
    """Copy everything in `source` into the empty `target`; counts checked table by table."""
    known = {table for table, _ in TABLES}
    unknown = sorted(
        name for name in _tables(source.sql) if name not in known and not _own(name)
    )
    if unknown:
        raise StoreError(
            f"{source.sql.name} has tables this version does not know ({', '.join(unknown)});"
            " nothing was copied. Copy with the version that made them."
        )
    busy = [table for table, _ in TABLES if table != "meta" and _count(target.sql, table)]
    if busy:
        raise StoreError(
            f"{target.sql.name} is not empty ({', '.join(busy)} hold rows); nothing was copied."
            " Copy into a new file or an empty database."
        )
    report = CopyReport()

    def work(_: Store) -> None:
        for table, key in TABLES:
            report.rows[table] = _copy_table(source.sql, target.sql, table, key, progress)
        for table, _key in TABLES:
            if table == "meta":
                continue  # the target's migrations may have written keys of their own
            copied, there = _count(source.sql, table), _count(target.sql, table)
            if copied != there:
                raise StoreError(f"{table}: {copied} rows in the source, {there} copied")

    target.transaction(work)
    target.changed_elsewhere()
    return report


def _copy_table(
    source: Database,
    target: Database,
    table: str,
    key: tuple[str, ...],
    progress: Callable[[str, int], None] | None,
) -> int:
    theirs = set(_columns(source, table))
    columns = [name for name in _columns(target, table) if name in theirs]
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    if table == "meta":
        insert += " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    order = ", ".join(key)
    at = [columns.index(name) for name in key]  # where the key stands in a copied row
    copied, after = 0, None
    while True:
        # Keyset paging on the primary key: each batch is one indexed range, whatever the size.
        where = f" WHERE ({order}) > ({', '.join('?' for _ in key)})" if after else ""
        rows = source.tuples(
            f"SELECT {names} FROM {table}{where} ORDER BY {order} LIMIT {_BATCH}", after or ()
        )
        if not rows:
            break
        target.executemany(insert, rows)
        copied += len(rows)
        after = [rows[-1][i] for i in at]
        if progress:
            progress(table, copied)
    if target.dialect == "postgres" and "id" in columns and copied:
        # Ids came with the rows: the identity's sequence moves past them for the next insert.
        target.value(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
        )
    return copied


def _own(name: str) -> bool:
    return name.startswith(_OWN_TABLES) or "_fts" in name


def _tables(db: Database) -> list[str]:
    if db.dialect == "sqlite":
        return [row[0] for row in db.tuples("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [
        row[0]
        for row in db.tuples(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    ]


def _columns(db: Database, table: str) -> list[str]:
    if db.dialect == "sqlite":
        return [row[1] for row in db.tuples(f"PRAGMA table_info({table})")]
    return [
        row[0]
        for row in db.tuples(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            [table],
        )
    ]


def _count(db: Database, table: str) -> int:
    return int(db.value(f"SELECT count(*) FROM {table}") or 0)
