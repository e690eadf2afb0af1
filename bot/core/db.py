"""The connection under the store: one body of SQL, run on SQLite or on PostgreSQL.

The store writes its SQL once, in the dialect both databases accept (``?`` and ``:name``
parameters, ``ON CONFLICT``, ``count(*) FILTER (WHERE ...)``, no ``IS ?``). A `Database` runs it:
rows come back as dicts (or tuples, for the bulk load), a new row's id from ``insert``, and a
unit of work is a transaction of the backend's own kind. What only one backend has (SQLite's
write lock and ``data_version``, PostgreSQL's pool and sequences) lives in its module:
``bot.core.sqlite_db`` and ``bot.core.pg``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal, Protocol

# One pair of error classes, in bot/core/errors.py (where front ends import them from); the
# backends raise them from here.
from bot.core.errors import StoreBusy, StoreError

__all__ = ["StoreBusy", "StoreError"]

Params = Sequence[Any] | dict[str, Any]
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(target: object) -> bool:
    """A PostgreSQL URL (else a path to an SQLite file)."""
    return isinstance(target, str) and target.lower().startswith(POSTGRES_SCHEMES)


class SearchIndex(Protocol):
    """The full-text index /search reads (FTS5 on SQLite, tsvector on PostgreSQL)."""

    def matches_anything(self, expression: str) -> bool: ...
    def search_rows(self, expression: str, *, guild_id: int | None, limit: int) -> list: ...
    def describe(self, hit: Any, expression: str) -> list[tuple[str, str]]: ...
    def vocabulary(self) -> dict[str, int]: ...


class Listener(Protocol):
    def close(self) -> None: ...


class Database:
    """What the store asks of a connection; each backend implements it."""

    dialect: Literal["sqlite", "postgres"]
    name: str  # for messages: the file, or the URL without its password

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def tuples(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; how many rows it changed."""
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT of one row into a table with an ``id`` column; the row's id."""
        raise NotImplementedError

    def reserve_ids(self, table: str, count: int) -> list[int]:
        """Ids for `count` rows the caller inserts with explicit ids (the bulk load)."""
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def transaction(self, *, wait: bool = True) -> contextlib.AbstractContextManager[None]:
        """One unit of work (nested: a savepoint). wait=False raises StoreBusy at once,
        having done nothing, where another connection holds what it needs."""
        raise NotImplementedError

    def glossary_changed(self, generation: int) -> None:
        """Called in the unit of work that moved the glossary generation (a load)."""

    def schema_version(self) -> list[str]:
        """The schema steps applied, in order."""
        raise NotImplementedError

    def should_retry(self, exc: Exception) -> bool:
        """Whether a unit of work that failed with `exc` was rolled back whole by the
        database and may simply run again (a lost deadlock)."""
        return False

    def change_token(self) -> object:
        """A value that moves when another connection committed a change."""
        raise NotImplementedError

    def forbid_writes(self) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def held_lock(self, key: int) -> Iterator[None]:
        """A lock named by `key` that other processes on the database wait for while the block
        runs. A database one process uses alone (SQLite) has nobody to keep out."""
        yield

    def listen(self, wake: Callable[[], None]) -> Listener | None:
        """Call `wake` (from another thread) soon after another process changed the glossary,
        where the backend can tell (PostgreSQL's NOTIFY); None where it cannot (SQLite: the
        poll alone). A wake-up only hurries the next poll, which stays the source of truth."""
        return None

    def search_index(self) -> SearchIndex:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row (None: no row)."""
        found = self.tuples(sql, params)
        return found[0][0] if found else None
