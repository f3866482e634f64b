"""The problem list on the notice and its close-out (销号) at the recheck."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from forms import form_for
from forms.problems import SPARE_ROWS, derive

NOTICE = {"notice_served_on": "2022-08-01", "service_method": "direct", "legal_basis": "《中华人民共和国水法》第六十九条",
          "instance_version": "3"}


def row(i, kind="no_meter", text="未安装计量设施", act="install_meter", days="15"):
    return {f"problems-{i}-kind": kind, f"problems-{i}-description": text, f"problems-{i}-required_act": act,
            f"problems-{i}-rectify_days": days}


def notice(bind, *rows):
    data = dict(NOTICE)
    for r in rows:
        data.update(r)
    return bind(form_for("rectification_notice"), data)


@pytest.mark.parametrize("days", ["0", "-3", "91"])
def test_a_period_outside_one_to_ninety_days_is_refused(bind, days):
    form = notice(bind, row(0, days=days))
    assert not form.validate()
    assert form.problems.entries[0].form.rectify_days.errors == ["整改期限（日）应为1至90之间的整数"]


def test_a_row_filled_in_part_names_what_is_missing(bind):
    form = notice(bind, row(0), row(1, kind="", act="", days=""))
    assert not form.validate()
    second = form.problems.entries[1].form
    assert (second.kind.errors, second.required_act.errors, second.rectify_days.errors) == (
        ["请选择问题类型"], ["请选择整改要求"], ["请填写整改期限"])
    assert second.description.errors == []


def test_a_notice_without_any_problem_is_refused(bind):
    form = notice(bind, row(0, kind="", text="", act="", days=""))
    assert not form.validate()
    assert form.form_errors == ["请至少填写一个问题：问题类型、问题描述、整改要求和整改期限"]


def test_unknown_codes_are_refused(bind):
    form = notice(bind, row(0, act="mine_sand"))
    assert not form.validate()
    assert form.problems.entries[0].form.required_act.errors == ["请从列表中选择一项"]


def test_each_problem_gets_its_own_deadline_and_the_timer_the_longest(bind):
    # Served Monday 1 August 2022: 5 working days end Monday 8 August; 30 calendar days end 31 August.
    form = notice(bind, row(0, days="5"), row(1, "no_permit", "未办理取水许可", "apply_permit", "30"))
    assert form.validate(), form.errors
    data = form.task_data()
    assert [(r["no"], r["deadline"]) for r in data["problems"]] == [(1, "2022-08-08"), (2, "2022-08-31")]
    assert data["rectify_days"] == 30 and data["required_acts"] == ["install_meter", "apply_permit"]


def test_derive_starts_from_the_inspection_answers():
    covered = {"in_coverage": True, "has_permit": False, "has_meter": False, "tax_registered": False}
    assert [(r["kind"], r["required_act"]) for r in derive(covered)] == [
        ("in_coverage", "stop_and_seal"), ("no_meter", "install_meter"), ("tax_unpaid", "pay_tax")]
    uncovered = {"in_coverage": False, "has_permit": False, "has_meter": True, "tax_registered": True}
    assert [(r["kind"], r["required_act"]) for r in derive(uncovered)] == [("no_permit", "apply_permit")]
    assert derive({"in_coverage": False, "has_permit": True, "has_meter": True, "tax_registered": True}) == []


@dataclass
class Info:
    inspection: dict | None = None
    category: str | None = None
    open_problems: tuple = ()
    network_arrived: bool = False
    permit_expires_on: date | None = None

    def latest(self, form_key):
        return self.inspection if form_key == "inspection" else {}


def test_the_notice_form_starts_with_the_derived_rows_and_spare_ones(forms_app):
    cls = form_for("rectification_notice")
    inspection = {"in_coverage": False, "has_permit": False, "has_meter": True, "tax_registered": True}
    with forms_app.test_request_context():  # opened, not posted
        form = cls.for_case(Info(inspection))
        assert len(form.problems.entries) == 1 + SPARE_ROWS
        first = form.problems.entries[0].form
        assert (first.kind.data, first.required_act.data, first.rectify_days.data) == (
            "no_permit", "apply_permit", 15)


@dataclass
class P:
    id: int
    seq: int
    description: str
    act_label: str = "安装计量设施"
    deadline_label: str = "2022-08-08"


PROBLEMS = (P(7, 1, "未安装计量设施"), P(9, 2, "未缴纳水资源税"))


def recheck(bind, data):
    cls = form_for("recheck")
    return bind(cls, {"rechecked_on": "2022-08-15", "recheck_findings": "逐项核查。", "instance_version": "3",
                      **data}, factory=lambda: cls.for_case(Info(open_problems=PROBLEMS)))


def closes(*pairs):
    data = {}
    for i, (pid, closed, evidence) in enumerate(pairs):
        data.update({f"problems-{i}-problem_id": str(pid), f"problems-{i}-closed": closed,
                     f"problems-{i}-evidence": evidence})
    return data


def test_recheck_closes_out_each_problem_with_evidence(bind):
    form = recheck(bind, closes((7, "yes", "水表 SB-001"), (9, "no", "")))
    assert "recheck_passed" not in form  # answered by the rows
    assert form.problems.row_titles[0] == "1. 未安装计量设施（安装计量设施，期限 2022-08-08）"
    assert form.validate(), form.errors
    data = form.task_data()
    assert data["problems"] == [
        {"id": 7, "no": 1, "description": "未安装计量设施", "closed": True, "evidence": "水表 SB-001"},
        {"id": 9, "no": 2, "description": "未缴纳水资源税", "closed": False, "evidence": ""}]
    assert (data["recheck_passed"], data["open_problems"]) == (False, 1)
    assert recheck(bind, closes((7, "yes", "a"), (9, "yes", "b"))).validate()


def test_a_close_out_needs_evidence_and_every_row_an_answer(bind):
    form = recheck(bind, closes((7, "yes", ""), (9, "", "")))
    assert not form.validate()
    assert form.problems.entries[0].form.evidence.errors == ["销号须写明整改证据"]
    assert form.problems.entries[1].form.closed.errors == ["是否整改到位（销号）：请选择“是”或“否”"]


def test_a_changed_problem_list_is_refused(bind):
    form = recheck(bind, closes((7, "yes", "a"), (8, "yes", "b")))
    assert not form.validate()
    assert form.form_errors == ["这个案件的问题清单已有变化，请刷新页面后重新填写。"]


def test_a_case_without_problem_rows_answers_the_single_question(bind):
    cls = form_for("recheck")
    form = bind(cls, {"rechecked_on": "2022-08-15", "recheck_passed": "no", "recheck_findings": "x",
                      "instance_version": "3"}, factory=lambda: cls.for_case(Info()))
    assert "problems" not in form
    assert form.validate(), form.errors
    assert form.task_data() == {"rechecked_on": "2022-08-15", "recheck_passed": False, "recheck_findings": "x"}
    assert date(2022, 8, 15)  # the fixed "today" of the form tests


def test_a_deadline_in_a_year_nobody_entered_is_the_conservative_one(bind, monkeypatch):
    from forms import validators as v

    monkeypatch.setattr(v, "today", lambda: date(2026, 12, 28))
    form = notice(bind, row(0, days="5"), {"notice_served_on": "2026-12-28"})
    assert form.validate(), form.errors
    # 2027 is not entered: 29 December – 3 January may all become 元旦 holidays, so the five working days
    # are 4–8 January (never earlier than whatever the State Council publishes).
    assert form.task_data()["problems"][0]["deadline"] == "2027-01-08"
