"""Official documents: issued by the step that submits them, numbered per kind and year, kept by version."""
from __future__ import annotations

import io
import threading
from contextlib import suppress

import pytest
from docx import Document as Docx
from sqlalchemy import func, select
from web_support import REGISTRATION, instance_version, problem_rows, submit, task_guid_in, walk_to_notice

from engine.tables import Event, OpenTask
from webapp.core import db
from webapp.documents import catalogue
from webapp.documents.numbering import next_serial
from webapp.models import Case, Document, DocumentSeries

NOTICE = {**problem_rows(("no_permit", "未办理取水许可", "stop_and_seal", 5),
                        ("no_meter", "未安装取水计量设施", "install_meter", 5)),
          "notice_served_on": "2026-03-02", "service_method": "lodged",
          "legal_basis": "《中华人民共和国水法》第六十九条\n《地下水管理条例》第五十六条"}


def text_of(body: bytes) -> str:
    """All the text of a DOCX, paragraphs and table cells, as a reader sees it."""
    doc = Docx(io.BytesIO(body))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def documents(app, case_id=1):
    with app.app_context():
        return [(d.kind, d.number, d.version) for d in db.session().scalars(
            select(Document).where(Document.case_id == case_id).order_by(Document.id))]


def serve_notice(app, login, data=None):
    water, guid = walk_to_notice(app, login)
    response = submit(water, guid, {**NOTICE, **(data or {})}, instance_version(app))
    assert response.status_code == 302, response.get_data(as_text=True)
    return water


def download(client, app, kind, version=1, case_id=1, nth=1):
    """The ``nth`` document of ``kind`` issued for the case (in issuing order), as its download."""
    with app.app_context():
        doc_id = db.session().scalars(select(Document.id).where(Document.case_id == case_id, Document.kind == kind,
                                                                Document.version == version)
                                      .order_by(Document.id)).all()[nth - 1]
    response = client.get(f"/documents/{doc_id}/download")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    return response


def test_each_step_issues_its_documents_with_numbers_of_its_series(app, login):
    water = serve_notice(app, login)
    assert documents(app) == [
        ("commitment", "乳水承诺〔2026〕1号", 1), ("inspection_record", "乳水检录〔2026〕1号", 1),
        ("rectification_notice", "乳水责改〔2026〕1号", 1), ("service_receipt", "乳水送达〔2026〕1号", 1)]
    page = water.get("/cases/1").get_data(as_text=True)
    assert "责令限期整改通知书乳水责改〔2026〕1号.docx" in page and 'data-testid="document-service_receipt"' in page
    with app.app_context():
        kinds = [e.data["kind"] for e in db.session().scalars(
            select(Event).where(Event.kind == "document_generated").order_by(Event.id))]
    assert kinds == ["commitment", "inspection_record", "rectification_notice", "service_receipt"]


def test_notice_states_party_facts_basis_deadline_and_remedies(app, login):
    water = serve_notice(app, login)
    response = download(water, app, "rectification_notice")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    text = text_of(response.data)
    assert "乳山市水利局" in text and "责令限期整改通知书" in text and "乳水责改〔2026〕1号" in text
    assert f"{REGISTRATION['user_name']}：" in text
    assert "1. 未办理取水许可" in text and "2. 未安装取水计量设施" in text
    # The union of the problems' articles (rules/articles.py), each violated provision before its penalty.
    assert ("违反了《中华人民共和国水法》第四十八条、《取水许可和水资源费征收管理条例》第二条、"
            "《取水许可和水资源费征收管理条例》第四十八条、《中华人民共和国水法》第六十九条第（一）项、"
            "《地下水管理条例》第二十二条、《地下水管理条例》第五十六条的规定") in text
    # 5 working days from Monday 2 March 2026: Monday 9 March, as the deadline timer computes it.
    assert "1. 未办理取水许可：停止取水并封井，于2026年3月9日前（含当日）完成（期限5日）" in text
    assert "2. 未安装取水计量设施：安装计量设施，于2026年3月9日前（含当日）完成" in text
    assert "全部问题应于2026年3月9日前（含当日）整改完毕" in text and "不足十日的期限按工作日计算" in text
    assert "六十日内向乳山市人民政府申请行政复议" in text and "六个月内依法向人民法院提起行政诉讼" in text
    assert "{{" not in text and "{%" not in text
    with app.app_context():
        task = db.session().scalar(select(OpenTask).where(OpenTask.task_spec == "rectify_report"))
        assert task.due_at.astimezone().date().isoformat() >= "2026-03-09"


def test_a_long_period_counts_calendar_days_and_moves_off_a_holiday(app, login):
    # 30 days from 2 March 2026 end on Wednesday 1 April, a working day: the rule says calendar days.
    water = serve_notice(app, login, {"problems-1-rectify_days": "30"})
    text = text_of(download(water, app, "rectification_notice").data)
    assert "安装计量设施，于2026年4月1日前（含当日）完成（期限30日）" in text and "于2026年3月9日前（含当日）完成（期限5日）" in text
    assert "全部问题应于2026年4月1日前（含当日）整改完毕" in text
    assert "不足十日的期限按工作日计算" in text and "十日以上的期限按自然日计算" in text


def test_service_receipt_names_the_notice_and_the_method(app, login):
    water = serve_notice(app, login)
    text = text_of(download(water, app, "service_receipt").data)
    assert "责令限期整改通知书（乳水责改〔2026〕1号）" in text
    assert "留置送达" in text and "见证人" in text and "2026年3月2日" in text


def test_inspection_record_and_commitment_carry_the_step_values(app, login):
    water = serve_notice(app, login)
    record = text_of(download(water, app, "inspection_record").data)
    assert "执法证 3701001、3701002" in record and "未办理取水许可，未安装计量设施。" in record
    assert "整治专班" in record and "乳整2026-00001" in record and "北纬 36.92，东经 121.52" in record
    commitment = text_of(download(water, app, "commitment").data)
    assert "乳山市水利局：" in commitment and REGISTRATION["party_id"] in commitment and "见证单位：—" in commitment


def test_numbers_run_per_kind_and_year_across_cases(app, login):
    serve_notice(app, login)
    town = login("xiacun.clerk")
    second = {**REGISTRATION, "user_kind": "individual", "user_name": "村民甲", "party_id": "11010519491231002X",
              "legal_rep": "", "well_no": "XC-002"}
    assert town.post("/cases/new", data=second).status_code == 302
    submit(town, task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment"),
           {"signed_on": "2026-03-02", "signatory": "乙"}, instance_version(app, 2))
    assert documents(app, 2) == [("commitment", "乳水承诺〔2026〕2号", 1)]


def test_regenerating_adds_a_version_under_the_same_number_and_keeps_the_old(app, login):
    water = serve_notice(app, login)
    old = download(water, app, "rectification_notice").data
    with app.app_context():
        doc_id = db.session().scalar(select(Document.id).where(Document.kind == "rectification_notice"))
    refused = water.post(f"/documents/{doc_id}/regenerate", data={"reason": ""}, follow_redirects=True)
    assert "请填写重新生成的原因" in refused.get_data(as_text=True)
    assert len(documents(app)) == 4
    response = water.post(f"/documents/{doc_id}/regenerate", data={"reason": "更正送达地址"}, follow_redirects=True)
    assert "原版本仍保留" in response.get_data(as_text=True)
    assert documents(app)[-1] == ("rectification_notice", "乳水责改〔2026〕1号", 2)
    assert download(water, app, "rectification_notice", version=1).data == old
    assert "乳水责改〔2026〕1号" in text_of(download(water, app, "rectification_notice", version=2).data)
    page = water.get("/cases/1").get_data(as_text=True)
    assert "责令限期整改通知书乳水责改〔2026〕1号（第2版）.docx" in page and "第1版</a>" in page
    assert "重新生成文书" in page and "更正送达地址" in page
    with app.app_context():
        assert db.session().scalar(select(DocumentSeries.last_no).where(
            DocumentSeries.kind == "rectification_notice")) == 1


def test_who_may_download_and_regenerate(app, login):
    serve_notice(app, login)
    with app.app_context():
        doc_id = db.session().scalar(select(Document.id).where(Document.kind == "rectification_notice"))
    other_town = login("dagushan.clerk")
    assert other_town.get(f"/documents/{doc_id}/download").status_code == 403
    own_town = login("xiacun.clerk")
    assert own_town.get(f"/documents/{doc_id}/download").status_code == 200
    assert own_town.post(f"/documents/{doc_id}/regenerate", data={"reason": "x"}).status_code == 403
    # The town did the commitment step, so it may regenerate that letter, not the bureau's notice.
    page = own_town.get("/cases/1").get_data(as_text=True)
    assert f'action="/documents/{doc_id}/regenerate"' not in page and 'action="/documents/1/regenerate"' in page
    supervisor = login("leading_office.supervisor")
    assert supervisor.post(f"/documents/{doc_id}/regenerate", data={"reason": "督办更正"}).status_code == 302
    assert login("xiacun.clerk").get("/documents/999/download").status_code == 404
    with app.app_context():
        downloads = db.session().scalar(select(func.count()).where(Event.kind == "document_downloaded"))
        assert downloads == 1


def break_notice_template(tmp_path, monkeypatch) -> None:
    """Serve every template from a copy in which the notice's names a field the context does not have."""
    broken = tmp_path / "templates"
    broken.mkdir()
    for kind in catalogue.KINDS.values():
        doc = Docx(kind.template)
        if kind.code == "rectification_notice":
            doc.add_paragraph("{{ no_such_field }}")
        doc.save(broken / kind.template.name)
    monkeypatch.setattr(catalogue, "TEMPLATES", broken)


def test_a_broken_template_refuses_the_step_and_takes_no_number(app, login, tmp_path, monkeypatch):
    water, guid = walk_to_notice(app, login)
    break_notice_template(tmp_path, monkeypatch)
    response = submit(water, guid, NOTICE, instance_version(app))
    assert response.status_code == 422
    assert "模板（rectification_notice.docx）无法填写" in response.get_data(as_text=True)
    assert [k for k, _, _ in documents(app)] == ["commitment", "inspection_record"]
    with app.app_context():
        assert db.session().scalar(select(OpenTask.task_spec).where(OpenTask.task_guid == guid)) == "notice"
        assert db.session().scalar(select(func.count()).select_from(DocumentSeries).where(
            DocumentSeries.kind == "rectification_notice")) == 0
    monkeypatch.undo()
    assert submit(water, guid, NOTICE, instance_version(app)).status_code == 302
    assert documents(app)[2] == ("rectification_notice", "乳水责改〔2026〕1号", 1)


def test_a_template_broken_since_the_first_issue_refuses_the_regeneration_and_writes_nothing(
        app, login, tmp_path, monkeypatch):
    water = serve_notice(app, login)
    with app.app_context():
        doc_id = db.session().scalar(select(Document.id).where(Document.kind == "rectification_notice"))
    break_notice_template(tmp_path, monkeypatch)
    before = documents(app)
    response = water.post(f"/documents/{doc_id}/regenerate", data={"reason": "更正送达地址"}, follow_redirects=True)
    assert "模板（rectification_notice.docx）无法填写" in response.get_data(as_text=True)
    assert documents(app) == before
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Event).where(
            Event.kind == "document_regenerated")) == 0


def test_party_names_with_markup_characters_are_written_as_text(app, login):
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data={**REGISTRATION, "user_name": "乳山甲&乙<食品>有限公司"}).status_code == 302
    submit(town, task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment"),
           {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app))
    assert "乳山甲&乙<食品>有限公司" in text_of(download(town, app, "commitment").data)


def test_concurrent_numbering_has_no_gaps_or_repeats(app):
    """Twenty clerks take numbers at once, one of them fails after taking its number: 1..19, no gap."""
    factory = app.extensions["sa_sessionmaker"]
    taken, errors = [], []
    start = threading.Barrier(20)

    def take(i):
        try:
            # The failing step's transaction rolls back first; its RuntimeError is expected, any other is not.
            with suppress(RuntimeError), factory() as session, session.begin():
                start.wait()
                number = next_serial(session, "rectification_notice", 2026)
                if i == 7:
                    raise RuntimeError("the step failed after the number was taken")
                taken.append(number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=take, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(taken) == list(range(1, 20))
    with factory() as session:
        assert session.scalar(select(DocumentSeries.last_no)) == 19
        assert next_serial(session, "rectification_notice", 2027) == 1


def test_steps_issuing_letters_at_once_number_them_at_the_commit_without_gaps_or_repeats(app, login):
    """Eight steps issue a 承诺书 each, at once, in transactions of their own: one is rolled back after its
    letter was filled, one fails in its commit after its number was taken. The six others hold 1..6,
    each letter printing its own number, and the series holds 6."""
    from engine import audit
    from webapp.core import workflow
    from webapp.documents import service
    from webapp.models import User

    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    factory = app.extensions["sa_sessionmaker"]
    with app.app_context():
        engine = workflow.engine()
    letter = {"signed_on": "2026-03-02", "signatory": "甲", "witness_department": None, "commitment_notes": None}
    start, errors = threading.Barrier(8), []

    def boom(session, events):
        raise RuntimeError("the commit failed after the number was taken")

    def issue(i):
        try:
            start.wait()
            with suppress(RuntimeError), factory() as session, session.begin():
                clerk = session.scalar(select(User).where(User.username == "xiacun.clerk"))
                service.issue_for_step(session, engine, session.get(Case, 1), "commitment_letter", None, letter, clerk)
                if i == 3:
                    raise RuntimeError("the step failed after its letter was filled")
                if i == 5:  # runs after the numbering observer
                    session.info[audit.OBSERVERS] = (*session.info[audit.OBSERVERS], boom)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with factory() as session:
        letters = session.scalars(select(Document).where(Document.kind == "commitment", Document.task_guid.is_(None))
                                  .order_by(Document.serial)).all()
        assert [d.serial for d in letters] == list(range(1, 7))
        for doc in letters:
            assert doc.number in text_of(doc.content) and "\ue000" not in text_of(doc.content)
            assert doc.file_name == f"承诺书{doc.number}.docx"
        generated = session.scalars(select(Event.data).where(Event.kind == "document_generated",
                                                             Event.task_guid.is_(None))).all()
        assert sorted((e["number"], e["sha256"]) for e in generated) == sorted((d.number, d.sha256) for d in letters)
        assert session.scalar(select(DocumentSeries.last_no).where(DocumentSeries.kind == "commitment")) == 6


def test_a_step_still_working_does_not_hold_its_letters_series(app, login):
    """The series is locked only at the commit: a step that filled its letter and has not committed does not
    keep another clerk's letter waiting; each takes the next number when it commits."""
    from sqlalchemy import text

    from webapp.core import workflow
    from webapp.documents import service
    from webapp.models import User

    factory = app.extensions["sa_sessionmaker"]
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite serializes every writer at BEGIN IMMEDIATE")
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    letter = {"signed_on": "2026-03-02", "signatory": "甲", "witness_department": None, "commitment_notes": None}
    with app.app_context():
        engine = workflow.engine()
    with factory() as slow:
        slow.begin()
        clerk = slow.scalar(select(User).where(User.username == "xiacun.clerk"))
        (first,) = service.issue_for_step(slow, engine, slow.get(Case, 1), "commitment_letter", None, letter, clerk)
        with factory() as other, other.begin():
            other.execute(text("SET LOCAL lock_timeout = '2s'"))
            (second,) = service.issue_for_step(other, engine, other.get(Case, 1), "commitment_letter", None, letter,
                                               other.scalar(select(User).where(User.username == "xiacun.clerk")))
        slow.commit()
    assert (second.number, first.number) == ("乳水承诺〔2026〕1号", "乳水承诺〔2026〕2号")


SEALING = {"seal_obstructed": "no", "sealed_on": "2026-02-27", "disposal_type": "standby", "seal_no": "F-0007",
           "latitude": "36.9125", "longitude": "121.5372", "sealing_notes": "井口加装钢板焊封"}


def _by_web(app, login, steps) -> None:
    for user, spec, data in steps:
        client = login(user)
        response = submit(client, task_guid_in(client.get("/inbox/").get_data(as_text=True), spec), data,
                          instance_version(app))
        assert response.status_code == 302, response.get_data(as_text=True)


def _seal(app, login):
    serve_notice(app, login)
    _by_web(app, login, [
        ("water.clerk", "rectify_report", {"reported_on": "2026-03-02", "report_summary": "已停止取水"}),
        ("water_group.clerk", "supply_connection", {"supply_agreement_no": "GS-2026-001", "connected_on": "2026-03-02"}),
        ("enforcement.clerk", "seal_well", SEALING)])


def test_sealing_record_with_disposal_seal_number_and_position_and_no_acceptance_yet(app, login):
    _seal(app, login)
    assert documents(app)[-1] == ("sealing_record", "乳水封记〔2026〕1号", 1)
    text = text_of(download(login("enforcement.clerk"), app, "sealing_record").data)
    assert "乳山市综合执法局" in text and "封井记录" in text and "封存备用" in text and "F-0007" in text
    assert "北纬 36.9125，东经 121.5372" in text and "DB37/T 4634-2023" in text and "夏村镇" in text
    assert "井口加装钢板焊封" in text and "执法人员签名" in text
    # The acceptance has not happened: the record states no opinion on it.
    assert "验收意见" not in text and "验收合格" not in text and "封井验收单" in text


def test_the_acceptance_issues_its_own_form_with_its_opinion_and_signatories(app, login):
    _seal(app, login)
    water = login("water.clerk")
    guid = task_guid_in(water.get("/inbox/").get_data(as_text=True), "seal_acceptance")
    opinion = "井口封闭严密，封条完好，封填深度符合规范"
    response = submit(water, guid, {"accepted_on": "2026-03-02", "seal_accepted": "yes",
                                    "signatories": ["water", "enforcement", "town", "party"],
                                    "acceptance_opinion": opinion}, instance_version(app))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert documents(app)[-2:] == [("sealing_record", "乳水封记〔2026〕1号", 1),
                                   ("seal_acceptance", "乳水验收〔2026〕1号", 1)]
    text = text_of(download(water, app, "seal_acceptance").data)
    assert "封井验收单" in text and "乳水验收〔2026〕1号" in text and opinion in text
    assert "2026年3月2日" in text and "2026年2月27日" in text and "合格" in text and "不合格" not in text
    # The sealing it accepts, by its record's number and values.
    assert "乳水封记〔2026〕1号" in text and "执法部门封井" in text and "F-0007" in text and "封存备用" in text
    # One row with room to sign per unit that took part, by name.
    doc = Docx(io.BytesIO(download(water, app, "seal_acceptance").data))
    signing = [row.cells[0].text for row in doc.tables[-1].rows]
    assert signing == ["参加验收单位", "市水利局", "市综合执法局", "夏村镇", "用水户 乳山某某食品有限公司"]


def test_a_failed_acceptance_is_on_its_form_and_the_well_is_sealed_again(app, login):
    _seal(app, login)
    _by_web(app, login, [("water.clerk", "seal_acceptance", {
        "accepted_on": "2026-03-02", "seal_accepted": "no", "signatories": ["water"],
        "acceptance_opinion": "封填深度不足，退回重新封井"})])
    text = text_of(download(login("water.clerk"), app, "seal_acceptance").data)
    assert "不合格，退回重新封井" in text and "封填深度不足" in text
    _by_web(app, login, [("enforcement.clerk", "seal_well", {**SEALING, "sealed_on": "2026-03-02", "seal_no": "F-0008"}),
                         ("water.clerk", "seal_acceptance", {"accepted_on": "2026-03-02", "seal_accepted": "yes",
                                                             "signatories": ["water"], "acceptance_opinion": "合格"})])
    assert [d for d in documents(app) if d[0] in ("sealing_record", "seal_acceptance")] == [
        ("sealing_record", "乳水封记〔2026〕1号", 1), ("seal_acceptance", "乳水验收〔2026〕1号", 1),
        ("sealing_record", "乳水封记〔2026〕2号", 1), ("seal_acceptance", "乳水验收〔2026〕2号", 1)]
    with app.app_context():
        second = db.session().scalar(select(Document).where(Document.number == "乳水验收〔2026〕2号"))
        text = text_of(second.content)
    assert "乳水封记〔2026〕2号" in text and "F-0008" in text and "F-0007" not in text


def test_a_broken_seal_sealed_by_substitute_performance_is_accepted_as_the_re_sealing(app, login, fixed_clock):
    """代履行封井 issues its record (行政强制法 Art 51(3)); the re-sealing's acceptance names it, and
    no 重新封井 step (no second 封井记录) comes between."""
    from datetime import datetime, timezone

    from web_support import complete_steps

    _seal(app, login)
    _by_web(app, login, [("water.clerk", "seal_acceptance", {"accepted_on": "2026-03-02", "seal_accepted": "yes",
                                                             "signatories": ["water"], "acceptance_opinion": "合格"})])
    complete_steps(app, [("recheck", "water.clerk", {"recheck_passed": True})])
    fixed_clock.move_to(datetime(2026, 6, 1, 2, tzinfo=timezone.utc))
    app.test_cli_runner().invoke(args=["timers", "run", "--once"])
    complete_steps(app, [
        ("patrol", "xiacun.clerk", {"patrolled_on": "2026-06-01", "patrol_obstructed": False, "seal_intact": False,
                                    "abstraction_resumed": True, "continue_patrol": True}),
        ("pen_filing", "water.clerk", {"filed_on": "2026-06-01"}),
        ("pen_investigation", "water.clerk", {"investigation_conclusion": "penalty"}),
        ("pen_legal_review", "justice.clerk", {"review_passed": True}),
        ("pen_prior_notice", "water.clerk", {"proposed_fine": 200_000, "prior_notice_served_on": "2026-06-01"}),
        ("pen_statement", "water.clerk", {"statement_made": False, "hearing_requested": False}),
        ("pen_decision", "water.clerk", {"decided_on": "2026-06-02", "decision_kind": "penalty", "fine_amount": 200_000}),
        ("pen_service", "water.clerk", {"decision_served_on": "2026-06-02"}),
        ("pen_payment", "water.clerk", {"paid_on": "2026-06-03", "paid_amount": 200_000.0}),
        ("pen_seal_check", "water.clerk", {"well_sealed": False}),
        ("pen_reminder", "water.clerk", {"reminder_served_on": "2026-06-03", "reminder_days": 3})])
    fixed_clock.move_to(datetime(2026, 6, 9, 2, tzinfo=timezone.utc))
    app.test_cli_runner().invoke(args=["timers", "run", "--once"])
    complete_steps(app, [("pen_substitute_decision", "water.clerk", {"party_performed": False,
                                                                      "substitute_date": "2026-06-12"})])
    fixed_clock.move_to(datetime(2026, 6, 12, 2, tzinfo=timezone.utc))
    _by_web(app, login, [("enforcement.clerk", "pen_substitute_sealing", {
        "substitute_sealed_on": "2026-06-12", "substitute_seal_no": "F-0100", "substitute_disposal_type": "backfill",
        "supervising_officer": "执法人员甲、乙", "substitute_witness": "村委会见证人", "substitute_cost": "3500"})])
    record = text_of(download(login("water.clerk"), app, "substitute_sealing_record").data)
    assert "代履行封井记录" in record and "乳水代封〔2026〕1号" in record and "F-0100" in record
    assert "机井封填" in record and "到场监督的执法人员签名" in record and "当事人或者见证人签名或者盖章" in record
    water = login("water.clerk")
    inbox = water.get("/inbox/").get_data(as_text=True)
    assert 'data-testid="task-reseal_acceptance"' in inbox and 'data-testid="task-reseal_well"' not in inbox
    _by_web(app, login, [("water.clerk", "reseal_acceptance", {
        "accepted_on": "2026-06-12", "seal_accepted": "yes", "signatories": ["water", "enforcement"],
        "acceptance_opinion": "代履行封井符合规范"})])
    text = text_of(download(water, app, "seal_acceptance", version=1, case_id=1, nth=2).data)
    assert "代履行封井" in text and "乳水代封〔2026〕1号" in text and "F-0100" in text and "代履行封井符合规范" in text
    assert [d[1] for d in documents(app) if d[0] == "sealing_record"] == ["乳水封记〔2026〕1号"]  # sealed once more, not twice


def test_the_notice_cites_the_problems_articles_when_the_context_lists_them(app, login):
    """``basis_articles`` (the union of the problems' articles) replaces the typed basis when present."""
    from datetime import date

    from webapp.documents import content, service

    serve_notice(app, login)
    with app.app_context():
        session = db.session()
        case = session.get(Case, 1)
        kind = catalogue.KINDS["rectification_notice"]
        data = service.step_data(session, session.scalar(select(Document.task_guid).where(
            Document.kind == "rectification_notice")))
        context = content.build(kind, case, kind.number(2026, 1), date(2026, 3, 2), data)
        typed = text_of(service.render(kind, {**context, "basis_articles": []}))
        cited = text_of(service.render(kind, {**context, "basis_articles": [
            "《山东省水资源条例》第三十条", "《地下水管理条例》第五十六条"]}))
    assert "违反了《中华人民共和国水法》第六十九条、《地下水管理条例》第五十六条的规定" in typed
    assert "违反了《山东省水资源条例》第三十条、《地下水管理条例》第五十六条的规定" in cited


def test_a_hidden_well_sealed_by_substitute_performance_is_accepted_not_sealed_again(app, login, fixed_clock):
    """A hidden well is punished first (plan §四(四)); the penalty's 代履行封井 is the well's sealing, so the
    case goes from it to 封井验收 (not to the notice and a second 封井), and the 验收单 names the
    代履行封井记录. The forms a clerk posts for the well, the sealing and the acceptance go through the
    pages; the penalty's proceedings in between are completed through the engine (their forms have tests
    of their own)."""
    from datetime import datetime, timezone

    from dashboard_support import totals
    from web_support import INSPECTION, complete_steps

    def sealed_on_the_dashboard() -> str:
        page = login("leading_office.clerk").get("/dashboard/", query_string={"start": "2026-03-01",
                                                                              "end": "2026-03-11"})
        return totals(page.get_data(as_text=True))["sealed"]

    town = login("xiacun.clerk")
    assert town.post("/cases/new", data={**REGISTRATION, "hidden_well": "yes"}).status_code == 302
    _by_web(app, login, [("xiacun.clerk", "commitment", {"signed_on": "2026-03-02", "signatory": "甲"}),
                         ("task_force.clerk", "inspect", {**INSPECTION, "hidden_well": "yes"})])
    water = login("water.clerk")
    assert 'data-testid="task-pen_filing"' in water.get("/inbox/").get_data(as_text=True)
    complete_steps(app, [
        ("pen_filing", "water.clerk", {"filed_on": "2026-03-02"}),
        ("pen_investigation", "water.clerk", {"investigation_conclusion": "penalty"}),
        ("pen_legal_review", "justice.clerk", {"review_passed": True}),
        ("pen_prior_notice", "water.clerk", {"proposed_fine": 100_000, "prior_notice_served_on": "2026-03-02"}),
        ("pen_statement", "water.clerk", {"statement_made": False, "hearing_requested": False}),
        ("pen_decision", "water.clerk", {"decided_on": "2026-03-02", "decision_kind": "penalty", "fine_amount": 100_000}),
        ("pen_service", "water.clerk", {"decision_served_on": "2026-03-02"}),
        ("pen_payment", "water.clerk", {"paid_on": "2026-03-02", "paid_amount": 100_000}),
        ("pen_seal_check", "water.clerk", {"seal_checked_on": "2026-03-02", "well_sealed": False}),
        ("pen_reminder", "water.clerk", {"reminder_served_on": "2026-03-02", "reminder_days": 3})])
    fixed_clock.move_to(datetime(2026, 3, 6, 2, tzinfo=timezone.utc))  # the 催告 ran out on 5 March
    app.test_cli_runner().invoke(args=["timers", "run", "--once"])
    complete_steps(app, [("pen_substitute_decision", "water.clerk", {"substitute_decided_on": "2026-03-06",
                                                                      "party_performed": False,
                                                                      "substitute_date": "2026-03-11"})])
    fixed_clock.move_to(datetime(2026, 3, 11, 2, tzinfo=timezone.utc))
    _by_web(app, login, [("enforcement.clerk", "pen_substitute_sealing", {
        "substitute_sealed_on": "2026-03-11", "substitute_seal_no": "F-0200", "substitute_disposal_type": "backfill",
        "supervising_officer": "执法人员甲、乙", "substitute_witness": "村委会见证人", "substitute_cost": "3000"})])
    inbox = water.get("/inbox/").get_data(as_text=True)
    assert 'data-testid="task-seal_acceptance"' in inbox and 'data-testid="task-notice"' not in inbox
    assert 'data-testid="task-seal_well"' not in login("enforcement.clerk").get("/inbox/").get_data(as_text=True)
    assert sealed_on_the_dashboard() == "0"  # counted once its sealing is accepted
    _by_web(app, login, [("water.clerk", "seal_acceptance", {
        "accepted_on": "2026-03-11", "seal_accepted": "yes", "signatories": ["water", "enforcement", "town"],
        "acceptance_opinion": "代履行回填封井符合规范"})])
    text = text_of(download(water, app, "seal_acceptance").data)
    assert "代履行封井" in text and "乳水代封〔2026〕1号" in text and "F-0200" in text and "代履行回填封井符合规范" in text
    # One sealing, one acceptance: no 封井记录 and no 责令限期整改通知书 after the penalty's sealing.
    assert [d[:2] for d in documents(app) if d[0] in ("sealing_record", "substitute_sealing_record",
                                                      "seal_acceptance", "rectification_notice")] == [
        ("substitute_sealing_record", "乳水代封〔2026〕1号"), ("seal_acceptance", "乳水验收〔2026〕1号")]
    assert 'data-testid="task-recheck"' in water.get("/inbox/").get_data(as_text=True)
    assert sealed_on_the_dashboard() == "1"
