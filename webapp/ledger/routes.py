"""Routes of the ledger: thin, one commit per request (see checks.py and report.py for the work)."""
from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, send_file, url_for
from flask import session as cookie
from flask_login import current_user

from engine.tables import utcnow

from .. import directory
from ..core import db, unit_of_work, workflow
from ..core.feedback import flash_links
from ..directory.departments import TOWN
from . import bp, checks, report, template
from .columns import columns
from .forms import ImportForm
from .service import REFUSALS, refusal_text, register_ledger

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_KEY = "ledger_report"
LINKED_CASES = 20  # cases linked by number in the message after an import


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
        done = unit_of_work.run(lambda: register_ledger(session, workflow.engine(), result, current_user, filename),
                                *REFUSALS)
        if not done:
            # Someone registered one of these wells meanwhile: nothing of this file is kept.
            flash(f"导入未完成，没有登记任何机井：{refusal_text(done.error)}。请稍后重新导入。", "danger")
            return redirect(url_for(".upload"))
        created = done.value
        text = (f"已导入台账“{filename}”：新登记自备井 {len(result.new)} 口并启动案件，"
                f"已导入过而跳过 {len(result.skipped)} 口。")
        if created:
            # The first cases by link (the message rides in the session cookie); the rest are on the case list.
            shown = created[:LINKED_CASES]
            text += "新建案件：" if len(created) <= LINKED_CASES else f"新建案件（前 {LINKED_CASES} 件，其余见案件列表）："
            flash_links(text, [("case", case.id, case.number) for case in shown])
        else:
            flash(text, "success")
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
