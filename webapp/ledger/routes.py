"""Routes of the ledger: thin, one commit per request (see checks.py and report.py for the work)."""
from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, send_file, url_for
from flask import session as cookie
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from engine.tables import utcnow

from .. import directory
from ..cases.service import RETRY, RegistrationRefused, is_duplicate_registration, register_case
from ..core import db, unit_of_work, workflow
from ..directory.departments import TOWN
from . import bp, checks, report, template
from .columns import columns
from .forms import ImportForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_KEY = "ledger_report"


def _own_town() -> str | None:
    return current_user.department.code if current_user.department.is_town else None


def _towns() -> list[tuple[str, str]]:
    return directory.choices(TOWN)


def _download(data: bytes, name: str):
    response = send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=XLSX, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def index():
    return redirect(url_for(".upload"))


@bp.get("/template.xlsx")
def template_xlsx():
    own = _own_town()
    names = [name for code, name in _towns() if own in (None, code)]
    return _download(template.workbook(columns(), names), "自备井台账模板.xlsx")


@bp.route("/import", methods=["GET", "POST"])
def upload():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("ledger/import.html", form=form), 422 if form.errors else 200
    upload_file = form.file.data
    filename = upload_file.filename or "台账.xlsx"
    data = upload_file.read()
    session = db.session()
    try:
        result = checks.check(data, columns(), _towns(), _own_town(), session)
    except checks.LedgerUnreadable as exc:
        form.file.errors.append(str(exc))
        return render_template("ledger/import.html", form=form), 422
    if not result.problems:
        def register_all():
            for _number, row in result.new:
                register_case(session, workflow.engine(), row.user_data, row.well_data, current_user)
            workflow.engine().record(session, "ledger_imported", actor=current_user.actor, data={
                "file": filename, "rows": result.rows, "registered": len(result.new), "skipped": len(result.skipped)})

        done = unit_of_work.run(register_all, RegistrationRefused, IntegrityError)
        if not done:
            # Someone registered one of these wells meanwhile: nothing of this file is kept.
            exc = done.error
            message = (exc.message if isinstance(exc, RegistrationRefused)
                       else str(exc) if not isinstance(exc, IntegrityError)
                       else "其中有机井或用水户刚刚已被他人登记" if is_duplicate_registration(exc) else RETRY)
            flash(f"导入未完成，没有登记任何机井：{message}。请稍后重新导入。", "danger")
            return redirect(url_for(".upload"))
        flash(f"已导入台账“{filename}”：新登记自备井 {len(result.new)} 口并启动案件，"
              f"已导入过而跳过 {len(result.skipped)} 口。", "success")
        return redirect(url_for(".upload"))
    session.rollback()
    cookie[REPORT_KEY] = report.save(current_app.config["UPLOAD_DIR"], result.headers, result.body, result.problems,
                                     current_user.username, filename)
    return render_template("ledger/import.html", form=form, result=result, filename=filename), 422


@bp.get("/import/report")
def error_report():
    kept = report.load(current_app.config["UPLOAD_DIR"], cookie.get(REPORT_KEY), current_user.username)
    if kept is None:
        flash("错误报告已过期或不存在，请重新导入台账。", "warning")
        return redirect(url_for(".upload"))
    headers, rows, _filename, problems = kept
    day = utcnow().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%Y%m%d")
    return _download(report.marked_workbook(headers, rows, problems), f"台账错误报告-{day}.xlsx")
