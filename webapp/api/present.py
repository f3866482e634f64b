"""Rows as the API's answers (dicts the schemas in ``schemas.py`` serialise): names for codes, the case's
number instead of its id, the same labels the pages show."""
from __future__ import annotations

from flask import url_for

from engine.tables import OpenTask, utcnow
from forms.choices import PURPOSES
from forms.identifiers import mask_party_id
from forms.registry import describe

from .. import directory
from ..core.filters import EVENT_LABELS, STATUS, case_stage, case_status
from ..models import Case, WaterUser, Well


def task(row: OpenTask, case_number: str, now=None) -> dict:
    now = now or utcnow()
    return {"id": row.task_guid, "form_key": row.form_key, "title": row.title, "step": row.task_spec,
            "department": row.department, "department_name": directory.name(row.department),
            "case_number": case_number, "town": row.town, "well_no": row.well_no or None,
            "party_name": row.party_name or None, "created_at": row.created_at, "due_at": row.due_at,
            "due_provisional": bool(row.due_provisional), "overdue": bool(row.due_at and row.due_at < now),
            "assignee": row.assignee, "priority": row.priority or 0}


def case_summary(case: Case, well: Well, owner: WaterUser, instance) -> dict:
    status = instance.status if instance is not None else "not_started"
    return {"number": case.number, "town": case.town, "town_name": directory.name(case.town),
            "well_no": well.well_no, "party_name": owner.name, "status": status,
            "status_label": case_status(instance) if instance is not None else STATUS.get(status, "未启动"),
            "stage": instance.stage if instance is not None else None, "stage_label": case_stage(instance),
            "registered_at": case.created_at}


def party(owner: WaterUser) -> dict:
    return {"name": owner.name, "kind": owner.kind, "party_id": owner.party_id, "legal_rep": owner.legal_rep,
            "address": owner.address, "phone": owner.phone, "industry": owner.industry, "town": owner.town,
            "town_name": directory.name(owner.town)}


def party_brief(owner: WaterUser, wells: list[str]) -> dict:
    return {"name": owner.name, "kind": owner.kind, "party_id_masked": mask_party_id(owner.party_id),
            "town": owner.town, "town_name": directory.name(owner.town), "wells": wells}


WELL_FIELDS = ("well_no", "town", "village", "address", "latitude", "longitude", "depth_m", "year_drilled",
               "purpose", "annual_volume_m3", "in_coverage", "coverage_source", "in_restricted_zone", "permit_no",
               "permit_issuer", "permit_valid_from", "permit_valid_to", "has_meter", "meter_serial", "hidden_well")


def well(row: Well, case_number: str | None) -> dict:
    data = {name: getattr(row, name) for name in WELL_FIELDS}
    data.update(town_name=directory.name(row.town), purpose_label=dict(PURPOSES).get(row.purpose, row.purpose),
                case_number=case_number)
    return data


def document(doc) -> dict:
    return {"number": doc.number, "version": doc.version, "kind": doc.kind, "file_name": doc.file_name,
            "sha256": doc.sha256, "created_at": doc.created_at, "created_by": doc.created_by,
            "task_id": doc.task_guid,
            "download": url_for("api_documents.download", number=doc.number, version=doc.version)}


def problem(row) -> dict:
    return {"no": row.seq, "kind": row.kind, "kind_label": row.kind_label, "description": row.description,
            "required_act": row.required_act, "act_label": row.act_label, "rectify_days": row.rectify_days,
            "served_on": row.served_on, "deadline": row.deadline, "status": row.status,
            "status_label": row.status_label, "checked_on": row.checked_on, "closed_on": row.closed_on,
            "evidence": row.evidence or None}


# The case page leaves these out of its timeline (files are listed apart; downloads are reading).
HIDDEN_IN_TIMELINE = ("task_created", "document_downloaded", "file_uploaded", "file_downloaded")


def timeline_entry(event) -> dict:
    details = [[label, value] for label, value in describe(event.form_key, event.data)] \
        if event.kind == "task_completed" and event.data else []
    return {"id": event.id, "at": event.created_at, "kind": event.kind,
            "kind_label": EVENT_LABELS.get(event.kind, event.kind), "actor": event.actor,
            "department": event.actor_department, "title": event.title, "task_id": event.task_guid,
            "details": details, "integrity_warning": getattr(event, "audit_warning", None) or None}
