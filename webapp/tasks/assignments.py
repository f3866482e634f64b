"""Who works on a task: claim, release, assign (one or many), move to another department.

The page a request came from may be a moment old: the engine checks the task again under the case's
lock, and a request that lost a race (the task completed, moved, claimed by or assigned to someone else
meanwhile) is answered with what happened (``task_answers``: 410 or 409), having written nothing."""
from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from engine import assignment
from engine.tables import Event, OpenTask
from forms.assignment import ActionForm, AssignForm, MoveForm

from .. import directory
from ..core import db, unit_of_work, workflow
from ..core.feedback import flash_errors
from ..directory import people
from ..models import Case
from ..permissions import can_act_on, can_assign, can_release, is_head_of, is_supervisor, require
from . import answers as task_answers
from .queries import department_users

bp = Blueprint("assignments", __name__)


def _open_task(task_guid: str) -> OpenTask | None:
    return db.session().scalar(select(OpenTask).where(OpenTask.task_guid == task_guid))


def _apply(operation, success: str, back: str, task_guid: str | None = None, prefix: str = ""):
    """Run one engine operation in the request's transaction; commit and go back, or roll back and
    answer with what the engine found (the task handled, moved, someone else's…)."""
    done = unit_of_work.run(operation)
    if not done:
        return task_answers.page(done.error, task_guid, prefix)
    flash(success, "success")
    return redirect(back)


def assignee_choices(department: str) -> list[tuple[str, str]]:
    users = department_users(db.session(), department)
    shown = Counter(u.display_name for u in users)
    # Names only; a login only tells two colleagues of the same name apart.
    return [(u.username, u.display_name if shown[u.display_name] == 1 else f"{u.display_name}（{u.username}）")
            for u in users]


@bp.post("/tasks/<task_guid>/claim")
@login_required
def claim(task_guid: str):
    task = _open_task(task_guid)
    if task is None:
        return task_answers.gone(task_guid, "无需再认领")
    # Whether it is still free is the engine's to say, under the lock: a colleague's claim or the
    # head's assignment a moment ago is answered with who has it (409), not with a refusal of rights.
    require(can_act_on(current_user, task), case_id=task.case_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _apply(lambda: assignment.claim(workflow.engine(), db.session(), task_guid, current_user.actor),
                  f"已认领“{task.title}”。", url_for("tasks.show", task_guid=task_guid), task_guid)


@bp.post("/tasks/<task_guid>/release")
@login_required
def release(task_guid: str):
    task = _open_task(task_guid)
    if task is None:
        return task_answers.gone(task_guid, "无需再退回")
    if not _taken_from(current_user.username, task):  # else the engine tells them who has it now
        require(can_release(current_user, task), case_id=task.case_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    # A clerk releases only a claim that is still theirs (the head may have given it to a colleague
    # meanwhile); the head and the office release whoever's it is.
    mine_only = None if is_head_of(current_user, task.department) or is_supervisor(current_user) \
        else current_user.username
    return _apply(lambda: assignment.release(workflow.engine(), db.session(), task_guid, current_user.actor,
                                             assignee=mine_only),
                  f"已退回“{task.title}”，任务回到部门待认领列表。", url_for("inbox.index"), task_guid)


def _taken_from(username: str, task: OpenTask) -> bool:
    """The task was this user's until someone else took it over (their release lost that race)."""
    if task.assignee in (None, username):
        return False
    last = db.session().scalar(select(Event.data).where(
        Event.task_guid == task.task_guid, Event.kind.in_(("task_claimed", "task_assigned", "task_released")))
        .order_by(Event.id.desc()).limit(1))
    return (last or {}).get("previous") == username


@bp.post("/tasks/<task_guid>/assign")
@login_required
def assign(task_guid: str):
    task = _open_task(task_guid)
    if task is None:
        return task_answers.gone(task_guid, "无需再指派")
    require(can_assign(current_user, task), case_id=task.case_id)
    form = AssignForm()
    form.assignee.choices = assignee_choices(task.department)
    if not form.validate_on_submit():
        flash_errors(form, "warning")
        return redirect(request.referrer or url_for("tasks.show", task_guid=task_guid))
    # The assignee was chosen among the task's department: the engine refuses if it moved meanwhile.
    # The assignee is told at the commit (notifications.triggers, an observer of the engine's events).
    return _apply(lambda: assignment.assign(workflow.engine(), db.session(), task_guid, form.assignee.data,
                                            current_user.actor, priority=int(form.priority.data),
                                            department=task.department),
                  f"已将“{task.title}”指派给 {people.name(form.assignee.data)}。",
                  request.referrer or url_for("inbox.index"), task_guid)


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
    if not form.validate_on_submit():
        flash_errors(form, "warning")
        return redirect(url_for("inbox.index"))
    found = {t.task_guid for t in tasks}
    for guid in dict.fromkeys(guids):
        if guid not in found:  # handled (or moved away) since the inbox was shown
            return task_answers.gone(guid, "无需再指派", prefix=_nothing_assigned(guid))
    # All or nothing, checked again under the cases' locks (a task completed meanwhile refuses it all).
    done = unit_of_work.run(lambda: assignment.assign_many(
        workflow.engine(), session, [t.task_guid for t in tasks], form.assignee.data, current_user.actor,
        priority=int(form.priority.data), department=department))  # the assignee is told at the commit
    if not done:
        guid = getattr(done.error, "task_guid", None)
        return task_answers.page(done.error, guid, _nothing_assigned(guid))
    flash(f"已将 {len(tasks)} 项任务指派给 {people.name(form.assignee.data)}。", "success")
    return redirect(url_for("inbox.index"))


def _nothing_assigned(guid: str | None) -> str:
    """The start of a bulk assignment's refusal: nothing was assigned, and which ticked task is why."""
    title = guid and db.session().scalar(select(Event.title).where(Event.task_guid == guid, Event.title.is_not(None))
                                         .order_by(Event.id.desc()).limit(1))
    return f"没有指派任何任务。“{title}”：" if title else "没有指派任何任务。"


@bp.route("/tasks/<task_guid>/move", methods=["GET", "POST"])
@login_required
def move(task_guid: str):
    """A supervisor hands a task to another department, with a reason on the record."""
    task = _open_task(task_guid)
    if task is None:
        return task_answers.gone(task_guid, "无需再转办")
    require(is_supervisor(current_user), case_id=task.case_id)
    case = db.session().get(Case, task.case_id) or abort(404)
    form = MoveForm()
    form.department.choices = directory.choices(exclude=task.department)
    if form.validate_on_submit():
        return _apply(lambda: assignment.move_to_department(
            workflow.engine(), db.session(), task_guid, form.department.data, current_user.actor,
            reason=form.reason.data),
            f"已将“{task.title}”转办至{directory.name(form.department.data)}。", url_for("cases.show", case_id=case.id),
            task_guid)
    return render_template("tasks/move.html", task=task, case=case, form=form), 422 if form.errors else 200
