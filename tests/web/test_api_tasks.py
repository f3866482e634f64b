"""Tasks through the API: the inbox, a task's form and ETag, claim, and completing it with the task page's own
form class — the same events, documents and problem list as the page, the same 409/410/412/422 answers."""
from __future__ import annotations

import pytest
from api_support import make_account
from sqlalchemy import select
from web_support import INSPECTION, NOTICE, REGISTRATION, instance_version, submit

from engine.tables import Event, OpenTask
from webapp.core import db
from webapp.models import Case, Document, Problem

NOTICE_JSON = {
    "problems": [{"kind": "no_meter", "description": "未安装取水计量设施", "required_act": "install_meter", "rectify_days": 5},
                 {"kind": "in_coverage", "description": "位于公共供水管网覆盖范围内，仍取用地下水",
                  "required_act": "stop_and_seal", "rectify_days": 5}],
    "notice_served_on": "2026-03-02", "service_method": "direct", "legal_basis": "《中华人民共和国水法》第六十九条",
}


def _two_cases_at_the_notice(app, login):
    """Two wells of one water user in 夏村镇, each brought to the water bureau's notice through the pages."""
    town, force = login("xiacun.clerk"), login("task_force.clerk")
    for case_id, well_no in ((1, "XC-001"), (2, "XC-002")):
        assert town.post("/cases/new", data={**REGISTRATION, "well_no": well_no}).status_code == 302
        guid = _open(app, case_id, "commitment")
        assert submit(town, guid, {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app, case_id)).status_code == 302
        guid = _open(app, case_id, "inspect")
        assert submit(force, guid, INSPECTION, instance_version(app, case_id)).status_code == 302


def _open(app, case_id: int, spec: str) -> str:
    with app.app_context():
        return db.session().scalar(select(OpenTask.task_guid).where(OpenTask.case_id == case_id,
                                                                    OpenTask.task_spec == spec))


def _case_number(app, case_id: int) -> str:
    with app.app_context():
        return db.session().get(Case, case_id).number


@pytest.fixture
def water(app, login):
    _two_cases_at_the_notice(app, login)
    token = make_account(app, name="water_system", scopes=["tasks:complete:water", "cases:read"])
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def _step_record(app, case_id: int, guid: str) -> dict:
    """What completing the step wrote: its event data, the events after it, the documents and problems."""
    with app.app_context():
        session = db.session()
        done = session.scalar(select(Event).where(Event.task_guid == guid, Event.kind == "task_completed"))
        after = [e.kind for e in session.scalars(select(Event).where(Event.case_id == case_id, Event.id > done.id)
                                                  .order_by(Event.id))]
        docs = sorted((d.kind, d.version) for d in session.scalars(select(Document).where(Document.task_guid == guid)))
        problems = [(p.kind, p.description, p.required_act, p.deadline)
                    for p in session.scalars(select(Problem).where(Problem.case_id == case_id).order_by(Problem.seq))]
        return {"data": done.data, "actor": done.actor, "after": after, "documents": docs, "problems": problems,
                "open": sorted(session.scalars(select(OpenTask.task_spec).where(OpenTask.case_id == case_id)))}


def test_completing_through_the_api_is_completing_through_the_page(app, login, water):
    page_guid, api_guid = _open(app, 1, "notice"), _open(app, 2, "notice")
    clerk = login("water.clerk")
    assert submit(clerk, page_guid, NOTICE, instance_version(app, 1)).status_code == 302

    task = water.get(f"/api/v1/tasks/{api_guid}")
    assert task.status_code == 200 and task.headers["ETag"] == f'"{instance_version(app, 2)}"'
    form = task.get_json()["form"]
    assert form["key"] == "rectification_notice" and form["values"]["problems"][0]["kind"] == "in_coverage"
    answer = water.post(f"/api/v1/tasks/{api_guid}/complete", json=NOTICE_JSON, headers={"If-Match": task.headers["ETag"]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["case_number"] == _case_number(app, 2) and len(body["documents"]) == 2  # the notice and its 送达回证
    assert body["documents"] == ["乳水责改〔2026〕2号", "乳水送达〔2026〕2号"]  # numbered at the commit
    assert [s["step"] for s in body["next_steps"]] == ["rectify_report"]

    by_page, by_api = _step_record(app, 1, page_guid), _step_record(app, 2, api_guid)
    assert by_api["actor"] == "api:water_system" and by_page["actor"] == "water.clerk"
    assert {k: v for k, v in by_api.items() if k != "actor"} == {k: v for k, v in by_page.items() if k != "actor"}
    assert by_api["problems"] and by_api["documents"]


def test_field_errors_come_back_in_chinese_and_nothing_is_written(app, water):
    guid = _open(app, 2, "notice")
    etag = water.get(f"/api/v1/tasks/{guid}").headers["ETag"]
    bad = {**NOTICE_JSON, "notice_served_on": "上个月", "service_method": None, "colour": "红",
           "problems": [{"kind": "no_meter", "description": "", "required_act": "install_meter", "rectify_days": 500}]}
    answer = water.post(f"/api/v1/tasks/{guid}/complete", json=bad, headers={"If-Match": etag})
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]
    assert errors["notice_served_on"] == ["送达日期格式不对，请按“年-月-日”填写，如 2022-07-21"]
    assert errors["service_method"] == ["请选择送达方式"]
    assert errors["colour"] == ["这一步的表单没有这一项，请对照接口说明中该表单的字段填写"]
    assert errors["problems.0.rectify_days"] == ["整改期限（日）应为1至90之间的整数"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for ms in errors.values() for m in ms)
    with app.app_context():
        assert db.session().scalar(select(Event.id).where(Event.task_guid == guid, Event.kind == "task_completed")) is None
    assert _open(app, 2, "notice") == guid


def test_a_stale_or_missing_if_match_is_refused_like_a_stale_form(app, water):
    guid = _open(app, 2, "notice")
    current = instance_version(app, 2)
    missing = water.post(f"/api/v1/tasks/{guid}/complete", json=NOTICE_JSON)
    assert missing.status_code == 428 and missing.get_json()["code"] == "precondition_required"
    stale = water.post(f"/api/v1/tasks/{guid}/complete", json=NOTICE_JSON, headers={"If-Match": f'"{current - 1}"'})
    assert stale.status_code == 412 and stale.get_json()["code"] == "stale"
    garbage = water.post(f"/api/v1/tasks/{guid}/complete", json=NOTICE_JSON, headers={"If-Match": '"abc"'})
    assert garbage.status_code == 412
    assert _open(app, 2, "notice") == guid  # nothing written
    ok = water.post(f"/api/v1/tasks/{guid}/complete", json=NOTICE_JSON, headers={"If-Match": f'W/"{current}"'})
    assert ok.status_code == 200


def test_a_handled_task_is_gone_and_a_colleagues_claim_wins(app, login, water):
    guid = _open(app, 2, "notice")
    etag = water.get(f"/api/v1/tasks/{guid}").headers["ETag"]
    clerk = login("water.clerk")
    assert clerk.post(f"/tasks/{guid}/claim").status_code == 302
    taken = water.post(f"/api/v1/tasks/{guid}/complete", json=NOTICE_JSON, headers={"If-Match": etag})
    assert taken.status_code == 409 and taken.get_json()["code"] == "taken"
    assert "water.clerk" in taken.get_json()["message"]
    assert water.post(f"/api/v1/tasks/{guid}/claim").status_code == 409
    assert clerk.post(f"/tasks/{guid}/release").status_code == 302

    claimed = water.post(f"/api/v1/tasks/{guid}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "api:water_system"
    done = water.post(f"/api/v1/tasks/{guid}/complete", json=NOTICE_JSON, headers={"If-Match": claimed.headers["ETag"]})
    assert done.status_code == 200
    again = water.post(f"/api/v1/tasks/{guid}/complete", json=NOTICE_JSON, headers={"If-Match": claimed.headers["ETag"]})
    assert again.status_code == 410 and again.get_json()["code"] == "gone"
    assert "api:water_system" in again.get_json()["message"]
    # The clerk's page says the same: handled by the system account.
    shown = clerk.get(f"/tasks/{guid}").get_data(as_text=True)  # the page names the system, not its login
    assert "系统账号：water_system 系统" in shown and "api:water_system" not in shown


def test_the_inbox_pages_with_a_cursor(app, water):
    first = water.get("/api/v1/tasks?department=water&limit=1")
    assert first.status_code == 200
    body = first.get_json()
    assert len(body["items"]) == 1 and body["next_cursor"]
    second = water.get(f"/api/v1/tasks?department=water&limit=1&cursor={body['next_cursor']}").get_json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert {body["items"][0]["case_number"], second["items"][0]["case_number"]} == {_case_number(app, 1),
                                                                                    _case_number(app, 2)}
    assert water.get("/api/v1/tasks?department=water&cursor=xyz").status_code == 422
    refused = water.get("/api/v1/tasks?department=tax")
    assert refused.status_code == 403 and "tasks:read:tax" in refused.get_json()["message"]


def test_a_recheck_is_done_problem_by_problem_as_on_the_page(app, login, water):
    guid = _open(app, 2, "notice")
    etag = water.get(f"/api/v1/tasks/{guid}").headers["ETag"]
    assert water.post(f"/api/v1/tasks/{guid}/complete", json=NOTICE_JSON, headers={"If-Match": etag}).status_code == 200
    from web_support import complete_steps
    complete_steps(app, [("rectify_report", "water.clerk", {}), ("supply_connection", "water_group.clerk", {}),
                         ("seal_well", "enforcement.clerk", {"seal_obstructed": False}),
                         ("seal_acceptance", "water.clerk", {"seal_accepted": True})], case_id=2)
    recheck = _open(app, 2, "recheck")
    task = water.get(f"/api/v1/tasks/{recheck}").get_json()
    rows = task["form"]["values"]["problems"]
    assert [r["problem_id"] for r in rows] == ["1", "2"] and "recheck_passed" not in task["form"]["schema"]["properties"]
    body = {"rechecked_on": "2026-03-02", "recheck_findings": "已安装水表并封井。",
            "problems": [{"problem_id": "1", "closed": True, "evidence": "水表 SB-01"},
                         {"problem_id": "2", "closed": True}]}
    answer = water.post(f"/api/v1/tasks/{recheck}/complete", json=body, headers={"If-Match": str(task["instance_version"])})
    assert answer.status_code == 422 and answer.get_json()["errors"] == {"problems.1.evidence": ["销号须写明整改证据"]}
    body["problems"][1]["evidence"] = "封井照片 FJ-01"
    answer = water.post(f"/api/v1/tasks/{recheck}/complete", json=body, headers={"If-Match": str(task["instance_version"])})
    assert answer.status_code == 200, answer.get_json()
    with app.app_context():
        assert {p.status for p in db.session().scalars(select(Problem).where(Problem.case_id == 2))} == {"closed"}
