"""The case stage on the pages: the badge on the case list, the case page, the inbox and the task page; the
case list and the inbox filtered by stage; the case list's counts per stage."""
from __future__ import annotations

import re

from web_support import REGISTRATION, TO_FAILED_RECHECK, complete_steps, task_guid_in


def _register(water, n: int, town: str = "xiacun") -> None:
    assert water.post("/cases/new", data={**REGISTRATION, "well_no": f"W-00{n}", "town": town}).status_code == 302


def _stages(html: str) -> list[str]:
    return re.findall(r'data-testid="case-stage"\s+data-stage="(\w*)"', html)


def test_the_case_list_shows_filters_and_counts_by_stage(app, login):
    water = login("water.clerk")
    for n in (1, 2, 3):
        _register(water, n)
    complete_steps(app, TO_FAILED_RECHECK, case_id=2)  # case 2: the recheck failed, the penalty is filed
    complete_steps(app, TO_FAILED_RECHECK[:2], case_id=3)  # case 3: inspected, rectifying

    html = water.get("/cases/").get_data(as_text=True)
    assert _stages(html) == ["rectifying", "penalty", "inspection"]  # newest first
    assert ">整改中</span>" in html and ">处罚中</span>" in html and ">待检查</span>" in html
    counts = dict(re.findall(r'data-stage="(\w+)"\s+href="[^"]*">[^<]+<span class="badge text-bg-light">(\d+)</span>', html))
    assert counts == {"inspection": "1", "rectifying": "1", "penalty": "1"}
    assert "处罚中（1）" in html and "已封井（巡查中）（0）" in html  # the select's options carry the counts too

    penalty = water.get("/cases/?stage=penalty").get_data(as_text=True)
    assert _stages(penalty) == ["penalty"] and "W-002" in penalty and "W-001" not in penalty
    assert 'value="penalty" selected' in penalty
    # The counts follow the list's other filters, not the stage picked.
    assert 'data-stage="rectifying"' in penalty
    assert _stages(water.get("/cases/?stage=sealed").get_data(as_text=True)) == []
    assert "没有符合条件的案件" in water.get("/cases/?stage=sealed").get_data(as_text=True)
    # An unknown stage is no filter (every case), not an error.
    assert len(_stages(water.get("/cases/?stage=nonsense").get_data(as_text=True))) == 3
    # The town and the stage together.
    _register(water, 4, town="nanhuang")
    assert _stages(water.get("/cases/?stage=inspection&town=nanhuang").get_data(as_text=True)) == ["inspection"]
    assert _stages(water.get("/cases/?stage=penalty&town=nanhuang").get_data(as_text=True)) == []

    page = water.get("/cases/2").get_data(as_text=True)
    assert 'data-testid="case-stage"' in page and ">处罚中</span>" in page


def test_the_inbox_shows_and_filters_by_stage(app, login):
    water = login("water.clerk")
    for n in (1, 2):
        _register(water, n)
    complete_steps(app, TO_FAILED_RECHECK[:2], case_id=1)  # case 1 at the notice (rectifying)
    complete_steps(app, TO_FAILED_RECHECK, case_id=2)  # case 2 at the penalty's filing
    inbox = water.get("/inbox/").get_data(as_text=True)
    assert sorted(_stages(inbox)) == ["penalty", "rectifying"]
    only = water.get("/inbox/?stage=penalty").get_data(as_text=True)
    assert _stages(only) == ["penalty"] and 'data-testid="task-pen_filing"' in only
    assert 'data-testid="task-notice"' not in only
    assert _stages(water.get("/inbox/?stage=sealed").get_data(as_text=True)) == []
    # The task page's header names the case's stage.
    task = water.get(f"/tasks/{task_guid_in(inbox, 'pen_filing')}").get_data(as_text=True)
    assert _stages(task) == ["penalty"]


def test_a_suspended_case_keeps_its_stage_and_says_it_is_paused(app, login):
    from engine import overrides
    from webapp.core import db, workflow
    from webapp.models import User

    water = login("water.clerk")
    _register(water, 1)
    with app.app_context():
        session = db.session()
        office = session.query(User).filter_by(username="leading_office.supervisor").one()
        overrides.suspend(workflow.engine(), session, 1, office.actor, "等待鉴定")
        db.commit()
    html = water.get("/cases/").get_data(as_text=True)
    assert _stages(html) == ["inspection"] and "待检查（已暂停）" in html


def test_the_dashboard_breaks_the_cases_down_by_stage(app, login, fixed_clock):
    from dashboard_support import build_campaign, table

    build_campaign(app, login, fixed_clock)
    page = login("leading_office.supervisor").get("/dashboard/", query_string={"start": "2026-02-01",
                                                                               "end": "2026-03-10"})
    stages = {code: row["case-stage-count"] for code, row in
              table(page.get_data(as_text=True), "table-case-stages", "stage").items()}
    # The scenario of build_campaign: patrolled, waiting for the network, exempt; three rectifying (the
    # overdue one, the licensed one at its notice, the refused permit at its recheck); two only registered;
    # one cancelled.
    assert stages == {"inspection": "2", "rectifying": "3", "sealed": "1", "permitted": "1", "exempt": "1",
                      "penalty": "0", "credit": "0", "closed": "0", "cancelled": "1"}
    # Each stage links to the case list filtered by it, which shows as many.
    water = login("water.clerk")
    assert len(_stages(water.get("/cases/?stage=rectifying").get_data(as_text=True))) == 3


def test_the_api_gives_the_stage_and_filters_by_it(app, login):
    from api_support import bearer, make_account

    water = login("water.clerk")
    for n in (1, 2):
        _register(water, n)
    complete_steps(app, TO_FAILED_RECHECK[:2], case_id=2)
    client, headers = app.test_client(), bearer(make_account(app))
    items = client.get("/api/v1/cases", headers=headers).get_json()["items"]
    assert [(c["well_no"], c["stage"], c["stage_label"]) for c in items] == [
        ("W-002", "rectifying", "整改中"), ("W-001", "inspection", "待检查")]
    only = client.get("/api/v1/cases?stage=inspection", headers=headers).get_json()["items"]
    assert [c["well_no"] for c in only] == ["W-001"]
    detail = client.get(f"/api/v1/cases/{items[0]['number']}", headers=headers).get_json()
    assert (detail["stage"], detail["stage_label"]) == ("rectifying", "整改中")
    wrong = client.get("/api/v1/cases?stage=sealed_forever", headers=headers)
    assert wrong.status_code == 422 and wrong.get_json()["errors"]["stage"] == ["没有这个案件阶段"]
