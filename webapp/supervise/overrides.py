"""Supervisor overrides from the web: one page per case, and the list of all overrides."""
from __future__ import annotations

from datetime import datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine import StaleForm, migration, overrides
from engine.tables import Event, Instance, OpenTask, Timer
from forms.base import field_specs, spec_label
from forms.overrides import CorrectCaseForm, DeadlineForm, MigrationForm, OverrideForm, ResetForm, SkipReasonForm
from forms.registry import form_for

from .. import directory
from ..cases.queries import case_instance, case_tasks, case_timers
from ..cases.service import RegistrationRefused, correct_case
from ..core import db, unit_of_work, workflow
from ..directory.departments import TOWN
from ..documents.catalogue import issued_by
from ..models import Case
from ..permissions import is_supervisor, require
from ..tasks import service as step_service
from ..tasks.steps import CaseInfo
from .forms import DayRangeForm
from .queries import override_list
from .search import day_bounds

bp = Blueprint("overrides", __name__)
CASE_ACTIONS = {"suspend": overrides.suspend, "resume": overrides.resume, "cancel": overrides.cancel}


def _case(case_id: int) -> Case:
    require(is_supervisor(current_user), case_id=case_id)
    return db.session().get(Case, case_id) or abort(404)


def _reset_choices(case: Case) -> list[tuple[str, str]]:
    """Steps of this case done so far (latest first), skipped ones included: the targets a reset may go back to."""
    rows = db.session().execute(select(Event.task_guid, Event.title, Event.created_at, Event.kind, Event.data).where(
        Event.case_id == case.id, Event.kind.in_(("task_completed", "override")), Event.task_guid.is_not(None))
        .order_by(Event.id.desc())).all()
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    seen, choices = set(), []
    for guid, title, at, kind, data in rows:
        # A skip with the form filled in has its own task_completed entry; a plain skip has only the override.
        skipped = kind == "override" and (data or {}).get("type") == "skip" and not (data or {}).get("filled")
        if guid not in seen and (kind == "task_completed" or skipped):
            seen.add(guid)
            local = at.astimezone(tz).strftime("%m-%d %H:%M")
            choices.append((guid, f"{title}（{local} {'跳过' if skipped else '办理'}）"))
    return choices


def skip_rule(form_key: str) -> SimpleNamespace:
    """Whether skipping a step needs the step's own form, and why (the rule of docs/architecture.md).

    It does when a later step needs what the step records: a name the diagrams' conditions, timers
    or scripts read, a document the step issues, or the problem list/credit record written after it.
    """
    form_class = form_for(form_key)
    read = overrides.names_read_by_diagrams(workflow.engine().current)
    labels = [spec_label(spec, name) for name, spec in field_specs(form_class) if name in read]
    documents = [k.name for k in issued_by(form_key)]
    why = []
    if labels:
        why.append("后续环节要依据本环节填写的" + "、".join(f"“{label}”" for label in labels) + "判断去向或计算期限")
    if documents:
        why.append("本环节出具" + "、".join(f"《{d}》" for d in documents) + "，跳过时按代填的内容出具")
    hook = step_service.STEP_HOOKS.get(form_key)
    if hook is not None and hook.records and not why:
        why.append("本环节的结果要记入问题清单或信用记录")
    return SimpleNamespace(needs_form=bool(why), why="；".join(why))


def _deadlines(session, instance, tasks) -> list:
    """Deadlines that belong to no open task (the 90-day limit of a penalty case, a 催告 period, a
    patrol or review date): shown and changed by their timer."""
    attached = overrides.task_deadline_timers(workflow.engine().specs_for(session, instance.spec_version))
    steps = {t.task_spec for t in tasks}
    titles = workflow.engine().current.timer_events
    return [SimpleNamespace(guid=t.task_guid, id=t.id, due_at=t.due_at, provisional=t.provisional,
                            title=titles.get(t.task_spec, t.task_spec))
            for t in case_timers(session, instance.id) if attached.get(t.task_spec) not in steps]


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
            "rule": skip_rule(t.form_key),
        }
    deadlines = _deadlines(session, instance, tasks) if instance.status == "running" else []
    deadline_forms = {d.guid: forms.get(("deadline", d.guid)) or DeadlineForm(prefix=f"t{d.id}", data=version)
                      for d in deadlines}
    reset = forms.get(("reset", None)) or ResetForm(prefix="reset", data=version)
    reset.target.choices = _reset_choices(case)
    case_forms = {name: forms.get((name, None)) or OverrideForm(prefix=name, data=version) for name in CASE_ACTIONS}
    return render_template("overrides/case.html", case=case, instance=instance, tasks=tasks,
                           task_forms=task_forms, reset=reset, case_forms=case_forms, deadlines=deadlines,
                           deadline_forms=deadline_forms), status


@bp.get("/cases/<int:case_id>/overrides")
@login_required
def case_page(case_id: int):
    return _page(_case(case_id))


def _run(case: Case, key: tuple, form, operation):
    """Validate, run the override in the request's transaction, commit once; or show why not."""
    if not form.validate_on_submit():
        return _page(case, {key: form}, 422)
    done = unit_of_work.run(lambda: operation(form))
    if not done:
        flash(str(done.error), "warning")
        return _page(case, {key: form}, 409)
    flash(f"已{overrides.TYPES[key[0]]}，已记入审计记录。", "success")
    return redirect(url_for("overrides.case_page", case_id=case.id))


@bp.post("/cases/<int:case_id>/overrides/<action>")
@login_required
def case_action(case_id: int, action: str):
    case = _case(case_id)
    engine, session, actor = workflow.engine(), db.session(), current_user.actor
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


@bp.post("/cases/<int:case_id>/overrides/deadline/<guid>")
@login_required
def deadline(case_id: int, guid: str):
    """Change the deadline of an open task, or a deadline of its own (a waiting timer of the case)."""
    case = _case(case_id)
    session = db.session()
    task = session.scalar(select(OpenTask).where(OpenTask.task_guid == guid, OpenTask.case_id == case.id))
    timer = None if task is not None else session.scalar(
        select(Timer).join(Instance, Instance.id == Timer.instance_id)
        .where(Timer.task_guid == guid, Instance.case_id == case.id))
    if task is None and timer is None:
        flash(workflow.engine().missing_task_error(session, guid).args[0], "warning")
        return redirect(url_for("overrides.case_page", case_id=case.id))
    form = DeadlineForm(prefix=f"d{task.id}" if task is not None else f"t{timer.id}")
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    engine, actor = workflow.engine(), current_user.actor
    return _run(case, ("deadline", guid), form, lambda f: overrides.set_deadline(
        engine, session, guid, datetime.combine(f.due_on.data, time(23, 59, 59), tz) if f.due_on.data else None,
        actor=actor, reason=f.reason.data, expected_version=f.instance_version.data,
        working_days=f.working_days.data))


@bp.post("/cases/<int:case_id>/overrides/skip/<task_guid>")
@login_required
def skip(case_id: int, task_guid: str):
    """Skip a step whose results no later step needs: a reason is all it takes."""
    case = _case(case_id)
    task = db.session().scalar(select(OpenTask).where(OpenTask.task_guid == task_guid,
                                                      OpenTask.case_id == case.id))
    if task is None:
        flash(workflow.engine().missing_task_error(db.session(), task_guid).args[0], "warning")
        return redirect(url_for("overrides.case_page", case_id=case.id))
    rule = skip_rule(task.form_key)
    if rule.needs_form:
        flash(f"“{task.title}”不能直接跳过：{rule.why}。请使用“跳过并代填”填写本环节表单。", "warning")
        return redirect(url_for("overrides.skip_filled", case_id=case.id, task_guid=task_guid))
    engine, session, actor = workflow.engine(), db.session(), current_user.actor
    return _run(case, ("skip", task_guid), OverrideForm(prefix=f"s{task.id}"), lambda f: overrides.skip(
        engine, session, task_guid, actor=actor, reason=f.reason.data, expected_version=f.instance_version.data))


@bp.route("/cases/<int:case_id>/overrides/skip/<task_guid>/fill", methods=["GET", "POST"])
@login_required
def skip_filled(case_id: int, task_guid: str):
    """Skip a step whose results later steps need: the supervisor fills in the step's own form (same
    validation as a clerk's), the step completes with it marked as the supervisor's, and what the step
    writes after it (documents, problem list) is written from that data in the same transaction."""
    case = _case(case_id)
    session = db.session()
    row = session.scalar(select(OpenTask).where(OpenTask.task_guid == task_guid, OpenTask.case_id == case.id))
    if row is None:
        flash(workflow.engine().missing_task_error(session, task_guid).args[0], "warning")
        return redirect(url_for("overrides.case_page", case_id=case.id))
    # Plain values: the row may be gone after a rollback (another override or a clerk got there first).
    task = SimpleNamespace(task_guid=row.task_guid, title=row.title, form_key=row.form_key, due_at=row.due_at,
                           department=row.department)
    form = form_for(task.form_key).for_case(CaseInfo(session, case))
    reason = SkipReasonForm(prefix="skip")
    rule = skip_rule(task.form_key)
    status = 200
    if form.is_submitted():
        valid = form.validate_on_submit()
        if reason.validate_on_submit() and valid:
            data, engine = form.task_data(), workflow.engine()
            done = unit_of_work.run(lambda: step_service.skip_step(
                session, engine, case, task.form_key, task_guid, data, current_user, form.uploads(),
                reason=reason.reason.data, expected_version=form.instance_version.data))
            if isinstance(done.error, StaleForm):
                flash(str(done.error), "warning")
                form.instance_version.data = case_instance(session, case).version
                status = 409
            elif not done:
                flash(str(done.error), "warning")
                return redirect(url_for("overrides.case_page", case_id=case.id))
            else:
                flash(f"已跳过“{task.title}”并代填办理结果，已记入审计记录。", "success")
                if done.value:
                    flash("已按代填的内容生成文书：" + "、".join(d.file_name for d in done.value) + "，可在案件页下载。",
                          "info")
                return redirect(url_for("overrides.case_page", case_id=case.id))
        else:
            status = 422
    else:
        form.instance_version.data = case_instance(session, case).version
    return render_template("overrides/skip.html", case=case, task=task, form=form, reason=reason,
                           rule=rule), status


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
    case_ids = {e.case_id for e in rows if e.case_id}
    numbers = {c.id: c.number for c in db.session().scalars(select(Case).where(Case.id.in_(case_ids)))} \
        if case_ids else {}
    return render_template("overrides/index.html", rows=rows, total=total, page=page, pages=pages, numbers=numbers,
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
        numbers = _case_numbers(session, ids)
        result = migration.migrate_many(engine, session, ids, current_user.actor, form.reason.data)
        db.commit()  # what moved stays moved; each refusal was rolled back to its own savepoint
        moved = [check.case_id for _, check in result.moved]
        refused = [f"{numbers.get(instance_id, '案件')}：{exc}" for instance_id, exc in result.refused]
        warned = [f"{numbers.get(instance_id, '案件')}：{w}" for instance_id, check in result.moved for w in check.warnings]
        if moved:
            flash(f"已迁移 {len(moved)} 个案件到最新版流程图。", "success")
        for message in refused + warned:
            flash(message, "warning")
        if not ids:
            flash("请先勾选要迁移的案件。", "warning")
        return redirect(url_for("overrides.migrations"))
    checks = migration.dry_run(engine, session)
    return render_template("overrides/migrations.html", checks=checks, form=form,
                           numbers=_case_numbers(session, [c.instance_id for c in checks]),
                           current=engine.current.version), 422 if form.errors else 200


def _case_numbers(session, instance_ids) -> dict[int, str]:
    """Instance id -> the case number clerks know (乳整2026-00002)."""
    if not instance_ids:
        return {}
    return {case.instance_id: case.number
            for case in session.scalars(select(Case).where(Case.instance_id.in_(list(instance_ids))))}


@bp.app_template_filter("override_value")
def override_value(value):
    """An override's before/after as clerks read it: instants in China time in words (older events
    stored ISO strings), everything else as stored."""
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        try:
            return overrides.in_words(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


@bp.app_template_global()
def own_deadlines(timers, tasks) -> list:
    """The case's waiting timers that are not the deadline of an open task (shown with the task)."""
    attached = overrides.task_deadline_timers(workflow.engine().current)
    steps = {t.task_spec for t in tasks}
    return [t for t in timers if attached.get(t.task_spec) not in steps]


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
        done = unit_of_work.run(lambda: correct_case(
            session, workflow.engine(), case, form.user_data(), form.well_data(), form.reason.data,
            current_user.actor, form.instance_version.data), RegistrationRefused)
        if isinstance(done.error, RegistrationRefused):
            getattr(form, done.error.field).errors.append(done.error.message)
        elif not done:
            flash(str(done.error), "warning")
            return render_template("overrides/correct.html", case=case, form=form), 409
        else:
            flash(f"已更正 {len(done.value)} 项案件信息，已记入审计记录。", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    status = 422 if form.errors else 200
    return render_template("overrides/correct.html", case=case, form=form), status
