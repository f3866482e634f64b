"""Schemathesis against the live API (`make test-api`, run by .ci/run after the PostgreSQL suite).

Starts the real app on a fresh migrated SQLite database with departments, demo accounts, a few cases (one
with its documents) and a system account holding every scope, serves it over HTTP on 127.0.0.1 (a port
the system picks), and runs Schemathesis on the live OpenAPI description with a bounded number of examples
per operation. Passes when no response is a server error or breaks the description (status code, content
type, headers, body schema). Exit status: Schemathesis's.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine.tables import OpenTask, utcnow  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.api import accounts, scopes  # noqa: E402
from webapp.cases.service import register_case  # noqa: E402
from webapp.cli import alembic_config, seed_departments_and_accounts  # noqa: E402
from webapp.core import db, workflow  # noqa: E402
from webapp.directory.departments import CODES  # noqa: E402
from webapp.models import User  # noqa: E402

MAX_EXAMPLES = os.environ.get("WELLS_API_MAX_EXAMPLES", "20")
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance")


def _prepare(app) -> str:
    """Demo data and a system account with every scope; returns its token."""
    with app.app_context():
        session = db.session()
        seed_departments_and_accounts(session, True)
        town = session.scalar(select(User).where(User.username == "xiacun.clerk"))
        engine = workflow.engine()
        for n in range(3):
            register_case(session, engine, {
                "kind": "enterprise", "name": "乳山某某食品有限公司", "party_id": "91350100M000100Y43",
                "legal_rep": "法定代表人甲", "address": "夏村镇工业园1号", "phone": "0631-6651234", "industry": "食品加工",
                "town": "xiacun"}, {
                "well_no": f"XC-{n + 1:03d}", "town": "xiacun", "village": "东村", "purpose": "industrial",
                "in_coverage": True, "in_restricted_zone": False, "has_meter": False, "hidden_well": False}, town)
        session.flush()
        guid = session.scalar(select(OpenTask.task_guid).where(OpenTask.task_spec == "commitment").limit(1))
        engine.complete(session, guid, {"signed_on": utcnow().date().isoformat(), "signatory": "甲",
                                        "reuse_letter": False}, town.actor)
        admin = session.scalar(select(User).where(User.username == "admin"))
        granted = [*scopes.GLOBAL_SCOPES, *(scopes.task_scope(a, d) for d in sorted(CODES) for a in ("read", "complete"))]
        _account, token = accounts.create_account(
            session, engine, admin.actor, name="schemathesis", display_name="接口契约测试", scopes=granted,
            towns=None, expires_at=utcnow() + timedelta(days=1), created_by="admin")
        db.commit()
    return token


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would drown the summary
    with tempfile.TemporaryDirectory(prefix="wells-api-") as folder:
        url = f"sqlite:///{folder}/api.db"
        command.upgrade(alembic_config(url), "head")
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "schemathesis run", "SECURE_COOKIES": "0",
                          "UPLOAD_DIR": f"{folder}/uploads", "AUDIT_CHECKPOINT_DIR": f"{folder}/checkpoints",
                          "AUDIT_KEY": "schemathesis run", "DEMO": "1"})
        token = _prepare(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            return subprocess.call([
                str(Path(sys.executable).parent / "schemathesis"), "run", f"{base}/api/v1/openapi.json",
                "--header", f"Authorization: Bearer {token}", "--checks", CHECKS, "--max-examples", MAX_EXAMPLES,
                "--phases", "examples,coverage,fuzzing", "--seed", os.environ.get("WELLS_API_SEED", "1"),
                "--workers", "1", "--request-timeout", "30", "--suppress-health-check", "all",
                "--warnings", "off"], cwd=folder)  # its cache of past failures stays out of the work tree
        finally:
            server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
