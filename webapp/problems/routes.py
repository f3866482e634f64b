"""The problem lists across cases (问题清单台账): filtered, paged, and exported with the same filters.

Every unit sees the list (towns only their own town's), as with the case list; the export, like the
case export, is for the units that keep the ledger, and is on the record.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from forms.choices import PROBLEM_STATUS
from rules.timezone import today_in_china

from .. import directory
from ..cases.queries import instances_by_id
from ..core import db, spreadsheets, workflow
from ..core.filters import case_stage
from ..core.paging import window
from ..directory.departments import TOWN
from ..models import Case, Problem, WaterUser, Well
from ..permissions import can_register, require
from . import bp

EXPORT_LIMIT = 50_000
COLUMNS = [("案件编号", 16), ("井编号", 16), ("用水户", 28), ("镇区", 16), ("阶段", 16), ("序号", 6), ("问题类型", 26),
           ("问题描述", 36), ("整改要求", 22), ("期限（日）", 10), ("送达日期", 12), ("整改期限", 12), ("状态", 12),
           ("逾期", 8), ("复查日期", 12), ("销号日期", 12), ("整改证据", 30)]


@dataclass
class Filters:
    town: str | None
    status: str | None  # None: every status
    overdue: bool
    q: str | None

    @classmethod
    def from_request(cls) -> "Filters":
        own = current_user.department.code if current_user.department.is_town else None
        status = request.args.get("status", "open")
        return cls(town=own or (request.args.get("town") or None),
                   status=status if status in dict(PROBLEM_STATUS) else None,
                   overdue=request.args.get("overdue") == "1", q=(request.args.get("q") or "").strip() or None)

    def args(self) -> dict:
        return {"town": self.town, "status": self.status or "all", "overdue": "1" if self.overdue else None,
                "q": self.q}

    def query(self):
        query = (select(Problem, Case, Well, WaterUser).join(Case, Problem.case_id == Case.id)
                 .join(Well, Case.well_id == Well.id).join(WaterUser, Well.owner_id == WaterUser.id))
        if self.town:
            query = query.where(Case.town == self.town)
        if self.status:
            query = query.where(Problem.status == self.status)
        if self.overdue:  # past its deadline and not closed out, whatever the status filter says
            query = query.where(Problem.status == "open", Problem.deadline < today_in_china())
        if self.q:
            like = f"%{self.q}%"
            query = query.where(or_(Well.well_no.like(like), WaterUser.name.like(like)))
        return query


def _count(session: Session, query) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery()))


@bp.get("/")
@login_required
def index():
    filters, session = Filters.from_request(), db.session()
    query = filters.query()
    total = _count(session, query)
    page, pages, offset = window(total, request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"])
    rows = session.execute(query.order_by(Problem.deadline, Problem.id).limit(current_app.config["PAGE_SIZE"])
                           .offset(offset)).all()
    # Each row's case stage, as the case list shows it: the page's instances in one query.
    instances = instances_by_id(session, [case.instance_id for _p, case, _w, _o in rows])
    return render_template("problems/index.html", rows=rows, total=total, page=page, pages=pages, filters=filters,
                           towns=directory.choices(TOWN), statuses=dict(PROBLEM_STATUS), today=today_in_china(),
                           own_town=current_user.department.is_town, may_export=can_register(current_user),
                           instances=instances)


@bp.get("/export.xlsx")
@login_required
def export():
    require(can_register(current_user))
    filters, session = Filters.from_request(), db.session()
    query = filters.query()
    if _count(session, query) > EXPORT_LIMIT:
        flash(f"符合条件的问题超过 {EXPORT_LIMIT:,} 条，请按镇区或状态缩小范围后再导出。", "warning")
        return redirect(url_for("problems.index", **filters.args()))
    today = today_in_china()
    found = session.execute(query.order_by(Case.id, Problem.id)).all()
    # Each case's stage as the list shows it (case_stage): the instances of every row in one query.
    instances = instances_by_id(session, list({case.instance_id for _p, case, _w, _o in found}))
    rows = [[case.number, well.well_no, owner.name, directory.name(case.town),
             case_stage(instances.get(case.instance_id)), p.seq, p.kind_label, p.description,
             p.act_label, p.rectify_days, p.served_on, p.deadline, p.status_label,
             "是" if p.status == "open" and p.deadline < today else "否", p.checked_on, p.closed_on, p.evidence]
            for p, case, well, owner in found]
    data = spreadsheets.workbook([("问题清单", COLUMNS, rows)])
    workflow.engine().record(session, "problems_exported", actor=current_user.actor,
                             data={"rows": len(rows), **{k: v for k, v in filters.args().items() if v}})
    db.commit()
    return spreadsheets.download(data, "problems")
