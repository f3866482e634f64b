"""Finding what a request names (a case by its number, a task by its id) and refusing what the calling
account may not see — refusals counted in the security log like the pages' 403s."""
from __future__ import annotations

import re

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.tables import OpenTask

from ..core import db
from ..core.refusals import record_refusal
from ..models import Case, Well
from . import scopes
from .base import account
from .errors import ApiError

_NUMBER = re.compile(r"乳整(\d{4})-(\d{5,12})")


def refuse(message: str, case_id: int | None = None, department: str | None = None):
    """403, counted in the security log under the system account (nothing the request did is kept)."""
    session = db.session()
    session.rollback()
    record_refusal(session, account().actor_name, department, request.method, request.path, case_id,
                   request.remote_addr)
    db.commit()
    raise ApiError(403, message)


def require_scope(scope: str) -> None:
    if not scopes.allows(account(), scope):
        refuse(f"该系统账号没有“{scope}”权限，请联系系统管理员授权。")


def require_town(town: str | None, case_id: int | None = None) -> None:
    if not scopes.sees_town(account(), town):
        refuse("该系统账号只能访问授权镇（街道）的案件、机井和用水户。", case_id)


def case_by_number(session: Session, number: str) -> Case:
    """The case with this number (乳整2026-00001), visible to the account; 404 or 403 otherwise."""
    match = _NUMBER.fullmatch(number or "")
    case = session.get(Case, int(match[2])) if match else None
    if case is None or case.number != number:
        raise ApiError(404, f"找不到案件“{number}”，请核对案件编号。")
    require_town(case.town, case.id)
    return case


def well_by_number(session: Session, well_no: str) -> Well:
    well = session.scalar(select(Well).where(Well.well_no == well_no))
    if well is None:
        raise ApiError(404, f"找不到井编号为“{well_no}”的机井。")
    require_town(well.town)
    return well


def open_task(session: Session, task_id: str) -> OpenTask | None:
    return session.scalar(select(OpenTask).where(OpenTask.task_guid == task_id)) if len(task_id) <= 36 else None
