"""One task: the case summary and the form of the task's form key; submit → engine → inbox."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from engine import InstanceNotRunning, StaleForm, TaskAlreadyHandled, TaskNotFound, TaskTaken, task_fate
from engine.tables import Event, Instance, OpenTask
from forms.assignment import ActionForm, AssignForm
from forms.registry import form_for

from .. import directory
from ..cases.queries import case_instance
from ..core import db, unit_of_work, workflow
from ..directory import people
from ..models import Case
from ..permissions import (
    can_act_on,
    can_assign,
    can_claim,
    can_complete,
    can_release,
    can_view_task,
    is_head_of,
    require,
)
from . import answers as task_answers
from . import bp, next_step
from . import service as step_service
from .assignments import assignee_choices
from .steps import CaseInfo


@bp.route("/<task_guid>", methods=["GET", "POST"])
@login_required
def show(task_guid: str):
    session = db.session()
    # The task and its case (with the well and the owner the form reads) in one statement.
    task, case = session.execute(select(OpenTask, Case).outerjoin(Case, Case.id == OpenTask.case_id)
                                 .where(OpenTask.task_guid == task_guid)).first() or (None, None)
    if task is None:
        return task_answers.gone(task_guid)
    if not can_act_on(current_user, task) and _moved_away(task):
        # Moved by the office out of this user's department (while the form was open): say so, not 403.
        return render_template("tasks/gone.html", message=people.explained(_moved(task.task_guid, task.department))), 409
    require(can_view_task(current_user, task), case_id=task.case_id)
    case = case or abort(404)
    form = form_for(task.form_key).for_case(CaseInfo(session, case))
    status = 200
    if form.is_submitted():
        require(can_act_on(current_user, task), case_id=task.case_id)  # the office reads, the lane acts
    if form.is_submitted() and not can_complete(current_user, task):
        flash(people.explained(task_fate.taken(session, task_guid, task.assignee)), "warning")
        return render_template("tasks/show.html", task=task, case=case, form=form, **_panel(task)), 409
    if form.is_submitted() and form.wants_preview():
        form.validate()  # only to read the values back; the page shows what they mean (form.notes)
        form.form_errors, status = [], 200
        for f in form:
            f.errors = [] if isinstance(f.errors, list) else f.errors
    elif form.validate_on_submit():
        data, engine = form.task_data(), workflow.engine()

        def complete():
            issued = step_service.complete_step(
                session, engine, case, task.form_key, task_guid, data, current_user, form.uploads(),
                expected_version=form.instance_version.data, may_take_over=is_head_of(current_user, task.department))
            # What comes next, read before the commit: the instance is still locked, so the open tasks are
            # those the next reader finds, and the message costs no transaction of its own.
            return issued, next_step.what_next(session, case)
        done = unit_of_work.run(complete)
        if done:
            issued, then = done.value
            next_step.flash_submitted(session, case, task.title, issued, next_text=then)
            return redirect(url_for("inbox.index"))
        exc = done.error
        if isinstance(exc, TaskTaken):
            # Claimed by or assigned to a colleague a moment ago: the task page as it is now, the
            # clerk's answers kept, with who has the task and since when.
            task = session.scalar(select(OpenTask).where(OpenTask.task_guid == task_guid))
            if task is None:
                return task_answers.gone(task_guid)
            flash(people.explained(exc), "warning")
            return render_template("tasks/show.html", task=task, case=case, form=form, **_panel(task)), 409
        if isinstance(exc, (TaskAlreadyHandled, InstanceNotRunning, TaskNotFound)):
            # Moved (409), handled by a colleague, skipped or reset by the office (410: the same answer as
            # a task found gone before the lock, where SQLite's whole-request lock makes every loser end
            # up), suspended or cancelled meanwhile (409), unknown (404): nothing to show but why.
            return task_answers.page(exc, task_guid)
        if isinstance(exc, StaleForm):
            # Show the form again on the current version: the clerk reviews the case and resubmits.
            flash(people.explained(exc), "warning")
            form.instance_version.data = case_instance(session, case).version
            status = 409
        elif session.scalar(select(OpenTask.id).where(OpenTask.task_guid == task_guid)) is None:
            return task_answers.gone(task_guid)  # the override that won removed the task
        else:
            flash(people.explained(exc), "danger")
            status = 422
    elif form.is_submitted():
        status = 422
    else:  # the form as the clerk opens it: on the instance's current version (a submission carries its own)
        instance = case_instance(session, case)  # held: the panel's stage reads it from the (weak) identity map
        form.instance_version.data = instance.version
    return render_template("tasks/show.html", task=task, case=case, form=form, **_panel(task)), status


def _panel(task) -> dict:
    """What the assignment panel of the task page offers this user."""
    assign_form = None
    if can_assign(current_user, task):
        assign_form = AssignForm(priority=str(task.priority))
        assign_form.assignee.choices = assignee_choices(task.department)
    return {"action_form": ActionForm(), "assign_form": assign_form,
            "may_claim": can_claim(current_user, task) and task.assignee is None,
            "may_release": can_release(current_user, task),
            "may_complete": can_complete(current_user, task),
            "read_only": not can_act_on(current_user, task),
            # the case's stage in the header (the identity map has it when the page loaded the instance)
            "stage_instance": db.session().get(Instance, task.instance_id)}


def _moved_away(task) -> bool:
    """Whether the office moved this task out of one of the user's inboxes."""
    moves = db.session().scalars(select(Event.data).where(Event.task_guid == task.task_guid,
                                                          Event.kind == "task_reassigned")).all()
    return any((m or {}).get("from") in current_user.inboxes for m in moves)


def _moved(task_guid: str, department: str):
    return task_fate.moved(db.session(), task_guid, department, directory.name(department))
