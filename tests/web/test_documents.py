"""Official documents: issued by the step that submits them, kept by version, refused whole when a template is broken."""
from __future__ import annotations

from documents_support import NOTICE, documents, download, serve_notice, text_of
from docx import Document as Docx
from sqlalchemy import func, select
from web_support import REGISTRATION, instance_version, submit, task_guid_in, walk_to_notice

from engine.tables import Event, OpenTask
from webapp.core import db
from webapp.documents import catalogue
from webapp.models import Case, Document, DocumentSeries


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
