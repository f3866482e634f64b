"""Forms that start from what the register holds: the inspection, the commitment letter, the sealing."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from forms import form_for

TODAY = date(2022, 8, 15)  # the forms tests' fixed today (conftest.fixed_today)


def well(**over):
    owner = SimpleNamespace(name="乳山某某食品有限公司", legal_rep="法定代表人甲")
    values = dict(in_coverage=True, coverage_source="水务集团名录", permit_no=None, permit_valid_to=None,
                  purpose="industrial", has_meter=True, meter_serial="M-778", hidden_well=False,
                  latitude=36.92, longitude=121.52, owner=owner)
    values.update(over)
    return SimpleNamespace(**values)


def info(w):
    return SimpleNamespace(case=SimpleNamespace(well=w), owner_commitment=lambda: None)


@pytest.fixture
def fresh(forms_app):
    """A GET request: the page a clerk opens, before anything is posted."""
    with forms_app.test_request_context(method="GET"):
        yield


def test_the_inspection_starts_from_the_register_and_shows_it(fresh):
    form = form_for("inspection").for_case(info(well(permit_no="取水(鲁)字[2020]第001号",
                                                     permit_valid_to=date(2027, 6, 30))))
    assert (form.in_coverage.data, form.has_permit.data, form.purpose.data, form.has_meter.data,
            form.hidden_well.data) == ("yes", "yes", "industrial", "yes", "no")
    assert form.in_coverage.known == "登记：在管网覆盖范围内（水务集团名录）"
    assert form.has_permit.known == "登记：取水许可证 取水(鲁)字[2020]第001号，有效期至 2027年6月30日"
    assert form.has_meter.known == "登记：已安装计量设施（表号 M-778）"
    assert form.purpose.known == "登记：工业"
    # What the register cannot know is asked afresh.
    assert form.urban_village.data is None and not getattr(form.urban_village, "known", None)
    assert form.findings.data in (None, "")


def test_a_registered_hidden_unmetered_unlicensed_well_starts_that_way(fresh):
    form = form_for("inspection").for_case(info(well(in_coverage=False, has_meter=False, hidden_well=True,
                                                     purpose="agricultural")))
    assert (form.in_coverage.data, form.has_permit.data, form.has_meter.data, form.hidden_well.data,
            form.purpose.data) == ("no", "no", "no", "yes", "agricultural")
    assert form.has_permit.known == "登记：未办理取水许可"
    assert form.hidden_well.known == "登记：隐瞒不报的自备井"


def test_a_posted_inspection_is_read_from_the_post_alone(bind):
    """The suggestion never fills a field the post left out: the clerk's answer (or its absence) counts."""
    cls = form_for("inspection")
    form = bind(cls, {"in_coverage": "no", "instance_version": "1"}, factory=lambda: cls.for_case(info(well())))
    assert form.in_coverage.data == "no"
    assert form.has_meter.data is None
    assert not form.validate() and form.has_meter.errors


def test_the_commitment_letter_starts_from_the_legal_representative_and_today(fresh):
    form = form_for("commitment_letter").for_case(info(well()))
    assert form.signatory.data == "法定代表人甲"
    assert form.signed_on.data == TODAY


def test_a_persons_letter_is_signed_by_the_person(fresh):
    person = SimpleNamespace(name="个人用水户乙", legal_rep=None)
    form = form_for("commitment_letter").for_case(info(well(owner=person)))
    assert form.signatory.data == "个人用水户乙"


def test_a_reusable_letter_still_offers_the_new_letters_defaults(fresh):
    case_info = info(well())
    case_info.owner_commitment = lambda: ("乳整2026-00001", {"signed_on": "2026-03-01", "signatory": "甲"})
    form = form_for("commitment_letter").for_case(case_info)
    assert form.reuse_letter.data == "yes"
    assert form.signatory.data == "法定代表人甲" and form.signed_on.data == TODAY


def test_the_sealing_starts_from_the_wells_coordinates(fresh):
    form = form_for("sealing_record").for_case(info(well()))
    assert (form.latitude.data, form.longitude.data) == (36.92, 121.52)
    assert form.latitude.known == "登记位置：36.92, 121.52"
    assert form.locate


def test_a_well_without_coordinates_leaves_them_to_the_team(fresh):
    form = form_for("sealing_record").for_case(info(well(latitude=None, longitude=None)))
    assert form.latitude.data is None and form.longitude.data is None


def _approval(**over):
    data = {"permit_approved": "yes", "permit_no": "取水（鲁威乳）字[2022]第001号", "permit_valid_from": "2022-08-15",
            "permit_valid_to": "2027-08-14", "works_accepted_on": "2022-08-12", "works_acceptance_passed": "yes",
            "works_accepted_by": "市水利局 验收组", "approval_opinion": "准予。", "instance_version": "1"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_a_permit_is_approved_only_with_the_works_accepted(bind):
    cls = form_for("permit_approval")
    form = bind(cls, _approval())
    assert form.validate(), form.errors
    data = form.task_data()
    assert (data["works_accepted_on"], data["works_acceptance_passed"], data["works_accepted_by"]) == (
        "2022-08-12", True, "市水利局 验收组")
    failed = bind(cls, _approval(works_acceptance_passed="no"))
    assert not failed.validate()
    assert failed.works_acceptance_passed.errors == ["取水工程验收不合格的，不能批准取水许可"]
    missing = bind(cls, _approval(works_accepted_on=None, works_acceptance_passed=None, works_accepted_by=None))
    assert not missing.validate()
    assert set(missing.errors) == {"works_accepted_on", "works_acceptance_passed", "works_accepted_by"}
    later = bind(cls, _approval(works_accepted_on="2022-08-16"))  # today is 15 August 2022
    assert not later.validate() and later.works_accepted_on.errors


def test_a_refusal_after_failed_acceptance_records_it(bind):
    cls = form_for("permit_approval")
    form = bind(cls, _approval(permit_approved="no", works_acceptance_passed="no", permit_no=None,
                               permit_valid_from=None, permit_valid_to=None))
    assert form.validate(), form.errors
    assert form.task_data()["works_acceptance_passed"] is False
