"""``flask outbox relay [--once]`` (the relay: run it beside ``flask timers run``) and ``flask outbox status``."""
from __future__ import annotations

import time
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from rules.timezone import CHINA

from ..core import db
from . import relay
from .tables import STATUSES, OutboxMessage

outbox_cli = AppGroup("outbox", help="外发消息（省信用平台、邮件、短信、群机器人）")


def _now() -> str:
    return datetime.now(CHINA).strftime("%H:%M:%S")


@outbox_cli.command("relay")
@click.option("--once", is_flag=True, help="只发送一遍当前到期的消息后退出")
def run_relay(once: bool):
    """Deliver due messages: one sweep with --once, else a loop (a pause of WELLS_OUTBOX_INTERVAL seconds
    whenever nothing was due). Any number of relays may run at once."""
    settings = current_app.config["OUTBOX"]
    factory = current_app.extensions["sa_sessionmaker"]
    while True:
        handled = 0
        try:
            sweep = relay.run_once(factory, settings)
            handled = sweep.handled
            if handled or once:
                click.echo(f"{_now()} 已送达 {sweep.sent} 条，待重试 {sweep.retried} 条，发送失败 {sweep.failed} 条。")
        except Exception as exc:  # the database away for a moment: the loop waits and tries again
            if once:
                raise
            current_app.logger.exception("outbox relay sweep failed")
            click.echo(f"{_now()} 本轮发送失败：{exc}", err=True)
        if once:
            return
        if not handled:
            time.sleep(settings.interval)


@outbox_cli.command("status")
def status():
    """How many messages are in each state."""
    counts = dict(db.session().execute(select(OutboxMessage.status, func.count())
                                       .group_by(OutboxMessage.status)).all())
    click.echo("，".join(f"{label} {counts.get(code, 0)} 条" for code, label in STATUSES.items()) + "。")
    if counts.get("failed"):
        click.echo("有发送失败的消息：请在“外发消息”页面查看原因并重新发送。")


def init_app(app: Flask) -> None:
    app.cli.add_command(outbox_cli)
