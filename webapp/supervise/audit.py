"""Audit trail search and export, and the security log (leading group office only; refusals are counted
in the security log)."""
from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from engine.tables import utcnow

from ..core import db, refusals, workflow
from ..directory import people
from ..permissions import require
from . import bp, can_supervise, export
from .forms import AuditSearchForm
from .search import case_numbers, content_text, count_events, event_content, iter_events, search_events

DEFAULT_EXPORT_LIMIT = 50_000
MIMETYPES = {"csv": "text/csv",  # send_file adds "; charset=utf-8"
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _export_limit() -> int:
    return int(current_app.config.get("AUDIT_EXPORT_LIMIT", DEFAULT_EXPORT_LIMIT))


def _form() -> AuditSearchForm:
    require(can_supervise(current_user))
    return AuditSearchForm(request.args)


@bp.get("/audit")
@login_required
def audit():
    form = _form()
    if not form.validate():
        return render_template("supervise/audit.html", form=form, result=None, args={}, people=people.picker()), 422
    result = search_events(db.session(), form.filters(current_app.config["TIMEZONE"]),
                           page=request.args.get("page", 1, type=int), size=current_app.config["PAGE_SIZE"],
                           audit_key=current_app.config["AUDIT_KEY"])
    return render_template("supervise/audit.html", form=form, result=result, args=form.query_args(),
                           export_limit=_export_limit(), event_content=event_content, content_text=content_text,
                           people=people.picker())


@bp.get("/audit.csv", endpoint="audit_csv")
@login_required
def audit_csv():
    return _export("csv")


@bp.get("/audit.xlsx", endpoint="audit_xlsx")
@login_required
def audit_xlsx():
    return _export("xlsx")


def _export(fmt: str):
    form = _form()
    if not form.validate():  # the page shows what is wrong with the filters
        return redirect(url_for(".audit", **request.args))
    tz = current_app.config["TIMEZONE"]
    filters, limit, session = form.filters(tz), _export_limit(), db.session()
    total = count_events(session, filters)
    if total > limit:
        flash(f"符合条件的事件共 {total:,} 条，超过一次导出的上限 {limit:,} 条。请缩小日期范围或增加其他条件后分批导出。",
              "warning")
        return redirect(url_for(".audit", **form.query_args()))
    values = export.rows(iter_events(session, filters, limit, current_app.config["AUDIT_KEY"]), tz)
    data = export.to_csv(values) if fmt == "csv" else export.to_xlsx(values)
    # Taking a copy of the trail is itself on the trail: who, when, which rows.
    workflow.engine().record(session, "audit_exported", actor=current_user.actor,
                             data={"format": fmt, "rows": total, "filters": form.query_args()})
    db.commit()
    day = utcnow().astimezone(ZoneInfo(tz)).strftime("%Y%m%d")
    response = send_file(io.BytesIO(data), mimetype=MIMETYPES[fmt], as_attachment=True,
                         download_name=f"audit-{day}.{fmt}", max_age=0)
    response.headers["Cache-Control"] = "no-store"  # personal data: not kept by proxies or the browser cache
    return response


@bp.get("/security")
@login_required
def security():
    """The security log: refused requests per user, address and hour, latest first."""
    require(can_supervise(current_user))
    person = (request.args.get("person") or "").strip()[:64] or None
    rows, total, page, pages = refusals.entries(db.session(), person, request.args.get("page", 1, type=int),
                                                current_app.config["PAGE_SIZE"])
    numbers = case_numbers([r.case_id for r in rows if r.case_id])
    return render_template("supervise/security.html", rows=rows, total=total, page=page, pages=pages,
                           person=person or "", args={"person": person} if person else {}, numbers=numbers)
