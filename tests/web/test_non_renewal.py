"""A licensed well in the network's coverage: the written non-renewal before expiry, through the web."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

from docx import Document as Docx
from sqlalchemy import select
from web_support import REGISTRATION, complete_steps, instance_version, submit, task_guid_in

from webapp.core import db
from webapp.models import Document

LICENSED = {**REGISTRATION, "permit_no": "取水（鲁威乳）字[2021]第009号", "permit_issuer": "乳山市行政审批服务局",
            "permit_valid_from": "2021-05-01", "permit_valid_to": "2026-04-30"}


def to_decision(app, login, fixed_clock):
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=LICENSED).status_code == 302
    steps = [("commitment", "xiacun.clerk", {"signed_on": "2026-03-02"}),
             ("inspect", "task_force.clerk", {"in_coverage": True, "has_permit": True, "purpose": "industrial",
                                              "urban_village": False, "obstructed": False, "hidden_well": False}),
             ("notice", "water.clerk", {"notice_served_on": "2026-03-02", "rectify_days": 5}),
             ("rectify_report", "water.clerk", {})]
    complete_steps(app, steps)
    # 60 days before 30 April: 1 March, already past: the decision is due at once.
    approval = login("approval.clerk")
    return approval, task_guid_in(approval.get("/inbox/").get_data(as_text=True), "nr_decision")


def test_the_decision_form_starts_from_the_registered_permit_and_refuses_a_late_date(app, login, fixed_clock):
    approval, guid = to_decision(app, login, fixed_clock)
    form = approval.get(f"/tasks/{guid}").get_data(as_text=True)
    assert 'value="取水（鲁威乳）字[2021]第009号"' in form and 'value="2026-04-30"' in form
    fixed_clock.move_to(datetime(2026, 5, 2, 2, tzinfo=timezone.utc))
    approval = login("approval.clerk")
    late = submit(approval, guid, {"permit_no": "取水（鲁威乳）字[2021]第009号", "permit_expires_on": "2026-04-30",
                                   "decided_on": "2026-05-02", "non_renewal_grounds": "位于管网覆盖范围内。"},
                  instance_version(app))
    assert late.status_code == 422 and "视为准予延续" in late.get_data(as_text=True)


def test_the_decision_issues_its_document_and_waits_for_the_expiry(app, login, fixed_clock):
    approval, guid = to_decision(app, login, fixed_clock)
    done = submit(approval, guid, {"permit_no": "取水（鲁威乳）字[2021]第009号", "permit_expires_on": "2026-04-30",
                                   "decided_on": "2026-03-02", "non_renewal_grounds": "位于管网覆盖范围内。"},
                  instance_version(app))
    assert done.status_code == 302
    with app.app_context():
        doc = db.session().scalars(select(Document).where(Document.kind == "non_renewal")).one()
        text = "\n".join(p.text for p in Docx(io.BytesIO(doc.content)).paragraphs)
    assert doc.number == "乳审不延〔2026〕1号" and "乳山市行政审批局" in text
    assert "取水（鲁威乳）字[2021]第009号" in text and "2026年4月30日" in text and "第五十条" in text
    assert "不服本决定" in text and "六十日内" in text
    page = login("water.clerk").get("/cases/1").get_data(as_text=True)
    assert "等待：许可有效期届满，2026-05-01 00:00" in page


def test_a_hidden_well_found_on_site_is_flagged_and_a_registered_one_is_prefilled(app, login):
    from web_support import INSPECTION

    from webapp.models import Well

    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    submit(town, task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment"),
           {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app))
    force = login("task_force.clerk")
    guid = task_guid_in(force.get("/inbox/").get_data(as_text=True), "inspect")
    assert submit(force, guid, {**INSPECTION, "hidden_well": "yes"}, instance_version(app)).status_code == 302
    with app.app_context():
        assert db.session().scalars(select(Well)).one().hidden_well is True
    assert task_guid_in(login("water.clerk").get("/inbox/").get_data(as_text=True), "pen_filing")
    # A well registered as hidden: the inspection form starts from 是.
    assert town.post("/cases/new", data={**REGISTRATION, "well_no": "XC-009", "hidden_well": "yes"}).status_code == 302
    submit(town, task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment"),
           {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app, 2))
    html = force.get(f"/tasks/{task_guid_in(force.get('/inbox/').get_data(as_text=True), 'inspect')}").get_data(
        as_text=True)
    radio = re.search(r'<input[^>]*id="hidden_well-0"[^>]*>', html).group(0)
    assert 'value="yes"' in radio and "checked" in radio


def test_a_users_second_well_may_keep_the_signed_commitment_letter(app, login):
    from webapp.models import Document

    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    submit(town, task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment"),
           {"signed_on": "2026-03-02", "signatory": "法定代表人甲"}, instance_version(app))
    assert town.post("/cases/new", data={**REGISTRATION, "well_no": "XC-002"}).status_code == 302
    guid = task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment")
    form = town.get(f"/tasks/{guid}").get_data(as_text=True)
    assert "该用水户已在案件 乳整2026-00001 中签订承诺书" in form and 'name="reuse_letter"' in form
    refused = submit(town, guid, {"reuse_letter": "no"}, instance_version(app, 2))
    assert refused.status_code == 422 and "请填写签订日期" in refused.get_data(as_text=True)
    assert submit(town, guid, {"reuse_letter": "yes"}, instance_version(app, 2)).status_code == 302
    page = town.get("/cases/2").get_data(as_text=True)
    assert "沿用案件" in page and "乳整2026-00001" in page and "法定代表人甲" in page
    with app.app_context():  # no second letter: the first one is the user's
        kinds = [(d.case_id, d.kind) for d in db.session().scalars(select(Document).where(Document.kind == "commitment"))]
    assert kinds == [(1, "commitment")]
