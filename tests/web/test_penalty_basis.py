"""Penalty facts and basis through the web forms: they start from the case's open problems (rules.articles),
a basis the problems do not call for needs a reason that reaches the record and the document's context; a
broken seal found on patrol starts from the heavier end with the aggravating facts named."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

from docx import Document as Docx
from sqlalchemy import select
from test_problem_list import to_recheck
from web_support import close_out, instance_version, submit, task_guid_in

from engine.tables import Event
from webapp.core import db
from webapp.documents import catalogue, content
from webapp.models import Case, Document

OFFICERS = "甲（执法证号0001）、乙（执法证号0002）"


def page_of(client, spec):
    guid = task_guid_in(client.get("/inbox/").get_data(as_text=True), spec)
    return guid, client.get(f"/tasks/{guid}").get_data(as_text=True)


def to_prior_notice(app, login):
    """NOTICE's two problems (no meter; in coverage) left open at the recheck, filed and investigated."""
    water, guid = to_recheck(app, login)
    assert submit(water, guid, {"rechecked_on": "2026-03-02", "recheck_findings": "未整改",
                                **close_out(False, False)}, instance_version(app)).status_code == 302
    guid, page = page_of(water, "pen_filing")
    assert "地下水取水工程未安装取水计量设施（未安装取水计量设施）" in page  # the facts start from the problems
    assert '<option selected value="recheck">' in page
    assert submit(water, guid, {"filed_on": "2026-03-02", "case_source": "recheck",
                                "violation_summary": "地下水取水工程未安装取水计量设施\n管网覆盖范围内仍取用地下水",
                                "handling_officers": OFFICERS, "filing_opinion": "同意立案"},
                  instance_version(app)).status_code == 302
    guid, page = page_of(water, "pen_investigation")
    assert '<option selected value="gw_regulation_56">' in page  # the first problem's, among equal ceilings
    assert submit(water, guid, {"investigated_on": "2026-03-02", "investigators": OFFICERS, "facts": "属实",
                                "evidence": "现场检查笔录", "investigation_conclusion": "penalty",
                                "investigation_basis": "gw_regulation_58"}, instance_version(app)).status_code == 302
    justice = login("justice.clerk")
    guid, _ = page_of(justice, "pen_legal_review")
    assert submit(justice, guid, {"reviewed_on": "2026-03-02", "reviewer": "丙", "review_passed": "yes",
                                  "review_opinion": "事实清楚"}, instance_version(app)).status_code == 302
    return water


PRIOR = {"prior_facts": "未经批准擅自取用地下水", "prior_legal_basis": "water_law_69", "proposed_fine": "50000",
         "prior_notice_served_on": "2026-03-02", "prior_notice_service_method": "direct"}


def test_a_basis_outside_the_problems_needs_a_reason_that_reaches_the_record_and_the_document(app, login):
    water = to_prior_notice(app, login)
    guid, page = page_of(water, "pen_prior_notice")
    assert '<option selected value="gw_regulation_58">' in page  # the investigation's basis, from the problems
    refused = submit(water, guid, PRIOR, instance_version(app))
    assert refused.status_code == 422
    assert ("所选处罚依据与案件问题对应的处罚条款（《地下水管理条例》第五十六条、《地下水管理条例》第五十八条）不一致，"
            "须填写依据或幅度调整的理由") in refused.get_data(as_text=True)
    reason = "经调查，该井系未经批准擅自取水，依水法处罚"
    assert submit(water, guid, {**PRIOR, "prior_basis_reason": reason}, instance_version(app)).status_code == 302
    with app.app_context():
        session = db.session()
        data = session.scalar(select(Event.data).where(Event.form_key == "penalty_prior_notice",
                                                       Event.kind == "task_completed"))
        assert data["prior_basis_reason"] == reason
        assert data["prior_violated_articles"] == [
            "《地下水管理条例》第二十二条", "《山东省水资源条例》第三十条", "《地下水管理条例》第三十三条",
            "《取水许可和水资源费征收管理条例》第二十条第一款第（五）项"]
        kind = catalogue.KINDS["penalty_prior_notice"]
        context = content.build(kind, session.get(Case, 1), "乳水罚告〔2026〕1号", date(2026, 3, 2), data)
        assert context["penalty"]["basis_reason"] == reason
        assert context["penalty"]["violated"].startswith("《地下水管理条例》第二十二条、《山东省水资源条例》第三十条")
        # The issued document states both provisions apart, and the reason before the penalty it explains.
        issued = session.scalars(select(Document).where(Document.kind == "penalty_prior_notice")).one()
        lines = [p.text for p in Docx(io.BytesIO(issued.content)).paragraphs]
        start = lines.index("你（单位）的上述行为违反了《地下水管理条例》第二十二条、《山东省水资源条例》第三十条、"
                            "《地下水管理条例》第三十三条、《取水许可和水资源费征收管理条例》第二十条第一款第（五）项的规定。")
        assert lines[start + 1:start + 3] == [
            f"本机关适用处罚依据和确定罚款数额的理由：{reason}",
            "依据《中华人民共和国水法》第六十九条第（一）项的规定（2万元以上10万元以下罚款），本机关拟对你（单位）"
            "作出如下行政处罚：罚款50,000元（人民币伍万元整）。"]


def test_a_broken_seal_found_on_patrol_starts_from_the_heavier_end(app, login, fixed_clock):
    water, guid = to_recheck(app, login)
    assert submit(water, guid, {"rechecked_on": "2026-03-02", "recheck_findings": "已整改",
                                **close_out(True, True)}, instance_version(app)).status_code == 302
    fixed_clock.move_to(datetime(2026, 6, 1, 2, tzinfo=timezone.utc))  # the patrol period (90 days) has passed
    assert "触发计时器 1 个" in app.test_cli_runner().invoke(args=["timers", "run", "--once"]).output
    town = login("xiacun.clerk")
    guid, _ = page_of(town, "patrol")
    assert submit(town, guid, {"patrolled_on": "2026-06-01", "patrollers": "镇水管员二人", "patrol_obstructed": "no",
                               "seal_intact": "no", "abstraction_resumed": "yes", "continue_patrol": "yes",
                               "patrol_findings": "封条被撕毁，水泵在运行"}, instance_version(app)).status_code == 302
    water = login("water.clerk")  # three months later: a new sign-in
    guid, page = page_of(water, "pen_filing")
    assert "已封闭的自备井被擅自启封、恢复取用地下水，属新的违法行为（2026年6月1日巡查发现：封条被撕毁，水泵在运行）" in page
    assert '<option selected value="patrol">' in page
    assert submit(water, guid, {"filed_on": "2026-06-01", "case_source": "patrol", "violation_summary": "擅自启封",
                                "handling_officers": OFFICERS, "filing_opinion": "同意立案"},
                  instance_version(app)).status_code == 302
    guid, page = page_of(water, "pen_investigation")
    assert '<option selected value="gw_regulation_58">' in page
    assert submit(water, guid, {"investigated_on": "2026-06-01", "investigators": OFFICERS, "facts": "擅自启封属实",
                                "evidence": "巡查记录", "investigation_conclusion": "penalty",
                                "investigation_basis": "gw_regulation_58"}, instance_version(app)).status_code == 302
    justice = login("justice.clerk")
    guid, _ = page_of(justice, "pen_legal_review")
    assert submit(justice, guid, {"reviewed_on": "2026-06-01", "reviewer": "丙", "review_passed": "yes",
                                  "review_opinion": "从重适当"}, instance_version(app)).status_code == 302
    guid, page = page_of(water, "pen_prior_notice")
    assert 'name="proposed_fine" type="text" value="300000"' in page or 'value="300000"' in page
    assert "被责令封井并经验收后擅自启封、恢复取水，属明知故犯" in page
    lighter = {"prior_facts": "擅自启封属实", "prior_legal_basis": "gw_regulation_58", "proposed_fine": "100000",
               "prior_aggravating_facts": "擅自启封、恢复取水", "prior_notice_served_on": "2026-06-01",
               "prior_notice_service_method": "direct"}
    refused = submit(water, guid, lighter, instance_version(app))
    assert refused.status_code == 422 and "罚款低于从重起点30万元" in refused.get_data(as_text=True)
    assert submit(water, guid, {**lighter, "proposed_fine": "300000"}, instance_version(app)).status_code == 302
