"""The problem list of a case's rectification: written by the notice step, closed out by the recheck.

Both run in the step's transaction (see ``step_service``), so the list and the workflow never
disagree: a refused step writes neither.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Case, Problem, User


def open_problems(session: Session, case_id: int) -> list[Problem]:
    return list(session.scalars(select(Problem).where(Problem.case_id == case_id, Problem.status == "open")
                                .order_by(Problem.id)))


def for_case(session: Session, case_id: int) -> list[Problem]:
    """Every problem of the case, the latest notice's first and each notice's in its own order (序号),
    withdrawn ones last."""
    rows = list(session.scalars(select(Problem).where(Problem.case_id == case_id).order_by(Problem.id)))
    newest = {}  # a notice's rows are inserted together: its largest id says how recent the notice is
    for row in rows:
        newest[row.notice_task_guid] = row.id
    return sorted(rows, key=lambda p: (p.status == "withdrawn", -newest[p.notice_task_guid], p.seq))


def record_notice(session: Session, case: Case, task_guid: str, data: dict) -> list[Problem]:
    """The notice's rows become the case's open problems; a new notice replaces the open ones before it."""
    session.execute(update(Problem).where(Problem.case_id == case.id, Problem.status == "open")
                    .values(status="withdrawn"))
    served = date.fromisoformat(data["notice_served_on"])
    rows = [Problem(case_id=case.id, notice_task_guid=task_guid, seq=row["no"], kind=row["kind"],
                    description=row["description"], required_act=row["required_act"],
                    rectify_days=row["rectify_days"], served_on=served,
                    deadline=date.fromisoformat(row["deadline"]), status="open")
            for row in data.get("problems") or []]
    session.add_all(rows)
    return rows


def record_recheck(session: Session, case: Case, data: dict, user: User) -> None:
    """Close out (销号) the problems the recheck found rectified, with their evidence."""
    checked = date.fromisoformat(data["rechecked_on"])
    by_id = {p.id: p for p in open_problems(session, case.id)}
    for row in data.get("problems") or []:
        problem = by_id.get(row["id"])
        if problem is None:  # the form checked the list under this request; nothing else changes it
            continue
        problem.checked_on, problem.checked_by = checked, user.username
        problem.evidence = row.get("evidence") or ""
        if row["closed"]:
            problem.status, problem.closed_on = "closed", checked
