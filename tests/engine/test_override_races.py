"""An override and a clerk's submission of the same task at the same moment: exactly one wins, and the
other is told, in Chinese, what happened (handled by X at T; skipped, reset, moved or suspended by the
office). Two threads on the real diagram, on SQLite and on PostgreSQL alike."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from engine import Actor, EngineError, InstanceNotRunning, StaleForm, TaskAlreadyHandled, assignment, overrides
from engine.errors import TaskMoved
from engine.tables import Event, Instance, OpenTask

SUPERVISOR = Actor("leading_office.supervisor", "leading_office")
WATER = Actor("water.clerk", "water")
START = {"obstructed": False, "hidden_well": False, "seal_obstructed": False, "patrol_days": 90,
         "in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": False}
INSPECTION = {"in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": False,
              "obstructed": False, "hidden_well": False}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2026, 6, 15, 2, tzinfo=timezone.utc), tick=False):
        yield


def at_report(wf, session_factory, case_id: int = 1) -> dict:
    """A case at the rectification report (water bureau, with its deadline); the notice done before it."""
    with session_factory() as s, s.begin():
        instance_id = wf.start(s, "well_case", case_id, {"town": "xiacun"}, data=START).id
    for spec, data in [("commitment", {}), ("inspect", INSPECTION),
                       ("notice", {"notice_served_on": "2026-06-15", "rectify_days": 5})]:
        with session_factory() as s, s.begin():
            guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == instance_id,
                                                              OpenTask.task_spec == spec))
            wf.complete(s, guid, data, WATER)
    with session_factory() as s:
        report = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == instance_id))
        notice = s.scalar(select(Event.task_guid).where(Event.instance_id == instance_id,
                                                        Event.kind == "task_completed", Event.task_spec == "notice"))
        version = s.get(Instance, instance_id).version
    return {"id": instance_id, "report": report, "notice": notice, "version": version}


@pytest.fixture
def case(wf, session_factory):
    return at_report(wf, session_factory)


def race(session_factory, first, second) -> tuple:
    """``first`` takes the case's lock and keeps its transaction open until ``second`` (another thread)
    is waiting for it, then commits. Returns what each returned or raised."""
    results, holding = {}, threading.Event()

    def run(name, operation, hold):
        session = session_factory()
        try:
            with session.begin():
                try:
                    operation(session)
                    results[name] = "ok"
                except EngineError as exc:
                    results[name] = exc
                if hold:
                    holding.set()
                    time.sleep(0.6)  # the second thread starts and blocks on the lock meanwhile
        finally:
            holding.set()
            session.close()

    one = threading.Thread(target=run, args=("first", first, True))
    one.start()
    holding.wait(10)
    two = threading.Thread(target=run, args=("second", second, False))
    two.start()
    one.join(30)
    two.join(30)
    return results["first"], results["second"]


def submit(wf, case):
    return lambda s: wf.complete(s, case["report"], {}, WATER, expected_version=case["version"],
                                 departments=("water",))


OVERRIDES = {
    "skip": (lambda wf, c: lambda s: overrides.skip(wf, s, c["report"], SUPERVISOR, "当事人已口头报告",
                                                      expected_version=c["version"]),
             TaskAlreadyHandled, "已由督办人员 leading_office.supervisor 于 2026-06-15 10:00 跳过（理由：当事人已口头报告）"),
    "skip_filled": (lambda wf, c: lambda s: overrides.skip(wf, s, c["report"], SUPERVISOR, "代填", data={"x": 1},
                                                             expected_version=c["version"]),
                    TaskAlreadyHandled, "已由督办人员 leading_office.supervisor 于 2026-06-15 10:00 跳过并代填办理结果"),
    "reset": (lambda wf, c: lambda s: overrides.reset(wf, s, c["id"], c["notice"], SUPERVISOR, "通知书有误",
                                                        expected_version=c["version"]),
              TaskAlreadyHandled, "已由督办人员 leading_office.supervisor 于 2026-06-15 10:00 退回到“下达责令限期整改通知书”"),
    "suspend": (lambda wf, c: lambda s: overrides.suspend(wf, s, c["id"], SUPERVISOR, "等待裁定",
                                                            expected_version=c["version"]),
                InstanceNotRunning, "已由督办人员 leading_office.supervisor 于 2026-06-15 10:00 暂停（理由：等待裁定）"),
    "cancel": (lambda wf, c: lambda s: overrides.cancel(wf, s, c["id"], SUPERVISOR, "重复登记",
                                                          expected_version=c["version"]),
               InstanceNotRunning, "已由督办人员 leading_office.supervisor 于 2026-06-15 10:00 撤销（理由：重复登记）"),
    "move": (lambda wf, c: lambda s: assignment.move_to_department(wf, s, c["report"], "enforcement", SUPERVISOR,
                                                                     reason="由执法大队办理"),
             TaskMoved, "已由督办人员 leading_office.supervisor 于 2026-06-15 10:00 转交 enforcement 办理"),
    "deadline": (lambda wf, c: lambda s: overrides.set_deadline(wf, s, c["report"], None, SUPERVISOR, "延期",
                                                                  expected_version=c["version"], working_days=5),
                 StaleForm, "已有新的进展"),
    "correct_data": (lambda wf, c: lambda s: overrides.correct_data(wf, s, c["id"], {"well_no": "XC-9"},
                                                                      {"well.well_no": ["XC-1", "XC-9"]}, SUPERVISOR,
                                                                      "更正井编号", expected_version=c["version"]),
                     StaleForm, "已有新的进展"),
}


@pytest.mark.parametrize("kind", list(OVERRIDES))
def test_override_first_the_clerk_is_told_what_the_office_did(wf, session_factory, case, kind):
    make, error, message = OVERRIDES[kind]
    won, lost = race(session_factory, make(wf, case), submit(wf, case))
    assert won == "ok"
    assert isinstance(lost, error) and message in str(lost), str(lost)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Event).where(
            Event.kind == "task_completed", Event.actor == WATER.username, Event.task_spec == "rectify_report")) == 0


@pytest.mark.parametrize("kind", list(OVERRIDES))
def test_submission_first_the_office_is_told_it_was_handled(wf, session_factory, case, kind):
    make, _error, _message = OVERRIDES[kind]
    won, lost = race(session_factory, submit(wf, case), make(wf, case))
    assert won == "ok"
    # A task override finds the task handled; a case override finds the case moved on since its page.
    assert isinstance(lost, (TaskAlreadyHandled, StaleForm)), str(lost)
    if isinstance(lost, TaskAlreadyHandled):
        assert "已由 water.clerk 于 2026-06-15 10:00 办理" in str(lost)
    else:
        assert "已有新的进展" in str(lost)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "override")) == 0
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "task_reassigned")) == 0


def test_a_step_reset_to_then_suspended_is_not_called_handled(wf, session_factory, case):
    """The step reset to keeps its task id and its old completion; the clerk is told of the suspension."""
    with session_factory() as s, s.begin():
        overrides.reset(wf, s, case["id"], case["notice"], SUPERVISOR, "通知书有误")
    with session_factory() as s, s.begin():
        overrides.suspend(wf, s, case["id"], SUPERVISOR, "等待裁定")
    with session_factory() as s, s.begin(), pytest.raises(InstanceNotRunning) as refused:
        wf.complete(s, case["notice"], {"notice_served_on": "2026-06-15", "rectify_days": 5}, WATER)
    assert "暂停（理由：等待裁定）" in str(refused.value) and "water.clerk" not in str(refused.value)
