"""A throwaway PostgreSQL server for tests and benchmarks, or the one GLOSSARY_TEST_PG_DSN names.

The server binaries come from `pg_config --bindir` (or PATH). PostgreSQL refuses to run as root,
so as root the data folder is handed to the `postgres` user and the server runs through
`runuser -u postgres`. It listens on a free port on 127.0.0.1 with trust authentication, keeps its
data in a temporary folder, skips fsync (the data is thrown away), and is stopped at the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DSN_VARIABLE = "GLOSSARY_TEST_PG_DSN"
REQUIRED_VARIABLE = "GLOSSARY_TEST_PG_REQUIRED"


class Unavailable(Exception):
    """No PostgreSQL server can be had here; the message says why."""


def required() -> bool:
    """CI sets GLOSSARY_TEST_PG_REQUIRED=1: there, a missing server fails the tests."""
    return os.environ.get(REQUIRED_VARIABLE, "") not in ("", "0")


def _bindir() -> Path:
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidate = Path(found.stdout.strip())
        if found.returncode == 0 and (candidate / "initdb").exists():
            return candidate
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise Unavailable("PostgreSQL server binaries not found (no pg_config --bindir, no initdb)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayServer:
    """initdb + pg_ctl in a temporary folder; `dsn` once started."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                raise Unavailable("running as root and runuser is missing")
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no postgres user") from None
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.folder = Path(tempfile.mkdtemp(prefix="glossary-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self.as_postgres, *args], capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise Unavailable(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout}")

    def start(self) -> ThrowawayServer:
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start",
        )  # fmt: skip
        return self

    def stop(self) -> None:
        with contextlib.suppress(Unavailable, subprocess.TimeoutExpired):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_dsn() -> Iterator[str]:
    """The DSN of GLOSSARY_TEST_PG_DSN, or of a throwaway server started here and stopped after."""
    given = os.environ.get(DSN_VARIABLE)
    if given:
        yield given
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise Unavailable("psycopg is not installed (pip install '.[test]')") from None
    server = ThrowawayServer().start()
    try:
        yield server.dsn
    finally:
        server.stop()


def fresh_database(dsn: str, name: str) -> str:
    """Create an empty database `name` on the server of `dsn`; its DSN."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(dsn, autocommit=True) as admin:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        admin.execute(drop.format(sql.Identifier(name)))
        for attempt in range(20):
            try:
                admin.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
                )
                break
            except psycopg.errors.ObjectInUse:
                # CREATE DATABASE copies its template and refuses while another CREATE is
                # copying it too (two tests at once): wait a moment and try again.
                time.sleep(0.05 * (attempt + 1))
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{name}"))
