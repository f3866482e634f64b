"""A reconsideration or suit runs beside the case (bpmn/reconsideration.bpmn): the case is not suspended."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import Actor
from engine.tables import Instance, OpenTask
from engine.timers import run_once
from forms.reconsideration import add_months

TODAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
JUSTICE, OFFICE = Actor("justice.clerk", "justice"), Actor("leading_office.supervisor", "leading_office")
APPLICATION = {"review_kind": "reconsideration", "applied_on": "2026-03-02", "review_due_from": "2026-03-02",
               "review_days": 60, "applied_late": False}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def start(wf, factory, data=APPLICATION) -> int:
    with factory() as s, s.begin():
        return wf.start(s, "reconsideration", 1, {"town": "xiacun"}, data=dict(data)).id


def tasks(factory, instance_id):
    with factory() as s:
        return {t.task_spec: t for t in s.scalars(select(OpenTask).where(OpenTask.instance_id == instance_id))}


def complete(wf, factory, instance_id, spec, data, actor):
    with factory() as s, s.begin():
        wf.complete(s, tasks(factory, instance_id)[spec].task_guid, data, actor)


def status(factory, instance_id):
    with factory() as s:
        return s.get(Instance, instance_id).status


def test_upheld_ends_and_changed_goes_to_the_office(wf, session_factory):
    upheld = start(wf, session_factory)
    (task,) = tasks(session_factory, upheld).values()
    # 60 days from 2 March 2026 end on 1 May, a holiday (Labour Day): moved to the next working day.
    assert (task.department, task.due_at) == ("justice", datetime(2026, 5, 6, 15, 59, 59, tzinfo=timezone.utc))
    complete(wf, session_factory, upheld, "rc_handle", {"review_outcome": "upheld"}, JUSTICE)
    assert status(session_factory, upheld) == "completed"
    changed = start(wf, session_factory)
    complete(wf, session_factory, changed, "rc_handle", {"review_outcome": "revoked"}, JUSTICE)
    assert [(t.task_spec, t.department) for t in tasks(session_factory, changed).values()] == [
        ("rc_follow_up", "leading_office")]
    complete(wf, session_factory, changed, "rc_follow_up", {"follow_up_measures": "已重置案件"}, OFFICE)
    assert status(session_factory, changed) == "completed"


def test_a_late_decision_is_recorded_and_the_step_stays(wf, session_factory, clock):
    instance = start(wf, session_factory)
    clock.move_to(datetime(2026, 5, 7, 1, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    assert list(tasks(session_factory, instance)) == ["rc_handle"]


def test_six_months_to_sue_counts_calendar_months():
    assert add_months(date(2026, 3, 2), 6) == date(2026, 9, 2)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
