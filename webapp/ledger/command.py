"""``flask ledger load FILE.xlsx --as USER``: a whole ledger at once (``bulk.py``), from the operator's shell."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import directory
from ..cases.service import is_duplicate_registration
from ..core import db, workflow
from ..directory.departments import TOWN
from ..models import User
from ..permissions import can_register
from . import bulk, report
from .columns import columns

ledger_cli = AppGroup("ledger", help="台账")
SHOWN_PROBLEMS = 30


@ledger_cli.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", required=True, help="以哪个账号登记（须有登记权限；镇街账号只能导入本镇街的机井）")
@click.option("--batch", type=click.IntRange(1, 100_000), default=bulk.BATCH, show_default=True,
              help="每批登记的机井数（每批一个事务）")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="检查台账的进程数（默认按CPU核数）")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="有错误时错误报告的保存位置（默认与台账同目录）")
def load(file: str, username: str, batch: int, workers: int | None, report_path: str | None):
    """Check a ledger file like the import page does and register all its wells; nothing if a row is wrong."""
    user = db.session().scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(f"账号 {username} 不存在或已停用。")
    if not can_register(user):
        raise click.ClickException(f"账号 {username}（{user.department.name}）没有登记自备井的权限。")
    towns = directory.choices(TOWN)
    # Closed, not rolled back: the user stays loaded, and on SQLite (every transaction takes the write lock)
    # the batches' own sessions must not wait for this one.
    db.session().close()

    def progress(done: int, total: int) -> None:
        click.echo(f"已登记 {done:,} / {total:,} 口。")

    try:
        loaded, checked = bulk.load(file, user, current_app.extensions["sa_sessionmaker"], workflow.engine(),
                                    columns(), towns, batch=batch,
                                    workers=workers or bulk.default_workers(), progress=progress)
    except bulk.LedgerUnreadable as exc:
        raise click.ClickException(f"未导入：{exc}") from None
    except IntegrityError as exc:
        cause = "其中有机井或用水户刚刚已被他人登记" if is_duplicate_registration(exc) else "与同时进行的登记冲突"
        raise click.ClickException(f"导入中断：{cause}。已完成的批次已保存；重新运行同一命令会跳过已登记的机井，"
                                   "继续登记其余机井。") from None
    if checked.problems:
        target = Path(report_path) if report_path else Path(file).with_name(f"{Path(file).stem}-错误报告.xlsx")
        target.write_bytes(report.marked_workbook(checked.headers, checked.body, checked.problems))
        rows = len({p.row for p in checked.problems})
        click.echo(f"台账有 {rows:,} 行存在 {len(checked.problems):,} 处错误，没有登记任何机井。", err=True)
        for problem in checked.problems[:SHOWN_PROBLEMS]:
            click.echo(f"第{problem.row}行" + (f"“{problem.header}”" if problem.header else "") + f"：{problem.message}",
                       err=True)
        if len(checked.problems) > SHOWN_PROBLEMS:
            click.echo(f"……其余 {len(checked.problems) - SHOWN_PROBLEMS:,} 处见错误报告。", err=True)
        click.echo(f"错误报告（出错的单元格标红并附说明）：{target}", err=True)
        raise SystemExit(1)
    seconds = loaded.seconds
    click.echo(f"已导入台账“{Path(file).name}”：共 {loaded.rows:,} 行，新登记自备井 {loaded.registered:,} 口并启动案件，"
               f"已登记过而跳过 {loaded.skipped:,} 口；用时 {sum(seconds.values()):.1f} 秒"
               f"（读取 {seconds.get('read', 0):.1f}、检查 {seconds.get('check', 0):.1f}、"
               f"登记 {seconds.get('write', 0):.1f}）。")
