"""The throwaway PostgreSQL server the tests run against (tests/postgres_server.py)."""

from __future__ import annotations

import psycopg


def test_a_fresh_database_is_empty_and_its_own(pg_url, pg_dsn):
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE here (x integer)")
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (1,)
    with psycopg.connect(pg_dsn) as conn:
        (name,) = conn.execute("SELECT current_database()").fetchone()
    assert name == "postgres"
    assert not pg_url.endswith("/postgres")
