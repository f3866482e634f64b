"""The step hooks' table and the one place a route's work is committed or rolled back."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import StaleForm
from forms.registry import FORMS
from webapp.core import db, unit_of_work
from webapp.models import Department
from webapp.supervise.overrides import skip_rule
from webapp.tasks import service as step_service


def test_every_step_hook_belongs_to_a_form_the_diagrams_may_use():
    assert set(step_service.STEP_HOOKS) <= set(FORMS)


@pytest.mark.parametrize("form_key", [k for k, hook in step_service.STEP_HOOKS.items() if hook.records])
def test_a_step_whose_hook_records_its_result_is_skipped_only_with_its_form(app, form_key):
    with app.test_request_context():
        assert skip_rule(form_key).needs_form


def _rename(code: str, name: str):
    db.session().scalar(select(Department).where(Department.code == code)).name = name
    db.session().flush()


def test_committed_work_is_kept_and_its_result_handed_back(app):
    with app.test_request_context():
        done = unit_of_work.run(lambda: _rename("water", "改名后的水利局") or 7)
        assert done and done.value == 7 and done.error is None
    with app.app_context():
        assert db.session().scalar(select(Department.name).where(Department.code == "water")) == "改名后的水利局"


def test_refused_work_is_rolled_back_and_the_refusal_handed_to_the_route(app):
    def refused():
        _rename("water", "不该留下的名字")
        raise StaleForm("案件已变化，请刷新后重新提交。")

    with app.test_request_context():
        done = unit_of_work.run(refused)
        assert not done and isinstance(done.error, StaleForm) and done.value is None
        assert db.session().scalar(select(Department.name).where(Department.code == "water")) != "不该留下的名字"


def test_a_refusal_the_route_did_not_name_is_not_swallowed(app):
    with app.test_request_context(), pytest.raises(KeyError):
        unit_of_work.run(lambda: {}["nothing"])
