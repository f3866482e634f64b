"""Supervisor overrides from the web: one page per case, and the list of all overrides."""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from sqlalchemy import select

from engine import EngineError, migration, overrides, persist
from engine.store import Event, OpenTask
from forms.overrides import CorrectCaseForm, DeadlineForm, MigrationForm, OverrideForm, ResetForm

from . import db, workflow
from .cases_service import RegistrationRefused, actor_of, correct_case
from . import directory
from .departments import TOWN
from .models import Case
from .permissions import is_supervisor, require
from .supervise.forms import DayRangeForm
from .supervise.search import day_bounds
from .queries import case_instance, case_tasks, override_list

bp = Blueprint("overrides", __name__)
CASE_ACTIONS = {"suspend": overrides.suspend, "resume": overrides.resume, "cancel": overrides.cancel}


def _case(case_id: int) -> Case:
    require(is_supervisor(current_user), case_id=case_id)
    return db.session().get(Case, case_id) or abort(404)


def _reset_choices(case: Case) -> list[tuple[str, str]]:
    """Steps of this case done so far (latest first): the targets a reset may go back to."""
    rows = db.session().execute(select(Event.task_guid, Event.title, Event.created_at).where(
        Event.case_id == case.id, Event.kind == "task_completed").order_by(Event.id.desc())).all()
    seen, choices = set(), []
    for guid, title, at in rows:
        if guid not in seen:
            seen.add(guid)
            local = at.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%m-%d %H:%M")
            choices.append((guid, f"{title}（{local} 办理）"))
    return choices


def _page(case: Case, forms: dict | None = None, status: int = 200):
    session = db.session()
    instance = case_instance(session, case)
    tasks = case_tasks(session, case.id)
    forms = forms or {}
    version = {"instance_version": instance.version}
    task_forms = {}
    for t in tasks:
        task_forms[t.task_guid] = {
            "deadline": forms.get(("deadline", t.task_guid)) or DeadlineForm(prefix=f"d{t.id}", data=version),
            "skip": forms.get(("skip", t.task_guid)) or OverrideForm(prefix=f"s{t.id}", data=version),
        }
    reset = forms.get(("reset", None)) or ResetForm(prefix="reset", data=version)
    reset.target.choices = _reset_choices(case)
    case_forms = {name: forms.get((name, None)) or OverrideForm(prefix=name, data=version) for name in CASE_ACTIONS}
    return render_template("overrides/case.html", case=case, instance=instance, tasks=tasks,
                           task_forms=task_forms, reset=reset, case_forms=case_forms), status


@bp.get("/cases/<int:case_id>/overrides")
@login_required
def case_page(case_id: int):
    return _page(_case(case_id))


def _run(case: Case, key: tuple, form, operation):
    """Validate, run the override in the request's transaction, commit once; or show why not."""
    if not form.validate_on_submit():
        return _page(case, {key: form}, 422)
    try:
        operation(form)
    except EngineError as exc:
        db.session().rollback()
        flash(str(exc), "warning")
        return _page(case, {key: form}, 409)
    db.commit()
    flash(f"已{overrides.TYPES[key[0]]}，已记入审计记录。", "success")
    return redirect(url_for("overrides.case_page", case_id=case.id))


@bp.post("/cases/<int:case_id>/overrides/<action>")
@login_required
def case_action(case_id: int, action: str):
    case = _case(case_id)
    engine, session, actor = workflow.engine(), db.session(), actor_of(current_user)
    if action in CASE_ACTIONS:
        return _run(case, (action, None), OverrideForm(prefix=action), lambda f: CASE_ACTIONS[action](
            engine, session, case.instance_id, actor=actor, reason=f.reason.data,
            expected_version=f.instance_version.data))
    if action == "reset":
        form = ResetForm(prefix="reset")
        form.target.choices = _reset_choices(case)
        return _run(case, ("reset", None), form, lambda f: overrides.reset(
            engine, session, case.instance_id, f.target.data, actor=actor, reason=f.reason.data,
            expected_version=f.instance_version.data))
    abort(404)


@bp.post("/cases/<int:case_id>/overrides/<action>/<task_guid>")
@login_required
def task_action(case_id: int, action: str, task_guid: str):
    case = _case(case_id)
    task = db.session().scalar(select(OpenTask).where(OpenTask.task_guid == task_guid,
                                                      OpenTask.case_id == case.id))
    if task is None:
        flash(workflow.engine().missing_task_error(db.session(), task_guid).args[0], "warning")
        return redirect(url_for("overrides.case_page", case_id=case.id))
    engine, session, actor = workflow.engine(), db.session(), actor_of(current_user)
    if action == "deadline":
        tz = ZoneInfo(current_app.config["TIMEZONE"])
        return _run(case, ("deadline", task_guid), DeadlineForm(prefix=f"d{task.id}"), lambda f: overrides.set_deadline(
            engine, session, task_guid, datetime.combine(f.due_on.data, time(23, 59, 59), tz),
            actor=actor, reason=f.reason.data, expected_version=f.instance_version.data))
    if action == "skip":
        return _run(case, ("skip", task_guid), OverrideForm(prefix=f"s{task.id}"), lambda f: overrides.skip(
            engine, session, task_guid, actor=actor, reason=f.reason.data, expected_version=f.instance_version.data))
    abort(404)


@bp.get("/overrides/")
@login_required
def index():
    require(is_supervisor(current_user))
    supervisor = (request.args.get("supervisor") or "").strip() or None
    kind = request.args.get("type") if request.args.get("type") in overrides.TYPES else None
    days = DayRangeForm(MultiDict({"date_from": request.args.get("from", ""),
                                   "date_to": request.args.get("to", "")}))
    problems = [] if days.validate() else [m for messages in days.errors.values() for m in messages]
    since, until = day_bounds(days.date_from.data, days.date_to.data, current_app.config["TIMEZONE"])
    if problems:
        rows, total, page, pages = [], 0, 1, 1
    else:
        rows, total, page, pages = override_list(db.session(), supervisor, kind, request.args.get("page", 1, type=int),
                                                 current_app.config["PAGE_SIZE"], since, until)
    return render_template("overrides/index.html", rows=rows, total=total, page=page, pages=pages,
                           supervisor=supervisor, kind=kind, types=overrides.TYPES, problems=problems,
                           date_from=request.args.get("from", ""), date_to=request.args.get("to", "")), \
        422 if problems else 200


@bp.route("/overrides/migrations", methods=["GET", "POST"])
@login_required
def migrations():
    """Cases on an older diagram version: the dry run, and moving the ticked ones (each on the record)."""
    require(is_supervisor(current_user))
    engine, session = workflow.engine(), db.session()
    form = MigrationForm()
    if form.validate_on_submit():
        ids = {int(i) for i in request.form.getlist("instance") if i.isdigit()}
        moved, refused = [], []
        persist.lock_all(session, ids)
        for instance_id in sorted(ids):
            savepoint = session.begin_nested()  # one case's refusal leaves the others moved
            try:
                check = migration.migrate(engine, session, instance_id, actor_of(current_user), form.reason.data)
            except EngineError as exc:
                savepoint.rollback()
                refused.append(f"流程 {instance_id}：{exc}")
            else:
                savepoint.commit()
                moved.append(check.case_id)
        db.commit()
        if moved:
            flash(f"已迁移 {len(moved)} 个案件到最新版流程图。", "success")
        for message in refused:
            flash(message, "warning")
        if not ids:
            flash("请先勾选要迁移的案件。", "warning")
        return redirect(url_for("overrides.migrations"))
    checks = migration.dry_run(engine, session)
    return render_template("overrides/migrations.html", checks=checks, form=form,
                           current=engine.current.version), 422 if form.errors else 200


@bp.route("/cases/<int:case_id>/overrides/correct", methods=["GET", "POST"])
@login_required
def correct(case_id: int):
    """Correct the case's water user and well data; every changed field is recorded before/after."""
    case = _case(case_id)
    session = db.session()
    instance = case_instance(session, case)
    form = CorrectCaseForm() if request.method == "POST" else CorrectCaseForm(
        data={**CorrectCaseForm.data_of(case.well.owner, case.well), "instance_version": instance.version})
    form.town.choices = directory.choices(TOWN)
    if form.validate_on_submit():
        try:
            changes = correct_case(session, workflow.engine(), case, form.user_data(), form.well_data(),
                                   form.reason.data, actor_of(current_user), form.instance_version.data)
        except RegistrationRefused as exc:
            session.rollback()
            getattr(form, exc.field).errors.append(exc.message)
        except EngineError as exc:
            session.rollback()
            flash(str(exc), "warning")
            return render_template("overrides/correct.html", case=case, form=form), 409
        else:
            db.commit()
            flash(f"已更正 {len(changes)} 项案件信息，已记入审计记录。", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    status = 422 if form.errors else 200
    return render_template("overrides/correct.html", case=case, form=form), status
