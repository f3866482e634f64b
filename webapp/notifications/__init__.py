"""Reminders that reach people (issue 10): who is told what, through the outbox.

* ``messages.py`` — one reminder to one person by the channels they chose (e-mail, SMS) and an @ in their
  department's group robot, as outbox rows (``integrations.outbox.notify``) with idempotency keys, so a
  reminder written twice is kept once;
* ``triggers.py`` — new task in my department, task assigned to me: written in the transaction that
  opened or assigned them, whatever the path (step, timer, override, registration, import, API), by an
  observer of the engine's events at the commit (``init_app`` installs it on the app's sessions);
* ``sweep.py`` — due within one working day, overdue, the department head's daily digest: a scheduled
  sweep (``flask notify sweep``), idempotent per user, task, kind and China day;
* ``cli.py`` — the command.

Nothing here sends: the relay (``flask outbox relay``) delivers after the commit.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import triggers
    from .cli import notify_cli

    # Every session of the app, the timer worker's and the CLI's included, tells the tasks it opened.
    triggers.observe(app.extensions["sa_sessionmaker"])
    app.cli.add_command(notify_cli)
