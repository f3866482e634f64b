"""Who acts on a case: a username and their department, or the system (timers and messages)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who acts: a username and their department code (``system`` for timers and messages)."""

    username: str
    department: str | None = None


SYSTEM = Actor("system", None)
