"""Completing a step: the workflow, then what the step writes besides it, all in the request's transaction.

A clerk's submission (``complete_step``, the task page) and the supervisor's 跳过并代填 (``skip_step``)
differ only in how the engine is told; what the step adds to the case afterwards is the same
(``_after_step``): the step's own writes from ``STEP_HOOKS`` (keyed by form key), then the step's
documents (which read the problem list), then the files uploaded with the form. The caller commits
(``unit_of_work.run``): a failure anywhere rolls the whole step back.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from engine import Engine, overrides

from ..attachments import storage as attachments
from ..documents import service as documents
from ..integrations import outbox
from ..models import Case, Document, User
from ..problems import service as problems


@dataclass(frozen=True)
class Step:
    """A step just completed (by a clerk or filled in by a supervisor), in the request's transaction."""
    session: Session
    case: Case
    form_key: str
    task_guid: str
    data: dict
    user: User


@dataclass(frozen=True)
class StepHook:
    """What the web layer writes after a step of one form key. ``records``: it keeps the step's result in
    the problem list or the credit record, so the step cannot be skipped without its form (``skip_rule``)."""
    write: Callable[[Step], object]
    records: bool


def _mark_hidden_well(step: Step) -> None:
    # Established on site: the well is flagged in the ledgers and exports as a hidden one from now on.
    if step.data.get("hidden_well") and not step.case.well.hidden_well:
        step.case.well.hidden_well = True


def _credit(step: Step) -> None:
    outbox.after_credit_step(step.session, step.case, step.form_key, step.task_guid, step.data)


STEP_HOOKS: dict[str, StepHook] = {
    "rectification_notice": StepHook(lambda s: problems.record_notice(s.session, s.case, s.task_guid, s.data), True),
    "recheck": StepHook(lambda s: problems.record_recheck(s.session, s.case, s.data, s.user), True),
    "credit_review": StepHook(_credit, True),
    "credit_repair": StepHook(_credit, True),
    "inspection": StepHook(_mark_hidden_well, False),
}


def complete_step(session: Session, engine: Engine, case: Case, form_key: str, task_guid: str, data: dict,
                  user: User, uploads: dict[str, list[FileStorage]] | None = None, *,
                  expected_version: int | None, may_take_over: bool = False) -> list[Document]:
    """A clerk completes the task with the form's data; returns the documents the step issued."""
    engine.complete(session, task_guid, data, user.actor, expected_version=expected_version,
                    departments=tuple(user.inboxes), may_take_over=may_take_over)
    return _after_step(session, engine, Step(session, case, form_key, task_guid, data, user), uploads)


def skip_step(session: Session, engine: Engine, case: Case, form_key: str, task_guid: str, data: dict,
              user: User, uploads: dict[str, list[FileStorage]] | None = None, *, reason: str,
              expected_version: int | None) -> list[Document]:
    """A supervisor skips the task, filling in its form (跳过并代填); the step writes what a clerk's would."""
    overrides.skip(engine, session, task_guid, user.actor, reason, expected_version=expected_version, data=data)
    return _after_step(session, engine, Step(session, case, form_key, task_guid, data, user), uploads)


def _after_step(session: Session, engine: Engine, step: Step,
                uploads: dict[str, list[FileStorage]] | None) -> list[Document]:
    """Write what the completed step adds to the case; returns the documents it issued.

    Files come last: a step refused for its document has written nothing to disk. Files written before
    a later failure are deleted when the transaction ends without a commit (see ``attachments.storage``).
    The reminders of the tasks the step opened are written at the commit by the notifications' observer
    of the audit events (``engine.audit.OBSERVERS``), so whatever opens a task tells of it.
    """
    hook = STEP_HOOKS.get(step.form_key)
    if hook is not None:
        hook.write(step)
    session.flush()
    issued = documents.issue_for_step(session, engine, step.case, step.form_key, step.task_guid, step.data,
                                      step.user)
    attachments.store(session, engine, step.case, step.form_key, step.task_guid, uploads or {}, step.user)
    return issued
