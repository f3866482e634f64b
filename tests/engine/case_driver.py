"""A case driven through the engine one transaction per step, as the web layer does, for the engine tests
of the procedure's branches (imported by name: pytest puts tests/engine on the path)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from engine import Actor
from engine.tables import Event, Instance, OpenTask, Timer
from engine.timers import run_once

# What registration starts a case with (webapp.cases.service.register_case).
START = {"obstructed": False, "seal_obstructed": False, "seal_accepted": False, "patrol_days": 30,
         "hidden_well": False, "permit_valid_to": None}
INSPECTION = {"in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": False,
              "obstructed": False, "hidden_well": False}
WATER = Actor("water.clerk", "water")
ENFORCEMENT, JUSTICE = Actor("enforcement.clerk", "enforcement"), Actor("justice.clerk", "justice")


class CaseDriver:
    def __init__(self, wf, factory, **start):
        self.wf, self.factory = wf, factory
        with factory() as s, s.begin():
            self.id = wf.start(s, "well_case", 1, {"town": "xiacun"}, data={**START, **start}).id

    def tasks(self) -> dict:
        with self.factory() as s:
            return {t.task_spec: t for t in s.scalars(select(OpenTask).where(OpenTask.instance_id == self.id))}

    def complete(self, spec, data=None, actor=WATER):
        with self.factory() as s, s.begin():
            self.wf.complete(s, self.tasks()[spec].task_guid, data or {}, actor)

    def instance(self):
        with self.factory() as s:
            return s.get(Instance, self.id)

    def timers(self) -> list[tuple]:
        with self.factory() as s:
            return [(t.task_spec, t.due_at) for t in s.scalars(select(Timer).where(Timer.instance_id == self.id))]


# The steps that seal a well, and when their answer means they did (as webapp/documents/sealing.py reads
# the audit trail for the 验收单): the enforcement bureau's 封井/重新封井 not obstructed, the penalty's 代履行封井,
# and the owner's own sealing found at 核查封井情况 or at the 代履行决定.
SEALED_BY = {"sealing_record": lambda d: not d.get("seal_obstructed"),
             "penalty_substitute_sealing": lambda d: True,
             "penalty_seal_check": lambda d: bool(d.get("well_sealed")),
             "penalty_substitute_decision": lambda d: bool(d.get("party_performed"))}


def sealing_history(factory, case_id: int) -> list[tuple[str, str]]:
    """The case's sealing acts and acceptances in the order they were done: ("seal", step) for a step
    that sealed the well, ("accept", step) for an acceptance (form ``seal_acceptance``)."""
    with factory() as s:
        events = s.scalars(select(Event).where(Event.instance_id == case_id, Event.kind == "task_completed")
                           .order_by(Event.id)).all()
        history = []
        for event in events:
            if event.form_key == "seal_acceptance":
                history.append(("accept", event.task_spec))
            elif event.form_key in SEALED_BY and SEALED_BY[event.form_key](event.data or {}):
                history.append(("seal", event.task_spec))
        return history


def punish_and_collect(case: CaseDriver, day: str) -> None:
    """The penalty (called process ``penalty``) from filing to payment, each step on ``day``: a fine
    decided under 地下水管理条例 Art 58 and paid; its execution then checks the well."""
    case.complete("pen_filing", {"filed_on": day})
    case.complete("pen_investigation", {"investigation_conclusion": "penalty"})
    case.complete("pen_legal_review", {"review_passed": True}, JUSTICE)
    case.complete("pen_prior_notice", {"prior_legal_basis": "regulation_58", "proposed_fine": 200_000,
                                       "prior_notice_served_on": day})
    case.complete("pen_statement", {"statement_made": False, "hearing_requested": False})
    case.complete("pen_decision", {"decided_on": day, "decision_kind": "penalty", "fine_amount": 200_000})
    case.complete("pen_service", {"decision_served_on": day})
    case.complete("pen_payment", {"paid_on": day, "paid_amount": 200_000})
    assert list(case.tasks()) == ["pen_seal_check"]


def remind_then_substitute(case: CaseDriver, clock, day: datetime, owner_sealed: bool = False) -> None:
    """The well not sealed at the check: the 催告 (3 working days), and once it has run out the 代履行
    decision, then the enforcement bureau's 代履行封井 unless the owner sealed the well meanwhile."""
    case.complete("pen_seal_check", {"seal_checked_on": day.date().isoformat(), "well_sealed": False})
    case.complete("pen_reminder", {"reminder_served_on": day.date().isoformat(), "reminder_days": 3})
    clock.move_to(day + timedelta(days=10))
    assert run_once(case.wf, case.factory) == 1
    later = (day + timedelta(days=10)).date().isoformat()
    case.complete("pen_substitute_decision", {"substitute_decided_on": later, "party_performed": owner_sealed,
                                              "substitute_date": later})
    if not owner_sealed:
        case.complete("pen_substitute_sealing", {"substitute_sealed_on": later, "substitute_seal_no": "DL-1"},
                      ENFORCEMENT)
