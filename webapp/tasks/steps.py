"""What a step needs from its case before the form: ``CaseInfo``, what ``TaskForm.for_case`` may start from.

What the step writes after the workflow is ``step_service``'s.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.tables import Event, Instance
from forms.penalty_execution import payment_due
from forms.problems import derive
from forms.validators import format_date_zh

from ..models import Case, Well
from ..problems import service as problems


def _on(day: str | None, prefix: str = "") -> str:
    return f"{prefix}{format_date_zh(date.fromisoformat(day))}" if day else ""


@dataclass
class CaseInfo:
    session: Session
    case: Case

    def latest(self, form_key: str) -> dict:
        """The values the case's latest step with this form was completed with ({} if none yet)."""
        return self.session.scalar(select(Event.data).where(
            Event.case_id == self.case.id, Event.kind == "task_completed", Event.form_key == form_key)
            .order_by(Event.id.desc()).limit(1)) or {}

    @cached_property
    def category(self) -> str | None:
        return self.session.scalar(select(Instance.category).where(Instance.id == self.case.instance_id))

    @cached_property
    def network_arrived(self) -> bool:
        """The public network has reached the well since it was inspected (a coverage announcement)."""
        return self.session.scalar(select(Event.id).where(
            Event.case_id == self.case.id, Event.kind == "message_received",
            Event.data["message"].as_string() == "network_arrives").limit(1)) is not None

    def owner_commitment(self) -> tuple[str, dict] | None:
        """(case number, values) of the commitment letter the water user signed for another well, if any."""
        # The values and what the case's number is made of: no case (with its well and owner) is loaded.
        rows = self.session.execute(
            select(Event.data, Case.id, Case.created_at).join(Case, Case.id == Event.case_id)
            .join(Well, Well.id == Case.well_id)
            .where(Well.owner_id == self.case.well.owner_id, Case.id != self.case.id,
                   Event.kind == "task_completed", Event.form_key == "commitment_letter")
            .order_by(Event.id.desc()))
        for data, case_id, created_at in rows:
            if not data.get("reuse_letter") and data.get("signed_on"):  # the letter itself, not a reuse
                return Case.number_of(case_id, created_at), data
        return None

    @cached_property
    def open_problems(self) -> list:
        return problems.open_problems(self.session, self.case.id)

    def _completed(self, *form_keys: str) -> list[tuple[str, dict]]:
        """(form key, values) of the case's completed steps with these forms, latest first."""
        return [(key, data or {}) for key, data in self.session.execute(
            select(Event.form_key, Event.data).where(
                Event.case_id == self.case.id, Event.kind == "task_completed", Event.form_key.in_(form_keys))
            .order_by(Event.chain_no.desc()))]

    def penalty_problems(self, fresh: bool = False) -> list[tuple[str, str]]:
        """(kind, description) of what the case's penalty is about: as its filing kept them, or (``fresh``,
        at the filing) from the case: a broken seal or renewed abstraction the patrol found since the last
        filing (a new act), else the open problems, else what the inspection found (a hidden well is
        punished before any notice)."""
        if not fresh:
            kept = self.latest("penalty_filing").get("violation_problems")
            if kept:
                return [tuple(pair) for pair in kept]
        for key, data in self._completed("patrol_record", "penalty_filing"):
            if key == "penalty_filing":
                break  # the patrols before it were punished by that penalty
            if data.get("seal_intact") is False or data.get("abstraction_resumed") is True:
                lines = [line.strip() for line in (data.get("patrol_findings") or "").splitlines() if line.strip()]
                return [("seal_broken", f"{_on(data.get('patrolled_on'))}巡查发现：{lines[0]}" if lines
                         else f"{_on(data.get('patrolled_on'))}巡查发现封存设施被破坏或恢复取水")]
        if self.open_problems:
            return [(p.kind, p.description) for p in self.open_problems]
        derived = derive(self.latest("inspection"), self.category, self.network_arrived)
        return [(row["kind"], row["description"]) for row in derived]

    def repair_record(self) -> dict:
        """What credit repair checks, from the record (forms.credit.repair_checks): the decided fine, the
        payment recorded for it and its deadline, the problems still open, and whether the well had to be
        sealed and still is (the latest of sealing, 代履行, the penalty's seal check and the patrols)."""
        decision = self.latest("penalty_decision")
        fine = decision.get("fine_amount") if decision.get("decision_kind") == "penalty" else None
        paid = {}  # the latest payment recorded for the latest decision (not an earlier penalty's)
        for key, data in self._completed("penalty_decision", "penalty_payment", "penalty_late_payment"):
            if key == "penalty_decision":
                break
            if data.get("paid_amount") is not None:
                paid = data
                break
        due = payment_due(self.latest("penalty_service"))
        acts = {p.required_act for p in problems.for_case(self.session, self.case.id) if p.status != "withdrawn"}
        must_seal = bool(acts & {"stop_and_seal", "seal_at_expiry"}) or bool(self.latest("sealing_record"))
        sealed, detail = False, "未见封井记录"
        for key, data in self._completed("seal_acceptance", "penalty_substitute_sealing", "penalty_seal_check",
                                         "patrol_record"):
            if key == "patrol_record":
                if data.get("seal_intact") is False or data.get("abstraction_resumed") is True:
                    sealed, detail = False, f"{_on(data.get('patrolled_on'))}巡查发现封存设施被破坏或恢复取水"
                    break
                continue  # an intact patrol confirms the sealing before it
            if key == "seal_acceptance" and data.get("seal_accepted"):
                sealed, detail = True, f"封井已{_on(data.get('accepted_on'), '于')}验收合格"
                break
            if key == "penalty_substitute_sealing":
                sealed, detail = True, f"已{_on(data.get('substitute_sealed_on'), '于')}代履行封井"
                break
            if key == "penalty_seal_check" and data.get("well_sealed"):
                sealed, detail = True, f"{_on(data.get('seal_checked_on'))}核查已封井"
                break
        return {"fine_amount": fine, "paid_amount": paid.get("paid_amount"),
                "paid_on": date.fromisoformat(paid["paid_on"]) if paid.get("paid_on") else None,
                "payment_due_on": due, "open_problems": [p.description for p in self.open_problems],
                "must_seal": must_seal, "sealed": sealed, "seal_detail": detail}

    @property
    def permit_expires_on(self):
        """The well's abstraction permit expiry from the ledger (the non-renewal row's deadline)."""
        return self.case.well.permit_valid_to

