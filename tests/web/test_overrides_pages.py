"""The supervisor's override page on a case and the list of overrides."""
from __future__ import annotations

import re

from sqlalchemy import select
from web_support import NOTICE, REGISTRATION
from web_support import instance_version as version

from engine.tables import Event, OpenTask
from webapp.core import db
from webapp.models import Case


def open_task(app, spec):
    with app.app_context():
        return db.session().scalar(select(OpenTask).where(OpenTask.task_spec == spec))


def case_task(app, case_id):
    with app.app_context():
        return db.session().scalar(select(OpenTask).where(OpenTask.case_id == case_id))


def to_report(app, login):
    """Register a covered, unlicensed well and move it to the rectification report (with its deadline)."""
    water = login("water.clerk")
    assert water.post("/cases/new", data=REGISTRATION).status_code == 302
    town, force = login("xiacun.clerk"), login("task_force.clerk")
    town.post(f"/tasks/{open_task(app, 'commitment').task_guid}",
              data={"signed_on": "2026-03-02", "signatory": "甲", "instance_version": version(app)})
    force.post(f"/tasks/{open_task(app, 'inspect').task_guid}", data={
        "inspected_on": "2026-03-02", "inspectors": "执法证 3701001", "in_coverage": "yes", "has_permit": "no",
        "purpose": "industrial", "urban_village": "no", "has_meter": "no", "tax_registered": "no",
        "obstructed": "no", "hidden_well": "no", "findings": "未安装计量设施", "instance_version": version(app)})
    water.post(f"/tasks/{open_task(app, 'notice').task_guid}", data={
        **NOTICE, "instance_version": version(app)})
    return open_task(app, "rectify_report")


def test_only_supervisors_see_and_use_the_override_page(app, login):
    to_report(app, login)
    for username in ("water.head", "leading_office.clerk", "xiacun.clerk"):
        user = login(username)
        assert user.get("/cases/1/overrides").status_code == 403
        assert user.post("/cases/1/overrides/suspend", data={"suspend-reason": "x",
                                                            "suspend-instance_version": version(app)}).status_code == 403
        assert user.get("/overrides/").status_code == 403
    assert login("leading_office.supervisor").get("/cases/1/overrides").status_code == 200


def test_extend_deadline_from_the_page(app, login):
    report = to_report(app, login)
    supervisor = login("leading_office.supervisor")
    page = supervisor.get("/cases/1/overrides").get_data(as_text=True)
    assert 'data-testid="override-task-rectify_report"' in page and "期限 2026-03-09 23:59" in page
    url = f"/cases/1/overrides/deadline/{report.task_guid}"
    prefix = f"d{report.id}-"
    missing = supervisor.post(url, data={prefix + "due_on": "2026-03-20", prefix + "reason": "",
                                         prefix + "instance_version": version(app)})
    assert missing.status_code == 422 and "请填写理由" in missing.get_data(as_text=True)
    stale = supervisor.post(url, data={prefix + "due_on": "2026-03-20", prefix + "reason": "延期",
                                       prefix + "instance_version": version(app) - 1})
    assert stale.status_code == 409 and "已有新的进展" in stale.get_data(as_text=True)
    assert open_task(app, "rectify_report").due_at == report.due_at
    done = supervisor.post(url, data={prefix + "due_on": "2026-03-20", prefix + "reason": "用户申请延期",
                                      prefix + "instance_version": version(app)})
    assert done.status_code == 302
    inbox = login("water.clerk").get("/inbox/").get_data(as_text=True)
    assert "期限 2026-03-20 23:59" in inbox
    listing = supervisor.get("/overrides/?type=deadline").get_data(as_text=True)
    assert "调整期限" in listing and "用户申请延期" in listing
    assert "leading_office.supervisor" in listing
    # The clock says 2 March 10:00 in China: the override is on the 2nd, not the 1st or the 3rd.
    assert "用户申请延期" in supervisor.get("/overrides/?from=2026-03-02&to=2026-03-02").get_data(as_text=True)
    assert "用户申请延期" not in supervisor.get("/overrides/?from=2026-03-03").get_data(as_text=True)
    assert "用户申请延期" not in supervisor.get("/overrides/?to=2026-03-01").get_data(as_text=True)
    bad = supervisor.get("/overrides/?from=2026-13-01")
    assert bad.status_code == 422 and "不是有效的日期" in bad.get_data(as_text=True)
    assert "用户申请延期" not in supervisor.get("/overrides/?supervisor=water").get_data(as_text=True)


def test_suspend_resume_and_cancel_from_the_page(app, login):
    to_report(app, login)
    supervisor = login("leading_office.supervisor")
    post = lambda action, reason: supervisor.post(f"/cases/1/overrides/{action}", data={  # noqa: E731
        f"{action}-reason": reason, f"{action}-instance_version": version(app)})
    assert post("suspend", "用户涉诉").status_code == 302
    assert "整改情况报告" not in login("water.clerk").get("/inbox/").get_data(as_text=True)
    page = supervisor.get("/cases/1").get_data(as_text=True)
    assert "已暂停" in page and "暂停案件：用户涉诉" in page
    assert post("resume", "裁定已出").status_code == 302
    assert "整改情况报告" in login("water.clerk").get("/inbox/").get_data(as_text=True)
    assert post("cancel", "重复登记").status_code == 302
    assert "已撤销" in supervisor.get("/cases/1").get_data(as_text=True)
    # The reset form now offers to re-open the case at a step already done.
    page = supervisor.get("/cases/1/overrides").get_data(as_text=True)
    assert "重新打开案件" in page
    target = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>下达责令限期整改通知书', page).group(1)
    assert supervisor.post("/cases/1/overrides/reset", data={
        "reset-target": target, "reset-reason": "并非重复登记", "reset-instance_version": version(app)}).status_code == 302
    assert open_task(app, "notice") is not None
    with app.app_context():
        kinds = [e.data["type"] for e in db.session().scalars(
            select(Event).where(Event.kind == "override").order_by(Event.id))]
    assert kinds == ["suspend", "resume", "cancel", "reset"]


def test_migrate_cases_to_a_new_diagram_version(app, login):
    from engine import Engine, specs
    water = login("water.clerk")
    assert water.post("/cases/new", data=REGISTRATION).status_code == 302
    assert water.post("/cases/new", data={**REGISTRATION, "well_no": "XC-002"}).status_code == 302
    supervisor = login("leading_office.supervisor")
    assert 'data-testid="no-migrations"' in supervisor.get("/overrides/migrations").get_data(as_text=True)
    assert login("water.head").get("/overrides/migrations").status_code == 403
    # The office edits the diagram (a step renamed) and the app restarts on the new version.
    old = app.extensions["workflow_engine"]
    files = dict(old.current.files)
    files["well_case.bpmn"] = files["well_case.bpmn"].replace('name="签订承诺书"', 'name="签订安全取水承诺书"')
    app.extensions["workflow_engine"] = Engine(specs.load(files), audit_key=old.audit_key)
    page = supervisor.get("/overrides/migrations").get_data(as_text=True)
    assert page.count('data-testid="movable"') == 2 and "签订承诺书" in page  # the changed step is named
    no_reason = supervisor.post("/overrides/migrations", data={"instance": ["1"], "reason": ""})
    assert no_reason.status_code == 422 and "请填写迁移理由" in no_reason.get_data(as_text=True)
    assert supervisor.post("/overrides/migrations", data={"instance": ["1"], "reason": "承诺书名称按新规定调整"}
                           ).status_code == 302
    assert "签订安全取水承诺书" in login("xiacun.clerk").get("/inbox/").get_data(as_text=True)
    page = supervisor.get("/overrides/migrations").get_data(as_text=True)
    assert page.count('data-testid="movable"') == 1  # case 2 was not ticked: still on the old version
    assert "迁移到新版流程图" in supervisor.get("/overrides/?type=migrate").get_data(as_text=True)


def test_correct_case_data_moves_town_tasks_and_records_before_after(app, login):
    water = login("water.clerk")
    assert water.post("/cases/new", data=REGISTRATION).status_code == 302
    assert water.post("/cases/new", data={**REGISTRATION, "well_no": "XC-002"}).status_code == 302
    assert login("xiacun.clerk").post(f"/tasks/{case_task(app, 1).task_guid}/claim").status_code == 302
    assert case_task(app, 1).assignee == "xiacun.clerk"
    supervisor = login("leading_office.supervisor")
    page = supervisor.get("/cases/1/overrides/correct").get_data(as_text=True)
    assert 'value="XC-001"' in page and 'value="乳山某某食品有限公司"' in page  # prefilled
    assert login("water.head").get("/cases/1/overrides/correct").status_code == 403
    data = {**REGISTRATION, "instance_version": version(app), "reason": "现场核实：机井位于南黄镇"}
    unchanged = supervisor.post("/cases/1/overrides/correct", data=data)
    assert unchanged.status_code == 422 and "没有修改任何内容" in unchanged.get_data(as_text=True)
    taken = supervisor.post("/cases/1/overrides/correct", data={**data, "well_no": "XC-002"})
    assert taken.status_code == 422 and "已被其他机井使用" in taken.get_data(as_text=True)
    done = supervisor.post("/cases/1/overrides/correct", data={**data, "town": "nanhuang", "village": "西村"})
    assert done.status_code == 302
    assert open_task(app, "commitment").department in ("nanhuang", "xiacun")
    with app.app_context():
        tasks = {t.case_id: t.department for t in db.session().scalars(select(OpenTask))}
        case = db.session().get(Case, 1)
        assert (case.town, case.well.town, case.well.village) == ("nanhuang", "nanhuang", "西村")
        event = db.session().scalar(select(Event).where(Event.kind == "override"))
    assert tasks == {1: "nanhuang", 2: "xiacun"}  # only the corrected case's town task moved
    assert case_task(app, 1).assignee is None  # the old town's clerk no longer holds it
    assert event.data["type"] == "correct_data"
    assert event.data["changes"] == {"well.town": ["xiacun", "nanhuang"], "well.village": ["东村", "西村"],
                                     "user.town": ["xiacun", "nanhuang"]}
    assert 'data-testid="task-commitment"' in login("nanhuang.clerk").get("/inbox/").get_data(as_text=True)
    timeline = supervisor.get("/cases/1").get_data(as_text=True)
    assert "所属镇（街道）：xiacun → nanhuang" in timeline and "村（社区）：东村 → 西村" in timeline


def test_a_suspended_cases_task_says_so(app, login):
    report = to_report(app, login)
    supervisor = login("leading_office.supervisor")
    assert supervisor.post("/cases/1/overrides/suspend", data={
        "suspend-reason": "等待裁定", "suspend-instance_version": version(app)}).status_code == 302
    response = login("water.clerk").get(f"/tasks/{report.task_guid}")
    assert response.status_code == 409
    assert "已由督办人员 leading_office.supervisor 于 2026-03-02 10:00 暂停（理由：等待裁定）" in response.get_data(as_text=True)
    assert supervisor.get("/overrides/?to=9999-12-31").status_code == 422


def test_a_step_whose_results_are_needed_is_skipped_only_with_its_form(app, login):
    from web_support import walk_to_notice

    from webapp.models import Document, Problem
    _water, guid = walk_to_notice(app, login)
    supervisor = login("leading_office.supervisor")
    page = supervisor.get("/cases/1/overrides").get_data(as_text=True)
    assert 'data-testid="skip-filled-notice"' in page and 'data-testid="skip-notice"' not in page
    assert "后续环节要依据本环节填写的“送达日期”判断去向或计算期限" in page
    assert "本环节出具《责令限期整改通知书》、《送达回证》" in page
    # A plain skip is not offered, and refused if posted anyway: nothing changes.
    plain = supervisor.post(f"/cases/1/overrides/skip/{guid}", data={"s1-reason": "跳过", "s1-instance_version": version(app)})
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"/overrides/skip/{guid}/fill")
    assert open_task(app, "notice").task_guid == guid
    form = supervisor.get(f"/cases/1/overrides/skip/{guid}/fill")
    assert form.status_code == 200 and 'data-testid="skip-why"' in form.get_data(as_text=True)
    bad = supervisor.post(f"/cases/1/overrides/skip/{guid}/fill", data={
        **NOTICE, "notice_served_on": "", "instance_version": version(app), "skip-reason": "执法大队已当面送达"})
    assert bad.status_code == 422 and open_task(app, "notice").task_guid == guid
    no_reason = supervisor.post(f"/cases/1/overrides/skip/{guid}/fill", data={
        **NOTICE, "instance_version": version(app), "skip-reason": ""})
    assert no_reason.status_code == 422
    done = supervisor.post(f"/cases/1/overrides/skip/{guid}/fill", data={
        **NOTICE, "instance_version": version(app), "skip-reason": "执法大队已当面送达"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "已跳过“下达责令限期整改通知书”并代填办理结果" in text and "已按代填的内容生成文书" in text
    assert open_task(app, "rectify_report").due_at is not None  # the deadline read the supervisor's date
    with app.app_context():
        session = db.session()
        assert {"rectification_notice", "service_receipt"} <= {d.kind for d in session.scalars(select(Document))}
        assert session.scalar(select(Problem).limit(1)) is not None  # the problem list, from the same data
        completed = session.scalar(select(Event).where(Event.kind == "task_completed", Event.task_spec == "notice"))
        override = session.scalar(select(Event).where(Event.kind == "override"))
    assert completed.actor == "leading_office.supervisor" and completed.title.endswith("（督办代填）")
    assert override.data["type"] == "skip" and override.data["filled"] and override.data["data"] == completed.data
    timeline = supervisor.get("/cases/1").get_data(as_text=True)
    assert "下达责令限期整改通知书（督办代填）" in timeline and "跳过环节：执法大队已当面送达" in timeline
    # And the skipped step is offered as a reset target.
    page = supervisor.get("/cases/1/overrides").get_data(as_text=True)
    assert re.search(r'<option value="%s"[^>]*>下达责令限期整改通知书（督办代填）' % guid, page)


def test_a_step_nothing_later_reads_is_skipped_with_a_reason(app, login):
    report = to_report(app, login)
    supervisor = login("leading_office.supervisor")
    page = supervisor.get("/cases/1/overrides").get_data(as_text=True)
    assert 'data-testid="skip-rectify_report"' in page
    prefix = f"s{report.id}-"
    assert supervisor.post(f"/cases/1/overrides/skip/{report.task_guid}", data={
        prefix + "reason": "当事人已口头报告", prefix + "instance_version": version(app)}).status_code == 302
    assert open_task(app, "rectify_report") is None and open_task(app, "supply_connection") is not None
    page = supervisor.get("/cases/1/overrides").get_data(as_text=True)
    assert re.search(r'<option value="%s"[^>]*>整改情况报告（[^<]*跳过）' % report.task_guid, page)


def test_a_deadline_extended_by_working_days_reads_in_words(app, login):
    report = to_report(app, login)
    supervisor = login("leading_office.supervisor")
    url, prefix = f"/cases/1/overrides/deadline/{report.task_guid}", f"d{report.id}-"
    neither = supervisor.post(url, data={prefix + "reason": "延期", prefix + "instance_version": version(app)})
    assert neither.status_code == 422 and "二者选一" in neither.get_data(as_text=True)
    both = supervisor.post(url, data={prefix + "reason": "延期", prefix + "due_on": "2026-03-20",
                                      prefix + "working_days": "3", prefix + "instance_version": version(app)})
    assert both.status_code == 422
    assert supervisor.post(url, data={prefix + "reason": "施工延误", prefix + "working_days": "3",
                                      prefix + "instance_version": version(app)}).status_code == 302
    assert "期限 2026-03-12 23:59" in supervisor.get("/cases/1/overrides").get_data(as_text=True)
    for page in (supervisor.get("/cases/1"), supervisor.get("/overrides/?type=deadline")):
        text = page.get_data(as_text=True)
        assert "2026年3月9日 23:59" in text and "2026年3月12日 23:59" in text and "T15:59:59" not in text


def test_the_90_day_limit_of_a_penalty_shows_and_can_be_changed(app, login):
    from web_support import complete_steps
    to_report(app, login)
    complete_steps(app, [("rectify_report", "water.clerk", {}), ("supply_connection", "water.clerk", {}),
                         ("seal_well", "enforcement.clerk", {"seal_obstructed": False}),
                         ("seal_acceptance", "water.clerk", {"seal_accepted": True}),
                         ("recheck", "water.clerk", {"recheck_passed": False}),
                         ("pen_filing", "water.clerk", {"filed_on": "2026-03-02"})])
    page = login("water.clerk").get("/cases/1").get_data(as_text=True)
    assert "立案满90日未作决定，2026-06-01 23:59" in page  # shown beside the open investigation
    supervisor = login("leading_office.supervisor")
    page = supervisor.get("/cases/1/overrides").get_data(as_text=True)
    guid = re.search(r'data-testid="override-deadline-([0-9a-f-]{36})"', page).group(1)
    with app.app_context():
        from engine.tables import Timer
        timer = db.session().scalar(select(Timer).where(Timer.task_guid == guid))
        assert timer.task_spec == "pen_decision_timer"
    prefix = f"t{timer.id}-"
    assert supervisor.post(f"/cases/1/overrides/deadline/{guid}", data={
        prefix + "due_on": "2026-07-01", prefix + "reason": "经负责人批准延长办案期限",
        prefix + "instance_version": version(app)}).status_code == 302
    assert "立案满90日未作决定，2026-07-01 23:59" in supervisor.get("/cases/1").get_data(as_text=True)


def test_migration_names_case_numbers_and_warns_about_changed_deadlines(app, login):
    from engine import Engine, specs
    report = to_report(app, login)
    water = login("water.clerk")
    assert water.post("/cases/new", data={**REGISTRATION, "well_no": "XC-002"}).status_code == 302
    supervisor = login("leading_office.supervisor")
    prefix = f"d{report.id}-"
    assert supervisor.post(f"/cases/1/overrides/deadline/{report.task_guid}", data={
        prefix + "due_on": "2026-03-20", prefix + "reason": "用户申请延期",
        prefix + "instance_version": version(app)}).status_code == 302
    assert supervisor.post("/cases/2/overrides/cancel", data={
        "cancel-reason": "重复登记", "cancel-instance_version": version(app, 2)}).status_code == 302
    old = app.extensions["workflow_engine"]
    files = dict(old.current.files)
    files["well_case.bpmn"] = files["well_case.bpmn"].replace('name="签订承诺书"', 'name="签订安全取水承诺书"')
    app.extensions["workflow_engine"] = Engine(specs.load(files), audit_key=old.audit_key)
    page = supervisor.get("/overrides/migrations").get_data(as_text=True)
    assert "案件 乳整2026-00001" in page
    assert "督办人员调整过的期限“整改情况报告”（现为 2026年3月20日 23:59）迁移后将按新版流程图重新计算" in page
    done = supervisor.post("/overrides/migrations", data={"instance": ["1", "2"], "reason": "名称调整"},
                           follow_redirects=True).get_data(as_text=True)
    assert "已迁移 1 个案件" in done
    assert "乳整2026-00001：督办人员调整过的期限“整改情况报告”" in done
    assert "乳整2026-00002：已结束的案件不迁移。" in done and "流程 2" not in done
    assert "期限 2026-03-09 23:59" in supervisor.get("/cases/1/overrides").get_data(as_text=True)  # recomputed
