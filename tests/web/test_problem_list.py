"""The problem list through the web: from the inspection's answers to the notice, to the recheck's 销号."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from web_support import NOTICE, close_out, instance_version, problem_rows, submit, task_guid_in, walk_to_notice

from engine.tables import Event, Instance, OpenTask
from webapp.core import db
from webapp.models import Case, Problem


def problems(app):
    with app.app_context():
        return [(p.seq, p.kind, p.required_act, p.deadline.isoformat(), p.status, p.evidence)
                for p in db.session().scalars(select(Problem).order_by(Problem.id))]


def open_steps(app):
    with app.app_context():
        return sorted(db.session().scalars(select(OpenTask.task_spec)))


def to_recheck(app, login):
    """Serve NOTICE (two problems, 5 working days), then report, connect and seal: (water client, recheck id)."""
    water, guid = walk_to_notice(app, login)
    assert submit(water, guid, NOTICE, instance_version(app)).status_code == 302
    for user, spec, data in [
            ("water.clerk", "rectify_report", {"reported_on": "2026-03-02", "report_summary": "已停止取水"}),
            ("water_group.clerk", "supply_connection", {"supply_agreement_no": "GS-1", "connected_on": "2026-03-02"}),
            ("enforcement.clerk", "seal_well", {"seal_obstructed": "no", "sealed_on": "2026-03-02",
                                                "disposal_type": "backfill",
                                                "seal_no": "F-1", "latitude": "36.92", "longitude": "121.52"}),
            ("water.clerk", "seal_acceptance", {"accepted_on": "2026-03-02", "seal_accepted": "yes",
                                                "signatories": ["water", "town"], "acceptance_opinion": "合格"})]:
        client = login(user)
        response = submit(client, task_guid_in(client.get("/inbox/").get_data(as_text=True), spec), data,
                          instance_version(app))
        assert response.status_code == 302, response.get_data(as_text=True)
    return water, task_guid_in(water.get("/inbox/").get_data(as_text=True), "recheck")


STAGE_BADGE = re.compile(r'<span class="badge [^"]*" data-testid="case-stage"\s+data-stage="[a-z]*">[^<]+</span>')


def stage_badges(page: str) -> list[str]:
    """The stage badges of a list page, as rendered (classes, stage and words)."""
    return [" ".join(b.split()) for b in STAGE_BADGE.findall(page)]


def test_each_problem_shows_its_case_stage_as_the_case_list_does(app, login):
    water, guid = walk_to_notice(app, login)
    assert submit(water, guid, NOTICE, instance_version(app)).status_code == 302
    problems_page = water.get("/problems/").get_data(as_text=True)
    [on_case_list] = stage_badges(water.get("/cases/").get_data(as_text=True))
    assert 'data-stage="rectifying">整改中<' in on_case_list and "text-bg-warning" in on_case_list
    assert stage_badges(problems_page) == [on_case_list, on_case_list]  # one per problem row, the same badge
    # A town's clerk sees the same on the town's list.
    assert stage_badges(login("xiacun.clerk").get("/problems/").get_data(as_text=True)) == [on_case_list] * 2


def test_the_notice_form_starts_from_what_the_inspection_found(app, login):
    water, guid = walk_to_notice(app, login)
    html = water.get(f"/tasks/{guid}").get_data(as_text=True)
    # INSPECTION: covered, unlicensed, no meter, no tax registration -> three rows, plus two spare rows.
    assert 'value="位于公共供水管网覆盖范围内，仍取用地下水"' in html
    assert 'value="未安装取水计量设施"' in html and 'value="未登记缴纳水资源税和污水处理费"' in html
    assert 'name="problems-4-kind"' in html and 'name="problems-5-kind"' not in html
    assert html.count('<tr class="row-entry" data-row>') == 5  # the notice's rows are a table


def test_a_notice_without_problems_is_refused_and_writes_nothing(app, login):
    water, guid = walk_to_notice(app, login)
    bare = {k: v for k, v in NOTICE.items() if not k.startswith("problems-")}
    response = submit(water, guid, {**bare, "problems-0-description": "缺类型"}, instance_version(app))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请选择问题类型" in html and "请选择整改要求" in html and "请填写整改期限" in html
    response = submit(water, guid, bare, instance_version(app))
    assert response.status_code == 422 and "请至少填写一个问题" in response.get_data(as_text=True)
    assert problems(app) == [] and open_steps(app) == ["notice"]


def test_notice_writes_the_list_and_the_case_page_shows_it(app, login):
    water, guid = walk_to_notice(app, login)
    assert submit(water, guid, NOTICE, instance_version(app)).status_code == 302
    assert problems(app) == [(1, "no_meter", "install_meter", "2026-03-09", "open", ""),
                             (2, "in_coverage", "stop_and_seal", "2026-03-09", "open", "")]
    page = water.get("/cases/1").get_data(as_text=True)
    assert 'data-testid="problems"' in page and "未安装取水计量设施" in page and "未销号" in page
    assert "1. 未安装取水计量设施；安装计量设施，期限5日（至2026年3月9日）" in page  # the timeline


def test_recheck_closing_every_problem_passes_the_case_on_to_patrol(app, login):
    client, guid = to_recheck(app, login)
    html = client.get(f"/tasks/{guid}").get_data(as_text=True)
    assert "1. 未安装取水计量设施（安装计量设施，期限 2026-03-09）" in html and 'name="recheck_passed"' not in html
    data = {"rechecked_on": "2026-03-02", "recheck_findings": "逐项核查", **close_out(True, True)}
    assert submit(client, guid, data, instance_version(app)).status_code == 302
    assert [(p[4], p[5]) for p in problems(app)] == [("closed", "现场核查照片 ZP-01")] * 2
    with app.app_context():  # sealed: the case goes on to the patrols (巡查), waiting for the first
        case = db.session().get(Case, 1)
        assert db.session().get(Instance, case.instance_id).status == "running"
    assert open_steps(app) == []


def test_an_open_problem_at_recheck_leads_to_the_penalty(app, login):
    client, guid = to_recheck(app, login)
    missing = submit(client, guid, {"rechecked_on": "2026-03-02", "recheck_findings": "x",
                                    "problems-0-problem_id": "1", "problems-0-closed": "yes",
                                    "problems-1-problem_id": "2", "problems-1-closed": "no"}, instance_version(app))
    assert missing.status_code == 422 and "销号须写明整改证据" in missing.get_data(as_text=True)
    forged = {"rechecked_on": "2026-03-02", "recheck_findings": "x", **close_out(True, True),
              "problems-1-problem_id": "99"}
    response = submit(client, guid, forged, instance_version(app))
    assert response.status_code == 422 and "问题清单已有变化" in response.get_data(as_text=True)
    assert [p[4] for p in problems(app)] == ["open", "open"]
    data = {"rechecked_on": "2026-03-02", "recheck_findings": "水表未安装", **close_out(False, True)}
    assert submit(client, guid, data, instance_version(app)).status_code == 302
    assert [p[4] for p in problems(app)] == ["open", "closed"]
    assert open_steps(app) == ["pen_filing"]  # the administrative penalty, then the credit sanction
    page = client.get("/cases/1").get_data(as_text=True)
    assert "复查未到位" in page and "1. 未安装取水计量设施：未整改到位" in page
    # The problem list shows where the case went: 处罚中, the case list's badge.
    assert stage_badges(client.get("/problems/?status=all").get_data(as_text=True)) == [
        stage_badges(client.get("/cases/").get_data(as_text=True))[0]] * 2
    assert 'data-stage="penalty">处罚中<' in client.get("/problems/").get_data(as_text=True)


def test_the_problem_list_filters_and_exports_what_it_shows(app, login, fixed_clock):
    import io
    from datetime import datetime, timezone

    from openpyxl import load_workbook

    water, guid = walk_to_notice(app, login)
    assert submit(water, guid, NOTICE, instance_version(app)).status_code == 302
    page = water.get("/problems/").get_data(as_text=True)
    assert 'data-testid="problem-total">2<' in page and "未安装取水计量设施" in page
    assert 'data-testid="problem-total">0<' in water.get("/problems/?status=closed").get_data(as_text=True)
    assert 'data-testid="problem-total">0<' in water.get("/problems/?overdue=1").get_data(as_text=True)
    # Both deadlines are Monday 9 March; on the 10th they are overdue.
    fixed_clock.move_to(datetime(2026, 3, 10, 2, tzinfo=timezone.utc))
    water = login("water.clerk")
    page = water.get("/problems/?overdue=1").get_data(as_text=True)
    assert 'data-testid="problem-total">2<' in page and "逾期" in page
    other = login("dagushan.clerk")  # a town sees its own town's problems only, whatever it asks for
    assert 'data-testid="problem-total">0<' in other.get("/problems/?town=xiacun").get_data(as_text=True)
    assert other.get("/problems/export.xlsx").status_code == 200
    assert login("housing.clerk").get("/problems/export.xlsx").status_code == 403
    response = water.get("/problems/export.xlsx?overdue=1&q=XC-001")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True)["问题清单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:8] == ("案件编号", "井编号", "用水户", "镇区", "阶段", "序号", "问题类型", "问题描述")
    # the case's stage as the list shows it: the notice is served, the case is being rectified
    assert [(r[1], r[4], r[5], r[7], r[12], r[13]) for r in rows[1:]] == [
        ("XC-001", "整改中", 1, "未安装取水计量设施", "未销号", "是"),
        ("XC-001", "整改中", 2, "位于公共供水管网覆盖范围内，仍取用地下水", "未销号", "是")]
    assert len(list(load_workbook(io.BytesIO(water.get("/problems/export.xlsx?q=none").data))
                    ["问题清单"].iter_rows())) == 1
    with app.app_context():
        from engine.tables import Event

        exported = db.session().scalars(select(Event).where(Event.kind == "problems_exported")).all()
        assert [e.data for e in exported][1] == {"rows": 2, "status": "open", "overdue": "1", "q": "XC-001"}


def test_a_reissued_notice_withdraws_the_open_problems(app, login):
    """A supervisor resets the case to the notice: the new notice's list replaces the old one's."""
    from engine import Actor, overrides

    water, guid = walk_to_notice(app, login)
    assert submit(water, guid, NOTICE, instance_version(app)).status_code == 302
    with app.app_context():
        from webapp.core import workflow

        session = db.session()
        case = session.get(Case, 1)
        overrides.reset(workflow.engine(), session, case.instance_id, guid,
                        Actor("leading_office.supervisor", "leading_office"), "送达地址有误，重新下达")
        db.commit()
    water = login("water.clerk")
    notice = task_guid_in(water.get("/inbox/").get_data(as_text=True), "notice")
    data = {**NOTICE}
    for key in [k for k in data if k.startswith("problems-1-")]:
        del data[key]
    assert submit(water, notice, data, instance_version(app)).status_code == 302
    assert [p[4] for p in problems(app)] == ["withdrawn", "withdrawn", "open"]


def test_a_sealed_case_shows_its_next_patrol_and_the_patrol_issues_its_record(app, login, fixed_clock):
    from datetime import datetime, timezone

    from webapp.models import Document

    client, guid = to_recheck(app, login)
    data = {"rechecked_on": "2026-03-02", "recheck_findings": "逐项核查", **close_out(True, True)}
    assert submit(client, guid, data, instance_version(app)).status_code == 302
    page = client.get("/cases/1").get_data(as_text=True)
    # The patrol period (WELLS_PATROL_DAYS, 90 by default) from the recheck on 2 March 10:00.
    assert "等待：巡查周期届满，2026-05-31 10:00" in page
    fixed_clock.move_to(datetime(2026, 6, 1, 2, tzinfo=timezone.utc))
    assert "触发计时器 1 个" in app.test_cli_runner().invoke(args=["timers", "run", "--once"]).output
    town = login("xiacun.clerk")
    patrol = task_guid_in(town.get("/inbox/").get_data(as_text=True), "patrol")
    form = town.get(f"/tasks/{patrol}").get_data(as_text=True)
    assert "封存设施（封条、井盖、封填）是否完好" in form
    response = submit(town, patrol, {"patrolled_on": "2026-06-01", "patrollers": "镇水管员二人", "patrol_obstructed": "no", "seal_intact": "no",
                                     "abstraction_resumed": "yes", "continue_patrol": "yes",
                                     "patrol_findings": "封条被撕毁，电机已接电"}, instance_version(app))
    assert response.status_code == 302
    assert open_steps(app) == ["pen_filing"]  # a new act: punished, then sealed again
    with app.app_context():
        (record,) = db.session().scalars(select(Document).where(Document.kind == "patrol_record"))
        assert record.number == "乳水巡查〔2026〕1号"


def test_an_obstructed_sealing_issues_no_sealing_record_and_goes_to_the_police(app, login):
    from webapp.models import Document

    water, guid = walk_to_notice(app, login)
    assert submit(water, guid, NOTICE, instance_version(app)).status_code == 302
    for user, spec, data in [
            ("water.clerk", "rectify_report", {"reported_on": "2026-03-02", "report_summary": "拒不整改"}),
            ("water_group.clerk", "supply_connection", {"supply_agreement_no": "GS-1", "connected_on": "2026-03-02"})]:
        client = login(user)
        assert submit(client, task_guid_in(client.get("/inbox/").get_data(as_text=True), spec), data,
                      instance_version(app)).status_code == 302
    enforcement = login("enforcement.clerk")
    seal = task_guid_in(enforcement.get("/inbox/").get_data(as_text=True), "seal_well")
    refused = submit(enforcement, seal, {"seal_obstructed": "yes"}, instance_version(app))
    assert refused.status_code == 422 and "封井受阻的，须写明受阻情况" in refused.get_data(as_text=True)
    refused = submit(enforcement, seal, {"seal_obstructed": "no", "seal_no": "F-1"}, instance_version(app))
    assert refused.status_code == 422 and "请选择处置方式" in refused.get_data(as_text=True)
    response = submit(enforcement, seal, {"seal_obstructed": "yes", "obstruction_details": "井主持械阻拦",
                                         "disposal_type": "backfill"}, instance_version(app))
    assert response.status_code == 302
    assert open_steps(app) == ["police_seal"]
    with app.app_context():
        assert db.session().scalars(select(Document).where(Document.kind == "sealing_record")).all() == []
    police = login("police.clerk")
    guid = task_guid_in(police.get("/inbox/").get_data(as_text=True), "police_seal")
    assert submit(police, guid, {"handled_on": "2026-03-02", "police_unit": "城区派出所", "police_case_no": "JQ-1",
                                 "police_outcome": "admin_penalty", "police_measures": "依法处理阻挠人员"},
                  instance_version(app)).status_code == 302
    assert open_steps(app) == ["seal_well"]


def test_a_case_ended_by_its_patrols_says_so_in_words(app, login, fixed_clock):
    from datetime import datetime, timezone

    client, guid = to_recheck(app, login)
    assert submit(client, guid, {"rechecked_on": "2026-03-02", "recheck_findings": "x", **close_out(True, True)},
                  instance_version(app)).status_code == 302
    fixed_clock.move_to(datetime(2026, 6, 1, 2, tzinfo=timezone.utc))
    app.test_cli_runner().invoke(args=["timers", "run", "--once"])
    town = login("xiacun.clerk")
    patrol = task_guid_in(town.get("/inbox/").get_data(as_text=True), "patrol")
    assert submit(town, patrol, {"patrolled_on": "2026-06-01", "patrollers": "镇水管员二人", "patrol_obstructed": "no",
                                 "seal_intact": "yes", "abstraction_resumed": "no", "continue_patrol": "no",
                                 "patrol_findings": "封填完好"}, instance_version(app)).status_code == 302
    page = town.get("/cases/1").get_data(as_text=True)
    assert "结果：封井巡查结束" in page and "end_patrol" not in page


def test_a_licensed_well_in_coverage_gets_meter_and_tax_and_the_non_renewal_path(app, login):
    from web_support import INSPECTION, REGISTRATION

    from webapp.documents import catalogue, content
    from webapp.models import Document

    town = login("xiacun.clerk")
    licensed = {**REGISTRATION, "permit_no": "取水(鲁)字[2024]第0001号", "permit_issuer": "乳山市行政审批服务局",
                "permit_valid_from": "2024-01-01", "permit_valid_to": "2026-12-31"}
    assert town.post("/cases/new", data=licensed).status_code == 302
    submit(town, task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment"),
           {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app))
    force = login("task_force.clerk")
    submit(force, task_guid_in(force.get("/inbox/").get_data(as_text=True), "inspect"),
           {**INSPECTION, "has_permit": "yes", "findings": "持有取水许可，未安装计量设施。"}, instance_version(app))
    water = login("water.clerk")
    guid = task_guid_in(water.get("/inbox/").get_data(as_text=True), "notice")
    html = water.get(f"/tasks/{guid}").get_data(as_text=True)
    assert 'value="未安装取水计量设施"' in html and 'value="未登记缴纳水资源税和污水处理费"' in html
    assert 'value="位于公共供水管网覆盖范围内，取水许可有效期届满后不予延续"' in html
    assert '<option selected value="stop_and_seal">' not in html  # no 停止取水并封井 in 15 days
    assert "《山东省水资源条例》第三十条" in html and "《中华人民共和国行政许可法》第五十条" in html  # the basis
    notice = {**problem_rows(("no_meter", "未安装取水计量设施", "install_meter", 15),
                             ("tax_unpaid", "未登记缴纳水资源税和污水处理费", "pay_tax", 15)),
              "problems-2-kind": "permit_expiring", "problems-2-description": "许可期满不予延续",
              "problems-2-required_act": "seal_at_expiry", "problems-2-rectify_days": "",
              "notice_served_on": "2026-03-02", "service_method": "direct", "legal_basis": ""}
    assert submit(water, guid, notice, instance_version(app)).status_code == 302
    assert problems(app) == [(1, "no_meter", "install_meter", "2026-03-17", "open", ""),
                             (2, "tax_unpaid", "pay_tax", "2026-03-17", "open", ""),
                             (3, "permit_expiring", "seal_at_expiry", "2026-12-31", "open", "")]
    page = water.get("/cases/1").get_data(as_text=True)
    assert "3. 许可期满不予延续；许可期满不予延续，届时停止取水并封井，期限至许可有效期届满" in page
    with app.app_context():
        session = db.session()
        document = session.scalars(select(Document).where(Document.kind == "rectification_notice")).one()
        data = session.scalar(select(Event.data).where(Event.form_key == "rectification_notice",
                                                       Event.kind == "task_completed"))
        assert data["rectify_days"] == 15  # the timer waits for the acts due now, not for the expiry
        kind = catalogue.KINDS["rectification_notice"]
        context = content.build(kind, session.get(Case, 1), document.number, date(2026, 3, 2), data)
    assert context["basis_articles"] == [
        "《地下水管理条例》第二十二条", "《地下水管理条例》第五十六条", "《中华人民共和国水法》第四十八条",
        "《中华人民共和国资源税法》第十四条", "《山东省水资源条例》第三十条",
        "《取水许可和水资源费征收管理条例》第二十条第一款第（五）项", "《中华人民共和国行政许可法》第五十条",
        "《地下水管理条例》第五十八条"]
    assert context["basis_articles_inline"].startswith("《地下水管理条例》第二十二条、《地下水管理条例》第五十六条")
