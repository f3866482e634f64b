"""Routes of the dashboard and the reports: thin (figures.py counts, snapshots.py keeps the dashboard's, reports.py
publishes), one commit each."""
from __future__ import annotations

import io

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from ..auth import login_manager
from ..core import db
from ..map import symbols as map_symbols
from ..map import view as well_map
from ..permissions import require, sees_everything
from . import bp, charts, phases, reports, snapshots
from .forms import KINDS, PeriodForm, PublishForm, ReportForm
from .tables import CampaignReport


@bp.record_once
def _read_phases(state) -> None:
    # At start-up: a wrong WELLS_PHASE_* or WELLS_CAMPAIGN_YEAR stops the app with a clear message.
    # Without WELLS_CAMPAIGN_YEAR the year comes from the data, per request (reports.campaign_phases).
    found = phases.from_settings(state.app.config)
    state.app.config["CAMPAIGN_PHASES"] = found if phases.year_is_set(state.app.config) else None


@bp.before_request
def _only_the_office():
    # One gate for every page of the blueprint (the leading group office): a route cannot forget it.
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    require(sees_everything(current_user))
    return None


def _args(kind: str | None) -> MultiDict:
    """The request's period, or the default one for the kind of page."""
    if request.args.get("start") is not None or request.args.get("end") is not None:
        return request.args
    period = reports.default_period(kind, reports.today())
    defaults = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    return MultiDict({**defaults, **({"kind": kind} if kind else {})})


def _common() -> dict:
    day = reports.today()
    return {"timeline": phases.timeline(reports.campaign_phases(), day), "presets": reports.presets(day),
            "kinds": KINDS}


def _map(known: dict | None = None) -> dict:
    """The dashboard's map: every case (the office sees them all), whatever the period; its box and the
    cases without coordinates as the snapshot has them (``known``), else read now."""
    session = db.session()
    known = known if known is not None else well_map.counts(session, [])
    return {"well_map": well_map.settings(session, [], {}, known), "map_legend": map_symbols.legend(),
            "map_unlocated": known["unlocated"], "map_list_url": well_map.list_url({}),
            "map_unlocated_url": well_map.list_url({}, unlocated="y")}


@bp.get("/")
def index():
    form = PeriodForm(_args(None), today=reports.today())
    if not form.validate():
        return render_template("dashboard/index.html", form=form, figures=None, **_common(), **_map()), 422
    shown = snapshots.figures_for(db.session(), form.period(), now_please=request.args.get("refresh") == "1")
    page = render_template("dashboard/index.html", form=form, figures=shown.figures, shown=shown,
                           charts=snapshots.charts_of(shown), **_common(), **_map(shown.wells_map))
    db.commit()  # a computation is stored for the next views (and other workers): nothing else is written
    return page


@bp.get("/charts.css")
def charts_css():
    return Response(charts.charts_css(), mimetype="text/css", headers={"Cache-Control": "private, max-age=3600"})


@bp.get("/reports/")
def report_list():
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else "weekly"
    form = ReportForm(_args(kind), today=reports.today())
    return render_template("dashboard/reports.html", form=form, published=reports.published(db.session()),
                           **_common())


def _report_form() -> ReportForm:
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    return ReportForm(_args(kind), today=reports.today())


@bp.get("/reports/preview")
def preview():
    form = _report_form()
    if not form.validate():
        return render_template("dashboard/reports.html", form=form, published=reports.published(db.session()),
                               **_common()), 422
    kind, period = form.kind.data, form.period()
    figs = reports.live_figures(db.session(), period)
    publish = PublishForm(data={"kind": kind, "start": period.start, "end": period.end}, today=reports.today())
    return render_template("dashboard/report.html", context=reports.context(figs, kind), report=None,
                           charts=charts.dashboard_charts(figs), publish=publish, kind=kind, period=period)


@bp.get("/reports/preview.docx")
def preview_docx():
    form = _report_form()
    if not form.validate():
        flash("；".join(m for ms in form.errors.values() for m in ms), "danger")
        return redirect(url_for(".report_list"))
    session, kind, period = db.session(), form.kind.data, form.period()
    data = reports.draft_docx(session, kind, period)
    reports.record_download(session, current_user, kind, period)
    db.commit()
    return _docx(data, reports.file_name(kind, period))


@bp.post("/reports/publish")
def publish():
    form = PublishForm(today=reports.today())
    session = db.session()
    if not form.validate():  # nothing stored; the generator page says why, in the form's words
        kind = form.kind.data if form.kind.data in KINDS else "weekly"
        return render_template("dashboard/reports.html", form=ReportForm(_args(kind), today=reports.today()),
                               publish_errors=form, published=reports.published(session), **_common()), 422
    kind, period = form.kind.data, form.period()
    try:
        report = reports.publish(session, kind, period, current_user)
    except IntegrityError:
        session.rollback()  # another publication of this period (or issue) got there first: keep theirs
        flash("刚刚已有人发布了同一期报告，本次没有发布。请查看已发布的版本，需要时再发布新版本。", "warning")
        return redirect(url_for(".report_list"))
    db.commit()
    flash(f"已发布{report.title}。", "success")
    return redirect(url_for(".report", report_id=report.id))


def _published(report_id: int) -> CampaignReport:
    return db.session().get(CampaignReport, report_id) or abort(404)


@bp.get("/reports/<int:report_id>")
def report(report_id: int):
    row = _published(report_id)
    return render_template("dashboard/report.html", context=reports.context(row.figures, row.kind, row), report=row,
                           charts=charts.dashboard_charts(row.figures), publish=None, kind=row.kind,
                           period=reports.period_of(row), versions=reports.versions(db.session(), row))


@bp.get("/reports/<int:report_id>.docx")
def report_docx(report_id: int):
    row = _published(report_id)
    reports.record_download(db.session(), current_user, row.kind, reports.period_of(row), row)
    db.commit()
    return _docx(row.content, row.file_name)


def _docx(data: bytes, name: str):
    response = send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=reports.DOCX, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
