"""The one place a request's writes are committed or rolled back.

``run(operation)`` runs the request's work in the request's transaction: it commits once if the work
succeeds; if the engine (or another refusal the caller names) refuses it, it rolls everything back —
nothing of a refused request is kept — and hands the refusal to the route, which answers with the page
and status that say what happened (``task_answers`` for a task that changed under the request).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from engine import EngineError

from . import db

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """The work's result once committed, or the refusal it was rolled back for (truthy when committed)."""
    value: T | None = None
    error: Exception | None = None

    def __bool__(self) -> bool:
        return self.error is None


def run(operation: Callable[[], T], *refusals: type[Exception]) -> Outcome[T]:
    """Commit ``operation``'s writes, or roll them back on an ``EngineError`` (or one of ``refusals``)."""
    session = db.session()
    try:
        value = operation()
    except (EngineError, *refusals) as exc:
        session.rollback()
        return Outcome(error=exc)
    db.commit()
    return Outcome(value=value)
