"""The SQLite store: with search_index.py beside it, the only code that speaks SQL.

One SQLite file in WAL mode, opened through sqlite-utils. The schema is versioned with
sqlite-utils migrations, so a newer release opens an older ``glossary.db`` in place. Everything a
member creates (definitions, votes, badges, missed queries) carries the Discord server (guild) it
was made in; what comes from glossary files has no guild and is visible everywhere.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database, Migrations

from bot.core import history_store, review_store
from bot.core.db import Database as DatabaseBase
from bot.core.db import Listener, is_database_url

# The errors live in bot/core/errors.py, for front ends that import nothing from here; they
# stay importable from this module too.
from bot.core.errors import StoreBusy, StoreError
from bot.core.history_store import Actor
from bot.core.model import (
    DefinitionRecord,
    Entry,
    Faq,
    FaqRecord,
    Glossary,
    LoadReport,
    MemberStats,
    MissedQuery,
    Related,
    Source,
    Term,
    TermRecord,
    VoteChange,
    name_key,
)
from bot.core.search import SearchResult, Vocabulary
from bot.core.search import search as search_glossary
from bot.core.search_index import create_search_index
from bot.core.sqlite_db import SqliteDatabase

migrations = Migrations("glossary-bot")

# An advisory lock's key (PostgreSQL): "GLSB" and a 2 (pg.py's migration lock is a 1).
COMMAND_SYNC_LOCK = 0x474C534202
BUSY_TIMEOUT = 30.0  # seconds a write waits for another process's write
VOCABULARY_SECONDS = 60.0  # how stale the words a search's typos are read as may get
GLOSSARY_GENERATION = "glossary_generation"
SERVER_GLOSSARY_NAME = "Server glossary"  # a server's own glossary, until a file names it
# SQLite's application id (the header's bytes 68-71) for glossary-bot's files: "GLSB".
APPLICATION_ID = 0x474C5342
LOADED_FILE = "loaded_file:"  # meta key prefix: a glossary's key -> the digest of its file
READ_CACHE_SIZE = 4096  # reads kept by cached_read, at most; past it they are read afresh
WRITE_BATCH = 2000  # rows per executemany while loading, between two progress reports
RETRIES = 3  # tries of a unit of work that lost a deadlock (PostgreSQL)
T = TypeVar("T")

__all__ = ["Store", "StoreBusy", "StoreError"]


class _Rehearsal(Exception):
    """Raised to roll back a rehearsed change."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@migrations()
def m001_initial(db: Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["glossaries"].create(
        {
            "id": int,
            "key": str,
            "name": str,
            "source_name": str,
            "source_url": str,
            "loaded_at": str,
        },
        pk="id",
        not_null={"key", "name"},
    )
    db["glossaries"].create_index(["key"], unique=True)
    db["terms"].create(
        {
            "id": int,
            "glossary_id": int,
            "key": str,
            "name": str,
            "summary": str,
            "context": str,
            "purpose": str,
            "example": str,
            "tags": str,
            "source_name": str,
            "source_url": str,
            "guild_id": int,
            "position": int,
            "removed_at": str,
        },
        pk="id",
        foreign_keys=[("glossary_id", "glossaries", "id")],
        not_null={"glossary_id", "key", "name"},
    )
    db["terms"].create_index(["glossary_id", "key"], unique=True)
    db["aliases"].create(
        {"id": int, "term_id": int, "key": str, "alias": str, "position": int},
        pk="id",
        foreign_keys=[("term_id", "terms", "id")],
        not_null={"term_id", "alias"},
    )
    db["aliases"].create_index(["term_id", "key"], unique=True)
    db["related"].create(
        {"id": int, "term_id": int, "name": str, "note": str, "position": int},
        pk="id",
        foreign_keys=[("term_id", "terms", "id")],
        not_null={"term_id", "name"},
    )
    db["related"].create_index(["term_id"])
    db["faqs"].create(
        {
            "id": int,
            "glossary_id": int,
            "term_id": int,
            "key": str,
            "question": str,
            "answer": str,
            "position": int,
            "removed_at": str,
        },
        pk="id",
        foreign_keys=[("glossary_id", "glossaries", "id"), ("term_id", "terms", "id")],
        not_null={"glossary_id", "question", "answer"},
    )
    db["faqs"].create_index(["glossary_id", "term_id", "key"])
    db["definitions"].create(
        {
            "id": int,
            "term_id": int,
            "origin": str,
            "guild_id": int,
            "author_id": int,
            "author_name": str,
            "text": str,
            "source_name": str,
            "source_url": str,
            "created_at": str,
            "removed_at": str,
        },
        pk="id",
        foreign_keys=[("term_id", "terms", "id")],
        not_null={"term_id", "origin", "text", "created_at"},
    )
    db["definitions"].create_index(["term_id"])
    db["definitions"].create_index(["guild_id", "author_id"])
    db["votes"].create(
        {"definition_id": int, "user_id": int, "guild_id": int, "value": int, "voted_at": str},
        pk=("definition_id", "user_id"),
        foreign_keys=[("definition_id", "definitions", "id")],
        not_null={"value", "voted_at"},
    )
    db["votes"].create_index(["guild_id"])
    db["answer_messages"].create(
        {
            "message_id": int,
            "guild_id": int,
            "channel_id": int,
            "definition_id": int,
            "faq_id": int,
            "created_at": str,
        },
        pk="message_id",
        foreign_keys=[("definition_id", "definitions", "id"), ("faq_id", "faqs", "id")],
    )
    db["badges"].create(
        {"guild_id": int, "user_id": int, "badge": str, "awarded_at": str},
        pk=("guild_id", "user_id", "badge"),
    )
    db["members"].create({"guild_id": int, "user_id": int, "name": str}, pk=("guild_id", "user_id"))
    db["missed_queries"].create(
        {"id": int, "guild_id": int, "query": str, "asked_at": str},
        pk="id",
        not_null={"query", "asked_at"},
    )
    db["missed_queries"].create_index(["guild_id"])


@migrations()
def m002_guild_settings(db: Database) -> None:
    # Per-server switches an admin sets (free-text answers, channels, editing roles).
    db["guild_settings"].create({"guild_id": int, "key": str, "value": str}, pk=("guild_id", "key"))


@migrations()
def m003_votes_trust(db: Database) -> None:
    # Votes become what members' reactions say: every standing 👍/👎 (and every vote button
    # pressed) is kept, and a member's vote on a definition is the latest one that counts.
    db["reactions"].create(
        {
            "id": int,
            "definition_id": int,
            "guild_id": int,
            "user_id": int,
            "message_id": int,  # 0 for a vote button or a vote kept from before reactions
            "via": str,  # "reaction", "button" or "legacy"
            "value": int,
            "refused": str,  # why it does not count (a bot, one's own, a limit); NULL: counts
            "reacted_at": str,
        },
        pk="id",
        not_null={"definition_id", "guild_id", "user_id", "message_id", "via", "value"},
    )
    db["reactions"].create_index(
        ["message_id", "user_id", "value", "via", "definition_id"], unique=True
    )
    db["reactions"].create_index(["definition_id", "guild_id", "user_id"])
    # One vote per member per definition per server (glossary definitions are shared).
    db.execute(
        "CREATE TABLE votes_by_server (definition_id INTEGER NOT NULL REFERENCES definitions(id),"
        " guild_id INTEGER NOT NULL, user_id INTEGER NOT NULL, value INTEGER NOT NULL,"
        " voted_at TEXT NOT NULL, PRIMARY KEY (definition_id, guild_id, user_id))"
    )
    db.execute(
        "INSERT INTO votes_by_server SELECT definition_id, coalesce(guild_id, 0), user_id,"
        " value, voted_at FROM votes"
    )
    db.execute("DROP TABLE votes")
    db.execute("ALTER TABLE votes_by_server RENAME TO votes")
    db["votes"].create_index(["guild_id", "user_id"])
    db["votes"].create_index(["guild_id", "voted_at"])
    # Votes given before reactions were kept stand until the member reacts on that definition.
    db.execute(
        "INSERT INTO reactions (definition_id, guild_id, user_id, message_id, via, value,"
        " reacted_at) SELECT definition_id, guild_id, user_id, 0, 'legacy', value, voted_at"
        " FROM votes"
    )
    db["answer_messages"].add_column("deleted_at", str)
    db["answer_messages"].create_index(["guild_id", "created_at"])
    # Badges are announced once, in the channel where they were earned; old ones already were.
    db["badges"].add_column("channel_id", int)
    db["badges"].add_column("announced_at", str)
    db["badges"].add_column("label", str)  # as it read when earned, if the server drops it
    db.execute("UPDATE badges SET announced_at = awarded_at")
    # Members who left drop out of the leaderboard (their votes stay).
    db["members"].add_column("joined_at", str)
    db["members"].add_column("left_at", str)
    db["members"].add_column("checked_at", str)


@migrations()
def m004_server_glossaries(db: Database) -> None:
    # A server's own glossary sits beside the shared ones, visible in that server only.
    db["glossaries"].add_column("guild_id", int)
    db["glossaries"].create_index(["guild_id"])
    # A term a member created with /contribute: its only definition is theirs, and an import
    # of the server's glossary file leaves it alone (the file never held it).
    db["terms"].add_column("added_by", int)
    db["definitions"].add_column("edited_at", str)


@migrations()
def m005_application_id(db: Database) -> None:
    # Marks the file as glossary-bot's, so that a --db naming another program's SQLite file
    # is refused before anything is written to it (see _foreign_file).
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _foreign_file(db: Database) -> str | None:
    """Why the open file is not glossary-bot's, or None when it is, or is new (empty, or an
    SQLite database without tables). Older files of ours have no application id yet but hold
    our migrations. Only reads: asked before anything is written, on the store's own
    connection (a second one in this process could drop the first one's locks on closing).
    """
    application_id = db.execute("PRAGMA application_id").fetchone()[0]
    if application_id == APPLICATION_ID:
        return None
    if application_id:
        return f"another program's (application id {application_id:#x})"
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    if not tables:
        return None
    if (
        "_sqlite_migrations" in tables
        and db.execute(
            "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ? LIMIT 1", [migrations.name]
        ).fetchone()
    ):
        return None
    shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
    return f"it holds another program's tables ({shown})"


@migrations()
def m006_embeddings(db: Database) -> None:
    # The semantic extra's FAQ vectors (float32 bytes), by model and question text, so that a
    # restart or a reload computes only the vectors of questions it has not seen.
    db["embeddings"].create(
        {"model": str, "text_key": str, "vector": bytes}, pk=("model", "text_key")
    )


@migrations()
def m007_search_index(db: Database) -> None:
    # /search: full-text tables kept in step with terms, aliases, definitions and FAQs by
    # triggers, filled from what the database already holds.
    create_search_index(db)


@migrations()
def m008_definition_history(db: Database) -> None:
    # Every text a definition had, who gave it and when (see history_store.py).
    for sql in history_store.M008_SQL:
        db.execute(sql)


@migrations()
def m009_review_queue(db: Database) -> None:
    # Members' definitions waiting for a server's review (see review_store.py).
    for sql in review_store.M009_SQL:
        db.execute(sql)


def server_glossary_key(guild_id: int) -> str:
    """A server's own glossary is keyed by the server, so it never clashes with a file's name."""
    return f"server:{guild_id}"


class Store:
    """Glossaries, members' contributions and votes: in one SQLite file, or in a PostgreSQL
    database (a ``postgresql://`` URL), through the same SQL."""

    def __init__(self, path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT):
        self.target = str(path)  # the file or the URL, as given: what another Store opens
        self.busy_timeout = busy_timeout
        # Bumped by every write that changes what an answer shows, so readers can cache.
        self.version = 0
        # Small reads outside a transaction (settings, ...), good while `version` stays.
        self._read_cache: tuple[int, dict[tuple, Any]] = (-1, {})
        self._local = threading.local()  # this thread's transaction's settings (see _settings)
        self._vocabulary: Vocabulary | None = None
        self._vocabulary_key: tuple[int, tuple[object, int]] = (-1, (-1, -1))
        self._vocabulary_read = 0.0
        self.sql: DatabaseBase
        if is_database_url(self.target):
            try:
                from bot.core.pg import PostgresDatabase  # psycopg only when it is asked for
            except ImportError as exc:
                raise StoreError(
                    f"a PostgreSQL database needs psycopg ({exc.name} is not installed):"
                    " pip install 'glossary-bot[postgres]'"
                ) from exc

            self.path: Path | None = None
            self.db: Database | None = None
            self.sql = PostgresDatabase(self.target, busy_timeout=busy_timeout)
            return
        self.path = Path(path)
        try:
            self.db = Database(self.path)
            foreign = _foreign_file(self.db)
            if foreign:
                self.db.close()
                raise StoreError(
                    f"{self.path} is not a glossary-bot database: {foreign}. It was left as it"
                    " is; give --db (or GLOSSARY_DB) a file of the bot's own, or a new name"
                )
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            # WAL with synchronous=NORMAL cannot corrupt the file on a crash; at worst the
            # last transaction before a power loss is rolled back.
            self.db.execute("PRAGMA synchronous=NORMAL")
            # A write waits this long for another process's write (a large load) to finish.
            self.db.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open {self.path} as a glossary database: {exc}") from exc
        self.sql = SqliteDatabase(self.db, self.path, busy_timeout=busy_timeout)
        self._migrate()

    def _migrate(self) -> None:
        assert self.db is not None
        known = {m.name for m in migrations._migrations}
        unknown = [m.name for m in migrations.applied(self.db) if m.name not in known]
        if unknown:
            raise StoreError(
                f"{self.path} was written by a newer glossary-bot (schema step {unknown[-1]!r});"
                " upgrade glossary-bot to open it"
            )
        migrations.apply(self.db)

    @property
    def schema_version(self) -> list[str]:
        if self.db is None:
            return self.sql.schema_version()
        return [m.name for m in migrations.applied(self.db)]

    @property
    def backend(self) -> str:
        """ "sqlite" or "postgres"."""
        return self.sql.dialect

    def close(self) -> None:
        self.sql.close()

    @property
    def _settings(self) -> dict[tuple[int, str], str | None]:
        # Per thread: on PostgreSQL several threads may each run a transaction of their own.
        settings = getattr(self._local, "settings", None)
        if settings is None:
            settings = self._local.settings = {}
        return settings

    @contextlib.contextmanager
    def _writing(self, *, wait: bool = True) -> Iterator[None]:
        """One unit of work (nested: a savepoint); see the backend's transaction()."""
        outer = not self.sql.in_transaction
        with self.sql.transaction(wait=wait):
            if outer:
                self._settings.clear()
            yield

    def rehearse(self, work: Callable[[Store], T]) -> T:
        """Run `work(store)` and roll back all it wrote: what a change would do, undone."""
        outcome: list[T] = []
        try:
            with self._writing():
                outcome.append(work(self))
                raise _Rehearsal
        except _Rehearsal:
            pass
        self.version += 1
        return outcome[0]

    def transaction(self, work: Callable[[Store], T], *, wait: bool = True) -> T:
        """Run `work(store)`, its reads and writes, as one transaction: all of it or none.

        With wait=False, raise StoreBusy at once, having done nothing, when another
        connection holds the write lock, instead of waiting up to the busy timeout. On
        PostgreSQL, work that lost a deadlock to another process's is run again (it was
        rolled back whole).
        """
        attempts = 1 if self.sql.in_transaction else RETRIES
        for attempt in range(1, attempts + 1):
            try:
                with self._writing(wait=wait):
                    return work(self)
            except Exception as exc:
                if attempt == attempts or not self.sql.should_retry(exc):
                    raise
        raise AssertionError("unreachable")

    def listen(self, wake: Callable[[], None]) -> Listener | None:
        """Have `wake` called soon after another process changes the glossary, where the
        database can say so (PostgreSQL); None where only polling tells (SQLite)."""
        return self.sql.listen(wake)

    def changed_elsewhere(self) -> None:
        """Another connection wrote to this database: what readers cached may be stale."""
        self.version += 1

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        return self.sql.rows(sql, params if isinstance(params, dict) else list(params))

    def _one(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """One write statement; how many rows it changed (history_store, review_store)."""
        self.version += 1
        return self.sql.execute(sql, list(params))

    # -- meta -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", [key])
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._writing():
            self.sql.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )

    def command_sync_lock(self) -> contextlib.AbstractContextManager[None]:
        """Held by a process while it compares and syncs the slash commands: of the processes
        sharing a PostgreSQL database, one at a time (waited for). An SQLite file serves one
        process, so there nobody else can be syncing."""
        return self.sql.held_lock(COMMAND_SYNC_LOCK)

    def forbid_writes(self) -> None:
        """Make this connection read-only (a process that must never write, like the site)."""
        self.sql.forbid_writes()

    def guild_setting(self, guild_id: int, key: str) -> str | None:
        # Inside a write transaction nobody else can change a setting: it is read once.
        # Outside one, a setting read stays good until `version` moves (a write here, or
        # another process's seen by the service): answers read settings on every /define.
        if self.sql.in_transaction:
            cache = self._settings
            if (guild_id, key) not in cache:
                cache[guild_id, key] = self._setting(guild_id, key)
            return cache[guild_id, key]
        return self.cached_read(("setting", guild_id, key), self._setting, guild_id, key)

    def _setting(self, guild_id: int, key: str) -> str | None:
        row = self._one(
            "SELECT value FROM guild_settings WHERE guild_id = ? AND key = ?", [guild_id, key]
        )
        return row["value"] if row else None

    def cached_read(self, key: tuple, read: Callable[..., T], *args: Any) -> T:
        """`read(*args)`, kept until `version` moves (a write here, or another process's
        once the service has seen it): answers, and the small reads every answer makes."""
        version = self.version
        cache = self._read_cache[1]
        if self._read_cache[0] != version or len(cache) >= READ_CACHE_SIZE:
            cache = {}
            self._read_cache = (version, cache)
        if key in cache:
            return cache[key]
        value = read(*args)
        if self.version == version:  # not kept if a write landed meanwhile
            cache[key] = value
        return value

    def set_guild_setting(self, guild_id: int, key: str, value: str | None) -> None:
        self._settings.pop((guild_id, key), None)
        self.version += 1
        with self._writing():
            if value is None:
                self.sql.execute(
                    "DELETE FROM guild_settings WHERE guild_id = ? AND key = ?", [guild_id, key]
                )
            else:
                self.sql.execute(
                    "INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?)"
                    " ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                    [guild_id, key, value],
                )

    # -- loading glossaries ---------------------------------------------------------------

    def is_empty(self) -> bool:
        return self._one("SELECT 1 AS x FROM glossaries LIMIT 1") is None

    def load_glossary(
        self,
        glossary: Glossary,
        *,
        progress: Callable[[float], None] | None = None,
        guild_id: int | None = None,
        file_digest: str | None = None,
        by: Actor | None = None,
    ) -> LoadReport:
        """Add or update a glossary from its file, keeping everything members made.

        Terms are matched by name within the glossary, so reloading is idempotent. A term that
        left the file is marked removed, not deleted: its votes and contributed definitions stay
        and come back if the term does. With guild_id, the file becomes that server's own
        glossary (its terms visible there only); terms its members created are kept. The work reads
        and writes only this glossary's rows, each kind in one query, so its time follows the
        file, not the rest of the database. `progress` is called with the fraction done;
        `file_digest` is remembered so that the same file loaded again is known without
        reading it (see loaded_file). `by`: who loaded it (an admin's import), for the history
        of the definitions it changes.
        """
        report = LoadReport(glossary.name)
        self.version += 1
        with self._writing():
            glossary_id = self._upsert_glossary(glossary, guild_id)
            _GlossaryLoad(self.sql, glossary_id, report, guild_id=guild_id, actor=by).run(
                glossary, progress
            )
            if report.changed_anything():
                self._bump_generation()
            key = LOADED_FILE + (
                name_key(glossary.name) if guild_id is None else server_glossary_key(guild_id)
            )
            if file_digest:
                self.set_meta(key, file_digest)
            else:
                self.sql.execute("DELETE FROM meta WHERE key = ?", [key])
        return report

    def loaded_file(self, file_digest: str) -> str | None:
        """The name of the glossary whose last load was of the file with this digest, if any:
        loading it again would change nothing."""
        row = self._one(
            "SELECT g.name FROM meta m JOIN glossaries g ON m.key = ? || g.key"
            " WHERE m.key LIKE ? AND m.value = ?",
            [LOADED_FILE, LOADED_FILE + "%", file_digest],
        )
        return row["name"] if row else None

    def glossary_generation(self) -> int:
        """How many loads have changed the glossaries in this file: a running bot that sees
        the number move (another process loaded a file) rebuilds its matcher."""
        return int(self.get_meta(GLOSSARY_GENERATION) or 0)

    def data_version(self) -> object:
        """A value that moves whenever another connection commits a change to the database
        (SQLite's data_version; on PostgreSQL, see bot.core.pg)."""
        return self.sql.change_token()

    def _upsert_glossary(self, glossary: Glossary, guild_id: int | None = None) -> int:
        key = name_key(glossary.name) if guild_id is None else server_glossary_key(guild_id)
        # One statement: two processes loading the same new glossary make one row.
        return self.sql.value(
            "INSERT INTO glossaries (key, guild_id, name, source_name, source_url, loaded_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
            " guild_id = excluded.guild_id, name = excluded.name,"
            " source_name = excluded.source_name, source_url = excluded.source_url,"
            " loaded_at = excluded.loaded_at RETURNING id",
            [
                key,
                guild_id,
                glossary.name,
                glossary.source.name if glossary.source else None,
                glossary.source.url if glossary.source else None,
                _now(),
            ],
        )

    def glossary_names(self) -> list[str]:
        return [
            r["name"]
            for r in self._rows("SELECT name FROM glossaries WHERE guild_id IS NULL ORDER BY id")
        ]

    def export_glossary(self, name: str | None = None, *, guild_id: int | None = None) -> Glossary:
        """One glossary as it was loaded (without members' contributions); with guild_id, that
        server's own glossary (empty when it has none yet)."""
        if guild_id is not None:
            row = self._one(
                "SELECT * FROM glossaries WHERE key = ?", [server_glossary_key(guild_id)]
            )
            if row is None:
                return Glossary(name=SERVER_GLOSSARY_NAME)
        elif name is None:
            row = self._one("SELECT * FROM glossaries WHERE guild_id IS NULL ORDER BY id LIMIT 1")
        else:
            row = self._one("SELECT * FROM glossaries WHERE key = ?", [name_key(name)])
        if row is None:
            raise StoreError(f"no glossary named {name!r}" if name else "the database is empty")
        glossary = Glossary(name=row["name"], source=_source(row))
        for term_row in self._rows(
            "SELECT * FROM terms WHERE glossary_id = ? AND removed_at IS NULL"
            " AND coalesce(guild_id, 0) = coalesce(?, 0) AND added_by IS NULL ORDER BY position",
            [row["id"], guild_id],
        ):
            glossary.terms.append(self._file_term(self._term_record(term_row, row["name"])))
        glossary.faqs = [
            Faq(r["question"], r["answer"])
            for r in self._rows(
                "SELECT question, answer FROM faqs WHERE glossary_id = ? AND term_id IS NULL"
                " AND removed_at IS NULL ORDER BY position",
                [row["id"]],
            )
        ]
        return glossary

    def glossary_term(self, term_id: int) -> Term | None:
        """A term as its glossary file would hold it (for editing it)."""
        record = self.term(term_id)
        return self._file_term(record) if record else None

    def _file_term(self, record: TermRecord) -> Term:
        definition = self._one(
            "SELECT text FROM definitions WHERE term_id = ? AND origin = 'glossary'", [record.id]
        )
        return Term(
            name=record.name,
            definition=definition["text"] if definition else "",
            aliases=record.aliases,
            summary=record.summary,
            context=record.context,
            purpose=record.purpose,
            example=record.example,
            related=record.related,
            faqs=[Faq(f.question, f.answer) for f in self.faqs_of_term(record.id)],
            tags=record.tags,
            source=record.source,
        )

    def matcher_entries(self) -> Iterator[Entry]:
        """Every name the matcher should know: live terms, their aliases, live FAQs."""
        for r in self._rows(
            "SELECT id, name, guild_id FROM terms WHERE removed_at IS NULL ORDER BY id"
        ):
            yield Entry(
                text=r["name"], kind="term", target=r["id"], label=r["name"], scope=r["guild_id"]
            )
        for r in self._rows(
            "SELECT a.alias, t.id, t.name, t.guild_id FROM aliases a JOIN terms t"
            " ON t.id = a.term_id WHERE t.removed_at IS NULL ORDER BY a.id"
        ):
            yield Entry(
                text=r["alias"], kind="alias", target=r["id"], label=r["name"], scope=r["guild_id"]
            )
        for r in self._rows(
            "SELECT f.id, f.question, f.answer, g.guild_id FROM faqs f JOIN glossaries g"
            " ON g.id = f.glossary_id LEFT JOIN terms t ON t.id = f.term_id"
            " WHERE f.removed_at IS NULL AND (t.id IS NULL OR t.removed_at IS NULL) ORDER BY f.id"
        ):
            yield Entry(
                text=r["question"],
                kind="faq",
                target=r["id"],
                label=r["question"],
                scope=r["guild_id"],
                answer=r["answer"],
            )

    def term_matcher_entries(self, term_ids: list[int]) -> tuple[list[Entry], list[int]]:
        """What the matcher should know of these terms now (their names, aliases and FAQs, if
        live), and the ids of every FAQ they ever had (to forget the old ones)."""
        if not term_ids:
            return [], []
        marks = ", ".join("?" for _ in term_ids)
        entries = [
            Entry(text=r["name"], kind="term", target=r["id"], label=r["name"], scope=r["guild_id"])
            for r in self._rows(
                f"SELECT id, name, guild_id FROM terms WHERE id IN ({marks})"
                " AND removed_at IS NULL ORDER BY id",
                term_ids,
            )
        ]
        entries += [
            Entry(
                text=r["alias"], kind="alias", target=r["id"], label=r["name"], scope=r["guild_id"]
            )
            for r in self._rows(
                "SELECT a.alias, t.id, t.name, t.guild_id FROM aliases a JOIN terms t"
                f" ON t.id = a.term_id WHERE t.id IN ({marks}) AND t.removed_at IS NULL"
                " ORDER BY a.id",
                term_ids,
            )
        ]
        faq_ids = []
        for r in self._rows(
            "SELECT f.id, f.question, f.answer, f.removed_at, t.removed_at AS term_removed,"
            " t.guild_id"
            f" FROM faqs f JOIN terms t ON t.id = f.term_id WHERE t.id IN ({marks})"
            " ORDER BY f.id",
            term_ids,
        ):
            faq_ids.append(r["id"])
            if r["removed_at"] is None and r["term_removed"] is None:
                entries.append(
                    Entry(
                        text=r["question"],
                        kind="faq",
                        target=r["id"],
                        label=r["question"],
                        scope=r["guild_id"],
                        answer=r["answer"],
                    )
                )
        return entries, faq_ids

    def term(self, term_id: int) -> TermRecord | None:
        row = self._one(
            "SELECT t.*, g.name AS glossary FROM terms t JOIN glossaries g"
            " ON g.id = t.glossary_id WHERE t.id = ?",
            [term_id],
        )
        return self._term_record(row, row["glossary"]) if row else None

    def find_term(self, name: str, *, guild_id: int | None = None) -> TermRecord | None:
        """A live term by its exact name or alias (case-insensitive)."""
        key = name_key(name)
        row = self._one(
            "SELECT t.id FROM terms t LEFT JOIN aliases a ON a.term_id = t.id"
            " WHERE (t.key = ? OR a.key = ?) AND t.removed_at IS NULL"
            " AND (t.guild_id IS NULL OR t.guild_id = ?) ORDER BY t.key = ? DESC, t.id LIMIT 1",
            [key, key, guild_id, key],
        )
        return self.term(row["id"]) if row else None

    def term_ids(self, names: list[str], *, guild_id: int | None = None) -> dict[str, int]:
        """Live terms by exact name (case-insensitive), in one query: for linking related terms."""
        if not names:
            return {}
        keys = {name_key(n): n for n in names}
        marks = ", ".join("?" for _ in keys)
        rows = self._rows(
            # Naming the glossaries lets SQLite look the keys up in the (glossary, key) index.
            "SELECT id, key FROM terms WHERE glossary_id IN (SELECT id FROM glossaries)"
            f" AND key IN ({marks}) AND removed_at IS NULL"
            " AND (guild_id IS NULL OR guild_id = ?) ORDER BY id DESC",
            [*keys, guild_id],
        )
        return {keys[r["key"]]: r["id"] for r in rows}

    def _term_record(self, row: dict[str, Any], glossary: str) -> TermRecord:
        aliases = [
            r["alias"]
            for r in self._rows(
                "SELECT alias FROM aliases WHERE term_id = ? ORDER BY position", [row["id"]]
            )
        ]
        related = [
            Related(r["name"], r["note"])
            for r in self._rows(
                "SELECT name, note FROM related WHERE term_id = ? ORDER BY position", [row["id"]]
            )
        ]
        return TermRecord(
            id=row["id"],
            name=row["name"],
            glossary=glossary,
            summary=row["summary"],
            context=row["context"],
            purpose=row["purpose"],
            example=row["example"],
            aliases=aliases,
            tags=json.loads(row["tags"] or "[]"),
            related=related,
            source=_source(row),
            guild_id=row["guild_id"],
            removed=row["removed_at"] is not None,
        )

    def glossary_source(self, glossary: str) -> Source | None:
        row = self._one("SELECT * FROM glossaries WHERE key = ?", [name_key(glossary)])
        return _source(row) if row else None

    def faq(self, faq_id: int) -> FaqRecord | None:
        row = self._one(_FAQ_SELECT + " WHERE f.id = ?", [faq_id])
        return _faq_record(row) if row else None

    def faqs_of_term(self, term_id: int) -> list[FaqRecord]:
        return [
            _faq_record(r)
            for r in self._rows(
                _FAQ_SELECT + " WHERE f.glossary_id IN (SELECT id FROM glossaries)"
                " AND f.term_id = ? AND f.removed_at IS NULL ORDER BY f.position",
                [term_id],
            )
        ]

    # -- definitions ----------------------------------------------------------------------

    def definitions(self, term_id: int, *, guild_id: int | None) -> list[DefinitionRecord]:
        """The term's definitions visible in a server, best-voted first, the glossary's on ties."""
        rows = self._rows(
            "SELECT * FROM (" + _DEFINITION_SELECT + " WHERE d.term_id = ? AND d.removed_at IS NULL"
            " AND (d.guild_id IS NULL OR d.guild_id = ?)"
            " GROUP BY d.id) d"
            " ORDER BY upvotes - downvotes DESC, origin = 'glossary' DESC, id",
            [guild_id, term_id, guild_id],
        )
        return [_definition_record(r) for r in rows]

    def definition(self, definition_id: int, *, guild_id: int | None) -> DefinitionRecord | None:
        row = self._one(
            _DEFINITION_SELECT + " WHERE d.id = ? GROUP BY d.id",
            [guild_id, definition_id],
        )
        return _definition_record(row) if row else None

    def add_definition(
        self,
        *,
        term_id: int,
        guild_id: int,
        author_id: int,
        author_name: str,
        text: str,
        source: Source | None = None,
    ) -> int:
        """A member's definition of a term, visible in their server only."""
        if self.term(term_id) is None:
            raise StoreError(f"no term with id {term_id}")
        self.version += 1
        with self._writing():
            self._remember_member(guild_id, author_id, author_name)
            definition_id = self.sql.insert(
                "INSERT INTO definitions (term_id, origin, guild_id, author_id, author_name,"
                " text, source_name, source_url, created_at)"
                " VALUES (?, 'member', ?, ?, ?, ?, ?, ?, ?)",
                [
                    term_id,
                    guild_id,
                    author_id,
                    author_name,
                    text,
                    source.name if source else None,
                    source.url if source else None,
                    _now(),
                ],
            )
            history_store.record(
                self, definition_id, "created", Actor(author_id, author_name), _now()
            )
            return definition_id

    def remove_definition(self, definition_id: int, *, by: Actor | None = None) -> None:
        """Hide a member's definition; its votes are kept, so karma history is not rewritten."""
        self.version += 1
        with self._writing():
            now = _now()
            history_store.keep_original(self, definition_id)
            self.sql.execute(
                "UPDATE definitions SET removed_at = ? WHERE id = ?", [now, definition_id]
            )
            history_store.record(self, definition_id, "removed", by, now)

    def member_definitions(self, *, guild_id: int, user_id: int) -> list[DefinitionRecord]:
        rows = self._rows(
            "SELECT * FROM ("
            + _DEFINITION_SELECT
            + " WHERE d.guild_id = ? AND d.author_id = ? AND d.removed_at IS NULL"
            " GROUP BY d.id) d ORDER BY upvotes - downvotes DESC, id",
            [guild_id, guild_id, user_id],
        )
        return [_definition_record(r) for r in rows]

    def author_definition(
        self, term_id: int, *, guild_id: int, author_id: int
    ) -> DefinitionRecord | None:
        """The member's own live definition of a term in a server, if they wrote one."""
        row = self._one(
            _DEFINITION_SELECT + " WHERE d.term_id = ? AND d.guild_id = ? AND d.author_id = ?"
            " AND d.removed_at IS NULL GROUP BY d.id ORDER BY d.id LIMIT 1",
            [guild_id, term_id, guild_id, author_id],
        )
        return _definition_record(row) if row else None

    def edit_definition(
        self, definition_id: int, *, text: str, source: Source | None, by: Actor | None = None
    ) -> None:
        """New text for a member's definition: the same entry, so its votes stay with it; the
        text it had stays in its history."""
        self.version += 1
        with self._writing():
            now = _now()
            history_store.keep_original(self, definition_id)
            self.sql.execute(
                "UPDATE definitions SET text = ?, source_name = ?, source_url = ?, edited_at = ?"
                " WHERE id = ?",
                [
                    text,
                    source.name if source else None,
                    source.url if source else None,
                    now,
                    definition_id,
                ],
            )
            history_store.record(self, definition_id, "edited", by, now)

    def revert_definition(self, definition_id: int, to: history_store.Version, by: Actor) -> None:
        """A definition's text becomes a former version's again (see history_store.py)."""
        self.version += 1
        with self._writing():
            history_store.revert(self, definition_id, to, by, _now())

    # -- a server's own terms -------------------------------------------------------------

    def server_glossary_id(self, guild_id: int) -> int:
        """The server's own glossary, made on its first term."""
        key = server_glossary_key(guild_id)
        row = self._one("SELECT id FROM glossaries WHERE key = ?", [key])
        if row is not None:
            return row["id"]
        with self._writing():
            # Another process may make it first: theirs stands, as it is.
            self.sql.execute(
                "INSERT INTO glossaries (key, guild_id, name, loaded_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (key) DO NOTHING",
                [key, guild_id, SERVER_GLOSSARY_NAME, _now()],
            )
            return self.sql.value("SELECT id FROM glossaries WHERE key = ?", [key])

    def server_names(self, guild_id: int) -> dict[str, tuple[int, str]]:
        """Every live name and alias of the server's own terms: key -> (term id, term name)."""
        names: dict[str, tuple[int, str]] = {}
        for r in self._rows(
            "SELECT t.id, t.name, t.key, a.key AS alias_key FROM terms t"
            " LEFT JOIN aliases a ON a.term_id = t.id"
            " WHERE t.guild_id = ? AND t.removed_at IS NULL ORDER BY t.id",
            [guild_id],
        ):
            names.setdefault(r["key"], (r["id"], r["name"]))
            if r["alias_key"]:
                names.setdefault(r["alias_key"], (r["id"], r["name"]))
        return names

    def save_server_term(
        self, guild_id: int, term: Term, *, term_id: int | None = None, by: Actor | None = None
    ) -> int:
        """Add a term to the server's own glossary, or rewrite one of its terms (term_id).

        Rewriting goes through the same steps as a load, so aliases, FAQs and the votes on its
        definition are kept as a reload keeps them.
        """
        self.version += 1
        with self._writing():
            glossary_id = self.server_glossary_id(guild_id)
            rows = self._rows("SELECT * FROM terms WHERE glossary_id = ?", [glossary_id])
            existing = {r["key"]: r for r in rows}
            position = max((r["position"] or 0 for r in rows), default=-1) + 1
            if term_id is not None:
                current = next((r for r in rows if r["id"] == term_id), None)
                if current is None:
                    raise StoreError(f"no term with id {term_id} in this server")
                position = current["position"] or 0
                if current["key"] != name_key(term.name):
                    if name_key(term.name) in existing:
                        raise StoreError(
                            f"this server's glossary once had a term named {term.name!r};"
                            " remove this one and add that name back instead"
                        )
                    # A new name for the same term: the row keeps its id (and its votes).
                    self.sql.execute(
                        "UPDATE terms SET key = ? WHERE id = ?", [name_key(term.name), term_id]
                    )
                    existing = {name_key(term.name): {**current, "key": name_key(term.name)}}
                else:
                    existing = {current["key"]: current}
            load = _GlossaryLoad(
                self.sql, glossary_id, LoadReport(""), guild_id=guild_id, actor=by
            )
            [saved] = load.run(Glossary(name="", terms=[term]), None, first_position=position)
            self._bump_generation()
            return saved

    def add_member_term(
        self,
        *,
        guild_id: int,
        name: str,
        author_id: int,
        author_name: str,
        text: str,
        source: Source | None,
    ) -> tuple[int, int]:
        """A term a member created in their server, with their definition: (term, definition)."""
        self.version += 1
        with self._writing():
            glossary_id = self.server_glossary_id(guild_id)
            # The name of a term the server removed comes back as this member's.
            term_id = self.sql.value(
                "INSERT INTO terms (glossary_id, key, name, tags, guild_id, added_by, position,"
                " removed_at) VALUES (?, ?, ?, '[]', ?, ?, NULL, NULL)"
                " ON CONFLICT (glossary_id, key) DO UPDATE SET name = excluded.name,"
                " tags = excluded.tags, guild_id = excluded.guild_id,"
                " added_by = excluded.added_by, position = NULL, removed_at = NULL RETURNING id",
                [glossary_id, name_key(name), name, guild_id, author_id],
            )
            definition_id = self.add_definition(
                term_id=term_id,
                guild_id=guild_id,
                author_id=author_id,
                author_name=author_name,
                text=text,
                source=source,
            )
            self._bump_generation()
            return term_id, definition_id

    def remove_server_term(self, guild_id: int, term_id: int, *, by: Actor | None = None) -> bool:
        """Take a term out of the server's glossary; its definitions and votes stay, hidden."""
        self.version += 1
        with self._writing():
            row = self._one(
                "SELECT glossary_id FROM terms WHERE id = ? AND guild_id = ?"
                " AND removed_at IS NULL",
                [term_id, guild_id],
            )
            if row is None:
                return False
            now = _now()
            self.sql.execute("UPDATE terms SET removed_at = ? WHERE id = ?", [now, term_id])
            self.sql.execute(
                "UPDATE faqs SET removed_at = ? WHERE term_id = ? AND removed_at IS NULL",
                [now, term_id],
            )
            history_store.record_terms(self, [term_id], "removed", by, now)
            self._bump_generation()
            return True

    def _bump_generation(self) -> None:
        # In one statement, so that two processes changing glossaries at once move it twice.
        generation = self.sql.value(
            "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE"
            " SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT) RETURNING value",
            [GLOSSARY_GENERATION],
        )
        self.sql.glossary_changed(int(generation))

    # -- answer messages ------------------------------------------------------------------

    def record_answer_message(
        self,
        *,
        message_id: int,
        guild_id: int | None,
        channel_id: int | None,
        definition_id: int | None = None,
        faq_id: int | None = None,
    ) -> None:
        """Remember which definition a bot message shows, so reactions on it count as votes."""
        # A message shows one definition for its whole life, so the first record stands.
        with self._writing():
            self.sql.execute(
                "INSERT INTO answer_messages"
                " (message_id, guild_id, channel_id, definition_id, faq_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING",
                [message_id, guild_id, channel_id, definition_id, faq_id, _now()],
            )

    def answer_message(self, message_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM answer_messages WHERE message_id = ?", [message_id])

    def vote_target(self, message_id: int) -> dict[str, Any] | None:
        """The definition a live answer in a server shows, with its author; None otherwise."""
        return self._one(
            "SELECT a.message_id, a.guild_id, a.channel_id, a.definition_id, d.author_id,"
            " d.term_id, d.removed_at FROM answer_messages a"
            " JOIN definitions d ON d.id = a.definition_id"
            " WHERE a.message_id = ? AND a.deleted_at IS NULL AND a.guild_id IS NOT NULL",
            [message_id],
        )

    def recent_answer_messages(
        self, *, since: str, guild_id: int | None = None, channel_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Live answers showing a definition, posted since `since`, oldest first."""
        sql = (
            "SELECT message_id, guild_id, channel_id, definition_id FROM answer_messages"
            " WHERE definition_id IS NOT NULL AND deleted_at IS NULL AND guild_id IS NOT NULL"
            " AND created_at >= ?"
        )
        where, params = _matching([since], guild_id=guild_id, channel_id=channel_id)
        return self._rows(sql + where + " ORDER BY message_id", params)

    def forget_messages(self, message_ids: Iterable[int]) -> list[VoteChange]:
        """Answers were deleted: the votes their reactions made are withdrawn."""
        changes: list[VoteChange] = []
        with self._writing():
            for message_id in message_ids:
                self.sql.execute(
                    "UPDATE answer_messages SET deleted_at = ? WHERE message_id = ?"
                    " AND deleted_at IS NULL",
                    [_now(), message_id],
                )
                changes += self.remove_reactions(message_id=message_id)
        return changes

    # -- reactions and votes --------------------------------------------------------------

    def add_reaction(
        self,
        *,
        definition_id: int,
        guild_id: int,
        user_id: int,
        value: int,
        message_id: int = 0,
        via: str = "reaction",
        refused: str | None = None,
    ) -> bool:
        """Keep a standing reaction (refused: why it does not count). False if already kept."""
        with self._writing():
            added = self.sql.execute(
                "INSERT INTO reactions (definition_id, guild_id, user_id, message_id,"
                " via, value, refused, reacted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [definition_id, guild_id, user_id, message_id, via, value, refused, _now()],
            )
            return added == 1

    def remove_reactions(
        self,
        *,
        message_id: int,
        user_id: int | None = None,
        value: int | None = None,
        via: str = "reaction",
    ) -> list[VoteChange]:
        """Reactions taken off a message (all of them, one member's, or one emoji's), and the
        votes that changed with them."""
        more, params = _matching([message_id, via], user_id=user_id, value=value)
        where = "message_id = ? AND via = ?" + more
        with self._writing():
            voters = self._rows(
                f"SELECT DISTINCT definition_id, guild_id, user_id FROM reactions WHERE {where}",
                params,
            )
            if user_id is not None and not voters:
                # A reaction made before reactions were kept: the member's old vote goes.
                shown = self.vote_target(message_id)
                if shown is not None:
                    voters = [{**shown, "user_id": user_id}]
            if not voters:
                return []
            self.sql.execute(f"DELETE FROM reactions WHERE {where}", params)
            changes = []
            for r in voters:
                # A vote kept from before reactions were tracked gives way to what the member
                # does now.
                self.drop_legacy_vote(r["definition_id"], r["guild_id"], r["user_id"])
                change = self.settle_vote(
                    definition_id=r["definition_id"], guild_id=r["guild_id"], user_id=r["user_id"]
                )
                if change.changed:
                    changes.append(change)
            return changes

    def drop_legacy_vote(self, definition_id: int, guild_id: int, user_id: int) -> None:
        self.sql.execute(
            "DELETE FROM reactions WHERE definition_id = ? AND guild_id = ? AND user_id = ?"
            " AND via = 'legacy'",
            [definition_id, guild_id, user_id],
        )

    def reactions_on(self, message_id: int) -> dict[int, set[int]]:
        """The reactions kept for a message: value -> the members who made them."""
        kept: dict[int, set[int]] = {1: set(), -1: set()}
        for r in self._rows(
            "SELECT user_id, value FROM reactions WHERE message_id = ? AND via = 'reaction'",
            [message_id],
        ):
            kept[r["value"]].add(r["user_id"])
        return kept

    def settle_vote(self, *, definition_id: int, guild_id: int, user_id: int) -> VoteChange:
        """Make the member's vote on the definition their latest standing reaction that counts
        (none: no vote).

        What the vote was is told by the writes themselves, not by a read before them, so
        two sessions settling the same vote at once (a shard's handover) change it once.
        """
        key = [definition_id, guild_id, user_id]
        with self._writing():
            latest = self._one(
                "SELECT value FROM reactions WHERE definition_id = ? AND guild_id = ?"
                " AND user_id = ? AND refused IS NULL ORDER BY id DESC LIMIT 1",
                key,
            )
            after = latest["value"] if latest else 0
            if after == 0:
                deleted = self.sql.tuples(
                    "DELETE FROM votes WHERE definition_id = ? AND guild_id = ? AND user_id = ?"
                    " RETURNING value",
                    key,
                )
                before = deleted[0][0] if deleted else 0
            elif self.sql.execute(
                "UPDATE votes SET value = ?, voted_at = ? WHERE definition_id = ?"
                " AND guild_id = ? AND user_id = ? AND value != ?",
                [after, _now(), *key, after],
            ):
                before = -after  # a vote is +1 or -1: it was the other one
            elif self.sql.execute(
                "INSERT INTO votes (definition_id, guild_id, user_id, value, voted_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [*key, after, _now()],
            ):
                before = 0
            else:
                before = after  # it stood already
            change = VoteChange(definition_id, guild_id, user_id, before, after)
            if change.changed:
                self.version += 1
            return change

    def set_vote(
        self, *, definition_id: int, guild_id: int | None, user_id: int, value: int
    ) -> bool:
        """A member's vote given by button (+1 or -1; 0 withdraws it). True when it changed.

        One vote per member per definition: a later vote replaces an earlier one, and replaying
        the same press changes nothing.
        """
        if value not in (-1, 0, 1):
            raise StoreError("a vote is +1, -1 or 0")
        guild = guild_id or 0
        with self._writing():
            self.sql.execute(
                "DELETE FROM reactions WHERE definition_id = ? AND guild_id = ? AND user_id = ?"
                " AND via IN ('button', 'legacy') AND value != ?",
                [definition_id, guild, user_id, value],
            )
            if value:
                self.add_reaction(
                    definition_id=definition_id,
                    guild_id=guild,
                    user_id=user_id,
                    value=value,
                    via="button",
                )
            return self.settle_vote(
                definition_id=definition_id, guild_id=guild, user_id=user_id
            ).changed

    def vote_of(self, *, definition_id: int, guild_id: int | None, user_id: int) -> int:
        row = self._one(
            "SELECT value FROM votes WHERE definition_id = ? AND guild_id = ? AND user_id = ?",
            [definition_id, guild_id or 0, user_id],
        )
        return row["value"] if row else 0

    def votes_given_since(self, *, guild_id: int, voter_id: int, author_id: int, since: str) -> int:
        """Votes a member gives one author's definitions that stand from `since` on."""
        row = self._one(
            "SELECT count(*) AS n FROM votes v JOIN definitions d ON d.id = v.definition_id"
            " WHERE v.guild_id = ? AND v.user_id = ? AND d.author_id = ? AND v.voted_at >= ?",
            [guild_id, voter_id, author_id, since],
        )
        return row["n"] if row else 0

    # -- members, karma, badges -----------------------------------------------------------

    def _remember_member(self, guild_id: int, user_id: int, name: str) -> None:
        self.sql.execute(
            "INSERT INTO members (guild_id, user_id, name) VALUES (?, ?, ?)"
            " ON CONFLICT (guild_id, user_id) DO UPDATE SET name = excluded.name, left_at = NULL",
            [guild_id, user_id, name],
        )

    def member_stats(self, *, guild_id: int, user_id: int, since: str | None = None) -> MemberStats:
        """Votes received on a member's live definitions in one server, and votes they cast."""
        row = self._one(
            _stats_select(since) + " WHERE m.guild_id = ? AND m.user_id = ?"
            " GROUP BY m.guild_id, m.user_id",
            [*([since] if since else []), guild_id, user_id],
        )
        votes_cast = self.votes_cast(guild_id=guild_id, user_id=user_id)
        if row is None:
            return MemberStats(guild_id, user_id, None, 0, 0, 0, votes_cast=votes_cast)
        return _member_stats(row, guild_id, votes_cast=votes_cast)

    def votes_cast(self, *, guild_id: int, user_id: int) -> int:
        """How many votes a member has standing in a server."""
        row = self._one(
            "SELECT count(*) AS n FROM votes WHERE guild_id = ? AND user_id = ?",
            [guild_id, user_id],
        )
        return row["n"] if row else 0

    def best_definitions(self, *, guild_id: int, user_id: int) -> int:
        """How many of the member's definitions are the best-voted of their term here."""
        row = self._one(
            "WITH scores AS (SELECT d.id, d.term_id, d.author_id, d.guild_id,"
            " coalesce(sum(v.value), 0) AS score FROM definitions d"
            " LEFT JOIN votes v ON v.definition_id = d.id AND v.guild_id = :g"
            " WHERE d.removed_at IS NULL AND (d.guild_id IS NULL OR d.guild_id = :g)"
            " AND d.term_id IN (SELECT term_id FROM definitions WHERE guild_id = :g"
            "  AND author_id = :u AND removed_at IS NULL) GROUP BY d.id)"
            " SELECT count(*) AS n FROM scores s WHERE s.guild_id = :g AND s.author_id = :u"
            " AND s.score > 0 AND s.score > coalesce((SELECT max(o.score) FROM scores o"
            "  WHERE o.term_id = s.term_id AND o.id != s.id), 0)",
            {"g": guild_id, "u": user_id},
        )
        return row["n"] if row else 0

    def leaderboard(
        self, *, guild_id: int, since: str | None = None, limit: int = 1000
    ) -> list[MemberStats]:
        """Members with definitions here (who have not left), by karma from votes cast since
        `since` (all time: None); ties by upvotes, then by member id, so the order is stable."""
        having = "definitions > 0" + (" AND upvotes + downvotes > 0" if since else "")
        rows = self._rows(
            "SELECT * FROM ("
            + _stats_select(since)
            + " WHERE m.guild_id = ? AND m.left_at IS NULL GROUP BY m.guild_id, m.user_id) s"
            f" WHERE {having} ORDER BY upvotes - downvotes DESC, upvotes DESC, user_id LIMIT ?",
            [*([since] if since else []), guild_id, limit],
        )
        return [_member_stats(r, guild_id) for r in rows]

    def members_to_check(self, *, guild_id: int, user_ids: list[int], before: str) -> list[int]:
        """Which of these members' presence in the server was last checked before `before`."""
        if not user_ids:
            return []
        marks = ", ".join("?" for _ in user_ids)
        return [
            r["user_id"]
            for r in self._rows(
                f"SELECT user_id FROM members WHERE guild_id = ? AND user_id IN ({marks})"
                " AND (checked_at IS NULL OR checked_at < ?)",
                [guild_id, *user_ids, before],
            )
        ]

    # -- the semantic extra's vectors -----------------------------------------------------

    def embeddings(self, model: str) -> dict[str, bytes]:
        """Every stored vector of one embedding model, by text key."""
        return {
            r["text_key"]: r["vector"]
            for r in self._rows("SELECT text_key, vector FROM embeddings WHERE model = ?", [model])
        }

    def save_embeddings(self, model: str, vectors: dict[str, bytes]) -> None:
        with self._writing(wait=False):
            self.sql.executemany(
                "INSERT INTO embeddings (model, text_key, vector) VALUES (?, ?, ?)"
                " ON CONFLICT (model, text_key) DO UPDATE SET vector = excluded.vector",
                [(model, k, v) for k, v in vectors.items()],
            )

    def set_member_present(self, *, guild_id: int, user_id: int, present: bool) -> None:
        """What Discord said about a member: still here, or gone (their votes stay)."""
        with self._writing():
            self.sql.execute(
                "UPDATE members SET checked_at = ?, left_at = CASE WHEN ? THEN NULL"
                " ELSE coalesce(left_at, ?) END WHERE guild_id = ? AND user_id = ?",
                [_now(), present, _now(), guild_id, user_id],
            )

    def award_badges(
        self,
        *,
        guild_id: int,
        user_id: int,
        badges: Iterable[str],
        channel_id: int | None,
        labels: dict[str, str] | None = None,
    ) -> list[str]:
        """Give badges once each; the new ones, to be announced in `channel_id`."""
        new = []
        with self._writing():
            for badge in badges:
                # Told new by the insert itself: two sessions awarding it at once give it once.
                if self.sql.execute(
                    "INSERT INTO badges (guild_id, user_id, badge, awarded_at, channel_id, label)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [guild_id, user_id, badge, _now(), channel_id, (labels or {}).get(badge)],
                ):
                    new.append(badge)
        return new

    def award_badge(self, *, guild_id: int, user_id: int, badge: str) -> bool:
        """Give a badge once; True when it is new."""
        return bool(
            self.award_badges(guild_id=guild_id, user_id=user_id, badges=[badge], channel_id=None)
        )

    def badges(self, *, guild_id: int, user_id: int) -> list[str]:
        return list(self.badge_labels(guild_id=guild_id, user_id=user_id))

    def badge_labels(self, *, guild_id: int, user_id: int) -> dict[str, str | None]:
        """A member's badges in the order earned, each with how it read when earned."""
        return {
            r["badge"]: r["label"]
            for r in self._rows(
                "SELECT badge, label FROM badges WHERE guild_id = ? AND user_id = ?"
                " ORDER BY awarded_at, rowid",
                [guild_id, user_id],
            )
        }

    def badge_announcements_waiting(self) -> bool:
        return (
            self._one(
                "SELECT 1 AS x FROM badges WHERE announced_at IS NULL AND channel_id IS NOT NULL"
                " LIMIT 1"
            )
            is not None
        )

    def claim_badge_announcements(self, limit: int = 25) -> list[dict[str, Any]]:
        """Badges waiting to be announced, marked announced now: each is announced at most once,
        even if the bot stops before the announcement is sent."""
        with self._writing():
            rows = self._rows(
                "SELECT b.rowid AS id, b.guild_id, b.user_id, b.badge, b.channel_id, m.name"
                " FROM badges b LEFT JOIN members m ON m.guild_id = b.guild_id"
                " AND m.user_id = b.user_id WHERE b.announced_at IS NULL"
                " AND b.channel_id IS NOT NULL ORDER BY b.rowid LIMIT ?",
                [limit],
            )
            # Claimed by the update: of two processes claiming at once, one announces it.
            return [
                r
                for r in rows
                if self.sql.execute(
                    "UPDATE badges SET announced_at = ? WHERE rowid = ? AND announced_at IS NULL",
                    [_now(), r["id"]],
                )
            ]

    # -- what nobody found ----------------------------------------------------------------

    def record_missed_query(self, *, guild_id: int | None, query: str) -> None:
        with self._writing():
            self.sql.execute(
                "INSERT INTO missed_queries (guild_id, query, asked_at) VALUES (?, ?, ?)",
                [guild_id, query[:500], _now()],
            )

    # -- search -------------------------------------------------------------------------

    def search(self, text: str, *, guild_id: int | None, page: int = 0) -> SearchResult:
        """Terms and FAQs whose texts hold the words of `text`, as `guild_id` sees them."""
        return search_glossary(
            self.sql.search_index(),
            text,
            guild_id=guild_id,
            vocabulary=self._search_vocabulary,
            page=page,
        )

    def _search_vocabulary(self) -> Vocabulary:
        # Read again after a load, and at most once a minute after other writes: a word a
        # member's definition brings is a typo's target a little later, and a search with a
        # typo never waits for the whole index to be read after every vote.
        generation = self.glossary_generation()
        stale = self._vocabulary_read < time.monotonic() - VOCABULARY_SECONDS
        if (
            self._vocabulary is None
            or self._vocabulary_key[0] != generation
            or (stale and self._vocabulary_key[1] != (self.data_version(), self.version))
        ):
            self._vocabulary = Vocabulary(self.sql.search_index().vocabulary())
            self._vocabulary_key = (generation, (self.data_version(), self.version))
            self._vocabulary_read = time.monotonic()
        return self._vocabulary

    def missed_report(self, *, guild_id: int | None, limit: int = 25) -> list[MissedQuery]:
        """What members asked that found nothing, most asked first, with when last asked."""
        return [
            MissedQuery(r["latest"], r["query"], r["n"], r["last_asked"])
            for r in self._rows(_MISSED_GROUPS, [guild_id, limit])
        ]

    def missed_query(self, query_id: int, *, guild_id: int | None) -> str | None:
        row = self._one(
            "SELECT query FROM missed_queries WHERE id = ?"
            " AND coalesce(guild_id, 0) = coalesce(?, 0)",
            [query_id, guild_id],
        )
        return row["query"] if row else None

    def missed_queries(self, *, guild_id: int | None, limit: int = 50) -> list[tuple[str, int]]:
        """The most asked queries that found nothing, in one server."""
        return [(r["query"], r["n"]) for r in self._rows(_MISSED_GROUPS, [guild_id, limit])]


class _GlossaryLoad:
    """One load of a glossary file into its rows: what is there read in one query per kind,
    compared in memory, and written back in batches (executemany, plain SQL: sqlite-utils'
    insert and update look at the table's schema on every call, which costs more than the
    write)."""

    def __init__(
        self,
        sql: DatabaseBase,
        glossary_id: int,
        report: LoadReport,
        *,
        guild_id: int | None = None,
        actor: Actor | None = None,
    ):
        self.sql = sql
        # Who changes the definitions (an admin); None: a glossary file, for their history.
        self.actor = actor
        self.glossary_id = glossary_id
        self.guild_id = guild_id  # a server's own glossary: its terms are visible there only
        self.report = report
        self.now = _now()
        # Rows to write, by statement, in the order the statements were first asked for.
        self.writes: dict[str, list[tuple[Any, ...]]] = {}

    def _query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.sql.tuples(sql, [self.glossary_id])

    def run(
        self,
        glossary: Glossary,
        progress: Callable[[float], None] | None,
        *,
        first_position: int | None = None,
    ) -> list[int]:
        """Write the glossary's terms; the ids of its terms, in its order.

        With first_position, the terms are a part of the glossary put at that place (one term
        a server's admin saved): the rest of the glossary, its own FAQs included, is left as
        it is.
        """
        whole = first_position is None
        report = self.report
        terms = {
            row[1]: row
            for row in self._query(
                f"SELECT {_TERM_COLUMNS} FROM terms WHERE glossary_id = ? ORDER BY id"
            )
        }
        definitions: dict[int, tuple[int, str]] = {}
        for def_id, term_id, text in self._query(
            "SELECT d.id, d.term_id, d.text FROM definitions d JOIN terms t ON t.id = d.term_id"
            " WHERE t.glossary_id = ? AND d.origin = 'glossary' ORDER BY d.id DESC"
        ):
            definitions[term_id] = (def_id, text)  # the first, as descending ids end on it
        related: dict[int, list[Related]] = defaultdict(list)
        for term_id, name, note in self._query(
            "SELECT r.term_id, r.name, r.note FROM related r JOIN terms t ON t.id = r.term_id"
            " WHERE t.glossary_id = ? ORDER BY r.term_id, r.position, r.id"
        ):
            related[term_id].append(Related(name, note))
        aliases: dict[int, dict[str, tuple[Any, ...]]] = defaultdict(dict)
        for row in self._query(
            "SELECT a.id, a.term_id, a.key, a.alias, a.position FROM aliases a"
            " JOIN terms t ON t.id = a.term_id WHERE t.glossary_id = ? ORDER BY a.id"
        ):
            aliases[row[1]][row[2]] = row
        faqs: dict[int | None, dict[str, tuple[Any, ...]]] = defaultdict(dict)
        for row in self._query(
            f"SELECT {_FAQ_COLUMNS} FROM faqs WHERE glossary_id = ? ORDER BY id"
        ):
            faqs[row[2]][row[3]] = row
        # Ids for the new terms up front, as their aliases, FAQs and definitions point at them.
        new_ids = iter(
            self.sql.reserve_ids(
                "terms", sum(name_key(t.name) not in terms for t in glossary.terms)
            )
        )

        new_terms, term_updates, seen = [], [], set()
        new_definitions, definition_updates = [], []
        restored: set[int] = set()
        related_deletes, new_related = [], []
        ids = []
        for position, term in enumerate(glossary.terms, first_position or 0):
            key = name_key(term.name)
            source = term.source
            values = (
                term.name,
                term.summary,
                term.context,
                term.purpose,
                term.example,
                json.dumps(term.tags),
                source.name if source else None,
                source.url if source else None,
            )
            row = terms.get(key)
            if row is None:
                term_id = next(new_ids)
                new_terms.append((term_id, self.glossary_id, key, *values, self.guild_id, position))
                report.added["terms"] += 1
                changed = False
            else:
                term_id = row[0]
                # Name, fields, and coming back after a removal count as changes; a new place
                # in the file is written but is not one.
                changed = row[2:10] != values or row[12] is not None
                if row[12] is not None:
                    restored.add(term_id)
                if changed or row[11] != position or row[13] is not None:
                    # A member's term the file now holds becomes the file's.
                    term_updates.append((*values, position, term_id))
            seen.add(term_id)
            ids.append(term_id)
            old_definition = definitions.get(term_id)
            if old_definition is None:
                new_definitions.append((term_id, term.definition, self.now))
            elif old_definition[1] != term.definition:
                # Votes stay with the glossary's definition across edits: it is the same entry.
                definition_updates.append((term.definition, old_definition[0]))
                restored.discard(term_id)  # its history says "loaded": back, and changed
                changed = True
            if related.get(term_id, []) != term.related:
                related_deletes.append((term_id,))
                new_related.extend((term_id, r.term, r.note, i) for i, r in enumerate(term.related))
                changed = True
            self._aliases(term_id, term.aliases, aliases.get(term_id, {}))
            self._faqs(term_id, term.faqs, faqs.get(term_id, {}))
            if changed and row is not None:
                report.changed["terms"] += 1
            if progress and not position % WRITE_BATCH:
                progress(0.5 * position / len(glossary.terms))
        if whole:
            self._faqs(None, glossary.faqs, faqs.get(None, {}))
        removed = []
        for row in terms.values() if whole else ():
            # A member's term (added_by) was never in the file: a load leaves it alone.
            if row[0] not in seen and row[12] is None and row[13] is None:
                removed.append((self.now, row[0]))
                report.removed["terms"] += 1
                report.removed_terms.append(row[2])
                self._faqs(row[0], [], faqs.get(row[0], {}))
        # Parents before children, for the foreign keys.
        self._write(
            f"INSERT INTO terms (id, glossary_id, key, {_TERM_FIELDS}, guild_id, position)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            new_terms,
        )
        self._write(
            f"UPDATE terms SET {', '.join(f'{c} = ?' for c in _TERM_FIELDS.split(', '))},"
            " position = ?, removed_at = NULL, added_by = NULL WHERE id = ?",
            term_updates,
        )
        self._write("UPDATE terms SET removed_at = ? WHERE id = ?", removed)
        self._write(
            "INSERT INTO definitions (term_id, origin, text, created_at)"
            " VALUES (?, 'glossary', ?, ?)",
            new_definitions,
        )
        self._history(new_definitions, definition_updates, removed, restored)
        self._write("DELETE FROM related WHERE term_id = ?", related_deletes)
        self._write(
            "INSERT INTO related (term_id, name, note, position) VALUES (?, ?, ?, ?)", new_related
        )
        # Terms first, as the other rows point at them; related rows are deleted before
        # they are inserted again (the order they were asked for).
        writes = sorted(
            self.writes.items(), key=lambda write: not write[0].startswith("INSERT INTO terms")
        )
        total = sum(len(rows) for _, rows in writes) or 1
        done = 0
        for sql, rows in writes:
            for start in range(0, len(rows), WRITE_BATCH):
                batch = rows[start : start + WRITE_BATCH]
                self.sql.executemany(sql, batch)
                done += len(batch)
                if progress:
                    progress(0.5 + 0.5 * done / total)
        if removed:
            report.kept_votes_on_removed = self._votes_on([term_id for _, term_id in removed])
        return ids

    def _history(
        self,
        new_definitions: list[tuple[Any, ...]],
        definition_updates: list[tuple[str, int]],
        removed: list[tuple[str, int]],
        restored: set[int],
    ) -> None:
        """The changed definitions' texts, and the texts they had before, in their history
        (history_store.py): the glossary's own definitions are updated here, between the two.
        A file's new definitions get no version yet; an admin's get theirs at once."""
        actor, now = self.actor, self.now
        edited = "loaded" if actor is None else "edited"
        ids = [definition_id for _, definition_id in definition_updates]
        self._write(history_store.ORIGINAL_BY_ID, [(i,) for i in ids])
        self._write("UPDATE definitions SET text = ? WHERE id = ?", definition_updates)
        self._write(
            history_store.RECORD_BY_ID,
            [history_store.record_params(edited, actor, now, i) for i in ids],
        )
        # A statement runs where it was first asked for: each term's original before its
        # newest version (a term is new, or removed, or back: never two of these).
        changes = [(t, "removed") for _, t in removed] + [(t, "restored") for t in sorted(restored)]
        self._write(history_store.ORIGINAL_BY_TERM, [(t,) for t, _ in changes])
        if actor is not None:
            changes += [(t, "created") for t, *_ in new_definitions]
        self._write(
            history_store.RECORD_BY_TERM,
            [history_store.record_params(change, actor, now, t) for t, change in changes],
        )

    def _write(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.writes.setdefault(sql, []).extend(rows)

    def _aliases(self, term_id: int, aliases: list[str], old: dict[str, tuple[Any, ...]]) -> None:
        report = self.report
        new_keys = set()
        for position, alias in enumerate(aliases):
            key = name_key(alias)
            new_keys.add(key)
            row = old.get(key)
            if row is None:
                self._write(
                    "INSERT INTO aliases (term_id, key, alias, position) VALUES (?, ?, ?, ?)",
                    [(term_id, key, alias, position)],
                )
                report.added["aliases"] += 1
            elif row[3] != alias or row[4] != position:
                self._write(
                    "UPDATE aliases SET alias = ?, position = ? WHERE id = ?",
                    [(alias, position, row[0])],
                )
                report.changed["aliases"] += row[3] != alias
        for key, row in old.items():
            if key not in new_keys:
                self._write("DELETE FROM aliases WHERE id = ?", [(row[0],)])
                report.removed["aliases"] += 1

    def _faqs(self, term_id: int | None, faqs: list[Faq], old: dict[str, tuple[Any, ...]]) -> None:
        # FAQs keep their ids across reloads, since buttons on old messages carry them.
        report = self.report
        new_keys = set()
        for position, faq in enumerate(faqs):
            key = name_key(faq.question)
            if key in new_keys:
                continue
            new_keys.add(key)
            row = old.get(key)
            if row is None:
                self._write(
                    "INSERT INTO faqs (glossary_id, term_id, key, question, answer, position)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [(self.glossary_id, term_id, key, faq.question, faq.answer, position)],
                )
                report.added["faqs"] += 1
            elif (row[4], row[5], row[6], row[7]) != (faq.question, faq.answer, position, None):
                self._write(
                    "UPDATE faqs SET question = ?, answer = ?, position = ?, removed_at = NULL"
                    " WHERE id = ?",
                    [(faq.question, faq.answer, position, row[0])],
                )
                if row[7] is not None:
                    report.added["faqs"] += 1
                elif row[4] != faq.question or row[5] != faq.answer:
                    report.changed["faqs"] += 1
        for key, row in old.items():
            if key not in new_keys and row[7] is None:
                self._write("UPDATE faqs SET removed_at = ? WHERE id = ?", [(self.now, row[0])])
                report.removed["faqs"] += 1

    def _votes_on(self, term_ids: list[int]) -> int:
        total = 0
        for start in range(0, len(term_ids), 500):
            chunk = term_ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            total += self.sql.value(
                "SELECT count(*) FROM votes JOIN definitions d ON d.id = votes.definition_id"
                f" WHERE d.term_id IN ({marks})",
                chunk,
            )
        return total


# Missed queries grouped case-insensitively, most asked first, each shown in its latest spelling.
_MISSED_GROUPS = (
    "WITH g AS (SELECT max(asked_at) AS last_asked, count(*) AS n, max(id) AS latest"
    " FROM missed_queries WHERE coalesce(guild_id, 0) = coalesce(?, 0) GROUP BY lower(query))"
    " SELECT q.query, g.last_asked, g.n, g.latest FROM g JOIN missed_queries q ON q.id = g.latest"
    " ORDER BY g.n DESC, g.latest DESC LIMIT ?"
)
_TERM_FIELDS = "name, summary, context, purpose, example, tags, source_name, source_url"
# id, key, the fields, guild_id, position, removed_at, added_by: indexes 0, 1, 2-9, 10-13.
_TERM_COLUMNS = f"id, key, {_TERM_FIELDS}, guild_id, position, removed_at, added_by"
# id, glossary_id, term_id, key, question, answer, position, removed_at.
_FAQ_COLUMNS = "id, glossary_id, term_id, key, question, answer, position, removed_at"

# A definition with the votes it received in one server.
_DEFINITION_SELECT = (
    "SELECT d.*, count(v.value) FILTER (WHERE v.value = 1) AS upvotes,"
    " count(v.value) FILTER (WHERE v.value = -1) AS downvotes"
    " FROM definitions d LEFT JOIN votes v ON v.definition_id = d.id AND v.guild_id = ?"
)

_FAQ_SELECT = (
    "SELECT f.*, t.name AS term_name, g.name AS glossary, g.source_name, g.source_url,"
    " g.guild_id AS guild_id"
    " FROM faqs f JOIN glossaries g ON g.id = f.glossary_id LEFT JOIN terms t ON t.id = f.term_id"
)


def _matching(params: list[Any], **optional: Any) -> tuple[str, list[Any]]:
    """ " AND column = ?" for each optional filter given (not None), and all the parameters."""
    given = {column: value for column, value in optional.items() if value is not None}
    return "".join(f" AND {column} = ?" for column in given), [*params, *given.values()]


def _stats_select(since: str | None) -> str:
    """Votes received on a member's live definitions in their server (cast since `since`).

    A removed definition gives no karma, either way; its votes stay for the record.
    """
    period = " AND v.voted_at >= ?" if since else ""
    return (
        "SELECT m.user_id, m.name,"
        " (SELECT count(*) FROM definitions d WHERE d.guild_id = m.guild_id"
        "  AND d.author_id = m.user_id AND d.removed_at IS NULL) AS definitions,"
        " count(v.value) FILTER (WHERE v.value = 1) AS upvotes,"
        " count(v.value) FILTER (WHERE v.value = -1) AS downvotes"
        " FROM members m"
        " LEFT JOIN definitions d ON d.author_id = m.user_id AND d.guild_id = m.guild_id"
        "  AND d.removed_at IS NULL"
        f" LEFT JOIN votes v ON v.definition_id = d.id AND v.guild_id = m.guild_id{period}"
    )


def _source(row: dict[str, Any]) -> Source | None:
    return Source(row["source_name"], row["source_url"]) if row.get("source_name") else None


def _faq_record(row: dict[str, Any]) -> FaqRecord:
    return FaqRecord(
        id=row["id"],
        question=row["question"],
        answer=row["answer"],
        term_id=row["term_id"],
        term_name=row["term_name"],
        glossary=row["glossary"],
        source=_source(row),
        guild_id=row["guild_id"],
    )


def _definition_record(row: dict[str, Any]) -> DefinitionRecord:
    return DefinitionRecord(
        id=row["id"],
        term_id=row["term_id"],
        text=row["text"],
        origin=row["origin"],
        guild_id=row["guild_id"],
        author_id=row["author_id"],
        author_name=row["author_name"],
        source=_source(row),
        created_at=row["created_at"],
        upvotes=row["upvotes"],
        downvotes=row["downvotes"],
        removed=row["removed_at"] is not None,
    )


def _member_stats(row: dict[str, Any], guild_id: int, *, votes_cast: int = 0) -> MemberStats:
    return MemberStats(
        guild_id=guild_id,
        user_id=row["user_id"],
        name=row["name"],
        upvotes=row["upvotes"],
        downvotes=row["downvotes"],
        definitions=row["definitions"],
        votes_cast=votes_cast,
    )
