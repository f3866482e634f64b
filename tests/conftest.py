"""Shared fixtures: a migrated database per test, on SQLite by default or on PostgreSQL.

Set WELLS_TEST_DATABASE_URL=postgresql://… to run every database test against PostgreSQL (`.ci/run`
does, on a database it creates). The schema is always made by the Alembic migrations, as in
production, once per test session; each test then gets a clean database (a copy of the migrated
SQLite file, or TRUNCATE on PostgreSQL).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from engine import Engine, specs
from engine.database import connect
from forms.registry import FORMS
from rules import calendar
from webapp.cli import alembic_config
from webapp.directory.departments import CODES
from webapp.tables import METADATA
from webapp.working_calendar import service as calendar_service

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("WELLS_TEST_DATABASE_URL")
AUDIT_KEY = b"test audit key"


@pytest.fixture(scope="session")
def loaded_specs():
    return specs.load(specs.read_directory(ROOT / "bpmn"), departments=CODES, form_keys=set(FORMS))


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory):
    """Run the migrations once: into a template SQLite file, or into the PostgreSQL test database."""
    if PG_URL:
        command.upgrade(alembic_config(PG_URL), "head")
        return PG_URL
    template = tmp_path_factory.mktemp("db") / "template.db"
    command.upgrade(alembic_config(f"sqlite:///{template}"), "head")
    return template


@pytest.fixture
def database_url(_migrated, tmp_path):
    if PG_URL:
        # Truncate before (a run that was interrupted leaves rows behind) and after each test.
        _truncate_all(PG_URL)
        yield PG_URL
        _truncate_all(PG_URL)
    else:
        path = tmp_path / "test.db"
        shutil.copy(_migrated, path)
        yield f"sqlite:///{path}"


def _truncate_all(url: str) -> None:
    tables = [t.name for md in METADATA for t in md.sorted_tables
              if t.name != "wf_audit_head"]
    engine = connect(url)
    with engine.begin() as conn:
        # The audit table refuses TRUNCATE (a trigger): the suite, as the database's owner, switches the
        # triggers off for this one transaction.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE wf_audit_head SET chain_no = 0, last_hash = :genesis, signature = NULL"),
                     {"genesis": "0" * 64})
    engine.dispose()


@pytest.fixture
def sa_engine(database_url):
    engine = connect(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(sa_engine):
    return sessionmaker(sa_engine, expire_on_commit=False)


@pytest.fixture
def wf(loaded_specs):
    """The workflow engine over the real diagrams."""
    return Engine(loaded_specs, audit_key=AUDIT_KEY)


@pytest.fixture(autouse=True)
def no_office_calendar():
    """Every test starts and ends with no office-entered years installed in this process: the calendar is the
    package's and the rule year's until a test enters a year (the web app reloads it from the database)."""
    calendar.install_office_years([])
    calendar_service.forget()
    yield
    calendar.install_office_years([])
    calendar_service.forget()
