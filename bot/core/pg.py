"""PostgreSQL under the store: psycopg 3 with a connection pool, numbered SQL migrations.

The store's SQL is written once for both databases; here it is run on PostgreSQL: ``?`` and
``:name`` parameters become psycopg's, a unit of work is one transaction on one pooled
connection (its thread's, so that several threads may each run their own), and a lost deadlock
is run again by the store. The schema lives in ``migrations/postgres/NNNN_*.sql``, applied in
one transaction under an advisory lock and recorded in ``glossary_bot_migrations``, so several
processes starting at once migrate it exactly once.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import resources
from typing import Any, TypeVar

import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bot.core.db import Database, Params
from bot.core.errors import StoreBusy, StoreError
from bot.core.pg_search import PostgresSearchIndex

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS_TABLE = "glossary_bot_migrations"
# pg_advisory_xact_lock key for migrating: "GLSB" and a 1, so no other program's lock clashes.
MIGRATION_LOCK = 0x474C534201
NOTIFY_CHANNEL = "glossary_bot"  # a load tells listening processes (see ChangeListener)
POOL_SIZE = 6  # connections per store: the 4 read threads, the command-sync lock, and one spare
CONNECT_TIMEOUT = 10  # seconds
LISTEN_TICK_SECONDS = 0.5  # how often the listening thread looks whether it should stop
RELISTEN_SECONDS = 1.0  # between tries to make a dropped listening connection again
WAIT_NOT = "50ms"  # how long a unit of work asked not to wait waits for a row lock
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_MIGRATION_FILE = re.compile(r"(\d{4})_(\w+)\.sql")


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """The store's SQL with psycopg's placeholders: ``?`` -> ``%s``, ``:name`` -> ``%(name)s``
    (and a literal ``%`` doubled)."""
    sql = sql.replace("%", "%%")
    sql = _NAMED.sub(r"%(\1)s", sql)
    return sql.replace("?", "%s")


def display_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the PostgreSQL database (its URL does not parse)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, SQL) of every schema step this release knows, in order."""
    folder = resources.files("bot.core").joinpath("migrations/postgres")
    steps = []
    for item in folder.iterdir():
        match = _MIGRATION_FILE.fullmatch(item.name)
        if match:
            steps.append((int(match[1]), item.name.removesuffix(".sql"), item.read_text("utf-8")))
    return sorted(steps)


class PostgresDatabase(Database):
    dialect = "postgres"

    def __init__(self, url: str, *, busy_timeout: float):
        self.url = url
        self.name = display_url(url)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._read_only = False
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
                self._migrate(conn)
        except psycopg.OperationalError as exc:
            raise StoreError(f"cannot open {self.name}: {_reason(exc)}") from exc
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
            name="glossary-bot",
            open=True,
        )
        self._index = PostgresSearchIndex(self)

    # -- the schema ------------------------------------------------------------------------

    def _migrate(self, conn: psycopg.Connection) -> None:
        """Bring the schema up to this release's, once, whoever else starts at the same time."""
        known = migrations()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])
            tables = {
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            }
            if tables and MIGRATIONS_TABLE not in tables:
                shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
                raise StoreError(
                    f"{self.name} is not a glossary-bot database: it holds another program's"
                    f" tables ({shown}). It was left as it is; give --db (or GLOSSARY_DB) a"
                    " database of the bot's own, or a new one"
                )
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY,"
                " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            applied = dict(conn.execute(f"SELECT version, name FROM {MIGRATIONS_TABLE}").fetchall())
            newer = sorted(set(applied) - {number for number, _, _ in known})
            if newer:
                raise StoreError(
                    f"{self.name} was written by a newer glossary-bot (schema step"
                    f" {applied[newer[-1]]!r}); upgrade glossary-bot to open it"
                )
            for number, name, sql in known:
                if number not in applied:
                    conn.execute(sql)  # type: ignore[call-overload]  (a file of our own)
                    conn.execute(
                        f"INSERT INTO {MIGRATIONS_TABLE} (version, name) VALUES (%s, %s)",
                        [number, name],
                    )

    def schema_version(self) -> list[str]:
        rows = self.rows(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY version")
        return [r["name"] for r in rows]

    # -- running the store's SQL -------------------------------------------------------------

    def _statement(self, work: Callable[[psycopg.Connection], T]) -> T:
        """work(connection): this thread's transaction's, or one from the pool.

        A statement of its own that finds its pooled connection dropped by the server (a
        restart, an idle timeout) runs once more on a checked one: it did nothing the first
        time. In a transaction the loss is a StoreError: all of it was rolled back.
        """
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return work(conn)
        with self._lost_as_store_error():
            try:
                with self.pool.connection() as conn:
                    return work(conn)
            except psycopg.OperationalError as exc:
                if not _lost(exc):
                    raise
                self.pool.check()  # drop every other dropped connection too
                with self.pool.connection() as conn:
                    return work(conn)

    @contextlib.contextmanager
    def _lost_as_store_error(self) -> Iterator[None]:
        """A lost server (or no free connection for long) as the store's own error: callers
        handle StoreError, not psycopg's. Other errors pass as they are."""
        try:
            yield
        except psycopg.OperationalError as exc:
            if not _lost(exc):
                raise
            raise StoreError(f"lost {self.name} ({_reason(exc)}); try again") from exc

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        def run(conn: psycopg.Connection) -> list[dict[str, Any]]:
            with conn.cursor(row_factory=dict_row) as cursor:
                cursor.execute(translate(sql), _params(params))
                return cursor.fetchall()

        return self._statement(run)

    def tuples(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        def run(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
            with conn.cursor() as cursor:
                cursor.execute(translate(sql), _params(params))
                return cursor.fetchall() if cursor.description else []

        return self._statement(run)

    def execute(self, sql: str, params: Params = ()) -> int:
        def run(conn: psycopg.Connection) -> int:
            with conn.cursor() as cursor:
                cursor.execute(translate(sql), _params(params))
                return cursor.rowcount

        return self._statement(run)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)

        def run(conn: psycopg.Connection) -> None:
            with conn.cursor() as cursor:
                cursor.executemany(translate(sql), batch)

        self._statement(run)

    def insert(self, sql: str, params: Params = ()) -> int:
        return self.value(sql + " RETURNING id", params)

    def reserve_ids(self, table: str, count: int) -> list[int]:
        # From the table's sequence: another process inserting at the same time gets others.
        if not count:
            return []
        return [
            r[0]
            for r in self.tuples(
                "SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)",
                [table, count],
            )
        ]

    # -- the unit of work --------------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        return getattr(self._local, "conn", None) is not None

    @contextlib.contextmanager
    def transaction(self, *, wait: bool = True) -> Iterator[None]:
        """One transaction on one pooled connection (nested: a savepoint).

        A row another process has locked is waited for up to the busy timeout; with
        wait=False, 50 ms. Either way a wait that runs out raises StoreBusy, all of the work
        rolled back.
        """
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with conn.transaction():
                yield
            return
        timeout = WAIT_NOT if not wait else f"{max(1, round(self.busy_timeout * 1000))}ms"
        with self._lost_as_store_error(), self._begun(timeout) as conn:
            self._local.conn = conn
            try:
                yield
            except errors.LockNotAvailable as exc:
                raise StoreBusy(
                    f"{self.name} stayed busy: another process held what this needed;"
                    " nothing was written, try again"
                ) from exc
            finally:
                self._local.conn = None

    @contextlib.contextmanager
    def _begun(self, lock_timeout: str) -> Iterator[psycopg.Connection]:
        """A pooled connection in a new transaction. One found dropped by the server at BEGIN
        (nothing done yet) is replaced once, as a statement's is."""
        for attempt in (1, 2):
            stack = contextlib.ExitStack()
            try:
                conn = stack.enter_context(self.pool.connection())
                stack.enter_context(conn.transaction())
                if self._read_only:
                    conn.execute("SET TRANSACTION READ ONLY")
                conn.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
            except psycopg.OperationalError as exc:
                with contextlib.suppress(psycopg.Error):
                    stack.__exit__(type(exc), exc, exc.__traceback__)
                if attempt == 2 or not _lost(exc):
                    raise
                self.pool.check()
                continue
            with stack:
                yield conn
            return

    def should_retry(self, exc: Exception) -> bool:
        return isinstance(exc, errors.DeadlockDetected | errors.SerializationFailure)

    def glossary_changed(self, generation: int) -> None:
        # Delivered when the transaction commits, to every process listening.
        self.execute("SELECT pg_notify(?, ?)", [NOTIFY_CHANNEL, str(generation)])

    def change_token(self) -> tuple[str, str | None]:
        """Where the server's write-ahead log is, and the glossary generation: the first moves
        with every commit that wrote anything (and more), the second is the source of truth
        for the glossary itself, read in the same round trip."""
        [row] = self.tuples(
            "SELECT CAST(pg_current_wal_insert_lsn() AS TEXT),"
            " (SELECT value FROM meta WHERE key = 'glossary_generation')"
        )
        return row[0], row[1]

    @contextlib.contextmanager
    def held_lock(self, key: int) -> Iterator[None]:
        """A session advisory lock on a pooled connection of its own, waited for, released
        when the block ends (or by the server, should this process die holding it)."""
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", [key])
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", [key])

    def forbid_writes(self) -> None:
        self._read_only = True

    def listen(self, wake: Callable[[], None]) -> ChangeListener:
        return ChangeListener(self.url, wake)

    def search_index(self) -> PostgresSearchIndex:
        return self._index

    def close(self) -> None:
        self.pool.close()


class ChangeListener:
    """LISTEN for the glossary's NOTIFY on a connection of its own, on a thread of its own.

    A dropped connection (a restarted server, a proxy's idle timeout) is made again, every
    RELISTEN_SECONDS until it works; `wake` is called once it is back, since a NOTIFY sent
    meanwhile was lost. Nothing depends on it: the poll of the generation row catches up
    anyway, only later.
    """

    def __init__(self, url: str, wake: Callable[[], None]):
        self.url = url
        self.wake = wake
        self.listening = threading.Event()  # set while LISTEN is in force (for tests, logs)
        self.pid: int | None = None  # the listening connection's server process
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="glossary-listen", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT
                ) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.pid = conn.info.backend_pid
                    self.listening.set()
                    if not first:
                        log.info("listening for glossary changes again")
                        self.wake()  # what was sent while it was down is lost: look now
                    first = False
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=LISTEN_TICK_SECONDS):
                            self.wake()
            except psycopg.Error as exc:
                if not self._stop.is_set():
                    log.warning(
                        "lost the listening connection (%s); polling until it is back",
                        _reason(exc),
                    )
            finally:
                self.listening.clear()
            self._stop.wait(RELISTEN_SECONDS)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=LISTEN_TICK_SECONDS + CONNECT_TIMEOUT)


def _params(params: Params) -> Sequence[Any] | dict[str, Any]:
    return params if isinstance(params, dict) else list(params)


def _lost(exc: psycopg.OperationalError) -> bool:
    """The connection is gone (no SQLSTATE: the socket closed; 08: connection exception; 57P:
    the server shut it), as opposed to an error of the statement (a lock wait, say)."""
    return exc.sqlstate is None or exc.sqlstate.startswith(("08", "57P"))


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
