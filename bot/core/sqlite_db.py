"""SQLite under the store: one connection, its write lock taken up front, WAL readers.

The file is opened (and migrated) by the store through sqlite-utils; this runs the store's SQL
on that connection and holds SQLite's unit of work.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database as SqliteUtilsDatabase

from bot.core.db import Database, Params
from bot.core.errors import StoreBusy
from bot.core.search_index import SqliteSearchIndex


class SqliteDatabase(Database):
    dialect = "sqlite"

    def __init__(self, db: SqliteUtilsDatabase, path: Path, *, busy_timeout: float):
        self.db = db
        self.conn: sqlite3.Connection = db.conn
        self.path = path
        self.name = str(path)
        self.busy_timeout = busy_timeout
        self._index = SqliteSearchIndex(self.conn)

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, _params(params))
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor]

    def tuples(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, _params(params)).fetchall()

    def execute(self, sql: str, params: Params = ()) -> int:
        return self.conn.execute(sql, _params(params)).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def insert(self, sql: str, params: Params = ()) -> int:
        return self.conn.execute(sql, _params(params)).lastrowid

    def reserve_ids(self, table: str, count: int) -> list[int]:
        # Writes are one at a time (the write lock is held): the next ids are free.
        first = self.value(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
        return list(range(first, first + count))

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    @property
    def _busy_ms(self) -> int:
        return round(self.busy_timeout * 1000)

    @contextlib.contextmanager
    def transaction(self, *, wait: bool = True) -> Iterator[None]:
        """One write transaction, holding the write lock from its start (BEGIN IMMEDIATE).

        A transaction that reads before it writes cannot wait for another process's write
        lock: SQLite fails it at once with "database is locked". Taken up front, the lock is
        waited for (up to the busy timeout), so a busy database only delays a write. With
        wait=False, StoreBusy is raised at once instead, before anything is done.
        """
        if self.conn.in_transaction:
            with self.db.atomic():  # nested: a savepoint
                yield
            return
        self._begin(wait=wait)
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def _begin(self, *, wait: bool) -> None:
        if not wait:
            self.conn.execute("PRAGMA busy_timeout=0")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
            if not wait:
                raise StoreBusy(f"{self.path} is being written by another connection") from exc
            raise StoreBusy(
                f"{self.path} stayed busy for {self.busy_timeout:g} s: another"
                " process is writing to it; nothing was written, try again"
            ) from exc
        finally:
            if not wait:
                self.conn.execute(f"PRAGMA busy_timeout={self._busy_ms}")

    def change_token(self) -> int:
        """PRAGMA data_version: moves whenever another connection commits to the file."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def forbid_writes(self) -> None:
        self.conn.execute("PRAGMA query_only = ON")

    def search_index(self) -> SqliteSearchIndex:
        return self._index

    def close(self) -> None:
        self.db.close()


def _params(params: Params) -> Sequence[Any] | dict[str, Any]:
    return params if isinstance(params, dict) else list(params)
