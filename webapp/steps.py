"""What a step needs from its case before the form, and what it writes besides the workflow after.

``CaseInfo`` is what ``TaskForm.for_case`` may start from; ``after_step`` runs in the step's transaction
right after ``Engine.complete``: the problem list, then the step's documents (which read it), then the
photos and evidence files uploaded with the form.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from engine import Engine
from engine.store import Event, Instance

from . import outbox, problems
from .attachments import storage as attachments
from .documents import service as documents
from .models import Case, Document, User, Well


@dataclass
class CaseInfo:
    session: Session
    case: Case

    def latest(self, form_key: str) -> dict:
        """The values the case's latest step with this form was completed with ({} if none yet)."""
        return self.session.scalar(select(Event.data).where(
            Event.case_id == self.case.id, Event.kind == "task_completed", Event.form_key == form_key)
            .order_by(Event.chain_no.desc()).limit(1)) or {}

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
        rows = self.session.execute(
            select(Event.data, Case).join(Case, Case.id == Event.case_id).join(Well, Well.id == Case.well_id)
            .where(Well.owner_id == self.case.well.owner_id, Case.id != self.case.id,
                   Event.kind == "task_completed", Event.form_key == "commitment_letter")
            .order_by(Event.chain_no.desc()))
        for data, case in rows:
            if not data.get("reuse_letter") and data.get("signed_on"):  # the letter itself, not a reuse
                return case.number, data
        return None

    @cached_property
    def open_problems(self) -> list:
        return problems.open_problems(self.session, self.case.id)

    @property
    def permit_expires_on(self):
        """The well's abstraction permit expiry from the ledger (the non-renewal row's deadline)."""
        return self.case.well.permit_valid_to


def after_step(session: Session, engine: Engine, case: Case, form_key: str, task_guid: str, data: dict,
               user: User, uploads: dict[str, list[FileStorage]] | None = None) -> list[Document]:
    """Write what the completed step adds to the case; returns the documents it issued.

    Files come last: a step refused for its document has written nothing to disk. Files written before
    a later failure are deleted when the transaction ends without a commit (see ``attachments.storage``).
    """
    if form_key == "rectification_notice":
        problems.record_notice(session, case, task_guid, data)
    elif form_key == "recheck":
        problems.record_recheck(session, case, data, user)
    elif form_key in ("credit_review", "credit_repair"):
        outbox.after_credit_step(session, case, form_key, task_guid, data)
    elif form_key == "inspection" and data.get("hidden_well") and not case.well.hidden_well:
        # Established on site: the well is flagged in the ledgers and exports as a hidden one from now on.
        case.well.hidden_well = True
    session.flush()
    issued = documents.issue_for_step(session, engine, case, form_key, task_guid, data, user)
    attachments.store(session, engine, case, form_key, task_guid, uploads or {}, user)
    return issued
