"""The office's calendar on the real diagrams, with the clock in December 2026 and no 2027 data in the
package: the administration's deadlines are provisional and recomputed when 2027 is entered, a party's
deadline is conservative and final, a supervisor's changed deadline is left alone."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine
from case_driver import INSPECTION, CaseDriver
from sqlalchemy import select
from test_penalty import JUSTICE, Penalty, china

from engine import Actor, overrides
from engine.deadline_recompute import recompute
from engine.tables import Event, OpenTask, Timer
from rules import calendar, deadlines
from rules.calendar import OfficeYear

TODAY = datetime(2026, 12, 6, 2, 0, tzinfo=timezone.utc)  # Sunday 6 December 2026, 10:00 in China
OFFICE = Actor("leading_office.supervisor", "leading_office")
ADMIN = Actor("admin")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller



def enter(wf, factory, year: OfficeYear):
    """What the 工作日历 page does in its transaction (without the web layer): recompute, then install."""
    with factory() as s, s.begin():
        results = recompute(wf, s, year.year, [year], ADMIN)
    calendar.install_office_years([year])
    return results


# A made-up 2027 arrangement (the real one is not published yet): 元旦 1–3 January, and 8 March 2027 a
# day off (so that the 90-day limit from 7 December 2026 moves).
Y2027 = OfficeYear(2027, {date(2027, 1, 1): "元旦", date(2027, 1, 2): "元旦", date(2027, 1, 3): "元旦",
                          date(2027, 3, 8): "试验假日"}, {})


def test_penalty_filing_in_december_gets_a_provisional_90_day_limit_moved_by_the_entry(wf, session_factory):
    case = Penalty(wf, session_factory)
    case.complete("pen_filing", {"filed_on": "2026-12-07"})  # refused before: 2027 was "missing"
    # 7 December 2026 + 90 days = Sunday 7 March 2027 -> Monday 8 March (rule year: weekends only here).
    with session_factory() as s:
        (timer,) = s.scalars(select(Timer).where(Timer.instance_id == case.instance_id))
        assert (timer.task_spec, timer.due_at, timer.provisional) == ("pen_decision_timer", china(2027, 3, 8), True)
    results = enter(wf, session_factory, Y2027)
    assert [(r.title, r.before, r.after, r.kept) for r in results] == [
        ("立案满90日未作决定", "2027年3月8日 23:59", "2027年3月9日 23:59", False)]
    with session_factory() as s:
        (timer,) = s.scalars(select(Timer).where(Timer.instance_id == case.instance_id))
        assert (timer.due_at, timer.provisional) == (china(2027, 3, 9), False)
        (event,) = s.scalars(select(Event).where(Event.kind == "deadline_recomputed"))
        assert event.instance_id == case.instance_id
        assert (event.data["before"], event.data["after"]) == ("2027年3月8日 23:59", "2027年3月9日 23:59")
    # Entering the same year again changes nothing and records nothing.
    assert enter(wf, session_factory, Y2027) == []


def test_the_flag_is_cleared_when_the_rule_guessed_right(wf, session_factory):
    case = Penalty(wf, session_factory)
    case.complete("pen_filing", {"filed_on": "2026-12-06"})  # 6 March 2027, Saturday -> Monday 8 March
    same = OfficeYear(2027, {date(2027, 1, 1): "元旦"}, {})
    assert enter(wf, session_factory, same) == []
    with session_factory() as s:
        (timer,) = s.scalars(select(Timer).where(Timer.instance_id == case.instance_id))
        assert (timer.due_at, timer.provisional) == (china(2027, 3, 8), False)


def _to_service(case, decided_on):
    case.complete("pen_filing", {"filed_on": "2026-12-01"})
    case.complete("pen_investigation", {"investigation_conclusion": "penalty"})
    case.complete("pen_legal_review", {"review_passed": True}, JUSTICE)
    case.notify(served="2026-12-01")
    case.complete("pen_statement", {"statement_made": False, "hearing_requested": False})
    case.decide(decided=decided_on)


def test_the_inbox_row_is_provisional_and_a_supervisors_deadline_is_kept(wf, session_factory):
    case = Penalty(wf, session_factory)
    _to_service(case, "2026-12-28")
    # 7 working days after Monday 28 December 2026: 29, 30, 31 December, (1 January: 元旦 by law), 4–7
    # January 2027 -> Thursday 7 January, provisional.
    service = case.task("pen_service")
    assert (service.due_at, service.due_provisional) == (china(2027, 1, 7), True)
    with session_factory() as s, s.begin():
        overrides.set_deadline(wf, s, service.task_guid, datetime(2027, 1, 20, 15, 59, 59, tzinfo=timezone.utc),
                               OFFICE, "当事人地址变更，延长送达期限")
    assert case.task("pen_service").due_provisional is False  # a supervisor's date is not 暂定
    moved = OfficeYear(2027, {date(2027, 1, 1): "元旦", date(2027, 1, 4): "试验假日"}, {})
    (result,) = enter(wf, session_factory, moved)
    assert result.kept and result.before == "2027年1月20日 23:59"
    assert case.task("pen_service").due_at == china(2027, 1, 20)
    with session_factory() as s:
        (event,) = s.scalars(select(Event).where(Event.kind == "deadline_recomputed"))
        assert event.data["kept"] is True and "督办人员" in event.data["reason"]


def test_a_notice_period_ending_in_2027_is_conservative_and_not_moved_by_the_entry(wf, session_factory):
    case = CaseDriver(wf, session_factory)
    case.complete("commitment")
    case.complete("inspect", INSPECTION)
    case.complete("notice", {"notice_served_on": "2026-12-24", "rectify_days": 5})
    # Five working days after Thursday 24 December 2026, counted so that no 2027 arrangement can make the
    # true date later: 25 and 28 December are working days (2026 is known); 29–31 December and 1–3 January
    # may be bridged into 元旦; then 4, 5, 6 January -> Wednesday 6 January 2027.
    with session_factory() as s:
        (timer,) = s.scalars(select(Timer).where(Timer.instance_id == case.id))
        assert (timer.task_spec, timer.due_at, timer.provisional) == ("deadline_timer", china(2027, 1, 6), False)
        (task,) = s.scalars(select(OpenTask).where(OpenTask.instance_id == case.id))
        assert task.due_provisional is False
    # The true date with the arrangement entered would be 31 December 2026; the printed date stands.
    assert deadlines.party_deadline_date(date(2026, 12, 24), 5) == date(2027, 1, 6)
    assert enter(wf, session_factory, Y2027) == []
    with calendar.using([Y2027]):
        assert deadlines.party_deadline_date(date(2026, 12, 24), 5) == date(2026, 12, 31)
    assert case.timers() == [("deadline_timer", china(2027, 1, 6))]


def test_an_older_diagram_with_statutory_deadline_still_runs_with_the_party_rule():
    assert deadlines.statutory_deadline("2026-12-24", 5) == "2027-01-06T23:59:59+08:00"
    from engine.services import SERVICES
    assert SERVICES["statutory_deadline"] is deadlines.party_deadline
