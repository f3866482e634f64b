"""Tests of the forms package: the task forms and the registry (validators: test_validators.py; the
register form: test_register_form.py).

tests/forms/conftest.py binds each form inside a POST request context of a tiny Flask app with CSRF
off; "today" is pinned to 2022-08-15 (inside the 2022 campaign) so date rules meet known dates.
"""

from __future__ import annotations

import datetime as dt
import json
from datetime import date

import pytest
from flask import Flask
from form_samples import GOOD

import forms
from forms import FORMS, form_for
from forms.penalty import PENALTY_FORMS

TODAY = dt.date(2022, 8, 15)
TODAY_ZH = "2022年8月15日"


# ============================================================== task forms (their good data: form_samples.py)


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


def test_public_names_exported():
    for name in ("FORMS", "form_for", "describe", "TaskForm", "RegisterWellForm",
                 "validators", "mask_party_id", "RUSHAN_BOUNDS"):
        assert hasattr(forms, name)


class Record:
    def __init__(self, **record):
        self.record = record

    def repair_record(self):
        return self.record


PAID_LATE_SHORT = {"fine_amount": 50_000, "paid_amount": 50_000.0, "paid_on": date(2026, 3, 20),
                   "payment_due_on": date(2026, 3, 17), "open_problems": ["未安装取水计量设施"],
                   "must_seal": True, "sealed": False, "seal_detail": "2026-04-01巡查发现封存设施被破坏或恢复取水"}


def test_credit_repair_reads_the_record_and_says_what_is_missing_and_who_supplies_it(bind):
    cls = form_for("credit_repair")
    form = bind(cls, post("credit_repair", commitment_signed_on=""),
                factory=lambda: cls.for_case(Record(**PAID_LATE_SHORT)))
    assert "corrected" not in form and "fine_paid" not in form  # no tick boxes: the record answers
    assert form.notes() == [
        "信用修复条件（据案件记录核对）：",
        "✘ 罚款及加处罚款已缴清：罚款50000元，加处罚款4500元，应缴54500元，已缴50000元（2026年3月20日），尚欠4500元。"
        "由当事人补缴后，由市水利局在“逾期未缴处理”环节登记",
        "✘ 问题清单已全部销号：未销号：未安装取水计量设施。由市水利局复查（回头看）时逐项销号",
        "✘ 自备井已封闭且封存完好：2026-04-01巡查发现封存设施被破坏或恢复取水。"
        "由市综合执法局或水务集团封井、市水利局验收；巡查发现启封的，重新封井后方可修复"]
    assert not form.validate()
    (message,) = form.errors["repair_approved"]
    assert message.startswith("不能准予信用修复，尚缺：罚款及加处罚款已缴清（") and "已签订信用承诺书（由当事人签订后" in message
    form = bind(cls, post("credit_repair", repair_approved="no", commitment_signed_on=""),
                factory=lambda: cls.for_case(Record(**PAID_LATE_SHORT)))
    assert form.validate(), form.errors
    assert form.task_data()["fine_paid"] is False and form.task_data()["corrected"] is False


def test_credit_repair_is_approved_when_the_record_is_complete(bind):
    cls = form_for("credit_repair")
    record = {**PAID_LATE_SHORT, "paid_amount": 54_500.0, "open_problems": [], "sealed": True,
              "seal_detail": "封井已于2026-03-02验收合格"}
    form = bind(cls, post("credit_repair"), factory=lambda: cls.for_case(Record(**record)))
    assert form.validate(), form.errors
    data = form.task_data()
    assert (data["fine_paid"], data["corrected"], [c["ok"] for c in data["repair_checks"]]) == (
        True, True, [True, True, True])


def test_credit_objection_needs_date_and_content_when_raised(bind):
    cls = form_for("credit_objection")
    form = bind(cls, post("credit_objection", objection_received_on="", objection_content=""))
    assert not form.validate()
    assert form.errors == {"objection_received_on": ["提出异议的，须填写收到异议日期"],
                           "objection_content": ["提出异议的，须写明异议内容"]}
    form = bind(cls, post("credit_objection", objection_received="no", objection_received_on="", objection_content=""))
    assert form.validate(), form.errors
    assert form.task_data() == {"objection_received": False, "objection_received_on": None, "objection_content": None}



def test_the_credit_measure_ends_after_today_or_at_the_repair(bind):
    past = bind(form_for("credit_review"), post("credit_review", sanction_until="2022-08-15"))
    assert not past.validate() and past.errors["sanction_until"] == [f"惩戒期限至应晚于今天（{TODAY_ZH}）"]
    open_ended = bind(form_for("credit_review"), post("credit_review", sanction_until=None))
    assert open_ended.validate() and open_ended.task_data()["sanction_until"] is None
