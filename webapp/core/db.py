"""One SQLAlchemy session per request, committed in one place (``commit()``), closed at teardown."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session, sessionmaker

from engine.database import connect


def init_app(app: Flask) -> None:
    engine = connect(app.config["DATABASE_URL"], pre_ping=app.config["DB_PRE_PING"])
    app.extensions["sa_engine"] = engine
    app.extensions["sa_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close)


def session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["sa_sessionmaker"]()
    return g.db_session


def new_session() -> Session:
    """A session outside the request's, for CLI jobs that commit per unit of work."""
    return current_app.extensions["sa_sessionmaker"]()


def commit() -> None:
    session().commit()


def _close(_exc=None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()  # rolls back anything not committed: nothing is ever half-written
