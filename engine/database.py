"""The database connection (a SQLAlchemy engine: a connection pool) shared by the web app, the migrations,
the tests and the benchmarks. Named ``connect`` so that "engine" keeps meaning the workflow engine."""
from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine as SAEngine


def connect(url: str, pre_ping: bool = False, **kwargs) -> SAEngine:
    """The database at ``url`` as a SQLAlchemy engine (a connection pool); on SQLite every transaction takes the write lock when it begins.

    SQLite has no ``SELECT … FOR UPDATE``: ``BEGIN IMMEDIATE`` is its equivalent of locking the
    instance row, so two requests completing the same task are serialized instead of both reading the
    old state. It also avoids the deadlock where two readers both try to upgrade to writers.
    """
    if url.startswith("sqlite"):
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("timeout", 30)  # seconds to wait for the write lock (sqlite3's busy timeout)
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # let us issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # Stale connections (a database restart, an idle timeout) are handled optimistically: recycled
    # before the server would drop them, and on a disconnect error SQLAlchemy discards the whole pool
    # so only the request in flight fails (rolled back, nothing half-written). Pre-ping instead costs
    # a round trip on every request, about a tenth of a task completion (bench/engine.py).
    kwargs.setdefault("pool_recycle", 1800)
    kwargs.setdefault("pool_pre_ping", pre_ping)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _planner_settings(dbapi_connection, _record):
        # Once per pooled connection (behind PgBouncer in transaction mode set them on the role instead:
        # docs/scaling.md), for the statements of a case register whose working set is in memory (issue 14):
        # - no JIT compilation: the inbox's step counts (a recursive query whose estimate crosses
        #   jit_above_cost at 100,000 open tasks) took 26 ms, 13 of them compiling, for 1 ms of work; none of
        #   the application's statements runs long enough to win it back;
        # - random_page_cost 1.1 instead of 4 (a spinning disk's): the cases at one stage, 2,000 of 100,000,
        #   were found by reading every case (18 ms) rather than through the stage index (2.5 ms).
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off; SET random_page_cost = 1.1")
        dbapi_connection.commit()

    return engine
