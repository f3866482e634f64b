"""Errors the engine raises, each with a message a clerk or an administrator can act on."""
from __future__ import annotations


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


class StaleForm(EngineError):
    """The case moved on since the form was rendered; the submission is refused, not applied twice."""


class InstanceNotRunning(EngineError):
    """The case is completed, suspended or cancelled."""


class WorkflowFailure(EngineError):
    """A diagram expression or service failed while running the engine steps."""
