"""Database set-up: SQLite's write lock at BEGIN, and recovery from dropped PostgreSQL connections."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import exc, text

from engine.database import connect

PG_URL = os.environ.get("WELLS_TEST_DATABASE_URL")


def test_sqlite_transactions_take_the_write_lock_when_they_begin(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'lock.db'}", connect_args={"timeout": 0.2})
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    first = engine.connect()
    first.begin()
    first.execute(text("SELECT count(*) FROM t"))  # a read only, yet the database is now reserved
    with pytest.raises(exc.OperationalError, match="locked"):
        with engine.begin() as second:
            second.execute(text("SELECT count(*) FROM t"))
    first.rollback()
    first.close()
    engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL")
def test_after_the_server_drops_connections_only_the_request_in_flight_fails():
    engine = connect(PG_URL)
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = connect(PG_URL)
    with admin.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with pytest.raises(exc.DBAPIError) as info:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    assert info.value.connection_invalidated
    with engine.connect() as conn:  # the pool was discarded: the next request gets a fresh connection
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
    admin.dispose()
