"""Registering a reconsideration on the case page: the justice bureau's task, the case not suspended."""
from __future__ import annotations

from sqlalchemy import select
from web_support import REGISTRATION

from engine.tables import Event, Instance, OpenTask
from webapp.core import db
from webapp.models import Case

APPLICATION = {"review_kind": "reconsideration", "challenged_decision": "责令限期整改通知书 乳水责改〔2026〕1号",
               "decision_served_on": "2026-01-02", "applied_on": "2026-03-02", "review_body": "乳山市人民政府",
               "review_summary": "认为不属于管网覆盖范围"}


def test_registration_starts_the_justice_task_beside_the_case(app, login):
    assert login("xiacun.clerk").post("/cases/new", data=REGISTRATION).status_code == 302
    town = login("xiacun.clerk")
    assert 'data-testid="reconsideration"' not in town.get("/cases/1").get_data(as_text=True)
    assert town.post("/cases/1/reconsideration", data=APPLICATION).status_code == 403
    water = login("water.clerk")
    assert 'data-testid="reconsideration"' in water.get("/cases/1").get_data(as_text=True)
    bad = water.post("/cases/1/reconsideration", data={**APPLICATION, "applied_on": "2025-12-01"},
                     follow_redirects=True)
    assert "申请（起诉）日期不能早于该决定送达日期" in bad.get_data(as_text=True)
    done = water.post("/cases/1/reconsideration", data=APPLICATION, follow_redirects=True)
    html = done.get_data(as_text=True)
    # Served 2 January, applied 2 March: 59 days, in time.
    assert "已登记行政复议" in html and "原决定不停止执行" in html and "超过法定期限" not in html
    with app.app_context():
        session = db.session()
        case = session.get(Case, 1)
        assert session.get(Instance, case.instance_id).status == "running"  # the case itself goes on
        specs = sorted(session.scalars(select(OpenTask.task_spec).where(OpenTask.case_id == 1)))
        assert specs == ["commitment", "rc_handle"]
        started = session.scalars(select(Event).where(Event.kind == "started", Event.case_id == 1)
                                  .order_by(Event.id)).all()
        assert started[-1].data["applied_late"] is False
    late = water.post("/cases/1/reconsideration", data={**APPLICATION, "decision_served_on": "2025-12-01"},
                      follow_redirects=True)
    assert "超过法定期限" in late.get_data(as_text=True)
    justice = login("justice.clerk")
    assert 'data-testid="task-rc_handle"' in justice.get("/inbox/").get_data(as_text=True)
