"""Web fixtures: the real app on the per-test database, seeded with departments and demo accounts."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine

from webapp import create_app
from webapp.cli import seed_departments_and_accounts
from webapp.core import db
from webapp.directory.departments import DEMO_PASSWORD

# Monday 2 March 2026 10:00 in China: dates in forms are checked against "today".
TODAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_app(database_url, tmp_path):
    def make(**overrides):
        config = {"TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
                  "SECURE_COOKIES": "0", "UPLOAD_DIR": str(tmp_path / "uploads"),
                  "AUDIT_CHECKPOINT_DIR": str(tmp_path / "audit-checkpoints"),
                  # The tests move the clock by days between one clerk's requests: a session ending
                  # after 30 idle minutes would log them out. The idle tests set the real figure.
                  "IDLE_MINUTES": str(60 * 24 * 3650),
                  # The clock stands still between a test's requests: a kept dashboard would never be
                  # counted again. Its snapshots have tests of their own (test_dashboard_snapshot.py).
                  "DASHBOARD_MAX_AGE": "0"}
        config.update(overrides)
        app = create_app(config)
        with app.app_context():
            seed_departments_and_accounts(db.session(), True)
            db.commit()
        return app
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(app):
    """login("water.clerk") -> a logged-in test client of its own (of ``on`` instead of ``app`` if given)."""
    def do_login(username: str, on=None):
        c = (on or app).test_client()
        response = c.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return c
    return do_login

