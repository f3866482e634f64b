"""Errors the engine raises, each with a message a clerk or an administrator can act on."""
from __future__ import annotations

from rules.errors import RuleError


class EngineError(Exception):
    """Base class: ``str(exc)`` is a Chinese message fit to show on a page."""


class DiagramError(EngineError):
    """A diagram is invalid or breaks the project's conventions; names the file and element."""


class TaskNotFound(EngineError):
    """No open task with that id (never existed, or already gone)."""


class TaskAlreadyHandled(EngineError):
    """The task was completed (or removed) after the form was rendered."""

    def __init__(self, message: str, actor: str | None = None, at=None):
        super().__init__(message)
        self.actor = actor
        self.at = at


class TaskTaken(EngineError):
    """The task is someone else's now: claimed by a colleague, or assigned to one, after the page showed it.

    ``assignee`` is who has it; ``actor`` and ``at`` who gave it to them and when (from the audit trail).
    """

    def __init__(self, message: str, assignee: str, actor: str | None = None, at=None):
        super().__init__(message)
        self.assignee = assignee
        self.actor = actor
        self.at = at


class StaleForm(EngineError):
    """The case moved on since the form was rendered; the submission is refused, not applied twice."""


class InstanceNotRunning(EngineError):
    """The case is completed, suspended or cancelled."""


class WorkflowFailure(EngineError):
    """A diagram expression or service failed while running the engine steps."""


class TaskMoved(TaskAlreadyHandled):
    """The task was moved to another department (``department``: its code) after the form was rendered."""

    def __init__(self, message: str, department: str, actor: str | None = None, at=None):
        super().__init__(message, actor=actor, at=at)
        self.department = department


class StepDataMissing(WorkflowFailure):
    """A diagram expression read data that no step supplied (a step skipped without its form).

    ``names`` are the missing variables, so the web layer can name the form fields they come from.
    """

    def __init__(self, message: str, names: tuple[str, ...] = ()):
        super().__init__(message)
        self.names = names


def workflow_failure(exc: BaseException, where: str = "") -> WorkflowFailure:
    """SpiffWorkflow's English exception as a Chinese :class:`WorkflowFailure` (never its own text).

    A rule the diagram called (``rules``: the calendar, the fines) explains itself in Chinese
    (:class:`~rules.errors.RuleError`), as does an engine error: the message is kept. A
    name the expression could not find is data a step should have supplied. Anything else is a
    diagram fault for the administrator; the English detail stays in the log via ``__cause__``.
    """
    at = f"（{where}）" if where else ""
    seen, chain = set(), exc
    while chain is not None and id(chain) not in seen:
        if isinstance(chain, (EngineError, RuleError)):
            return WorkflowFailure(f"流程执行出错{at}：{chain}")
        if isinstance(chain, NameError) and getattr(chain, "name", None):
            return StepDataMissing(f"流程无法继续{at}：需要前面环节填写的“{chain.name}”，但案件中没有这项数据"
                                   f"（通常是该环节被跳过而未填写表单）。", (chain.name,))
        seen.add(id(chain))
        chain = getattr(chain, "exception", None) or chain.__cause__ or chain.__context__
    return WorkflowFailure(f"流程执行出错{at}：流程图中的条件或期限无法计算，请联系系统管理员检查流程图。")
