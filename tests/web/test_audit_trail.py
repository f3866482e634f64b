"""The audit trail from the web side: log-ins on it, refusals in the security log (not on the case),
`flask audit verify` / `checkpoint`, rows planted by an attacker kept off the pages and out of the
way of log-ins, with an alarm for the leading group office."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import func, insert, select, text, update
from web_support import REGISTRATION

from engine import audit
from engine.tables import AuditAlarm, AuditHead, Event
from webapp.cli import _periodic_checkpoint
from webapp.core import db
from webapp.core.refusals import SecurityLogEntry
from webapp.directory.departments import DEMO_PASSWORD

SQLITE_GUARDS = ["CREATE TRIGGER wf_event_no_update BEFORE UPDATE ON wf_event BEGIN "
                 "SELECT RAISE(ABORT, '审计记录只能追加，不能修改或删除'); END",
                 "CREATE TRIGGER wf_event_no_delete BEFORE DELETE ON wf_event BEGIN "
                 "SELECT RAISE(ABORT, '审计记录只能追加，不能修改或删除'); END"]


@contextmanager
def attacker(app):
    """A transaction of someone who switched the append-only guard off (superuser rights)."""
    with app.app_context():
        session = db.session()
        postgres = session.bind.dialect.name == "postgresql"
        if postgres:
            session.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            session.execute(text("DROP TRIGGER wf_event_no_update"))
            session.execute(text("DROP TRIGGER wf_event_no_delete"))
        yield session
        if not postgres:
            for statement in SQLITE_GUARDS:
                session.execute(text(statement))
        db.commit()


def kinds(app):
    with app.app_context():
        return [(e.kind, e.actor, e.data.get("reason")) for e in
                db.session().scalars(select(Event).order_by(Event.id))]


def test_logins_failures_and_logouts_are_recorded(app, client):
    client.post("/login", data={"username": "water.clerk", "password": "wrong"})
    client.post("/login", data={"username": "nobody", "password": "x"})
    client.post("/login", data={"username": "water.clerk", "password": DEMO_PASSWORD})
    client.post("/logout")
    assert kinds(app) == [("login_failed", "water.clerk", "wrong_password"),
                          ("login_failed", "nobody", "unknown_user"),
                          ("login", "water.clerk", None), ("logout", "water.clerk", None)]


def test_audit_verify_and_checkpoint_commands(app, login):
    login("water.clerk")
    login("xiacun.clerk")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "没有检查点" in result.output  # nothing vouches for the ends yet
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0 and "已写审计检查点" in result.output
    assert "没有变化" in runner.invoke(args=["audit", "checkpoint"]).output
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "审计记录完整：共 2 条事件" in result.output
    first = kinds(app)[0]
    assert first[0] == "login"
    with attacker(app) as session:
        session.execute(update(Event).where(Event.actor == "water.clerk").values(actor="admin"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "审计记录完整" not in result.output
    chain = audit.chain_of({"case_id": None, "actor": "water.clerk"})
    assert f"第 {chain} 条链第 1 号" in result.output and "被改动" in result.output


def test_the_timer_worker_writes_checkpoints(app, login):
    login("water.clerk")
    with app.app_context():
        _periodic_checkpoint(app.extensions["sa_sessionmaker"])
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


# -- refusals: the security log, not the case's timeline ------------------------------------------------

def test_refusals_are_counted_in_the_security_log_not_on_the_case(app, login):
    register = login("xiacun.clerk").post("/cases/new", data=REGISTRATION)
    assert register.status_code == 302
    with app.app_context():
        before = db.session().scalar(select(func.count()).select_from(Event))
    intruder = login("dagushan.clerk")
    for _ in range(300):
        assert intruder.get("/cases/1").status_code == 403
    assert intruder.post("/tasks/nope/claim").status_code in (403, 404)
    with app.app_context():
        session = db.session()
        # Nothing on the audit trail (its chains, the case's timeline) but the intruder's log-in.
        assert session.scalar(select(func.count()).select_from(Event)) == before + 1
        [row] = session.scalars(select(SecurityLogEntry).where(SecurityLogEntry.path == "/cases/1")).all()
        assert (row.actor, row.actor_department, row.method, row.count, row.case_id) == (
            "dagushan.clerk", "dagushan", "GET", 300, 1)
    supervisor = login("leading_office.supervisor")
    timeline = supervisor.get("/cases/1").get_data(as_text=True)
    assert "越权访问被拒绝" not in timeline
    page = supervisor.get("/supervise/security").get_data(as_text=True)
    assert "dagushan.clerk" in page and ">300<" in page and "/cases/1" in page
    assert 'href="/supervise/security"' in supervisor.get("/supervise/audit").get_data(as_text=True)
    assert "dagushan.clerk" not in supervisor.get("/supervise/security?person=water").get_data(as_text=True)


def test_only_the_leading_office_reads_the_security_log(app, login):
    clerk = login("water.clerk")
    assert clerk.get("/supervise/security").status_code == 403
    with app.app_context():
        row = db.session().scalar(select(SecurityLogEntry))
        assert (row.actor, row.path, row.count) == ("water.clerk", "/supervise/security", 1)


# -- rows written behind the application's back ---------------------------------------------------------

def _plant(app, chain: int, distance: int = 1, **content) -> int:
    with app.app_context():
        top = db.session().get(AuditHead, chain)
        model = db.session().scalars(select(Event).where(Event.chain == chain).order_by(Event.id.desc())).first()
        forged = {c: getattr(model, c) for c in audit.CONTENT}
        forged.update(chain=chain, chain_no=top.chain_no + distance, prev_hash=top.last_hash, **content)
        forged["hash"] = audit.seal(b"a guessed key", top.last_hash, forged)
    with attacker(app) as session:
        return session.execute(insert(Event).values(**forged).returning(Event.id)).scalar_one()


def test_log_in_still_works_with_a_planted_row_and_the_office_is_alarmed(app, login):
    login("water.clerk")
    chain = audit.chain_of({"case_id": None, "actor": "water.clerk"})
    planted = _plant(app, chain)
    client = login("water.clerk")  # before: a unique violation, HTTP 500 for every later log-in
    assert client.get("/inbox/").status_code == 200
    assert "audit-alarm" not in client.get("/inbox/").get_data(as_text=True)  # clerks are not alarmed
    with app.app_context():
        [alarm] = db.session().scalars(select(AuditAlarm)).all()
        assert (alarm.chain, alarm.head_no, alarm.skipped_to) == (chain, 1, 2)
    page = login("leading_office.supervisor").get("/inbox/").get_data(as_text=True)
    assert 'data-testid="audit-alarm"' in page
    assert f"审计记录第 {chain} 条链第 1 号之后发现非本系统写入的记录" in page
    runner = app.test_cli_runner()
    runner.invoke(args=["audit", "checkpoint"])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"第 {chain} 条链第 2 号（事件 id {planted}）" in result.output
    assert "非本系统写入" in result.output
    assert f"告警 {alarm.id}" in runner.invoke(args=["audit", "alarms"]).output
    assert runner.invoke(args=["audit", "resolve", str(alarm.id), "--by", "信息科"]).exit_code == 0
    assert 'data-testid="audit-alarm"' not in login("leading_office.supervisor").get("/inbox/").get_data(as_text=True)


def test_forged_events_do_not_show_and_altered_ones_are_marked(app, login):
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    chain = audit.chain_of({"case_id": 1})
    _plant(app, chain, distance=3, case_id=1, kind="task_completed", title="伪造的办理记录", data={})
    supervisor = login("leading_office.supervisor")
    assert "伪造的办理记录" not in supervisor.get("/cases/1").get_data(as_text=True)
    assert "伪造的办理记录" not in supervisor.get("/supervise/audit?case=1").get_data(as_text=True)
    # An event inside the head, altered: shown, but marked.
    with attacker(app) as session:
        session.execute(update(Event).where(Event.case_id == 1, Event.kind == "started")
                        .values(actor="someone.else"))
    case_page = supervisor.get("/cases/1").get_data(as_text=True)
    assert case_page.count('data-testid="untrusted-event"') == 1 and "哈希校验不通过" in case_page
    search = supervisor.get("/supervise/audit?case=1").get_data(as_text=True)
    assert search.count('data-testid="untrusted-event"') == 1
    csv = supervisor.get("/supervise/audit.csv?case=1").data.decode("utf-8-sig")
    assert "【此记录的哈希校验不通过" in csv
