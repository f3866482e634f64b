"""Reminders that reach people (issue 10): who is told what, through the outbox.

* ``messages.py`` — one reminder to one person by the channels they chose (e-mail, SMS) and an @ in their
  department's group robot, as outbox rows (``integrations.outbox.notify``) with idempotency keys, so a
  reminder written twice is kept once;
* ``triggers.py`` — new task in my department, task assigned to me: written in the transaction of the
  step or the assignment that made them, from the engine's events of that transaction;
* ``sweep.py`` — due within one working day, overdue, the department head's daily digest: a scheduled
  sweep (``flask notify sweep``), idempotent per user, task, kind and China day;
* ``cli.py`` — the command.

Nothing here sends: the relay (``flask outbox relay``) delivers after the commit.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .cli import notify_cli

    app.cli.add_command(notify_cli)
