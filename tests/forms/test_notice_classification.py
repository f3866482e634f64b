"""The notice's problem list follows the classification, and its legal basis the problems (rules.articles)."""
from __future__ import annotations

from datetime import date

import pytest
from test_problem_forms import NOTICE, Info, notice, row

from forms import form_for
from forms.problems import derive

LICENSED_COVERED = {"in_coverage": True, "has_permit": True, "has_meter": False, "tax_registered": False}


def test_a_licensed_well_in_coverage_gets_meter_and_tax_now_and_the_non_renewal_path():
    rows = derive(LICENSED_COVERED, "covered_licensed")
    assert [(r["kind"], r["required_act"], r["rectify_days"]) for r in rows] == [
        ("no_meter", "install_meter", 15), ("tax_unpaid", "pay_tax", 15), ("permit_expiring", "seal_at_expiry", None)]
    assert "stop_and_seal" not in [r["required_act"] for r in rows]


def test_a_permitted_well_reached_by_the_network_gets_the_closure_only():
    # The inspection long ago found no meter and no tax registration; both were closed out at the recheck.
    old = {"in_coverage": False, "has_permit": False, "has_meter": False, "tax_registered": False}
    rows = derive(old, "uncovered", network_arrived=True)
    assert [(r["kind"], r["required_act"]) for r in rows] == [("in_coverage", "stop_and_seal")]


def test_the_non_renewal_row_runs_to_the_permit_expiry_and_the_timer_to_the_acts_due_now(bind):
    cls = form_for("rectification_notice")
    data = {**NOTICE, **row(0, days="15"),
            **row(1, "permit_expiring", "取水许可期满不予延续", "seal_at_expiry", "")}
    form = bind(cls, data, factory=lambda: cls.for_case(Info(LICENSED_COVERED, "covered_licensed",
                                                             permit_expires_on=date(2022, 12, 31))))
    assert form.validate(), form.errors
    out = form.task_data()
    assert [(r["required_act"], r["deadline"], r["rectify_days"]) for r in out["problems"]] == [
        ("install_meter", "2022-08-16", 15), ("seal_at_expiry", "2022-12-31", 152)]
    assert out["rectify_days"] == 15  # the meter's period; the closure follows the non-renewal decision
    assert out["basis_articles"] == [
        "《地下水管理条例》第二十二条", "《地下水管理条例》第五十六条", "《山东省水资源条例》第三十条",
        "《取水许可和水资源费征收管理条例》第二十条第一款第（五）项", "《中华人民共和国行政许可法》第五十条",
        "《地下水管理条例》第五十八条", "《中华人民共和国水法》第六十九条"]  # the clerk's extra line last


@pytest.mark.parametrize("expiry, message", [
    (None, "台账中未登记该井的许可有效期"), (date(2022, 7, 1), "该井许可已于2022年7月1日届满，应改为“停止取水并封井”")])
def test_a_non_renewal_row_without_a_future_permit_expiry_is_refused(bind, expiry, message):
    cls = form_for("rectification_notice")
    data = {**NOTICE, **row(0, "permit_expiring", "许可期满不予延续", "seal_at_expiry", "")}
    form = bind(cls, data, factory=lambda: cls.for_case(Info(permit_expires_on=expiry)))
    assert not form.validate()
    assert message in form.form_errors[0]


def test_the_notice_cites_the_union_of_its_problems_articles(bind):
    form = notice(bind, row(0), row(1, "no_permit", "未办理取水许可", "apply_permit", "30"),
                  row(2, "no_meter", "第二口井未装表", "install_meter", "15"))
    assert form.validate(), form.errors
    assert form.task_data()["basis_articles"] == [
        "《地下水管理条例》第二十二条", "《地下水管理条例》第五十六条", "《中华人民共和国水法》第四十八条",
        "《取水许可和水资源费征收管理条例》第二条", "《取水许可和水资源费征收管理条例》第四十八条",
        "《中华人民共和国水法》第六十九条第（一）项"]  # the clerk's 水法第六十九条 is covered by item (一)


def test_the_notice_form_prefills_the_articles_of_the_derived_problems(forms_app):
    cls = form_for("rectification_notice")
    with forms_app.test_request_context():
        form = cls.for_case(Info(LICENSED_COVERED, "covered_licensed", permit_expires_on=date(2027, 6, 30)))
        kinds = [e.form.kind.data for e in form.problems.entries if e.form.kind.data]
        assert kinds == ["no_meter", "tax_unpaid", "permit_expiring"]
        assert form.legal_basis.data.splitlines()[0] == "《地下水管理条例》第二十二条"
        assert "《中华人民共和国资源税法》第十四条" in form.legal_basis.data
