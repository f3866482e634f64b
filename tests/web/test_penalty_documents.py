"""The penalty's documents (行政处罚事先告知书, 听证告知书, 行政处罚决定书, 催告书, 代履行决定书), without the web:
the context is built with ``content.build`` for a case row and rendered with ``service.render``."""
from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document as Docx
from sqlalchemy import select

from webapp.core import db, workflow
from webapp.documents import catalogue, content, service
from webapp.documents.penalty_content import in_words, money
from webapp.models import Case, Document, User, WaterUser, Well

ISSUED = date(2026, 3, 2)
PRIOR = {"prior_facts": "2026年2月在厂区自备井取用地下水\n未取得取水许可", "prior_legal_basis": "water_law_69",
         "proposed_fine": 50_000, "prior_notice_served_on": "2026-03-02", "prior_notice_service_method": "direct"}
HEARING = {"hearing_notified_on": "2026-03-02", "hearing_date": "2026-03-11", "hearing_time": "上午9时",
           "hearing_place": "市水利局三楼会议室", "hearing_host": "法制科工作人员", "hearing_notice_service_method": "direct"}
DECISION = {"decided_on": "2026-03-02", "decision_kind": "penalty", "decision_facts": "未经批准擅自取用地下水",
            "decision_legal_basis": "gw_regulation_56", "fine_amount": 120_000, "rectify_order": "立即停止取水，自行封闭自备井。",
            "statement_handling": "当事人的申辩理由不成立，不予采纳。", "no_penalty_grounds": None,
            "payment_channel": "持本决定书到指定代收银行缴纳"}
REMINDER = {"reminder_served_on": "2026-03-02", "reminder_days": 5, "reminder_obligation": "停止取用地下水，自行封闭自备井。",
            "reminder_service_method": "lodged"}
SUBSTITUTE = {"substitute_decided_on": "2026-03-02", "party_performed": False, "substitute_date": "2026-03-06",
              "substitute_executor": "乳山市综合执法局", "substitute_method": "backfill", "substitute_cost_estimate": 3_500.5}


def text_of(body: bytes) -> str:
    doc = Docx(io.BytesIO(body))
    return "\n".join([p.text for p in doc.paragraphs]
                     + [cell.text for table in doc.tables for row in table.rows for cell in row.cells])


@pytest.fixture
def make_case(app):
    """make_case(kind) -> a case row of an enterprise's or an individual's well (no workflow needed)."""
    made, owners = [], {}

    def make(kind="enterprise"):
        session = db.session()
        owner = owners.get(kind) or WaterUser(kind=kind, name="乳山某某食品有限公司" if kind == "enterprise" else "村民乙",
                          party_id="91350100M000100Y43" if kind == "enterprise" else "11010519491231002X",
                          legal_rep="法定代表人甲" if kind == "enterprise" else None, address="夏村镇工业园1号",
                          phone="0631-6651234", town="xiacun")
        owners[kind] = owner
        well = Well(owner=owner, well_no=f"XC-{len(made) + 1:03d}", town="xiacun", village="东村", address="厂区北侧",
                    latitude=36.92, longitude=121.52, purpose="industrial")
        case = Case(well=well, town="xiacun", registered_by="xiacun.clerk")
        session.add(case)
        session.flush()
        made.append(case)
        return case

    with app.app_context():
        yield make
        db.session().rollback()


def render(code: str, case: Case, data: dict) -> str:
    """The document's text as the party reads it (paragraphs, then table cells)."""
    kind = catalogue.KINDS[code]
    context = content.build(kind, case, kind.number(2026, 7), ISSUED, data)
    text = text_of(service.render(kind, context))
    assert "{{" not in text and "{%" not in text
    assert "乳山市水利局" in text and kind.name in text and f"{kind.prefix}〔2026〕7号" in text
    return text


def test_amounts_in_figures_and_in_words():
    assert (money(50_000), in_words(50_000)) == ("50,000元", "人民币伍万元整")
    assert (money(120_000), in_words(120_000)) == ("120,000元", "人民币壹拾贰万元整")
    assert (money(3_500.5), in_words(3_500.5)) == ("3,500.50元", "人民币叁仟伍佰元伍角")
    assert in_words(10_005) == "人民币壹万零伍元整" and in_words(100_010_000) == "人民币壹亿零壹万元整"
    assert in_words(3_000.05) == "人民币叁仟元零伍分" and in_words(0.5) == "人民币伍角"


def test_prior_notice_states_facts_basis_fine_rights_and_the_reply_deadline(make_case):
    text = render("penalty_prior_notice", make_case("enterprise"), PRIOR)
    assert "乳山某某食品有限公司：" in text and "XC-001" in text
    assert "2026年2月在厂区自备井取用地下水" in text and "未取得取水许可" in text
    assert "《中华人民共和国水法》第六十九条第（一）项" in text and "2万元以上10万元以下罚款" in text
    assert "罚款50,000元（人民币伍万元整）" in text
    assert "有权进行陈述和申辩" in text and "不因你（单位）陈述、申辩而给予更重的处罚" in text
    # Five working days from Monday 2 March 2026 (the calendar the diagram's timer uses): Monday 9 March.
    assert "五个工作日内（即2026年3月9日前，含当日）" in text
    # 50,000 yuan is below an enterprise's hearing threshold (80,000): no hearing right is announced.
    assert "要求举行听证" not in text


def sentences(text: str) -> list[str]:
    """The document's paragraphs, one a line, as printed."""
    return [line for line in text.splitlines() if line.strip()]


# The provisions the facts violate (rules.articles, stored by the form) are not the one the fine rests on.
VIOLATED = ["《中华人民共和国水法》第四十八条", "《取水许可和水资源费征收管理条例》第二条"]


def test_prior_notice_names_the_violated_provisions_apart_from_the_penalty_provision(make_case):
    text = render("penalty_prior_notice", make_case(), {**PRIOR, "prior_violated_articles": VIOLATED})
    lines = sentences(text)
    violated = lines.index("你（单位）的上述行为违反了《中华人民共和国水法》第四十八条、《取水许可和水资源费征收管理条例》"
                           "第二条的规定。")
    assert lines[violated + 1] == ("依据《中华人民共和国水法》第六十九条第（一）项的规定（2万元以上10万元以下罚款），"
                                   "本机关拟对你（单位）作出如下行政处罚：罚款50,000元（人民币伍万元整）。")
    # No aggravating facts and no reason on the record: neither heading nor an empty line is printed.
    assert "从重处罚情节" not in text and "理由：" not in text and "违反了《中华人民共和国水法》第六十九条" not in text


def test_prior_notice_states_the_aggravating_facts_and_the_reason_before_the_penalty(make_case):
    text = render("penalty_prior_notice", make_case(), {
        **PRIOR, "prior_legal_basis": "gw_regulation_58", "proposed_fine": 300_000,
        "prior_violated_articles": ["《地下水管理条例》第三十三条", "《山东省水资源条例》第三十条"],
        "prior_aggravating_facts": "被责令封井并经验收后擅自启封、恢复取水，属明知故犯\n经责令改正、行政处罚后仍不改正",
        "prior_basis_reason": "擅自启封后继续取水，情节严重"})
    lines = sentences(text)
    start = lines.index("你（单位）的上述行为违反了《地下水管理条例》第三十三条、《山东省水资源条例》第三十条的规定。")
    assert lines[start + 1:start + 6] == [
        "本案具有下列从重处罚情节：",
        "被责令封井并经验收后擅自启封、恢复取水，属明知故犯",
        "经责令改正、行政处罚后仍不改正",
        "本机关适用处罚依据和确定罚款数额的理由：擅自启封后继续取水，情节严重",
        "依据《地下水管理条例》第五十八条的规定（10万元以上50万元以下罚款），本机关拟对你（单位）作出如下行政处罚："
        "罚款300,000元（人民币叁拾万元整）。"]


def test_decision_names_the_violated_provisions_the_reasoning_and_the_penalty_provision(make_case):
    text = render("penalty_decision", make_case(), {
        **DECISION, "decision_violated_articles": ["《地下水管理条例》第二十二条"],
        "decision_basis_reason": "当事人已于立案后安装计量设施，按幅度下限处罚"})
    lines = sentences(text)
    start = lines.index("你（单位）的上述行为违反了《地下水管理条例》第二十二条的规定。")
    assert lines[start - 1] == "陈述、申辩和听证情况：当事人的申辩理由不成立，不予采纳。"
    assert lines[start + 1:start + 3] == [
        "本机关适用处罚依据和确定罚款数额的理由：当事人已于立案后安装计量设施，按幅度下限处罚",
        "依据《地下水管理条例》第五十六条的规定（10万元以上50万元以下罚款），本机关决定对你（单位）处以罚款120,000元"
        "（人民币壹拾贰万元整），并责令：立即停止取水，自行封闭自备井。"]
    assert "从重处罚情节" not in text


def test_decision_with_a_broken_seal_states_the_aggravating_facts(make_case):
    text = render("penalty_decision", make_case(), {
        **DECISION, "decision_legal_basis": "gw_regulation_58", "fine_amount": 300_000,
        "decision_violated_articles": ["《地下水管理条例》第三十三条"],
        "decision_aggravating_facts": "被责令封井并经验收后擅自启封、恢复取水，属明知故犯"})
    lines = sentences(text)
    start = lines.index("你（单位）的上述行为违反了《地下水管理条例》第三十三条的规定。")
    assert lines[start + 1:start + 4] == [
        "本案具有下列从重处罚情节：", "被责令封井并经验收后擅自启封、恢复取水，属明知故犯",
        "依据《地下水管理条例》第五十八条的规定（10万元以上50万元以下罚款），本机关决定对你（单位）处以罚款300,000元"
        "（人民币叁拾万元整），并责令：立即停止取水，自行封闭自备井。"]
    assert "理由：" not in text


def test_a_step_without_violated_provisions_on_record_names_the_penalty_provision(make_case):
    """Steps done before the violated provisions were kept: the document says what it said then."""
    text = render("penalty_decision", make_case(), DECISION)
    assert "违反了《地下水管理条例》第五十六条的规定。" in text and "违反了—" not in text


def test_prior_notice_announces_the_hearing_right_above_the_threshold(make_case):
    text = render("penalty_prior_notice", make_case("individual"), {**PRIOR, "proposed_fine": 20_000})
    assert "村民乙：" in text and "有权要求举行听证" in text and "陈述、申辩或者要求听证" in text


def test_hearing_notice_states_when_where_who_and_the_rights(make_case):
    text = render("hearing_notice", make_case(), HEARING)
    assert "定于2026年3月11日上午9时在市水利局三楼会议室举行听证，由法制科工作人员担任主持人" in text
    assert "委托一至二人代理" in text and "申请回避" in text and "视为放弃听证权利" in text


def test_decision_states_the_fine_payment_surcharge_and_remedies(make_case):
    text = render("penalty_decision", make_case(), DECISION)
    assert "乳山某某食品有限公司" in text and "91350100M000100Y43" in text and "法定代表人甲" in text
    assert "未经批准擅自取用地下水" in text and "《地下水管理条例》第五十六条" in text
    assert "10万元以上50万元以下罚款" in text and "处以罚款120,000元（人民币壹拾贰万元整）" in text
    assert "立即停止取水，自行封闭自备井。" in text and "当事人的申辩理由不成立，不予采纳。" in text
    assert "自收到本决定书之日起十五日内缴纳罚款，缴纳方式：持本决定书到指定代收银行缴纳" in text
    assert "每日按罚款数额的百分之三加处罚款" in text and "至多120,000元" in text
    assert "六十日内向乳山市人民政府申请行政复议" in text and "六个月内依法向人民法院提起行政诉讼" in text
    assert "本决定不停止执行" in text and "申请人民法院强制执行" in text


def test_reminder_states_the_obligation_and_its_last_day(make_case):
    text = render("enforcement_reminder", make_case(), REMINDER)
    assert "停止取用地下水，自行封闭自备井。" in text and "《中华人民共和国行政强制法》第三十五条" in text
    # 5 working days from Monday 2 March: Monday 9 March; 15 calendar days would be counted differently.
    assert "履行期限为5日（不足十日，按工作日计算，不含法定节假日）" in text and "请于2026年3月9日前（含当日）履行完毕" in text
    assert "实施代履行" in text and "所需费用由你（单位）承担" in text and "有权进行陈述和申辩" in text


def test_reminder_of_a_long_period_counts_calendar_days(make_case):
    text = render("enforcement_reminder", make_case(), {**REMINDER, "reminder_days": 15})
    assert "请于2026年3月17日前（含当日）履行完毕" in text and "按自然日计算" in text


def test_substitute_decision_states_method_date_executor_cost_and_remedies(make_case):
    text = render("substitute_decision", make_case(), SUBSTITUTE)
    assert "机井封填" in text and "2026年3月6日" in text and "乳山市综合执法局" in text
    assert "3,500.50元（人民币叁仟伍佰元伍角）" in text and "第五十条、第五十一条" in text
    assert "代履行三日前再次催告" in text and "由你（单位）承担" in text
    assert "六十日内向乳山市人民政府申请行政复议" in text and "六个月内依法向人民法院提起行政诉讼" in text


def test_each_step_issues_its_document_in_its_own_series_and_only_when_it_applies(make_case):
    case = make_case()
    session, engine = db.session(), workflow.engine()
    clerk = session.scalar(select(User).where(User.username == "water.clerk"))

    def issue(form_key, data):
        issued = service.issue_for_step(session, engine, case, form_key, None, data, clerk)
        db.commit()  # numbered at the commit
        return [d.number for d in issued]

    assert issue("penalty_prior_notice", PRIOR) == ["乳水罚告〔2026〕1号"]
    assert issue("penalty_hearing_notice", HEARING) == ["乳水听告〔2026〕1号"]
    assert issue("penalty_decision", DECISION) == ["乳水罚决〔2026〕1号"]
    assert issue("penalty_decision", {**DECISION, "decision_kind": "no_penalty", "fine_amount": None,
                                      "no_penalty_grounds": "违法事实不能成立"}) == []
    assert issue("penalty_reminder", REMINDER) == ["乳水催告〔2026〕1号"]
    assert issue("penalty_substitute_decision", {**SUBSTITUTE, "party_performed": True}) == []
    assert issue("penalty_substitute_decision", SUBSTITUTE) == ["乳水代履〔2026〕1号"]
    stored = session.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id)).all()
    assert [d.file_name for d in stored][2] == "行政处罚决定书乳水罚决〔2026〕1号.docx"
    assert "人民币壹拾贰万元整" in text_of(stored[2].content)
    assert {k.issuer for k in catalogue.KINDS.values() if k.prefix.startswith(("乳水罚", "乳水听", "乳水催", "乳水代"))} \
        == {"water"}



def test_substitute_sealing_record_is_signed_on_site(make_case):
    """行政强制法 Art 51(3): the supervising officer, the executor and the party or a witness sign it."""
    text = render("substitute_sealing_record", make_case(), {
        "substitute_sealed_on": "2026-03-06", "substitute_seal_no": "F-0100", "substitute_disposal_type": "backfill",
        "supervising_officer": "执法人员甲、乙", "substitute_witness": "村委会见证人", "substitute_cost": 3_500.0,
        "substitute_notes": None})
    assert "2026年3月6日" in text and "F-0100" in text and "机井封填" in text and "3500" in text
    assert "执法人员甲、乙" in text and "村委会见证人" in text and "第五十条、第五十一条" in text
    for line in ("到场监督的执法人员签名", "代履行人签名或者盖章", "当事人或者见证人签名或者盖章"):
        assert line in text
