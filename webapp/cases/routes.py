"""Cases: the list, one case's page (data, where it stands, timeline) and registering a new well."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from engine.tables import utcnow
from forms.credit import CreditRepairApplicationForm
from forms.reconsideration import ReconsiderationApplicationForm
from forms.register import RegisterWellForm
from rules.timezone import today_in_china

from .. import directory
from ..attachments import storage as attachments
from ..core import db, keyset, last_view, spreadsheets, unit_of_work, workflow
from ..directory import people
from ..directory.departments import TOWN
from ..documents import service as documents
from ..documents.forms import RegenerateForm
from ..models import Case
from ..permissions import (
    can_accept_credit_repair,
    can_note_case,
    can_regenerate_document,
    can_register,
    can_register_reconsideration,
    can_view_case,
    require,
)
from ..problems import service as problems
from . import bp, credit
from .export import workbook as case_export_workbook
from .notes.routes import note_form
from .queries import (
    case_events,
    case_export,
    case_instance,
    case_list,
    case_tasks,
    case_timers,
    instances_by_id,
    stage_counts,
)
from .saved import service as saved_filters
from .saved.routes import save_form
from .search import PARAMS, CaseFilters, CaseSearchForm, query_string, search_form, step_titles
from .service import RETRY, RegistrationRefused, is_duplicate_registration, register_case


@bp.get("/")
@login_required
def index():
    back = last_view.recall(LAST_VIEW, PARAMS)
    if back is not None:
        return back
    session = db.session()
    form, filters = _search()
    status = 200 if filters is not None else 422
    if filters is None:  # bad input: said on the form; the list as without the search
        filters = CaseFilters(town=_own_town())
    else:
        last_view.remember(LAST_VIEW, PARAMS)
    now = utcnow()
    rows, total, page, window = case_list(session, filters.town, filters.q, request.args.get("page", 1, type=int),
                                          current_app.config["PAGE_SIZE"], stage=filters.stage, filters=filters,
                                          now=now, after=request.args.get("after") or None,
                                          before=request.args.get("before") or None)
    instances = instances_by_id(session, [c.instance_id for c in rows])
    keep = dict(parse_qsl(query_string(request.args))) if status == 200 else {}
    if _own_town():
        keep.pop("town", None)
    return render_template("cases/index.html", rows=rows, total=total, page=page, window=window, form=form,
                           filters=filters, keep=keep, own_town=_own_town(), instances=instances,
                           stage=filters.stage, stage_counts=stage_counts(
                               session, filters.town, filters.q, filters, now,
                               total=None if filters.stage else _known(total, window)),
                           saved=saved_filters.visible(session, current_user),
                           save_form=save_form(current_user, formdata=None, data={"query": urlencode(keep)}),
                           searching=bool(keep)), status


def _known(total: int, window) -> int | None:
    """How many cases the list has, if known: all of them when the page read their keys, else the capped
    count when it did not reach the cap (the stage chips' count when no stage is chosen)."""
    if window.total is not None:
        return window.total
    return total if total < keyset.CAP else None


#: The session key of the case list's last view.
LAST_VIEW = "cases_view"


def _own_town() -> str | None:
    return current_user.department.code if current_user.department.is_town else None


def _search() -> tuple[CaseSearchForm, CaseFilters | None]:
    """The search form over the request's arguments, and its filters (None: the arguments are wrong)."""
    form = search_form(request.args, step_titles(workflow.engine()))
    return form, (form.filters(_own_town()) if form.validate() else None)


EXPORT_LIMIT = 20_000


@bp.get("/export.xlsx")
@login_required
def export():
    """The case list with its current filters as a workbook (towns: their own cases only).

    For the units that keep the ledger (towns, the water bureau, the leading group office): other
    bureaus see cases one at a time but do not take copies of every user's data.
    """
    require(can_register(current_user))
    session = db.session()
    form, filters = _search()
    if filters is None:
        flash("查询条件有误，未导出：" + "；".join(m for ms in form.errors.values() for m in ms), "danger")
        return redirect(url_for("cases.index"))
    rows = case_export(session, filters.town, filters.q, EXPORT_LIMIT, stage=filters.stage, filters=filters,
                       now=utcnow())
    query = query_string(request.args)
    if rows is None:
        flash(f"符合条件的案件超过 {EXPORT_LIMIT:,} 个，请按镇区或其他条件缩小范围后再导出。", "warning")
        return redirect(url_for("cases.index") + (f"?{query}" if query else ""))
    data = case_export_workbook(rows, current_app.config["TIMEZONE"])
    # Personal data leaving the system: on the record, with the filters used.
    workflow.engine().record(session, "cases_exported", actor=current_user.actor,
                             data={"rows": len(rows), "town": filters.town, "q": filters.q, "stage": filters.stage,
                                   "query": query})
    db.commit()
    return spreadsheets.download(data, "cases")


@bp.get("/<int:case_id>")
@login_required
def show(case_id: int):
    session = db.session()
    case = session.get(Case, case_id) or abort(404)
    require(can_view_case(current_user, case), case_id=case.id)
    groups = documents.for_case(session, case.id)
    files = attachments.for_case(session, case.id)
    instance = case_instance(session, case)
    return render_template("cases/show.html", case=case, instance=instance,
                           tasks=case_tasks(session, case.id), events=case_events(session, case.id, current_app.config["AUDIT_KEY"]),
                           document_groups=groups, regenerate_form=RegenerateForm(),
                           attachment_groups=files, attachment_counts=attachments.counts_by_step(files),
                           problems=problems.for_case(session, case.id), today=today_in_china(),
                           timers=case_timers(session, case.instance_id),
                           repair_form=CreditRepairApplicationForm() if credit.waits_for_repair(instance)
                           and can_accept_credit_repair(current_user) else None,
                           timer_titles=workflow.engine().current.timer_events,
                           review_form=ReconsiderationApplicationForm(formdata=None)
                           if can_register_reconsideration(current_user) else None,
                           may_regenerate={g[0].number: can_regenerate_document(current_user, g[0]) for g in groups},
                           note_form=note_form(session, current_user, formdata=None)
                           if can_note_case(current_user, case) else None)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(can_register(current_user))
    form = RegisterWellForm()
    if current_user.department.is_town:
        form.town.choices = [(current_user.department.code, current_user.department.name)]
        if not form.is_submitted():
            form.town.data = current_user.department.code  # their only town: chosen for them
    else:
        form.town.choices = directory.choices(TOWN)
    if form.validate_on_submit():
        session = db.session()

        def attempt():
            return unit_of_work.run(lambda: register_case(
                session, workflow.engine(), form.user_data(), form.well_data(), current_user),
                RegistrationRefused, IntegrityError)
        done = attempt()
        if isinstance(done.error, IntegrityError) and is_duplicate_registration(done.error):
            # PostgreSQL let both of a double submission past the checks; SQLite ran them one after the other.
            # Checked again now that the winner has committed, the loser is told what SQLite tells it.
            done = attempt()
        if isinstance(done.error, RegistrationRefused):
            getattr(form, done.error.field).errors.append(done.error.message)
        elif isinstance(done.error, IntegrityError) and not is_duplicate_registration(done.error):
            flash(f"{RETRY}。", "danger")  # not the well: a conflict a second try gets past
            return render_template("cases/new.html", form=form), 409
        elif isinstance(done.error, IntegrityError):  # registered by someone else between our check and our insert
            form.well_no.errors.append("这口井或这个用水户刚刚已被他人登记，请刷新后核对。")
        elif not done:
            flash(people.explained(done.error), "danger")
        else:
            case = done.value
            flash(f"已登记自备井 {case.well.well_no}，案件 {case.number} 已启动。", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    status = 422 if form.errors else 200
    return render_template("cases/new.html", form=form), status
