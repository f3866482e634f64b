"""``flask notify sweep``: the day's reminders (due soon, overdue) and the heads' digests, into the outbox."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from engine.tables import utcnow

from . import sweep

notify_cli = AppGroup("notify", help="提醒（即将到期、已超期、部门待办汇总）")


@notify_cli.command("sweep")
def run_sweep():
    """Write today's reminders once; run it every few minutes (a rerun the same day writes nothing new)."""
    factory = current_app.extensions["sa_sessionmaker"]
    with factory() as session:
        result = sweep.run(session, utcnow(), current_app.config["NOTIFY_HOUR"])
        session.commit()
    if result.skipped:
        click.echo(result.skipped)
        return
    click.echo(f"{result.day:%Y-%m-%d}：即将到期提醒 {result.due_soon} 条，超期提醒 {result.overdue} 条，"
               f"部门待办汇总 {result.digests} 条已写入外发消息，由 flask outbox relay 发送。")
