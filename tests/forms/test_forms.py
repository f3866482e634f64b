"""Tests of the forms package: validators, task forms, the register form, the registry.

Self-contained (no conftest): a tiny Flask app with CSRF off binds each form inside a
POST request context. "Today" is pinned to 2022-08-15 (inside the 2022 campaign) so
date rules are checked against known dates.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

import forms
from forms import FORMS, RegisterWellForm, TaskForm, describe, form_for
from forms import validators as v
from forms.notice import DEFAULT_LEGAL_BASIS
from forms.penalty import PENALTY_FORMS
from forms.registry import UnknownFormKey

TODAY = dt.date(2022, 8, 15)
TODAY_ZH = "2022年8月15日"


# ============================================================== pure validators

VALID_CREDIT_CODES = [
    "91350100M000100Y43",   # widely published example
    "91371083MA3C7K2N74",   # computed: enterprise registered in 乳山市 (371083)
    "12371083493071527H",   # computed: public institution (事业单位) in 乳山市
]


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_credit_code_accepted_and_check_char_matches(code):
    assert v.is_valid_credit_code(code)
    assert v.credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_credit_code_any_single_changed_character_is_refused(code):
    for pos in range(18):
        for replacement in ("0", "7", "A", "Y"):
            if replacement == code[pos]:
                continue
            changed = code[:pos] + replacement + code[pos + 1:]
            assert not v.is_valid_credit_code(changed), changed


def test_credit_code_normalised_and_explained():
    assert v.is_valid_credit_code("91350100m000100y43")
    assert v.is_valid_credit_code(" 9135 0100 M000 100Y43 ")
    assert v.is_valid_credit_code("９１３５０１００Ｍ０００１００Ｙ４３")  # full-width input
    assert v.credit_code_problem("91350100M000100Y4") == "统一社会信用代码应为18位，现在是17位"
    assert "第9位“I”" in v.credit_code_problem("91350100I000100Y43")
    assert v.credit_code_problem("91350100M000100Y44") == "统一社会信用代码校验不通过，请逐位核对是否抄错"
    assert v.credit_code_problem("") == "请填写统一社会信用代码"


def _id_with_check(first17):
    return first17 + v.id_number_check_char(first17)


def test_id_number_valid_examples():
    assert v.is_valid_id_number("11010519491231002X")
    assert v.is_valid_id_number("11010519491231002x")
    generated = _id_with_check("37108319800101123")
    assert v.is_valid_id_number(generated)


def test_id_number_refusals_explained():
    assert v.id_number_problem("110105194912310021") == "身份证号校验不通过，请逐位核对是否抄错"
    assert not v.is_valid_id_number("11010519491231003X")
    # Correct check digit but impossible / future birth dates.
    assert "出生日期" in v.id_number_problem(_id_with_check("11010519490230002"))
    assert "出生日期" in v.id_number_problem(_id_with_check("11010520300101002"))
    assert "15位" in v.id_number_problem("110105491231002")
    assert v.id_number_problem("1101051949123100") == "身份证号应为18位，现在是16位"


def test_party_id_accepts_either_and_checks_kind():
    assert v.is_valid_party_id("91350100M000100Y43")
    assert v.is_valid_party_id("11010519491231002X")
    assert not v.is_valid_party_id("123456789012345679")
    assert "身份证号" in v.party_id_problem("11010519491231002X", "enterprise")
    assert "统一社会信用代码" in v.party_id_problem("91350100M000100Y43", "individual")
    assert v.party_id_problem("91350100M000100Y43", "enterprise") is None


def test_mask_party_id():
    assert v.mask_party_id("11010519491231002X") == "1101**********002X"
    assert v.mask_party_id("91350100M000100Y43") == "9135**********0Y43"
    assert v.mask_party_id("12345678") == "********"
    assert v.mask_party_id(None) == ""


@pytest.mark.parametrize("phone", ["13800138000", "+86 138 0013 8000", "0631-6612345",
                                   "06316612345", "(0631)6612345", "6612345",
                                   "010-62345678-801"])
def test_phone_accepted(phone):
    assert v.is_valid_phone(phone)


@pytest.mark.parametrize("phone", ["12345", "1380013800", "12800138000", "0631-123",
                                   "abc", ""])
def test_phone_refused(phone):
    assert not v.is_valid_phone(phone)


def test_within_city_bounds():
    assert v.RUSHAN_BOUNDS == (36.70, 37.20, 121.15, 121.90)
    assert v.within_city(36.91, 121.54)        # the city centre
    assert not v.within_city(37.50, 121.54)    # north of the city (Weihai)
    assert not v.within_city(36.91, 120.38)    # Qingdao's longitude
    assert not v.within_city(float("nan"), 121.54)
    assert not v.within_city("abc", 121.54)


def test_today_is_beijing_date(monkeypatch):
    monkeypatch.undo()  # the real clock
    expected = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    assert v.today() == expected


def test_date_range_validator_names_the_field(bind):
    from forms.base import ZhForm
    from forms.fields import ZhDateField

    class CampaignForm(ZhForm):
        class Meta:
            csrf = False

        found_on = ZhDateField("发现日期", [v.DateBetween(dt.date(2022, 7, 15), v.today)])

    form = bind(CampaignForm, {"found_on": "2022-07-14"})
    assert not form.validate()
    assert form.errors == {"found_on": ["发现日期不能早于2022年7月15日"]}
    form = bind(CampaignForm, {"found_on": "2022-08-16"})
    assert not form.validate()
    assert form.errors == {"found_on": ["发现日期不能晚于2022年8月15日"]}
    form = bind(CampaignForm, {"found_on": "2022-07-15"})
    assert form.validate(), form.errors


# ============================================================== task forms

GOOD = {
    "commitment_letter": (
        {"signed_on": "2022-08-10", "signatory": "  王某 ", "witness_department": "夏村镇人民政府",
         "commitment_notes": ""},
        {"signed_on": "2022-08-10", "signatory": "王某", "witness_department": "夏村镇人民政府",
         "commitment_notes": ""},
    ),
    "inspection": (
        {"inspected_on": "2022-08-12", "inspectors": "张某（执法证号0001）、李某（执法证号0002）",
         "in_coverage": "yes", "has_permit": "no", "purpose": "industrial",
         "urban_village": "no", "has_meter": "no", "tax_registered": "no",
         "obstructed": "no", "hidden_well": "no", "findings": "厂区内自备井一眼，未安装计量设施。"},
        {"inspected_on": "2022-08-12", "inspectors": "张某（执法证号0001）、李某（执法证号0002）",
         "in_coverage": True, "has_permit": False, "purpose": "industrial",
         "urban_village": False, "has_meter": False, "tax_registered": False,
         "hidden_well": False, "obstructed": False, "findings": "厂区内自备井一眼，未安装计量设施。"},
    ),
    "exemption_review": (
        {"exemption_approved": "yes", "review_opinion": "同意暂缓封停，半年后复核。",
         "next_review_on": "2023-02-15"},
        {"exemption_approved": True, "review_opinion": "同意暂缓封停，半年后复核。",
         "next_review_on": "2023-02-15"},
    ),
    "rectification_notice": (
        {"problems-0-kind": "no_meter", "problems-0-description": " 未安装计量设施 ",
         "problems-0-required_act": "install_meter", "problems-0-rectify_days": "15",
         "problems-1-kind": "", "problems-1-description": "", "problems-1-required_act": "",
         "problems-1-rectify_days": "",
         "problems-2-kind": "no_permit", "problems-2-description": "未办理取水许可",
         "problems-2-required_act": "apply_permit", "problems-2-rectify_days": "5",
         "notice_served_on": "2022-08-01", "service_method": "direct",
         "legal_basis": DEFAULT_LEGAL_BASIS},
        {"problems": [
            {"no": 1, "kind": "no_meter", "description": "未安装计量设施", "required_act": "install_meter",
             "rectify_days": 15, "deadline": "2022-08-16"},
            {"no": 2, "kind": "no_permit", "description": "未办理取水许可", "required_act": "apply_permit",
             "rectify_days": 5, "deadline": "2022-08-08"}],
         "rectify_days": 15, "required_acts": ["install_meter", "apply_permit"],
         "notice_problems": "未安装计量设施\n未办理取水许可",
         "notice_served_on": "2022-08-01", "service_method": "direct",
         "legal_basis": DEFAULT_LEGAL_BASIS},
    ),
    "rectification_report": (
        {"reported_on": "2022-08-14", "report_summary": "已安装水表并申请取水许可。"},
        {"reported_on": "2022-08-14", "report_summary": "已安装水表并申请取水许可。"},
    ),
    "supply_connection": (
        {"supply_agreement_no": "RSSW-2022-0123", "connected_on": "2022-08-15"},
        {"supply_agreement_no": "RSSW-2022-0123", "connected_on": "2022-08-15"},
    ),
    "sealing_record": (
        {"seal_obstructed": "no", "obstruction_details": "", "sealed_on": "2022-08-15", "disposal_type": "backfill",
         "seal_no": "FJ-0042", "latitude": "36.9125", "longitude": "121.5372", "sealing_notes": ""},
        {"seal_obstructed": False, "obstruction_details": None, "sealed_on": "2022-08-15",
         "disposal_type": "backfill", "seal_no": "FJ-0042", "latitude": 36.9125, "longitude": 121.5372,
         "sealing_notes": ""},
    ),
    "non_renewal": (
        {"permit_no": "取水（鲁威乳）字[2021]第009号", "permit_expires_on": "2022-10-31", "decided_on": "2022-08-15",
         "non_renewal_grounds": "位于公共供水管网覆盖范围内。"},
        {"permit_no": "取水（鲁威乳）字[2021]第009号", "permit_expires_on": "2022-10-31", "decided_on": "2022-08-15",
         "non_renewal_grounds": "位于公共供水管网覆盖范围内。"},
    ),
    "credit_objection": (
        {"objection_received": "yes", "objection_received_on": "2022-08-12", "objection_content": "记录有误。"},
        {"objection_received": True, "objection_received_on": "2022-08-12", "objection_content": "记录有误。"},
    ),
    "credit_objection_decision": (
        {"verified_on": "2022-08-12", "objection_upheld": "no", "decided_on": "2022-08-15",
         "decision_reason": "经核查，记录属实。"},
        {"verified_on": "2022-08-12", "objection_upheld": False, "decided_on": "2022-08-15",
         "decision_reason": "经核查，记录属实。"},
    ),
    "credit_repair": (
        {"applied_on": "2022-08-12", "corrected": "yes", "fine_paid": "yes", "commitment_signed_on": "2022-08-12",
         "repair_approved": "yes", "review_opinion": "已整改到位，准予修复。"},
        {"applied_on": "2022-08-12", "corrected": True, "fine_paid": True, "commitment_signed_on": "2022-08-12",
         "repair_approved": True, "review_opinion": "已整改到位，准予修复。"},
    ),
    "reconsideration_handling": (
        {"review_decided_on": "2022-08-12", "review_decision_no": "乳政复决〔2022〕5号", "review_outcome": "upheld",
         "review_reasoning": "维持原决定。"},
        {"review_decided_on": "2022-08-12", "review_decision_no": "乳政复决〔2022〕5号", "review_outcome": "upheld",
         "review_reasoning": "维持原决定。"},
    ),
    "reconsideration_follow_up": (
        {"handled_on": "2022-08-12", "follow_up_measures": "已重置案件。"},
        {"handled_on": "2022-08-12", "follow_up_measures": "已重置案件。"},
    ),
    "meter_verification": (
        {"verified_on": "2022-08-12", "meter_serial": "SB-001", "certificate_no": "JD-2022-01", "meter_passed": "yes",
         "verification_notes": ""},
        {"verified_on": "2022-08-12", "meter_serial": "SB-001", "certificate_no": "JD-2022-01", "meter_passed": True,
         "verification_notes": ""},
    ),
    "tax_registration": (
        {"registered_on": "2022-08-12", "taxpayer_no": "91371083MA3C00001X", "tax_notes": ""},
        {"registered_on": "2022-08-12", "taxpayer_no": "91371083MA3C00001X", "tax_notes": ""},
    ),
    "seal_acceptance": (
        {"accepted_on": "2022-08-12", "seal_accepted": "yes", "signatories": ["water", "town", "party"],
         "acceptance_opinion": "井口封闭严密。"},
        {"accepted_on": "2022-08-12", "seal_accepted": True, "signatories": ["water", "town", "party"],
         "acceptance_opinion": "井口封闭严密。"},
    ),
    "police_record": (
        {"handled_on": "2022-08-15", "police_unit": "乳山市公安局城区派出所", "police_case_no": "JQ-2022-0815",
         "police_outcome": "order_restored", "police_measures": "民警到场制止，现场秩序恢复。"},
        {"handled_on": "2022-08-15", "police_unit": "乳山市公安局城区派出所", "police_case_no": "JQ-2022-0815",
         "police_outcome": "order_restored", "police_measures": "民警到场制止，现场秩序恢复。"},
    ),
    "patrol_record": (
        {"patrolled_on": "2022-08-15", "patrollers": "镇水管员二人", "patrol_obstructed": "no", "seal_intact": "yes",
         "abstraction_resumed": "no", "continue_patrol": "yes", "patrol_findings": "封条完好。"},
        {"patrolled_on": "2022-08-15", "patrollers": "镇水管员二人", "patrol_obstructed": False, "seal_intact": True,
         "abstraction_resumed": False, "continue_patrol": True, "patrol_findings": "封条完好。"},
    ),
    "permit_approval": (
        {"permit_approved": "yes", "permit_no": "取水（鲁威乳）字[2022]第001号",
         "permit_valid_from": "2022-08-15", "permit_valid_to": "2027-08-14",
         "approval_opinion": "经验收合格，准予取水许可。"},
        {"permit_approved": True, "permit_no": "取水（鲁威乳）字[2022]第001号",
         "permit_valid_from": "2022-08-15", "permit_valid_to": "2027-08-14",
         "approval_opinion": "经验收合格，准予取水许可。"},
    ),
    "recheck": (
        {"rechecked_on": "2022-08-15", "recheck_passed": "no", "recheck_findings": "水表未安装。"},
        {"rechecked_on": "2022-08-15", "recheck_passed": False, "recheck_findings": "水表未安装。"},
    ),
    "credit_record": (
        {"credit_fact": "逾期未封井。", "recorded_on": "2022-08-10", "notified_on": "2022-08-11"},
        {"credit_fact": "逾期未封井。", "recorded_on": "2022-08-10", "notified_on": "2022-08-11"},
    ),
    "credit_review": (
        {"credit_confirmed": "yes", "review_opinion": "事实清楚，同意报送。"},
        {"credit_confirmed": True, "review_opinion": "事实清楚，同意报送。"},
    ),
}


def post(form_key, **changes):
    """Good form data for ``form_key`` with some fields changed (None removes a field)."""
    data = dict(GOOD[form_key][0], instance_version="3")
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_every_registered_form_has_good_data():
    # The penalty's forms have their good data in test_penalty_forms.py.
    assert set(GOOD) == set(FORMS) - {cls.form_key for cls in PENALTY_FORMS}


@pytest.mark.parametrize("form_key", sorted(GOOD))
def test_task_form_accepts_good_data(bind, form_key):
    form = bind(form_for(form_key), post(form_key))
    assert form.validate(), form.errors
    data = form.task_data()
    expected = GOOD[form_key][1]
    assert data == expected
    assert {k: type(x) for k, x in data.items()} == {k: type(x) for k, x in expected.items()}
    assert json.loads(json.dumps(data)) == data
    assert form.instance_version.data == 3


# Every "done on" date refuses tomorrow, and the message names the field.
FUTURE_DATE_FIELDS = [
    ("commitment_letter", "signed_on", "签订日期"),
    ("inspection", "inspected_on", "检查日期"),
    ("rectification_notice", "notice_served_on", "送达日期"),
    ("rectification_report", "reported_on", "报告日期"),
    ("supply_connection", "connected_on", "接水日期"),
    ("sealing_record", "sealed_on", "封井日期"),
    ("recheck", "rechecked_on", "复查日期"),
    ("police_record", "handled_on", "处置日期"),
    ("non_renewal", "decided_on", "决定日期"),
    ("patrol_record", "patrolled_on", "巡查日期"),
    ("credit_record", "recorded_on", "记录日期"),
    ("credit_record", "notified_on", "告知当事人日期"),
]


@pytest.mark.parametrize("form_key,field,label", FUTURE_DATE_FIELDS)
def test_future_date_refused(bind, form_key, field, label):
    form = bind(form_for(form_key), post(form_key, **{field: "2022-08-16"}))
    assert not form.validate()
    assert form.errors[field] == [f"{label}不能晚于今天（{TODAY_ZH}）"]


def test_notice_service_age(bind):
    cls = form_for("rectification_notice")
    form = bind(cls, post("rectification_notice", notice_served_on="2022-07-15"))  # 31 days ago
    assert not form.validate()
    assert form.errors == {"notice_served_on": ["送达日期不能早于30天前（2022年7月16日）"]}
    form = bind(cls, post("rectification_notice", notice_served_on="2022-07-16"))
    assert form.validate(), form.errors
    form = bind(cls, post("rectification_notice", service_method=""))
    assert not form.validate()
    assert form.errors == {"service_method": ["请选择送达方式"]}


def test_permit_valid_to_must_follow_valid_from(bind):
    cls = form_for("permit_approval")
    for valid_to in ("2022-08-01", "2022-08-15"):
        form = bind(cls, post("permit_approval", permit_valid_to=valid_to))
        assert not form.validate()
        assert form.errors == {"permit_valid_to": ["有效期截止日期应晚于有效期起始日期"]}


def test_approved_permit_needs_number_and_dates(bind):
    cls = form_for("permit_approval")
    form = bind(cls, post("permit_approval", permit_no="", permit_valid_from=""))
    assert not form.validate()
    assert form.errors == {
        "permit_no": ["批准取水许可的，须填写取水许可证号"],
        "permit_valid_from": ["批准取水许可的，须填写有效期起始日期"],
    }


def test_refused_permit_ignores_permit_fields(bind):
    cls = form_for("permit_approval")
    form = bind(cls, post("permit_approval", permit_approved="no", permit_valid_from="",
                          permit_valid_to="2020-01-01", approval_opinion="未通过验收。"))
    assert form.validate(), form.errors
    data = form.task_data()
    assert data["permit_approved"] is False
    # A number typed before the answer was switched to 否 is not recorded.
    assert data["permit_no"] is None
    assert data["permit_valid_from"] is None and data["permit_valid_to"] is None


def test_exemption_review_conditions(bind):
    cls = form_for("exemption_review")
    form = bind(cls, post("exemption_review", next_review_on=""))
    assert not form.validate()
    assert form.errors == {"next_review_on": ["同意暂缓封停的，须填写下次复核日期"]}
    form = bind(cls, post("exemption_review", next_review_on="2022-08-15"))
    assert not form.validate()
    assert form.errors == {"next_review_on": [f"下次复核日期应晚于今天（{TODAY_ZH}）"]}
    form = bind(cls, post("exemption_review", exemption_approved="no",
                          next_review_on="2022-08-01"))
    assert form.validate(), form.errors
    assert form.task_data()["next_review_on"] is None


@pytest.mark.parametrize("field,value,message", [
    ("latitude", "37.5", "纬度应在36.70至37.20之间（乳山市范围内），请核对坐标"),
    ("longitude", "120.38", "经度应在121.15至121.90之间（乳山市范围内），请核对坐标"),
    ("latitude", "121.5372",
     "纬度应在36.70至37.20之间（乳山市范围内），请核对坐标，是否把经度和纬度填反了"),
    ("latitude", "nan", "纬度应在36.70至37.20之间（乳山市范围内），请核对坐标"),
    ("latitude", "北纬36度", "请填写数字（不带单位）"),
    ("longitude", "", "请填写经度"),
])
def test_sealing_coordinates(bind, field, value, message):
    form = bind(form_for("sealing_record"), post("sealing_record", **{field: value}))
    assert not form.validate()
    assert form.errors == {field: [message]}


def test_credit_record_notified_required_and_not_before_recorded(bind):
    cls = form_for("credit_record")
    form = bind(cls, post("credit_record", notified_on="2022-08-09"))
    assert not form.validate()
    assert form.errors == {"notified_on": ["告知当事人日期不能早于记录日期"]}
    # Required now: the party's objection window runs from it.
    form = bind(cls, post("credit_record", notified_on=""))
    assert not form.validate()
    assert form.errors == {"notified_on": ["请填写告知当事人日期"]}


def test_inspection_messages_for_missing_and_malformed_answers(bind):
    cls = form_for("inspection")
    form = bind(cls, post("inspection", in_coverage=None, findings="   ", purpose="mining",
                          inspected_on="8月12日"))
    assert not form.validate()
    assert form.errors == {
        "in_coverage": ["是否在公共供水管网覆盖范围内：请选择“是”或“否”"],
        "findings": ["请填写检查情况"],
        "purpose": ["请从列表中选择一项"],
        "inspected_on": ["检查日期格式不对，请按“年-月-日”填写，如 2022-07-21"],
    }
    form = bind(cls, post("inspection", findings="查" * 2001, obstructed="maybe"))
    assert not form.validate()
    assert form.errors == {"findings": ["最多只能填写2000个字"],
                           "obstructed": ["请从列表中选择一项"]}


@pytest.mark.parametrize("typed", ["2022/8/12", "2022.8.12", "2022年8月12日", "２０２２-０８-１２"])
def test_hand_typed_dates_accepted(bind, typed):
    form = bind(form_for("inspection"), post("inspection", inspected_on=typed))
    assert form.validate(), form.errors
    assert form.task_data()["inspected_on"] == "2022-08-12"


def test_missing_instance_version_is_shown_at_form_level(bind):
    form = bind(form_for("recheck"), post("recheck", instance_version=None))
    assert not form.validate()
    assert form.form_errors == ["页面信息不完整，请从待办事项重新打开此任务"]


def test_csrf_failure_is_translated_and_visible():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="forms-test", WTF_CSRF_ENABLED=True)
    with app.test_request_context(method="POST", data=post("recheck")):
        form = form_for("recheck")()
        assert not form.validate()
        assert form.errors["csrf_token"] == ["页面已失效，请刷新页面后重新填写提交"]
        assert "页面已失效，请刷新页面后重新填写提交" in form.form_errors


def test_task_form_structure_and_rendering(bind):
    for key in GOOD:
        form = bind(FORMS[key], post(key))
        names = [f.name for f in form]
        assert names[-1] == "submit" and form.submit.label.text == "提交"
        assert 'type="hidden"' in form.instance_version()
        assert set(form.task_data()) == set(GOOD[key][1])
        assert "csrf_token" not in form.task_data()
        html = "".join(str(f()) for f in form)  # every widget renders
        assert html
    form = bind(form_for("inspection"), post("inspection", purpose=""))
    assert '<option selected value="">请选择</option>' in form.purpose()
    assert '<option value="industrial">工业</option>' in form.purpose()


@pytest.mark.parametrize("form_key", sorted(GOOD))
def test_prefill_round_trip(forms_app, form_key):
    cls = form_for(form_key)
    stored = GOOD[form_key][1]
    with forms_app.test_request_context():
        form = cls(formdata=None, data=cls.prefill(stored))
        assert form.task_data() == stored


# ============================================================== registry / describe


def test_registry_keys_match_classes():
    assert len(FORMS) == len(GOOD) + len(PENALTY_FORMS)
    for key, cls in FORMS.items():
        assert issubclass(cls, TaskForm)
        assert cls.form_key == key
        assert cls.title and not cls.title.isascii()
        assert form_for(key) is cls
    with pytest.raises(UnknownFormKey):
        form_for("no_such_step")
    with pytest.raises(KeyError):
        form_for("no_such_step")


def test_describe_renders_labels_and_values():
    rows = describe("inspection", dict(GOOD["inspection"][1], legacy_note="旧版字段"))
    assert rows[0] == ("检查日期", "2022年8月12日")
    assert ("是否在公共供水管网覆盖范围内", "是") in rows
    assert ("是否办理取水许可", "否") in rows
    assert ("取水用途", "工业") in rows
    assert rows[-1] == ("legacy_note", "旧版字段")

    rows = describe("rectification_notice", GOOD["rectification_notice"][1])
    # The list itself, one line per problem; its flat copies are not repeated.
    assert rows[0] == ("问题清单", "1. 未安装计量设施；安装计量设施，期限15日（至2022年8月16日）\n"
                                   "2. 未办理取水许可；办理取水许可，期限5日（至2022年8月8日）")
    rows = dict(rows)
    assert rows["送达方式"] == "直接送达" and rows["最长整改期限（日）"] == "15"
    assert "required_acts" not in rows and "notice_problems" not in rows

    rows = dict(describe("sealing_record", GOOD["sealing_record"][1]))
    assert rows["处置方式"] == "机井封填"
    assert rows["备注"] == "未填写"

    rows = dict(describe("permit_approval", {"permit_approved": False, "permit_no": None}))
    assert rows == {"是否批准取水许可": "否", "取水许可证号": "未填写"}

    assert describe("retired_step", {"a": True, "b": "x"}) == [("a", "是"), ("b", "x")]
    assert describe("recheck", None) == []


# ============================================================== register form

TOWNS = [(7, "夏村镇"), (8, "乳山口镇")]

GOOD_WELL = {
    "user_kind": "enterprise", "user_name": "乳山市某某食品有限公司",
    "party_id": "91371083ma3c7k2n74", "legal_rep": "赵某", "user_address": "夏村镇工业园1号",
    "phone": "0631-6612345", "industry": "食品加工",
    "well_no": " rs-xc-001 ", "town": "7", "village": "夏村", "well_address": "厂区东北角",
    "latitude": "36.9125", "longitude": "121.5372", "depth_m": "80", "year_drilled": "2005",
    "purpose": "industrial", "annual_volume_m3": "12000", "in_coverage": "yes",
    "coverage_source": "水务集团", "in_restricted_zone": "no", "permit_no": "",
    "permit_issuer": "", "permit_valid_from": "", "permit_valid_to": "",
    "has_meter": "no", "meter_serial": "", "hidden_well": "no",
}


def well(**changes):
    data = dict(GOOD_WELL)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_register_enterprise(bind):
    form = bind(RegisterWellForm, well(), town_choices=TOWNS)
    assert form.validate(), form.errors
    assert form.user_data() == {
        "kind": "enterprise", "name": "乳山市某某食品有限公司",
        "party_id": "91371083MA3C7K2N74", "legal_rep": "赵某",
        "address": "夏村镇工业园1号", "phone": "0631-6612345", "industry": "食品加工",
        "town": 7,
    }
    w = form.well_data()
    assert w["well_no"] == "RS-XC-001"
    assert w["town"] == 7  # the caller's value type is kept
    assert (w["latitude"], w["longitude"], w["depth_m"], w["year_drilled"]) == (
        36.9125, 121.5372, 80.0, 2005)
    assert w["in_coverage"] is True and w["in_restricted_zone"] is False
    assert w["has_meter"] is False and w["hidden_well"] is False
    assert w["permit_no"] is None and w["permit_valid_from"] is None
    assert w["meter_serial"] is None


def test_register_individual_with_permit(bind):
    # The classmethod path.
    form = bind(RegisterWellForm.with_towns, well(
        user_kind="individual", user_name="王某", party_id="11010519491231002x",
        legal_rep="不适用", phone="13800138000", purpose="agricultural",
        permit_no="取水（鲁威乳）字[2020]第9号", permit_valid_from="2020-01-01",
        permit_valid_to="2024-12-31", latitude="", longitude="", depth_m="",
        year_drilled="", annual_volume_m3="0", in_coverage="no"), town_choices=TOWNS)
    assert form.validate(), form.errors
    u, w = form.user_data(), form.well_data()
    assert u["party_id"] == "11010519491231002X" and u["legal_rep"] is None
    assert w["permit_valid_from"] == dt.date(2020, 1, 1)
    assert w["permit_valid_to"] == dt.date(2024, 12, 31)
    assert w["latitude"] is None and w["depth_m"] is None and w["year_drilled"] is None
    assert w["annual_volume_m3"] == 0.0


def test_register_town_choices_set_by_attribute(bind):
    form = bind(RegisterWellForm, well(town="xiacun"))
    form.town.choices = [("xiacun", "夏村镇")]
    assert form.validate(), form.errors
    assert form.well_data()["town"] == "xiacun"
    html = form.town()
    assert '<option selected value="xiacun">夏村镇</option>' in html


def test_register_without_town_choices_is_a_programming_error(bind):
    form = bind(RegisterWellForm, well())
    with pytest.raises(RuntimeError):
        form.validate()


@pytest.mark.parametrize("changes,errors", [
    ({"party_id": "11010519491231002X"},
     {"party_id": ["用水户类型选的是“企业（单位）”，应填写统一社会信用代码，这里填的是身份证号"]}),
    ({"party_id": "91371083MA3C7K2N75"},
     {"party_id": ["统一社会信用代码校验不通过，请逐位核对是否抄错"]}),
    ({"user_kind": "individual"},
     {"party_id": ["用水户类型选的是“个人”，应填写身份证号，这里填的是统一社会信用代码"]}),
    ({"legal_rep": ""}, {"legal_rep": ["单位用水户须填写法定代表人"]}),
    ({"phone": "6612"}, {"phone": ["联系电话格式不对：手机号为11位，固定电话如 0631-6612345"]}),
    ({"well_no": "RS 001"}, {"well_no": ["机井编号只能由字母、数字和短横线“-”组成"]}),
    ({"well_no": "A" * 33}, {"well_no": ["最多只能填写32个字"]}),
    ({"well_no": ""}, {"well_no": ["请填写机井编号"]}),
    ({"town": "99"}, {"town": ["请从列表中选择一项"]}),
    ({"town": ""}, {"town": ["请选择所属镇（街道）"]}),
    ({"depth_m": "0"}, {"depth_m": ["井深（米）应大于0米且不超过1000米"]}),
    ({"depth_m": "1000.5"}, {"depth_m": ["井深（米）应大于0米且不超过1000米"]}),
    ({"year_drilled": "1949"}, {"year_drilled": ["成井年份应在1950年至2022年之间"]}),
    ({"year_drilled": "2023"}, {"year_drilled": ["成井年份应在1950年至2022年之间"]}),
    ({"annual_volume_m3": "-1"}, {"annual_volume_m3": ["年取水量（立方米）应不小于0立方米"]}),
    ({"longitude": ""}, {"longitude": ["填写了纬度的，请同时填写经度"]}),
    ({"latitude": "36.5"},
     {"latitude": ["纬度应在36.70至37.20之间（乳山市范围内），请核对坐标"]}),
    ({"permit_no": "取水（鲁威乳）字[2020]第9号"},
     {"permit_valid_from": ["填写了取水许可证号的，请同时填写许可有效期起始日期"],
      "permit_valid_to": ["填写了取水许可证号的，请同时填写许可有效期截止日期"]}),
    ({"permit_valid_from": "2020-01-01", "permit_valid_to": "2024-12-31"},
     {"permit_no": ["填写了许可有效期的，请同时填写取水许可证号"]}),
    ({"permit_no": "X-1", "permit_valid_from": "2024-01-01", "permit_valid_to": "2020-12-31"},
     {"permit_valid_to": ["许可有效期截止日期应晚于许可有效期起始日期"]}),
    ({"hidden_well": None}, {"hidden_well": ["是否为隐瞒不报的机井：请选择“是”或“否”"]}),
    ({"user_kind": None}, {"user_kind": ["请选择用水户类型"]}),
])
def test_register_refusals(bind, changes, errors):
    form = bind(RegisterWellForm, well(**changes), town_choices=TOWNS)
    assert not form.validate()
    assert form.errors == errors


def test_public_names_exported():
    for name in ("FORMS", "form_for", "describe", "TaskForm", "RegisterWellForm",
                 "validators", "mask_party_id", "RUSHAN_BOUNDS"):
        assert hasattr(forms, name)


def test_credit_repair_needs_correction_payment_and_commitment(bind):
    cls = form_for("credit_repair")
    form = bind(cls, post("credit_repair", fine_paid="no"))
    assert not form.validate()
    assert form.errors == {"repair_approved": ["准予信用修复须同时满足：违法行为已纠正、罚款已缴清、已签订信用承诺书。"]}
    form = bind(cls, post("credit_repair", fine_paid="no", repair_approved="no"))
    assert form.validate(), form.errors


def test_credit_objection_needs_date_and_content_when_raised(bind):
    cls = form_for("credit_objection")
    form = bind(cls, post("credit_objection", objection_received_on="", objection_content=""))
    assert not form.validate()
    assert form.errors == {"objection_received_on": ["提出异议的，须填写收到异议日期"],
                           "objection_content": ["提出异议的，须写明异议内容"]}
    form = bind(cls, post("credit_objection", objection_received="no", objection_received_on="", objection_content=""))
    assert form.validate(), form.errors
    assert form.task_data() == {"objection_received": False, "objection_received_on": None, "objection_content": None}
