"""The page a request about a task gets when the task changed under it: what became of it, with the
status that says so (410 handled or ended, 409 moved, claimed by or assigned to someone else, the case
stopped, 404 never known), never a server error and never the winner's deleted row."""
from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from engine import EngineError, TaskAlreadyHandled, TaskNotFound, TaskTaken, task_fate
from engine.errors import TaskMoved
from engine.tables import Event

from .. import directory
from ..core import db
from ..models import Case
from ..permissions import can_view_case, require


def status_of(error: EngineError) -> int:
    if isinstance(error, TaskMoved):
        return 409
    if isinstance(error, TaskAlreadyHandled):
        return 410
    if isinstance(error, TaskNotFound):
        return 404
    return 409  # InstanceNotRunning, TaskTaken, a refused assignment


def page(error: EngineError, task_guid: str | None = None, prefix: str = ""):
    """The message page for ``error``; a task still open (claimed by someone else…) gets a link back to it."""
    if isinstance(error, TaskMoved):
        error = task_fate.moved(db.session(), task_guid, error.department, directory.name(error.department))
    back = url_for("tasks.show", task_guid=task_guid) if isinstance(error, TaskTaken) and task_guid else None
    title = "任务已归他人办理" if isinstance(error, TaskTaken) else None
    return render_template("tasks/gone.html", message=prefix + str(error), back=back, title=title), status_of(error)


def gone(task_guid: str, tail: str = "无需重复提交", prefix: str = ""):
    """A task no longer open: say who handled it and when, instead of a bare 404 — to those who may see
    its case (a guessed id of another town's task is refused like the case itself)."""
    session = db.session()
    case_id = session.scalar(select(Event.case_id).where(Event.task_guid == task_guid,
                                                         Event.case_id.is_not(None)).limit(1))
    case = session.get(Case, case_id) if case_id is not None else None
    if case is not None:
        require(can_view_case(current_user, case), case_id=case.id)
    return page(task_fate.explain(session, task_guid, tail), task_guid, prefix)

