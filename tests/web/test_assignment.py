"""Claim, release, assign (one and many), move to another department: pages, rules and the record."""
from __future__ import annotations

import re

from sqlalchemy import select
from web_support import NOTICE, REGISTRATION, add_user
from web_support import instance_version as version

from engine.tables import Event, OpenTask
from webapp.core import db

COMMITMENT = {"signed_on": "2026-03-02", "signatory": "法定代表人甲"}


def task(app, spec, case_id=1):
    with app.app_context():
        return db.session().scalar(select(OpenTask).where(OpenTask.case_id == case_id, OpenTask.task_spec == spec))


def registered(app, login, n=1):
    water = login("water.clerk")
    for i in range(1, n + 1):
        assert water.post("/cases/new", data={**REGISTRATION, "well_no": f"XC-00{i}",
                                              "party_id": "91350100M000100Y43"}).status_code == 302
    return water


def events(app, kind):
    with app.app_context():
        return list(db.session().scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_clerk_claims_then_colleague_cannot_take_or_complete_it(app, login):
    registered(app, login)
    add_user(app, "water.clerk2", "water")
    guid = task(app, "commitment").task_guid
    town, other = login("xiacun.clerk"), login("water.clerk")  # the task is the town's
    assert other.post(f"/tasks/{guid}/claim").status_code == 403

    assert town.post(f"/tasks/{guid}/claim").status_code == 302
    assert task(app, "commitment").assignee == "xiacun.clerk"
    mine = town.get("/inbox/?view=mine").get_data(as_text=True)
    assert 'data-testid="task-commitment"' in mine and 'data-testid="badge-mine">1<' in mine
    pool = town.get("/inbox/?view=pool").get_data(as_text=True)
    assert 'data-testid="task-commitment"' not in pool
    (claimed,) = events(app, "task_claimed")
    assert (claimed.actor, claimed.task_guid, claimed.case_id) == ("xiacun.clerk", guid, 1)


def test_claimed_task_is_completed_only_by_its_claimant(app, login):
    registered(app, login)
    add_user(app, "water.clerk2", "water")
    # Move to the water bureau's notice step, where two clerks and a head work.
    town = login("xiacun.clerk")
    guid = task(app, "commitment").task_guid
    town.post(f"/tasks/{guid}", data={**COMMITMENT, "instance_version": version(app)})
    force = login("task_force.clerk")
    force.post(f"/tasks/{task(app, 'inspect').task_guid}", data={
        "inspected_on": "2026-03-02", "inspectors": "执法证 3701001", "in_coverage": "yes", "has_permit": "no",
        "purpose": "industrial", "urban_village": "no", "has_meter": "no", "tax_registered": "no",
        "obstructed": "no", "hidden_well": "no", "findings": "未安装计量设施", "instance_version": version(app)})
    notice = task(app, "notice").task_guid
    first, second, head = login("water.clerk"), login("water.clerk2"), login("water.head")
    assert first.post(f"/tasks/{notice}/claim").status_code == 302
    # Not a question of rights: the colleague is told who has it and since when (and nothing changes).
    late = second.post(f"/tasks/{notice}/claim")
    assert late.status_code == 409 and "已由 water.clerk 于 2026-03-02 10:00 认领" in late.get_data(as_text=True)
    assert task(app, "notice").assignee == "water.clerk"
    page = second.get(f"/tasks/{notice}").get_data(as_text=True)
    assert 'data-testid="claimed-by-other"' in page and "water.clerk" in page
    form = {**NOTICE,
            "instance_version": version(app)}
    refused = second.post(f"/tasks/{notice}", data=form)
    assert refused.status_code == 409 and "已由 water.clerk 于 2026-03-02 10:00 认领" in refused.get_data(as_text=True)
    assert task(app, "notice") is not None  # nothing moved
    # The head may act on it (e.g. the claimant is away); here the claimant releases, the head assigns.
    assert first.post(f"/tasks/{notice}/release").status_code == 302
    assert task(app, "notice").assignee is None
    assert head.post(f"/tasks/{notice}/assign", data={"assignee": "water.clerk2", "priority": "1"}).status_code == 302
    assigned = task(app, "notice")
    assert (assigned.assignee, assigned.priority) == ("water.clerk2", 1)
    assert second.post(f"/tasks/{notice}", data=form).status_code == 302
    assert task(app, "rectify_report").assignee is None  # the next step starts in the pool
    assert [e.kind for e in events(app, "task_assigned")] == ["task_assigned"]


def test_only_heads_and_supervisors_assign(app, login):
    registered(app, login)
    guid = task(app, "commitment").task_guid
    for username in ("xiacun.clerk", "water.head", "task_force.clerk"):
        assert login(username).post(f"/tasks/{guid}/assign",
                                    data={"assignee": "xiacun.clerk", "priority": "0"}).status_code == 403
    supervisor = login("leading_office.supervisor")
    assert supervisor.post(f"/tasks/{guid}/assign", data={"assignee": "xiacun.clerk", "priority": "0"}).status_code == 302
    assert task(app, "commitment").assignee == "xiacun.clerk"
    # A person outside the task's department is not a valid choice.
    response = supervisor.post(f"/tasks/{guid}/assign", data={"assignee": "water.clerk", "priority": "0"},
                               follow_redirects=True)
    assert "请从列表中选择一项" in response.get_data(as_text=True)
    assert task(app, "commitment").assignee == "xiacun.clerk"


def test_head_bulk_assigns_and_sorts_by_priority(app, login):
    registered(app, login, n=3)
    # Bring the three cases to the water bureau is long; the town's inbox is enough: give xiacun a head.
    add_user(app, "xiacun.head", "xiacun", role="head")
    head = login("xiacun.head")
    page = head.get("/inbox/").get_data(as_text=True)
    assert 'data-testid="bulk-assign"' in page
    guids = re.findall(r'name="task" value="([0-9a-f-]{36})"', page)
    assert len(guids) == 3
    response = head.post("/inbox/assign", data={"task": guids[:2], "assignee": "xiacun.clerk", "priority": "1"})
    assert response.status_code == 302
    with app.app_context():
        rows = {t.task_guid: t for t in db.session().scalars(select(OpenTask))}
    assert [rows[g].assignee for g in guids] == ["xiacun.clerk", "xiacun.clerk", None]
    clerk = login("xiacun.clerk")
    urgent_first = clerk.get("/inbox/?sort=priority").get_data(as_text=True)
    order = re.findall(r'/tasks/([0-9a-f-]{36})" data-testid', urgent_first)
    assert set(order[:2]) == set(guids[:2]) and order[2] == guids[2]
    assert 'data-testid="badge-mine">2<' in urgent_first
    # A clerk has no bulk form and cannot post one.
    assert 'data-testid="bulk-assign"' not in urgent_first
    assert clerk.post("/inbox/assign", data={"task": guids[2:], "assignee": "xiacun.clerk",
                                             "priority": "0"}).status_code == 403
    # A task of another department slipped into the list: nothing at all is assigned.
    with app.app_context():
        db.session().execute(OpenTask.__table__.update().where(OpenTask.task_guid == guids[2])
                             .values(department="water"))
        db.commit()
    assert head.post("/inbox/assign", data={"task": guids, "assignee": "xiacun.head",
                                            "priority": "0"}).status_code == 403
    with app.app_context():
        assert db.session().scalar(select(OpenTask.assignee).where(OpenTask.task_guid == guids[0])) == "xiacun.clerk"


def test_supervisor_moves_a_task_to_another_department(app, login):
    registered(app, login)
    guid = task(app, "commitment").task_guid
    assert login("water.head").get(f"/tasks/{guid}/move").status_code == 403
    supervisor = login("leading_office.supervisor")
    assert 'data-testid="move-commitment"' in supervisor.get("/cases/1").get_data(as_text=True)
    missing_reason = supervisor.post(f"/tasks/{guid}/move", data={"department": "water", "reason": ""})
    assert missing_reason.status_code == 422 and "请填写转办理由" in missing_reason.get_data(as_text=True)
    assert task(app, "commitment").department == "xiacun"
    response = supervisor.post(f"/tasks/{guid}/move", data={"department": "water", "reason": "镇里人手不足，由水利局代办"})
    assert response.status_code == 302
    assert task(app, "commitment").department == "water"
    assert "XC-001" not in login("xiacun.clerk").get("/inbox/").get_data(as_text=True)
    water = login("water.clerk")
    assert 'data-testid="task-commitment"' in water.get("/inbox/").get_data(as_text=True)
    (moved,) = events(app, "task_reassigned")
    assert moved.data == {"from": "xiacun", "to": "water", "previous": None, "reason": "镇里人手不足，由水利局代办"}
    assert "由夏村镇转办至市水利局" in water.get("/cases/1").get_data(as_text=True)
    # The water clerk now completes it; the case goes on to the task force as usual.
    assert water.post(f"/tasks/{guid}", data={**COMMITMENT, "instance_version": version(app)}).status_code == 302
    assert task(app, "inspect").department == "task_force"


def test_seconded_task_force_members_work_both_inboxes(app, login):
    registered(app, login)
    town = login("xiacun.clerk")
    town.post(f"/tasks/{task(app, 'commitment').task_guid}", data={**COMMITMENT, "instance_version": version(app)})
    inspect = task(app, "inspect")
    assert inspect.department == "task_force"
    member, colleague = login("water.inspector"), login("water.clerk")
    home = member.get("/inbox/").get_data(as_text=True)
    assert "市水利局 · 待办任务" in home and 'data-testid="inbox-task_force"' in home
    squad = member.get("/inbox/?dept=task_force").get_data(as_text=True)
    assert "整治专班 · 待办任务" in squad and 'data-testid="task-inspect"' in squad
    assert colleague.get(f"/tasks/{inspect.task_guid}").status_code == 403  # not seconded
    assert 'data-testid="inbox-task_force"' not in colleague.get("/inbox/").get_data(as_text=True)
    assert colleague.get("/inbox/?dept=task_force").get_data(as_text=True).count("整治专班 · 待办任务") == 0
    response = member.post(f"/tasks/{inspect.task_guid}", data={
        "inspected_on": "2026-03-02", "inspectors": "执法证 3701001", "in_coverage": "yes", "has_permit": "no",
        "purpose": "industrial", "urban_village": "no", "has_meter": "no", "tax_registered": "no",
        "obstructed": "no", "hidden_well": "no", "findings": "未安装计量设施", "instance_version": version(app)})
    assert response.status_code == 302
    (done,) = [e for e in events(app, "task_completed") if e.task_spec == "inspect"]
    assert (done.actor, done.actor_department) == ("water.inspector", "water")  # home department kept
    # The task force's head assigns among the task force's own staff and the seconded members.
    from webapp.tasks.queries import department_users
    with app.app_context():
        names = {u.username for u in department_users(db.session(), "task_force")}
    assert {"task_force.clerk", "task_force.head", "water.inspector", "enforcement.inspector"} <= names
    assert "water.clerk" not in names
