"""Log-ins and refusals on the audit trail, and `flask audit verify` on the app's own chain."""
from __future__ import annotations

from sqlalchemy import select, update

from engine.store import Event
from webapp import db
from webapp.departments import DEMO_PASSWORD


def kinds(app):
    with app.app_context():
        return [(e.kind, e.actor, e.data.get("reason")) for e in
                db.session().scalars(select(Event).order_by(Event.chain_no))]


def test_logins_failures_and_logouts_are_recorded(app, client):
    client.post("/login", data={"username": "water.clerk", "password": "wrong"})
    client.post("/login", data={"username": "nobody", "password": "x"})
    client.post("/login", data={"username": "water.clerk", "password": DEMO_PASSWORD})
    client.post("/logout")
    assert kinds(app) == [("login_failed", "water.clerk", "wrong_password"),
                          ("login_failed", "nobody", "unknown_user"),
                          ("login", "water.clerk", None), ("logout", "water.clerk", None)]


def test_audit_verify_command(app, login):
    login("water.clerk")
    login("xiacun.clerk")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "共 2 条事件，哈希链校验通过" in result.output
    with app.app_context():
        db.session().execute(update(Event).where(Event.chain_no == 1).values(actor="admin"))
        db.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "第 1 号事件" in result.output and "被改动" in result.output
