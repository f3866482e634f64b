"""The new-task reminder, whatever opened the task: a timer, a supervisor's override, a registration, a ledger
import (page and bulk loader), the REST API, an inbound event. Each is queued once in the transaction that
opened the task (an observer of the engine's events at the commit) and relayed once to a real local robot."""
from __future__ import annotations

import io
import json
import re
from datetime import datetime, timezone

import pytest
from api_support import bearer, make_account
from dashboard_support import walk
from outbox_support import RELAY_SETTINGS, configure, posted, rows, sweep  # noqa: F401
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from test_ledger import ledger, row
from web_support import INSPECTION, NOTICE, REGISTRATION, instance_version, submit

from engine import audit
from engine.tables import OpenTask
from webapp.core import db, workflow
from webapp.directory.departments import DEPARTMENTS
from webapp.ledger import bulk
from webapp.ledger.columns import columns
from webapp.models import Case, User
from webapp.notifications import triggers

MOBILES = {"xiacun.clerk": "13800000011", "nanhuang.clerk": "13800000012", "task_force.clerk": "13800000013",
           "water.clerk": "13800000014", "water.head": "13800000015", "water_group.clerk": "13800000016",
           "enforcement.clerk": "13800000017"}


@pytest.fixture
def robots(make_app, httpserver):
    """The app with a real group robot per department (one local HTTP receiver), and every clerk in
    MOBILES taking reminders through it."""
    app = make_app(**RELAY_SETTINGS)
    httpserver.expect_request("/robot", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    for code in sorted({name.split(".")[0] for name in MOBILES}):
        configure(app, f"robot:{code}", "wecom", httpserver.url_for("/robot?key=k"), secret=None)
    with app.app_context():
        for user in db.session().scalars(select(User).where(User.username.in_(MOBILES))):
            user.mobile, user.notify_robot, user.email = MOBILES[user.username], True, None
        db.commit()
    return app


def new_task_rows(app, title: str | None = None) -> list:
    return [r for r in rows(app) if r.kind == "notice" and r.payload["subject"].startswith("新任务")
            and (title is None or r.payload["subject"] == f"新任务：{title}")]


def open_task(app, spec: str, case_id: int = 1) -> OpenTask:
    with app.app_context():
        return db.session().scalar(select(OpenTask).where(OpenTask.task_spec == spec, OpenTask.case_id == case_id))


def relayed_once(app, httpserver, queued: list) -> list[dict]:
    """Relay everything pending twice: the rows go out in the first sweep, none in the second."""
    before = len(posted(httpserver, "/robot"))
    first = sweep(app)
    assert first.sent >= len(queued) and first.failed == 0, first.details
    assert sweep(app).handled == 0
    assert {r.id for r in queued} <= {r.id for r in rows(app) if r.status == "sent"}
    return [json.loads(r.data) for r in posted(httpserver, "/robot")[before:]]


def told(app, spec: str, department: str, case_id: int = 1):
    """The one robot row announcing the open task ``spec`` to ``department``."""
    task = open_task(app, spec, case_id)
    found = [r for r in new_task_rows(app, task.title) if r.case_id == case_id]
    assert [r.destination for r in found] == [f"robot:{department}"], [(r.destination, r.payload) for r in found]
    return found[0]


def test_registration_tells_the_town_of_its_first_step(robots, login, httpserver):
    water = login("water.clerk", on=robots)
    assert water.post("/cases/new", data=REGISTRATION).status_code == 302
    row_ = told(robots, "commitment", "xiacun")
    assert row_.payload["mentions"] == [MOBILES["xiacun.clerk"]] and "乳整2026-00001" in row_.payload["text"]
    [body] = relayed_once(robots, httpserver, [row_])
    assert body["text"]["content"].startswith("新任务：签订承诺书")
    assert body["text"]["mentioned_mobile_list"] == [MOBILES["xiacun.clerk"]]


def test_the_clerk_who_opened_the_task_is_not_told(robots, login):
    assert login("xiacun.clerk", on=robots).post("/cases/new", data=REGISTRATION).status_code == 302
    assert new_task_rows(robots) == []  # the town's only clerk registered it: nobody else to tell


def test_a_rolled_back_registration_tells_nobody(robots, login):
    water = login("water.clerk", on=robots)
    assert water.post("/cases/new", data=REGISTRATION).status_code == 302
    again = water.post("/cases/new", data=REGISTRATION)  # the same well: refused, nothing written
    assert again.status_code == 422
    assert len(new_task_rows(robots)) == 1


def test_a_timer_firing_in_the_worker_tells_the_new_step_in_its_own_transaction(robots, login, httpserver,
                                                                                fixed_clock):
    water, town, force = (login(n, on=robots) for n in ("water.clerk", "xiacun.clerk", "task_force.clerk"))
    assert water.post("/cases/new", data=REGISTRATION).status_code == 302
    assert submit(town, open_task(robots, "commitment").task_guid, {"signed_on": "2026-03-02", "signatory": "甲"},
                  instance_version(robots)).status_code == 302
    assert submit(force, open_task(robots, "inspect").task_guid, INSPECTION, instance_version(robots)).status_code == 302
    assert submit(water, open_task(robots, "notice").task_guid, NOTICE, instance_version(robots)).status_code == 302
    report = open_task(robots, "rectify_report")
    relayed_once(robots, httpserver, new_task_rows(robots))  # the walk's own reminders out of the way
    before = len(new_task_rows(robots))
    runner = robots.test_cli_runner()
    fixed_clock.move_to(datetime(2026, 4, 20, 2, 0, tzinfo=timezone.utc))  # every rectification period is over
    output = runner.invoke(args=["timers", "run", "--once"]).output
    assert "触发计时器 0 个" not in output, output
    opened = [(spec, department) for spec, department in _open_specs(robots) if spec != "rectify_report"]
    assert opened == [("recheck", "water")]
    fresh = new_task_rows(robots)[before:]
    assert fresh and all(r.payload["text"].find(report.title) < 0 for r in fresh)
    for spec, department in opened:
        told(robots, spec, department)
    # A second run fires nothing and tells nothing again.
    runner.invoke(args=["timers", "run", "--once"])
    assert len(new_task_rows(robots)) == before + len(fresh)
    bodies = relayed_once(robots, httpserver, fresh)
    assert sum(b["text"]["content"].startswith("新任务：") for b in bodies) == len(fresh)


def _open_specs(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(t.task_spec, t.department) for t in db.session().scalars(select(OpenTask).order_by(OpenTask.id))]


def to_report(app, login):
    water, town, force = (login(n, on=app) for n in ("water.clerk", "xiacun.clerk", "task_force.clerk"))
    assert water.post("/cases/new", data=REGISTRATION).status_code == 302
    submit(town, open_task(app, "commitment").task_guid, {"signed_on": "2026-03-02", "signatory": "甲"},
           instance_version(app))
    submit(force, open_task(app, "inspect").task_guid, INSPECTION, instance_version(app))
    submit(water, open_task(app, "notice").task_guid, NOTICE, instance_version(app))
    return open_task(app, "rectify_report")


def test_overrides_tell_the_steps_they_open_once(robots, login, httpserver):
    report = to_report(robots, login)
    told(robots, "rectify_report", "water")
    supervisor = login("leading_office.supervisor", on=robots)

    def post(action, reason):
        return supervisor.post(f"/cases/1/overrides/{action}", data={
            f"{action}-reason": reason, f"{action}-instance_version": instance_version(robots)})

    # Suspended and resumed: the step comes back with its id, already told: not told again.
    assert post("suspend", "用户涉诉").status_code == 302
    assert post("resume", "裁定已出").status_code == 302
    assert len(new_task_rows(robots, report.title)) == 1
    # Skipped with a reason: the next step is new.
    page = supervisor.get("/cases/1/overrides").get_data(as_text=True)
    prefix = re.search(r'name="(s\d+)-reason"', page).group(1)
    skipped = supervisor.post(f"/cases/1/overrides/skip/{report.task_guid}", data={
        f"{prefix}-reason": "用户已当面报告", f"{prefix}-instance_version": instance_version(robots)})
    assert skipped.status_code == 302, skipped.get_data(as_text=True)
    supply = told(robots, "supply_connection", "water_group")
    # Reset to the notice: a new notice task for the water bureau, told although the old one was.
    page = supervisor.get("/cases/1/overrides").get_data(as_text=True)
    target = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>下达责令限期整改通知书', page).group(1)
    assert supervisor.post("/cases/1/overrides/reset", data={
        "reset-target": target, "reset-reason": "通知书送达地址有误", "reset-instance_version": instance_version(robots)
    }).status_code == 302
    notice = open_task(robots, "notice")
    assert [r.destination for r in new_task_rows(robots, notice.title)] == ["robot:water", "robot:water"]
    reset_row = new_task_rows(robots, notice.title)[-1]
    bodies = relayed_once(robots, httpserver, [supply, reset_row])
    # Every reminder of the walk went out once: registration, commitment → inspect → notice → report,
    # the skip's next step, the reset's notice.
    assert len(bodies) == len(new_task_rows(robots)) == 6


def test_a_migration_to_a_new_diagram_version_does_not_tell_the_same_steps_again(robots, login):
    from engine import Engine, specs

    assert login("water.clerk", on=robots).post("/cases/new", data=REGISTRATION).status_code == 302
    told(robots, "commitment", "xiacun")
    old = robots.extensions["workflow_engine"]
    files = dict(old.current.files)
    files["well_case.bpmn"] = files["well_case.bpmn"].replace('name="签订承诺书"', 'name="签订安全取水承诺书"')
    robots.extensions["workflow_engine"] = Engine(specs.load(files), audit_key=old.audit_key)
    supervisor = login("leading_office.supervisor", on=robots)
    assert supervisor.post("/overrides/migrations", data={"instance": ["1"], "reason": "承诺书名称按新规定调整"}
                           ).status_code == 302
    task = open_task(robots, "commitment")
    assert task.title == "签订安全取水承诺书"
    assert [r.payload["subject"] for r in new_task_rows(robots)] == ["新任务：签订承诺书"]
    # A migration that re-predicts a step under a new id (a changed sub-process) reports it as created in
    # the migration's transaction: the same step, not told. Case 2's step was never told (its only
    # colleague registered it), so only the migration keeps it quiet.
    assert login("xiacun.clerk", on=robots).post("/cases/new", data={**REGISTRATION, "well_no": "XC-002"}
                                                 ).status_code == 302
    second = open_task(robots, "commitment", case_id=2)
    with robots.app_context():
        session = db.session()
        instance_id = session.get(Case, 2).instance_id
        created = {**audit.event("task_created", case_id=2, task_guid=second.task_guid, title=second.title,
                                 data={"department": "xiacun"}), "instance_id": instance_id}
        migrated = {**audit.event("override", case_id=2, data={"type": "migrate"}), "instance_id": instance_id}
        triggers.on_commit(session, [migrated, created])
        db.commit()
    assert len(new_task_rows(robots)) == 1
    with robots.app_context():
        triggers.on_commit(db.session(), [created])  # the same event without the migration: told
        db.commit()
    assert [r.case_id for r in new_task_rows(robots)] == [1, 2]


def test_a_ledger_import_tells_each_town_of_its_new_steps(robots, login, httpserver):
    water = login("water.clerk", on=robots)
    data = ledger([row(1), row(2, **{"所属镇（街道）": "南黄镇"}), row(3)])
    page = water.post("/ledger/import", data={"file": (io.BytesIO(data), "台账.xlsx")},
                      content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "新登记自备井 3 口" in page
    queued = [told(robots, "commitment", "xiacun", 1), told(robots, "commitment", "nanhuang", 2),
              told(robots, "commitment", "xiacun", 3)]
    assert len(relayed_once(robots, httpserver, queued)) == 3


def test_many_new_tasks_of_one_department_make_one_summary(robots, login, httpserver):
    water = login("water.clerk", on=robots)
    count = triggers.SUMMARY_ABOVE + 2
    data = ledger([row(n) for n in range(1, count + 1)] + [row(99, **{"所属镇（街道）": "南黄镇"})])
    page = water.post("/ledger/import", data={"file": (io.BytesIO(data), "台账.xlsx")},
                      content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert f"新登记自备井 {count + 1} 口" in page
    summaries = [r for r in new_task_rows(robots) if r.destination == "robot:xiacun"]
    assert [r.payload["subject"] for r in summaries] == [f"新任务 {count} 项"]
    assert f"“签订承诺书” {count} 项" in summaries[0].payload["text"]
    told(robots, "commitment", "nanhuang", count + 1)  # a department with few: one each, as usual
    assert len(relayed_once(robots, httpserver, summaries)) == 2


def test_the_bulk_loader_sends_one_summary_per_department_for_the_whole_load(robots, tmp_path, httpserver):
    rows_ = [row(n, **{"所属镇（街道）": ("夏村镇", "南黄镇")[n % 2]}) for n in range(1, 10)]
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger(rows_))
    result = robots.test_cli_runner().invoke(args=["ledger", "load", str(path), "--as", "water.clerk", "--batch", "2"])
    assert result.exit_code == 0, result.output
    summaries = sorted((r.destination, r.payload["subject"]) for r in new_task_rows(robots))
    assert summaries == [("robot:nanhuang", "新任务 5 项"), ("robot:xiacun", "新任务 4 项")]  # odd rows in 南黄镇
    assert len(relayed_once(robots, httpserver, new_task_rows(robots))) == 2


def test_a_failing_batch_still_tells_what_the_committed_batches_opened(robots, tmp_path):
    """The second batch fails in the database (a well registered twice, past the checks): the first batch
    stays registered, and its new tasks are told."""
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger([row(n) for n in range(1, 4)]))
    headers, body = bulk.read(path)
    with robots.app_context():
        towns = [(code, name) for code, name, kind in DEPARTMENTS if kind == "town"]
        with db.new_session() as session:
            checked = bulk.check(session, headers, body, columns(), towns, None)
            water = session.scalar(select(User).where(User.username == "water.clerk"))
        new = [r for _n, r in checked.new]
        with pytest.raises(IntegrityError):
            bulk.register(robots.extensions["sa_sessionmaker"], workflow.engine(), [*new, new[0]], water,
                          "台账.xlsx", 4, 0, batch=2)
    assert [(r.destination, r.payload["subject"]) for r in new_task_rows(robots)] == [("robot:xiacun", "新任务 2 项")]


def test_completing_through_the_api_tells_the_next_step_once(robots, login, httpserver):
    town = login("xiacun.clerk", on=robots)
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    submit(town, open_task(robots, "commitment").task_guid, {"signed_on": "2026-03-02", "signatory": "甲"},
           instance_version(robots))
    guid = open_task(robots, "inspect").task_guid
    token = make_account(robots, name="force_app", scopes=["tasks:complete:task_force"])
    api = robots.test_client()
    task = api.get(f"/api/v1/tasks/{guid}", headers=bearer(token))
    assert task.status_code == 200, task.get_json()
    values = {k: v for k, v in task.get_json()["form"]["values"].items() if v is not None}
    values.update({"inspected_on": "2026-03-02", "inspectors": "执法证 3701001", "findings": "未安装计量设施",
                   "in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": False,
                   "has_meter": False, "tax_registered": False, "obstructed": False, "hidden_well": False})
    answer = api.post(f"/api/v1/tasks/{guid}/complete", json=values,
                      headers={**bearer(token), "If-Match": task.headers["ETag"]})
    assert answer.status_code == 200, answer.get_json()
    notice = told(robots, "notice", "water")
    assert notice.payload["mentions"] == sorted([MOBILES["water.clerk"], MOBILES["water.head"]])
    assert len(relayed_once(robots, httpserver, [notice])) >= 1


def test_an_inbound_event_tells_the_step_it_opens(robots, login, httpserver):
    assert login("xiacun.clerk", on=robots).post("/cases/new", data={**REGISTRATION, "in_coverage": "no"}
                                                 ).status_code == 302
    walk(robots, 1, "2026-03-02", "uncovered", "notice", "rectify_report", "permit_approval", "meter_verification")
    assert _open_specs(robots) == [("tax_registration", "tax")]
    relayed_once(robots, httpserver, new_task_rows(robots))
    token = make_account(robots, name="tax_system", scopes=["tasks:complete:tax"])
    with robots.app_context():
        number = db.session().get(Case, 1).number
    event = {"event_id": "TAX-1", "case_number": number, "registered_on": "2026-03-02",
             "taxpayer_no": "91371083MA3C00001X"}
    assert robots.test_client().post("/api/v1/events-in/tax-registered", headers=bearer(token), json=event
                                     ).status_code == 201
    assert _open_specs(robots) == [("recheck", "water")]
    recheck = told(robots, "recheck", "water")
    assert recheck.payload["mentions"] == sorted([MOBILES["water.clerk"], MOBILES["water.head"]])
    # The sender repeats the event: answered from the record, nothing told again.
    assert robots.test_client().post("/api/v1/events-in/tax-registered", headers=bearer(token), json=event
                                     ).status_code == 200
    [body] = relayed_once(robots, httpserver, [recheck])
    assert body["text"]["content"].startswith("新任务：复查")


def test_the_observer_is_installed_on_every_session_of_the_app(robots):
    with robots.app_context():
        assert triggers.on_commit in db.session().info[audit.OBSERVERS]
        assert triggers.on_commit in robots.extensions["sa_sessionmaker"]().info[audit.OBSERVERS]



def test_the_reminders_tell_the_people_who_work_each_inbox(app):
    """``triggers.department_people`` (plain rows, for speed) names exactly ``department_users`` (a seconded
    member of the task force, an inactive clerk and a moved one included)."""
    from webapp.models import Department
    from webapp.tasks.queries import department_users

    with app.app_context():
        session = db.session()
        water = session.scalar(select(Department).where(Department.code == "water"))
        xiacun = session.scalar(select(Department).where(Department.code == "xiacun"))
        seconded = session.scalar(select(User).where(User.department_id == water.id))
        seconded.task_force_member = True
        session.scalar(select(User).where(User.department_id == xiacun.id)).active = False
        db.commit()
        for code, _name, _kind in DEPARTMENTS:
            assert [u.username for u in triggers.department_people(session, code)] == [
                u.username for u in department_users(session, code)], code
        assert seconded.username in [u.username for u in triggers.department_people(session, "task_force")]
