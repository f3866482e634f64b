"""Command-line tasks: ``flask db upgrade``, ``flask seed``, ``flask timers run [--once]`` (which also keeps the
dashboard's figures fresh), ``flask dashboard refresh``,
``flask calendar import FILE [--year Y]``, ``flask files sweep``, ``flask audit …``."""
from __future__ import annotations

import time
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from engine import audit, checkpoint
from engine.database import connect
from engine.tables import AuditAlarm, utcnow
from engine.timers import run_once
from rules.timezone import CHINA

from .core import db, workflow
from .core.config import ROOT
from .directory.departments import DEMO_PASSWORD, DEPARTMENTS, demo_accounts
from .models import Department, User
from .working_calendar import service as working_calendar

db_cli = AppGroup("db", help="数据库结构（Alembic 迁移）")
timers_cli = AppGroup("timers", help="到期计时器")
audit_cli = AppGroup("audit", help="审计记录")
files_cli = AppGroup("files", help="上传文件")
dashboard_cli = AppGroup("dashboard", help="整治进展统计数据")
SWEEP_EVERY = 3600  # seconds between file sweeps of the timer worker


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = url
    return cfg


@db_cli.command("upgrade")
def upgrade():
    """Apply every migration to the configured database."""
    cfg = alembic_config(current_app.config["DATABASE_URL"])
    cfg.attributes["audit_key"] = current_app.config["AUDIT_KEY"]  # signs the audit chain heads it makes
    before = _revision(current_app.config["DATABASE_URL"])
    command.upgrade(cfg, "head")
    after = _revision(current_app.config["DATABASE_URL"])
    # Say what was done: an empty database got its schema, an older one was upgraded, a current one left alone.
    click.echo(f"已建立数据库结构（版本 {after}）。" if before is None else
               f"已升级数据库结构：版本 {before} → {after}。" if before != after else f"数据库结构已是最新（版本 {after}）。")


def _revision(url: str) -> str | None:
    """The database's Alembic revision (None: no schema yet)."""
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def seed_departments_and_accounts(session, with_demo_accounts: bool) -> int:
    """Insert the departments (and demo accounts) when the database has none. Returns rows added."""
    if session.scalar(select(func.count()).select_from(Department)):
        return 0
    by_code = {}
    for code, name, kind in DEPARTMENTS:
        by_code[code] = Department(code=code, name=name, kind=kind)
        session.add(by_code[code])
    added = len(by_code)
    if with_demo_accounts:
        # Every demo account has the same published password: hash it once (scrypt is slow on purpose).
        password_hash = generate_password_hash(DEMO_PASSWORD)
        for username, display, code, role, seconded in demo_accounts():
            session.add(User(username=username, display_name=display, department=by_code[code], role=role,
                             task_force_member=seconded, password_hash=password_hash))
            added += 1
    session.flush()
    return added


@click.command("seed")
@with_appcontext
@click.option("--demo/--no-demo", default=True, help="同时创建各部门演示账号")
def seed(demo: bool):
    """Load the departments (and demo accounts) into an empty database."""
    added = seed_departments_and_accounts(db.session(), demo)
    db.commit()
    click.echo(f"已写入 {added} 条记录。" if added else "数据库中已有部门数据，未做改动。")


@timers_cli.command("run")
@click.option("--once", is_flag=True, help="只处理一遍当前到期的计时器后退出")
def run_timers(once: bool):
    """Fire due timers: one sweep with --once, else a loop every WELLS_TIMER_INTERVAL seconds."""
    engine = workflow.engine()
    factory = current_app.extensions["sa_sessionmaker"]
    swept_at: float | None = None
    every, next_checkpoint = current_app.config["AUDIT_CHECKPOINT_MINUTES"] * 60, time.monotonic()
    while True:
        try:
            with factory() as session:  # a year entered meanwhile: computed with from this sweep on
                working_calendar.ensure_current(session)
            fired = run_once(engine, factory)
            click.echo(f"{_clock()} 触发计时器 {fired} 个。")
            if swept_at is None or time.monotonic() - swept_at >= SWEEP_EVERY:  # the worker also clears orphan and expired files
                swept_at = time.monotonic()
                _sweep_files()
        except Exception as exc:  # the database away for a moment: the loop waits and tries again
            if once:
                raise
            click.echo(f"{_clock()} 本轮巡检失败：{exc}", err=True)
        if once:
            return
        if time.monotonic() >= next_checkpoint:
            next_checkpoint = time.monotonic() + every
            _periodic_checkpoint(factory)
        _refresh_dashboard()
        time.sleep(current_app.config["TIMER_INTERVAL"])


def _clock() -> str:
    """The time on the worker's lines in China time, whatever the server's own zone (often UTC)."""
    return utcnow().astimezone(CHINA).strftime("%H:%M:%S")


def _refresh_dashboard() -> None:
    """The dashboard's figures computed before a view would have to (dashboard/snapshots.py), when they are
    half WELLS_DASHBOARD_MAX_AGE old; a failure is reported, the loop goes on."""
    from .dashboard import snapshots

    try:
        if snapshots.refresh(current_app._get_current_object()):
            click.echo(f"{_clock()} 已更新整治进展统计数据。")
    except Exception as exc:  # noqa: BLE001 — the timers matter more than the dashboard's figures
        click.echo(f"{_clock()} 整治进展统计数据更新失败：{exc}", err=True)


def _periodic_checkpoint(factory) -> None:
    """The timer worker's checkpoint of the audit chains; a refusal is reported, the loop goes on."""
    try:
        with factory() as session:
            written = checkpoint.write(session, current_app.config["AUDIT_KEY"],
                                       current_app.config["AUDIT_CHECKPOINT_DIR"])
        if written is not None:
            click.echo(f"{_clock()} 已写审计检查点 {written.path.name}。")
    except checkpoint.CheckpointRefused as exc:
        current_app.logger.error("audit checkpoint refused: %s", exc)
        click.echo(f"{_clock()} 审计检查点未写入：{exc}", err=True)
    except Exception as exc:  # the database or the folder away for a moment: next time
        click.echo(f"{_clock()} 审计检查点写入失败：{exc}", err=True)


@audit_cli.command("verify")
def verify_audit():
    """Check every audit chain end to end and against the latest checkpoint; exit 1 naming what is wrong."""
    folder = current_app.config["AUDIT_CHECKPOINT_DIR"]
    verdict = checkpoint.verify(db.session(), current_app.config["AUDIT_KEY"], folder)
    for note in verdict.notes:
        click.echo(f"说明：{note}。")
    if verdict.ok:
        click.echo(f"审计记录完整：共 {verdict.checked} 条事件，{audit.CHAINS} 条哈希链、链头签名和检查点校验通过。")
        return
    click.echo(f"审计记录不完整（已校验 {verdict.checked} 条事件），发现 {len(verdict.problems)} 处问题：", err=True)
    for problem in verdict.problems:
        click.echo(f"- {problem}。", err=True)
    click.echo("请保留现场（不要修改数据库），联系系统管理员核查。", err=True)
    raise SystemExit(1)


def _sweep_files() -> None:
    from .attachments.storage import sweep

    with db.new_session() as session:
        swept = sweep(session, Path(current_app.config["UPLOAD_DIR"]))
    click.echo(f"{_clock()} 清理上传文件：无记录的附件文件 {swept.orphans} 个，"
               f"过期的台账错误报告 {swept.reports} 个。")


@dashboard_cli.command("refresh")
def refresh_dashboard():
    """Compute the dashboard's figures of the default period now and keep them (as the timer worker does)."""
    from .dashboard import snapshots

    if not snapshots.refresh(current_app._get_current_object(), now_please=True):
        click.echo("WELLS_DASHBOARD_MAX_AGE=0：整治进展每次打开时现算，不保存统计数据。")
        return
    click.echo(f"{_clock()} 已更新整治进展统计数据。")


@files_cli.command("sweep")
def sweep_files():
    """Delete attachment files without a row (older than an hour) and expired ledger error reports."""
    _sweep_files()


@audit_cli.command("checkpoint")
def write_checkpoint():
    """Write a signed checkpoint of every chain's end to WELLS_AUDIT_CHECKPOINT_DIR."""
    try:
        written = checkpoint.write(db.session(), current_app.config["AUDIT_KEY"],
                                   current_app.config["AUDIT_CHECKPOINT_DIR"])
    except checkpoint.CheckpointRefused as exc:
        click.echo(f"审计检查点未写入：{exc}。", err=True)
        raise SystemExit(1)
    click.echo(f"已写审计检查点：{written.path}" if written else "审计记录自上一个检查点以来没有变化，未写新检查点。")


@audit_cli.command("alarms")
def list_alarms():
    """List the alarms not yet resolved (rows found in a chain that this system did not write)."""
    alarms = audit.open_alarms(db.session())
    for alarm in alarms:
        click.echo(f"告警 {alarm.id}：{alarm.found_at.astimezone(CHINA):%Y-%m-%d %H:%M} 在第 {alarm.chain} 条链"
                   f"第 {alarm.head_no} 号之后发现非本系统写入的记录（第 {alarm.head_no + 1}–{alarm.skipped_to} 号）。")
    if not alarms:
        click.echo("没有未处理的审计告警。")


@audit_cli.command("resolve")
@click.argument("alarm_id", type=int)
@click.option("--by", "who", required=True, help="核查人")
def resolve_alarm(alarm_id: int, who: str):
    """Mark an alarm as looked into (the banner goes away; verify still names rows that remain)."""
    session = db.session()
    alarm = session.get(AuditAlarm, alarm_id)
    if alarm is None or alarm.resolved_at is not None:
        click.echo(f"没有编号为 {alarm_id} 的未处理告警。", err=True)
        raise SystemExit(1)
    alarm.resolved_at, alarm.resolved_by = utcnow(), who
    db.commit()
    click.echo(f"告警 {alarm_id} 已标记为已核查。")


diagrams_cli = AppGroup("diagrams", help="流程图")


@diagrams_cli.command("export")
@click.option("--to", "folder", type=click.Path(file_okay=False), default=None,
              help="目标目录（默认 docs/diagrams）")
def export_diagrams(folder: str | None):
    """Write every diagram as the app draws it to SVG files (for docs/procedure.md)."""
    from .diagram import export

    written = export.write(workflow.engine().current.files, Path(folder) if folder else export.DOCS)
    click.echo("已写出：" + "、".join(p.name for p in written))


calendar_cli = AppGroup("calendar", help="工作日历")


@calendar_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--year", type=int, default=None, help="年份（不填则按通知标题或所填日期确定）")
def import_calendar(file, year: int | None):
    """Enter a year's holiday arrangement from a text file (same syntax as the 工作日历 page)."""
    from engine import Actor

    from .working_calendar.forms import read_upload
    from .working_calendar.parse import CalendarParseError, parse

    try:
        text = read_upload(file if getattr(file, "filename", "") else _Named(file))
        parsed = parse(text or "", year)
    except CalendarParseError as exc:
        click.echo(f"未导入：{exc}", err=True)
        raise SystemExit(1) from None
    session = db.session()
    working_calendar.ensure_current(session)
    changes = working_calendar.preview(parsed)
    for change in changes:
        click.echo(f"{change.day.isoformat()} {change.weekday}：{'上班' if change.before else '休息'} → "
                   f"{'上班' if change.after else '休息'} {change.name}".rstrip())
    entry = working_calendar.enter_year(session, workflow.engine(), Actor("cli"), parsed, text)
    db.commit()
    working_calendar.forget()
    click.echo(f"已导入 {entry.year} 年工作日历：{len(parsed.holidays)} 天放假、{len(parsed.workdays)} 天调休上班，"
               f"与此前相比 {entry.changed_days} 天有变化；重新计算了 {len(entry.moved)} 个暂定期限"
               + (f"，{len(entry.kept)} 个督办人员调整过的期限未改动" if entry.kept else "") + "。")


class _Named:
    """A file opened by click, with the ``filename`` the upload reader looks for."""

    def __init__(self, file):
        self.file, self.filename = file, getattr(file, "name", "file")

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size)


def init_app(app: Flask) -> None:
    from .ledger.command import ledger_cli

    app.cli.add_command(ledger_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(files_cli)
    app.cli.add_command(dashboard_cli)
    app.cli.add_command(diagrams_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(timers_cli)
    app.cli.add_command(seed)
