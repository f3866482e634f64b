"""The penalty's task forms (forms/penalty*.py): good data, the law's ranges and dates, Chinese refusals.

Forms are bound by tests/forms/conftest.py's ``bind``; "today" is Monday 2 March 2026 here (inside the
working-day calendar's data), not the other form tests' day.
"""
from __future__ import annotations

import datetime as dt

import pytest

from forms import FORMS
from forms import validators as v
from forms.penalty import PENALTY_FORMS
from forms.penalty_rules import BASES, FINE_GUIDANCE

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):  # overrides the conftest's day for this module
    monkeypatch.setattr(v, "today", lambda: TODAY)


OFFICERS = "甲（执法证号0001）、乙（执法证号0002）"
# form key -> (what the clerk posts, what reaches the workflow)
GOOD = {
    "penalty_filing": (
        {"filed_on": "2026-03-02", "case_source": "recheck", "violation_summary": "复查发现仍在取水",
         "handling_officers": OFFICERS, "filing_opinion": "同意立案"},
        {"filed_on": "2026-03-02", "case_source": "recheck", "violation_summary": "复查发现仍在取水",
         "handling_officers": OFFICERS, "filing_opinion": "同意立案", "violation_problems": []}),
    "penalty_investigation": (
        {"investigated_on": "2026-03-02", "investigators": OFFICERS, "facts": "未经批准取用地下水",
         "evidence": "现场检查笔录\n询问笔录", "investigation_conclusion": "penalty",
         "investigation_basis": "water_law_69", "no_penalty_reason": "不适用"},
        {"investigated_on": "2026-03-02", "investigators": OFFICERS, "facts": "未经批准取用地下水",
         "evidence": "现场检查笔录\n询问笔录", "investigation_conclusion": "penalty",
         "investigation_basis": "water_law_69", "no_penalty_reason": None}),
    "penalty_legal_review": (
        {"reviewed_on": "2026-03-02", "reviewer": "丙", "review_passed": "yes", "review_opinion": "事实清楚"},
        {"reviewed_on": "2026-03-02", "reviewer": "丙", "review_passed": True, "review_opinion": "事实清楚"}),
    "penalty_prior_notice": (
        {"prior_facts": "未经批准取用地下水", "prior_legal_basis": "water_law_69", "proposed_fine": "５0,000",
         "prior_notice_served_on": "2026-03-02", "prior_notice_service_method": "direct"},
        {"prior_facts": "未经批准取用地下水", "prior_legal_basis": "water_law_69", "proposed_fine": 50_000,
         "prior_notice_served_on": "2026-03-02", "prior_notice_service_method": "direct",
         "prior_aggravating_facts": None, "prior_basis_reason": None, "prior_violated_articles": []}),
    "penalty_statement": (
        {"statement_received_on": "2026-03-02", "statement_made": "no", "statement_summary": "写错了",
         "statement_review": "", "hearing_requested": "no"},
        {"statement_received_on": "2026-03-02", "statement_made": False, "statement_summary": None,
         "statement_review": None, "hearing_requested": False}),
    "penalty_hearing_notice": (
        {"hearing_notified_on": "2026-03-02", "hearing_date": "2026-03-11", "hearing_time": "上午9时",
         "hearing_place": "市水利局会议室", "hearing_host": "丁", "hearing_notice_service_method": "direct"},
        {"hearing_notified_on": "2026-03-02", "hearing_date": "2026-03-11", "hearing_time": "上午9时",
         "hearing_place": "市水利局会议室", "hearing_host": "丁", "hearing_notice_service_method": "direct"}),
    "penalty_hearing": (
        {"hearing_held_on": "2026-03-02", "party_attended": "yes", "hearing_record": "当事人申辩",
         "hearing_opinion": "维持"},
        {"hearing_held_on": "2026-03-02", "party_attended": True, "hearing_record": "当事人申辩",
         "hearing_opinion": "维持"}),
    "penalty_decision": (
        {"decided_on": "2026-03-02", "decision_kind": "penalty", "decision_facts": "未经批准取用地下水",
         "decision_legal_basis": "gw_regulation_56", "fine_amount": "100000", "rectify_order": "限期封井",
         "statement_handling": "未提出", "no_penalty_grounds": "", "payment_channel": "指定银行"},
        {"decided_on": "2026-03-02", "decision_kind": "penalty", "decision_facts": "未经批准取用地下水",
         "decision_legal_basis": "gw_regulation_56", "fine_amount": 100_000, "rectify_order": "限期封井",
         "statement_handling": "未提出", "no_penalty_grounds": None, "payment_channel": "指定银行",
         "decision_aggravating_facts": None, "decision_basis_reason": None, "decision_violated_articles": []}),
    "penalty_overdue": (
        {"overdue_reviewed_on": "2026-03-02", "overdue_reason": "听证延期", "overdue_measure": "extended",
         "overdue_decide_by": "2026-04-01"},
        {"overdue_reviewed_on": "2026-03-02", "overdue_reason": "听证延期", "overdue_measure": "extended",
         "overdue_decide_by": "2026-04-01"}),
    "penalty_service": (
        {"decision_served_on": "2026-03-02", "decision_service_method": "post", "decision_receiver": ""},
        # the payment deadline fixed at service: fifteen days, Tuesday 17 March 2026
        {"decision_served_on": "2026-03-02", "decision_service_method": "post", "decision_receiver": "",
         "payment_due_on": "2026-03-17"}),
    "penalty_payment": (
        {"paid_on": "2026-03-02", "paid_amount": "50000", "receipt_no": "FS-1"},
        {"paid_on": "2026-03-02", "paid_amount": 50_000.0, "receipt_no": "FS-1"}),
    "penalty_late_payment": (
        {"fine_paid": "no", "paid_on": "", "paid_amount": "", "receipt_no": "",
         "payment_reminder_served_on": "2026-02-20", "court_applied_on": "2026-03-02", "court_name": "乳山市人民法院"},
        {"fine_paid": False, "paid_on": None, "paid_amount": None, "receipt_no": None,
         "payment_reminder_served_on": "2026-02-20", "court_applied_on": "2026-03-02", "court_name": "乳山市人民法院"}),
    "penalty_seal_check": (
        {"seal_checked_on": "2026-03-02", "well_sealed": "no", "seal_check_notes": "仍在取水"},
        {"seal_checked_on": "2026-03-02", "well_sealed": False, "seal_check_notes": "仍在取水"}),
    "penalty_reminder": (
        {"reminder_served_on": "2026-03-02", "reminder_days": "3", "reminder_obligation": "自行封井",
         "reminder_service_method": "lodged"},
        {"reminder_served_on": "2026-03-02", "reminder_days": 3, "reminder_obligation": "自行封井",
         "reminder_service_method": "lodged"}),
    "penalty_substitute_decision": (
        {"substitute_decided_on": "2026-03-02", "party_performed": "no", "substitute_date": "2026-03-05",
         "substitute_executor": "乳山市综合执法局", "substitute_method": "backfill", "substitute_cost_estimate": "3000"},
        {"substitute_decided_on": "2026-03-02", "party_performed": False, "substitute_date": "2026-03-05",
         "substitute_executor": "乳山市综合执法局", "substitute_method": "backfill",
         "substitute_cost_estimate": 3000.0}),
    "penalty_substitute_sealing": (
        {"substitute_sealed_on": "2026-03-02", "substitute_seal_no": "F-9", "substitute_disposal_type": "backfill",
         "supervising_officer": "甲", "substitute_witness": "村委会主任", "substitute_cost": "2800",
         "substitute_notes": ""},
        {"substitute_sealed_on": "2026-03-02", "substitute_seal_no": "F-9", "substitute_disposal_type": "backfill",
         "supervising_officer": "甲", "substitute_witness": "村委会主任", "substitute_cost": 2800.0,
         "substitute_notes": ""}),
}


def post(key, **changes):
    data = dict(GOOD[key][0], instance_version="3")
    data.update(changes)
    return {k: val for k, val in data.items() if val is not None}


def errors_of(bind, key, **changes):
    form = bind(FORMS[key], post(key, **changes))
    assert not form.validate()
    return form.errors


def test_every_penalty_form_is_registered_and_has_good_data():
    assert {cls.form_key for cls in PENALTY_FORMS} == set(GOOD) and set(GOOD) <= set(FORMS)
    assert all(FORMS[key].title and not FORMS[key].title.isascii() for key in GOOD)


@pytest.mark.parametrize("key", sorted(GOOD))
def test_good_data_is_accepted_and_becomes_task_data(bind, forms_app, key):
    form = bind(FORMS[key], post(key))
    assert form.validate(), form.errors
    assert form.task_data() == GOOD[key][1]
    assert "".join(str(field()) for field in form)  # every widget renders
    with forms_app.test_request_context():  # a step reopened by a supervisor shows what was stored
        cls = FORMS[key]
        assert cls(formdata=None, data=cls.prefill(GOOD[key][1])).task_data() == GOOD[key][1]


def test_fine_guidance_names_every_range_and_the_hearing_thresholds(bind):
    form = bind(FORMS["penalty_prior_notice"], post("penalty_prior_notice"))
    for text in ("《中华人民共和国水法》第六十九条第（一）项 2万元至10万元", "《地下水管理条例》第五十六条 10万元至50万元",
                 "《地下水管理条例》第五十八条 10万元至50万元", "个人1万元、单位8万元"):
        assert text in FINE_GUIDANCE and text in form.proposed_fine.description
    assert FINE_GUIDANCE in FORMS["penalty_decision"](formdata=None).fine_amount.description
    labels = {choice.value: choice.label for choice in form.prior_legal_basis.choices}
    assert set(labels) == set(BASES) and labels["gw_regulation_58"].endswith("10万元以上50万元以下罚款")


@pytest.mark.parametrize("key, field, basis_field", [("penalty_prior_notice", "proposed_fine", "prior_legal_basis"),
                                                    ("penalty_decision", "fine_amount", "decision_legal_basis")])
def test_negative_and_out_of_range_fines_are_refused(bind, key, field, basis_field):
    label = "拟罚款金额（元）" if field == "proposed_fine" else "罚款金额（元）"
    assert errors_of(bind, key, **{field: "-5000"})[field] == [f"{label}不能为负数"]
    assert errors_of(bind, key, **{field: "19999", basis_field: "water_law_69"})[field] == [
        f"依据《中华人民共和国水法》第六十九条第（一）项，{label}应在2万元至10万元之间（20000至100000元）"]
    assert errors_of(bind, key, **{field: "500001", basis_field: "gw_regulation_58"})[field] == [
        f"依据《地下水管理条例》第五十八条，{label}应在10万元至50万元之间（100000至500000元）"]
    assert bind(FORMS[key], post(key, **{field: "500000", basis_field: "gw_regulation_58"})).validate()


def test_hearing_date_at_least_seven_working_days_after_the_notice(bind):
    assert errors_of(bind, "penalty_hearing_notice", hearing_date="2026-03-10")["hearing_date"] == [
        "听证日期应在听证告知书送达日期七个工作日之后，不得早于2026年3月11日（行政处罚法第六十四条）"]
    assert bind(FORMS["penalty_hearing_notice"], post("penalty_hearing_notice", hearing_date="2026-03-11")).validate()


def test_hearing_notice_across_national_day_counts_working_days(bind, monkeypatch):
    # Notice on Wednesday 30 September 2026: 1–7 October are holidays, Saturday 10 October is worked.
    monkeypatch.setattr(v, "today", lambda: dt.date(2026, 9, 30))
    changes = {"hearing_notified_on": "2026-09-30"}
    assert "不得早于2026年10月15日" in errors_of(bind, "penalty_hearing_notice", hearing_date="2026-10-14",
                                            **changes)["hearing_date"][0]
    assert bind(FORMS["penalty_hearing_notice"],
                post("penalty_hearing_notice", hearing_date="2026-10-15", **changes)).validate()


@pytest.mark.parametrize("key, field, value, message", [
    ("penalty_overdue", "overdue_decide_by", "2026-03-02", "限期作出决定日期应晚于今天（2026年3月2日）"),
    ("penalty_hearing_notice", "hearing_date", "2026-03-01", "听证日期应晚于今天（2026年3月2日）"),
    ("penalty_substitute_decision", "substitute_date", "2026-02-27", "代履行日期应晚于今天（2026年3月2日）"),
    ("penalty_filing", "filed_on", "2026-03-03", "立案日期不能晚于今天（2026年3月2日）"),
    ("penalty_service", "decision_served_on", "2026-01-30", "送达日期不能早于30天前（2026年1月31日）"),
    ("penalty_reminder", "reminder_days", "2", "履行期限（日）应为3至30之间的整数"),
    ("penalty_payment", "paid_amount", "-1", "实缴金额（元）应大于0"),
    ("penalty_substitute_sealing", "substitute_cost", "-100", "费用不能为负数"),
])
def test_dates_and_numbers_out_of_bounds_are_refused(bind, key, field, value, message):
    assert errors_of(bind, key, **{field: value})[field][0] == message


def test_substitute_performance_at_least_three_working_days_after_the_decision(bind):
    # Decided Monday 2 March: Thursday 5 March is the third working day after it.
    assert errors_of(bind, "penalty_substitute_decision", substitute_date="2026-03-04")["substitute_date"] == [
        "代履行日期应在决定日期三个工作日之后，不得早于2026年3月5日"]


def test_answers_that_apply_only_after_another_are_required_then(bind):
    errors = errors_of(bind, "penalty_decision", decision_legal_basis="", fine_amount="", rectify_order="")
    assert errors == {"decision_legal_basis": ["给予行政处罚的，须填写处罚依据"],
                      "fine_amount": ["给予行政处罚的，须填写罚款金额（元）"],
                      "rectify_order": ["给予行政处罚的，须填写责令改正事项"]}
    assert errors_of(bind, "penalty_statement", statement_made="yes", statement_summary="") == {
        "statement_summary": ["当事人陈述、申辩的，须填写陈述申辩意见"],
        "statement_review": ["当事人陈述、申辩的，须填写复核意见"]}
    assert errors_of(bind, "penalty_investigation", investigation_basis="")["investigation_basis"] == [
        "拟给予行政处罚的，请选择拟适用的处罚依据"]
    assert errors_of(bind, "penalty_late_payment", court_applied_on="")["court_applied_on"] == [
        "未缴纳的，须填写申请人民法院强制执行日期"]
    assert errors_of(bind, "penalty_late_payment", fine_paid="yes") == {
        "paid_on": ["已缴纳的，须填写缴款日期"], "paid_amount": ["已缴纳的，须填写累计实缴金额（元，含此前已缴部分和加处罚款）"],
        "receipt_no": ["已缴纳的，须填写缴款凭证号"]}
    assert errors_of(bind, "penalty_substitute_decision", substitute_method="")["substitute_method"] == [
        "实施代履行的，请选择封井方式"]


def test_a_decision_not_to_punish_gives_grounds_and_drops_the_amount_typed_before(bind):
    assert errors_of(bind, "penalty_decision", decision_kind="no_penalty") == {
        "no_penalty_grounds": ["不予行政处罚的，须填写不予处罚的理由"]}
    form = bind(FORMS["penalty_decision"], post("penalty_decision", decision_kind="no_penalty", fine_amount="-3",
                                                no_penalty_grounds="违法事实不能成立"))
    assert form.validate(), form.errors
    data = form.task_data()
    assert (data["fine_amount"], data["decision_legal_basis"], data["rectify_order"]) == (None, None, None)
    assert data["no_penalty_grounds"] == "违法事实不能成立"


def test_owner_who_performed_needs_no_substitute_details(bind):
    form = bind(FORMS["penalty_substitute_decision"],
                post("penalty_substitute_decision", party_performed="yes", substitute_date="", substitute_method=""))
    assert form.validate(), form.errors
    assert form.task_data()["substitute_date"] is None and form.task_data()["substitute_method"] is None


def test_missing_answers_are_named(bind):
    errors = errors_of(bind, "penalty_prior_notice", prior_legal_basis="", proposed_fine="",
                       prior_notice_served_on="")
    assert errors == {"prior_legal_basis": ["请选择处罚依据"], "proposed_fine": ["请填写拟罚款金额（元）"],
                      "prior_notice_served_on": ["请填写告知书送达日期"]}


class Decided:
    """A case whose decision (50,000 yuan) was served on Monday 2 March 2026: payment due 17 March."""

    def __init__(self, **latest):
        self.values = {"penalty_decision": {"fine_amount": 50_000}, "penalty_service": {
            "decision_served_on": "2026-03-02"}, **latest}

    def latest(self, form_key):
        return self.values.get(form_key, {})


@pytest.mark.parametrize("paid_on, amount, shown", [
    ("2026-03-10", "50000", ["按缴款日期2026年3月10日：逾期0日，加处罚款0元（每日按罚款数额的3%，不超过罚款数额），"
                             "应缴合计50,000元"]),
    ("2026-03-20", "50000", ["按缴款日期2026年3月20日：逾期3日，加处罚款4,500元（每日按罚款数额的3%，不超过罚款数额），"
                             "应缴合计54,500元",
                             "实缴50,000元，尚欠4,500元：不视为缴清，提交后转入“逾期未缴处理”，依法催告并申请人民法院强制执行，或登记补缴"]),
])
def test_the_payment_step_shows_the_money_owed_on_the_date_entered(bind, paid_on, amount, shown):
    cls = FORMS["penalty_payment"]
    form = bind(cls, {"paid_on": paid_on, "paid_amount": amount, "receipt_no": "FS-1", "instance_version": "1",
                      "compute": "按缴款日期计算应缴金额"}, factory=lambda: cls.for_case(Decided()))
    form.validate()
    assert form.wants_preview()
    assert form.notes() == ["罚款金额：50,000元；缴款期限：2026年3月17日（决定书送达之日起十五日）", *shown]


def test_the_late_payment_step_shows_the_earlier_short_payment(bind):
    cls = FORMS["penalty_late_payment"]
    info = Decided(penalty_payment={"paid_on": "2026-03-10", "paid_amount": 30_000})
    form = bind(cls, {"fine_paid": "yes", "instance_version": "1"}, factory=lambda: cls.for_case(info))
    assert not form.wants_preview()
    assert form.notes()[1] == "此前已登记缴款：30,000元，不足应缴金额"


def test_the_court_is_asked_ten_days_after_the_reminder_at_the_earliest(bind):
    errors = errors_of(bind, "penalty_late_payment", payment_reminder_served_on="2026-02-25")
    assert errors == {"court_applied_on": [
        "催告书送达十日后当事人仍未履行的，方可申请强制执行：申请人民法院强制执行日期不得早于2026年3月7日"]}
    assert errors_of(bind, "penalty_late_payment", payment_reminder_served_on="")["payment_reminder_served_on"] == [
        "未缴纳的，须填写催告书送达日期"]


class Penalised:
    """A case whose penalty is about ``problems`` ((kind, description) pairs), with earlier steps' values."""

    open_problems = ()

    def __init__(self, problems, **latest):
        self.problems, self.values = list(problems), latest

    def penalty_problems(self, fresh=False):
        return self.problems

    def latest(self, form_key):
        return self.values.get(form_key, {})


NO_METER = [("no_meter", "未安装取水计量设施")]
UNLICENSED = [("in_coverage", "位于公共供水管网覆盖范围内，仍取用地下水"), ("no_permit", "未依法取得取水许可擅自取水")]
BROKEN = [("seal_broken", "2026年3月1日巡查发现：封条被撕毁，水泵在运行")]


def prior(bind, problems, **changes):
    cls = FORMS["penalty_prior_notice"]
    data = {**GOOD["penalty_prior_notice"][0], "instance_version": "1", **changes}
    return bind(cls, data, factory=lambda: cls.for_case(Penalised(problems)))


def test_the_facts_and_basis_start_from_the_problems(forms_app):
    cls = FORMS["penalty_prior_notice"]
    with forms_app.test_request_context():
        form = cls.for_case(Penalised(UNLICENSED))
    assert form.prior_facts.data == ("自备井位于公共供水管网覆盖范围内，依法应当停止取水并封井，仍继续取用地下水、未按规定封井"
                                     "（位于公共供水管网覆盖范围内，仍取用地下水）\n未依法取得取水许可，擅自取用地下水"
                                     "（未依法取得取水许可擅自取水）")
    # One act punished once, under the provision with the highest ceiling: not sealing in coverage (Art 58).
    assert form.prior_legal_basis.data == "gw_regulation_58" and form.proposed_fine.data is None
    with forms_app.test_request_context():
        filing = FORMS["penalty_filing"].for_case(Penalised(NO_METER))
    assert filing.violation_summary.data == "地下水取水工程未安装取水计量设施（未安装取水计量设施）"


def test_a_basis_the_problems_do_not_call_for_needs_a_reason_on_the_record(bind):
    # The case's problem is the missing meter; the clerk punishes as unlicensed abstraction.
    form = prior(bind, NO_METER, prior_legal_basis="water_law_69", proposed_fine="50000")
    assert not form.validate()
    assert form.errors == {"prior_basis_reason": [
        "所选处罚依据与案件问题对应的处罚条款（《地下水管理条例》第五十六条）不一致，须填写依据或幅度调整的理由"]}
    form = prior(bind, NO_METER, prior_legal_basis="water_law_69", proposed_fine="50000",
                 prior_basis_reason="调查查明该井未取得取水许可，计量设施问题已整改")
    assert form.validate(), form.errors
    data = form.task_data()
    assert data["prior_basis_reason"] == "调查查明该井未取得取水许可，计量设施问题已整改"
    assert data["prior_violated_articles"] == ["《地下水管理条例》第二十二条"]
    assert prior(bind, NO_METER, prior_legal_basis="gw_regulation_56", proposed_fine="100000").validate()


def test_a_broken_seal_starts_from_the_heavier_end_with_the_aggravating_facts(bind, forms_app):
    cls = FORMS["penalty_prior_notice"]
    with forms_app.test_request_context():
        form = cls.for_case(Penalised(BROKEN))
    assert (form.prior_legal_basis.data, form.proposed_fine.data) == ("gw_regulation_58", 300_000)
    assert form.prior_aggravating_facts.data.splitlines() == [
        "被责令封井并经验收后擅自启封、恢复取水，属明知故犯", "经责令改正、行政处罚后仍不改正"]
    assert form.prior_facts.data.startswith("已封闭的自备井被擅自启封、恢复取用地下水，属新的违法行为（2026年3月1日巡查发现")
    lower = prior(bind, BROKEN, prior_legal_basis="gw_regulation_58", proposed_fine="150000",
                  prior_aggravating_facts="擅自启封")
    assert not lower.validate()
    assert lower.errors == {"prior_basis_reason": [
        "擅自启封、恢复取水属从重情节，罚款低于从重起点30万元，须填写依据或幅度调整的理由"]}
    unnamed = prior(bind, BROKEN, prior_legal_basis="gw_regulation_58", proposed_fine="300000")
    assert not unnamed.validate()
    assert unnamed.errors == {"prior_aggravating_facts": ["擅自启封、恢复取水从重处罚的，须写明从重情节"]}
    assert prior(bind, BROKEN, prior_legal_basis="gw_regulation_58", proposed_fine="300000",
                 prior_aggravating_facts="擅自启封").validate()


def test_the_decision_follows_the_prior_notice_and_checks_the_same(bind, forms_app):
    cls = FORMS["penalty_decision"]
    told = {"prior_facts": "擅自启封", "prior_legal_basis": "gw_regulation_58", "proposed_fine": 300_000,
            "prior_aggravating_facts": "擅自启封恢复取水"}
    with forms_app.test_request_context():
        form = cls.for_case(Penalised(BROKEN, penalty_prior_notice=told))
    assert (form.decision_facts.data, form.decision_legal_basis.data, form.fine_amount.data,
            form.decision_aggravating_facts.data) == ("擅自启封", "gw_regulation_58", 300_000, "擅自启封恢复取水")
    data = {**GOOD["penalty_decision"][0], "instance_version": "1"}  # basis Art 56 for a broken seal
    form = bind(cls, data, factory=lambda: cls.for_case(Penalised(BROKEN)))
    assert not form.validate()
    assert set(form.errors) == {"decision_basis_reason", "decision_aggravating_facts"}
    no_penalty = {**data, "decision_kind": "no_penalty", "no_penalty_grounds": "违法事实不能成立"}
    assert bind(cls, no_penalty, factory=lambda: cls.for_case(Penalised(BROKEN))).validate()
