"""Who works on a task: claim, release, assign (one or many), move to another department."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from engine import EngineError, assignment, persist
from engine.store import OpenTask
from forms.assignment import ActionForm, AssignForm, MoveForm

from . import db, workflow
from .feedback import flash_errors
from .cases_service import actor_of
from . import directory
from .models import Case
from .permissions import can_assign, can_claim, can_release, is_head_of, is_supervisor, require
from .queries import department_users

bp = Blueprint("assignments", __name__)


def _task_or_404(task_guid: str) -> OpenTask:
    return db.session().scalar(select(OpenTask).where(OpenTask.task_guid == task_guid)) or abort(404)


def _apply(operation, success: str, back: str):
    """Run one engine operation in the request's transaction; commit or explain, then go back."""
    try:
        operation()
    except EngineError as exc:
        db.session().rollback()
        flash(str(exc), "warning")
    else:
        db.commit()
        flash(success, "success")
    return redirect(back)


def assignee_choices(department: str) -> list[tuple[str, str]]:
    return [(u.username, f"{u.display_name}（{u.username}）") for u in department_users(db.session(), department)]


@bp.post("/tasks/<task_guid>/claim")
@login_required
def claim(task_guid: str):
    task = _task_or_404(task_guid)
    require(can_claim(current_user, task), case_id=task.case_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _apply(lambda: assignment.claim(workflow.engine(), db.session(), task_guid, actor_of(current_user)),
                  f"已认领“{task.title}”。", url_for("tasks.show", task_guid=task_guid))


@bp.post("/tasks/<task_guid>/release")
@login_required
def release(task_guid: str):
    task = _task_or_404(task_guid)
    require(can_release(current_user, task), case_id=task.case_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _apply(lambda: assignment.release(workflow.engine(), db.session(), task_guid, actor_of(current_user)),
                  f"已退回“{task.title}”，任务回到部门待认领列表。", url_for("inbox.index"))


@bp.post("/tasks/<task_guid>/assign")
@login_required
def assign(task_guid: str):
    task = _task_or_404(task_guid)
    require(can_assign(current_user, task), case_id=task.case_id)
    form = AssignForm()
    form.assignee.choices = assignee_choices(task.department)
    if not form.validate_on_submit():
        flash_errors(form, "warning")
        return redirect(request.referrer or url_for("tasks.show", task_guid=task_guid))
    return _apply(lambda: assignment.assign(workflow.engine(), db.session(), task_guid, form.assignee.data,
                                            actor_of(current_user), priority=int(form.priority.data)),
                  f"已将“{task.title}”指派给 {form.assignee.data}。",
                  request.referrer or url_for("inbox.index"))


@bp.post("/inbox/assign")
@login_required
def bulk_assign():
    """The head assigns several tasks of the department at once from the inbox."""
    department = current_user.department.code
    require(is_head_of(current_user, department) or is_supervisor(current_user))
    form = AssignForm()
    form.assignee.choices = assignee_choices(department)
    guids = request.form.getlist("task")
    if not guids:
        flash("请先勾选要指派的任务。", "warning")
        return redirect(url_for("inbox.index"))
    session = db.session()
    tasks = list(session.scalars(select(OpenTask).where(OpenTask.task_guid.in_(guids))))
    # Every ticked task must be this department's, or nothing is assigned.
    require(all(t.department == department for t in tasks))
    if len(tasks) != len(set(guids)):
        flash("所选任务中有的刚刚已被办理或转走，没有指派任何任务，请刷新后重新勾选。", "warning")
        return redirect(url_for("inbox.index"))
    if not form.validate_on_submit():
        flash_errors(form, "warning")
        return redirect(url_for("inbox.index"))

    def assign_all():
        persist.lock_all(session, [t.instance_id for t in tasks])
        for task in tasks:
            assignment.assign(workflow.engine(), session, task.task_guid, form.assignee.data,
                              actor_of(current_user), priority=int(form.priority.data))
    return _apply(assign_all, f"已将 {len(tasks)} 项任务指派给 {form.assignee.data}。", url_for("inbox.index"))


@bp.route("/tasks/<task_guid>/move", methods=["GET", "POST"])
@login_required
def move(task_guid: str):
    """A supervisor hands a task to another department, with a reason on the record."""
    task = _task_or_404(task_guid)
    require(is_supervisor(current_user), case_id=task.case_id)
    case = db.session().get(Case, task.case_id) or abort(404)
    form = MoveForm()
    form.department.choices = directory.choices(exclude=task.department)
    if form.validate_on_submit():
        return _apply(lambda: assignment.move_to_department(
            workflow.engine(), db.session(), task_guid, form.department.data, actor_of(current_user),
            reason=form.reason.data),
            f"已将“{task.title}”转办至{directory.name(form.department.data)}。", url_for("cases.show", case_id=case.id))
    return render_template("tasks/move.html", task=task, case=case, form=form), 422 if form.errors else 200
