"""Weekly dispatch (周调度), monthly summary (月度汇总) and briefing (简报).

A report is the dashboard's figures for its period (``live_figures``, the one call of
``figures.compute`` for pages, reports and DOCX alike) with a heading. Publishing stores the figures
as JSON and the DOCX as sent, as a new version; nothing published is ever changed or removed.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, g
from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from engine.tables import utcnow

from ..core import db, workflow
from ..models import Case, User
from . import docx_render, figures, phases
from .forms import KINDS
from .tables import CampaignReport

ISSUER = "乳山市地下水专项整治工作领导小组办公室"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def today() -> date:
    return utcnow().astimezone(zone()).date()


def campaign_phases() -> tuple[phases.Phase, ...]:
    configured = current_app.config["CAMPAIGN_PHASES"]
    if configured is not None:
        return configured
    if "campaign_first_case" not in g:  # once per request: a page asks for the phases several times
        g.campaign_first_case = db.session().scalar(select(func.min(Case.created_at)))
    first = g.campaign_first_case  # the year of the data: the first case's
    return phases.from_settings(current_app.config, phases.year_of(first.astimezone(zone()).date()) if first else None)


def live_figures(session: Session, period: figures.Period, now: datetime | None = None) -> dict:
    """The figures of a period now: what a report prints and stores, and what the dashboard shows (through
    snapshots.py, which keeps them a while and passes the time it stores with them)."""
    return figures.compute(session, period, now or utcnow(), zone(), campaign_phases())


# -- periods --------------------------------------------------------------------------------------

def default_period(kind: str | None, day: date) -> figures.Period:
    """This week, this month, or (briefing and dashboard) the whole campaign, each up to today."""
    if kind == "weekly":
        return figures.Period(day - timedelta(days=day.weekday()), day)
    if kind == "monthly":
        return figures.Period(day.replace(day=1), day)
    return figures.Period(min(phases.campaign_start(campaign_phases()), day), day)


def presets(day: date) -> list[tuple[str, figures.Period, str]]:
    """(label, period, the report kind that fits it): a month is too long for a weekly dispatch, the campaign
    for a monthly summary, so the report page's shortcuts switch to the kind their period fits."""
    monday = day - timedelta(days=day.weekday())
    last_month_end = day.replace(day=1) - timedelta(days=1)
    return [("本周", figures.Period(monday, day), "weekly"),
            ("上周", figures.Period(monday - timedelta(days=7), monday - timedelta(days=1)), "weekly"),
            ("本月", figures.Period(day.replace(day=1), day), "monthly"),
            ("上月", figures.Period(last_month_end.replace(day=1), last_month_end), "monthly"),
            ("行动以来", default_period(None, day), "briefing")]


# -- what a report page and its DOCX show -----------------------------------------------------------

def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def context(figs: dict, kind: str, report: CampaignReport | None = None) -> dict:
    """Figures + heading, for the page and the DOCX template (a draft when ``report`` is None)."""
    name = KINDS[kind][0]
    if report is None:
        issue, day = "未发布稿（预览）", date.fromisoformat(figs["generated_at"][:10])
    else:
        issue = f"第{report.issue_no}期" + (f"（第{report.version}版）" if report.version > 1 else "")
        day = report.published_at.astimezone(zone()).date()
    heading = {"kind": kind, "kind_name": name, "title": f"乳山市地下水专项整治行动{name}", "issue_label": issue,
               "date_label": _cn_date(day), "issuer": ISSUER}
    return {**figs, "report": heading}


def file_name(kind: str, period: figures.Period, report: CampaignReport | None = None) -> str:
    suffix = f"第{report.issue_no}期-第{report.version}版" if report else "预览稿"
    return f"{KINDS[kind][0]}-{period.start.isoformat()}至{period.end.isoformat()}-{suffix}.docx"


def draft_docx(session: Session, kind: str, period: figures.Period) -> bytes:
    return docx_render.render(context(live_figures(session, period), kind))


# -- publishing -------------------------------------------------------------------------------------

def publish(session: Session, kind: str, period: figures.Period, user: User) -> CampaignReport:
    """Store the report as it stands now: the next version of its period, which keeps its issue number.

    Two offices publishing at once compute the same version: the unique constraints refuse the second
    at flush (IntegrityError, for the route to explain); nothing of it is kept.
    """
    same = (CampaignReport.kind == kind, CampaignReport.period_start == period.start,
            CampaignReport.period_end == period.end)
    version, issue = session.execute(select(func.max(CampaignReport.version), func.max(CampaignReport.issue_no))
                                     .where(*same)).one()
    if issue is None:
        issue = (session.scalar(select(func.max(CampaignReport.issue_no)).where(CampaignReport.kind == kind)) or 0) + 1
    figs = live_figures(session, period)
    report = CampaignReport(kind=kind, period_start=period.start, period_end=period.end, issue_no=issue,
                            version=(version or 0) + 1, figures=figs, published_by=user.username,
                            published_by_department=user.department.code, published_at=utcnow())
    report.title = f"{KINDS[kind][0]} {period.label} 第{issue}期 第{report.version}版"
    report.content = docx_render.render(context(figs, kind, report))
    report.sha256 = hashlib.sha256(report.content).hexdigest()
    report.file_name = file_name(kind, period, report)
    session.add(report)
    session.flush()
    workflow.engine().record(session, "report_published", actor=user.actor, title=report.title,
                             data=_event_data(kind, period, report))
    return report


def record_download(session: Session, user: User, kind: str, period: figures.Period,
                    report: CampaignReport | None = None) -> None:
    """A copy leaving the system is on the audit trail, published or draft."""
    title = report.title if report else f"{KINDS[kind][0]} {period.label} 预览稿"
    workflow.engine().record(session, "report_downloaded", actor=user.actor, title=title,
                             data=_event_data(kind, period, report))


def _event_data(kind: str, period: figures.Period, report: CampaignReport | None) -> dict:
    data = {"kind": kind, "period_start": period.start.isoformat(), "period_end": period.end.isoformat()}
    if report is not None:
        data.update(report_id=report.id, issue_no=report.issue_no, version=report.version, sha256=report.sha256)
    return data


def period_of(report: CampaignReport) -> figures.Period:
    return figures.Period(report.period_start, report.period_end)


# Lists show headings only: the DOCX bytes and the figures stay in the database until one is opened.
LIST_ONLY = (defer(CampaignReport.content), defer(CampaignReport.figures))


def published(session: Session) -> list[CampaignReport]:
    """Every published report, newest first (a few per week: no paging needed for years)."""
    return list(session.scalars(select(CampaignReport).options(*LIST_ONLY)
                                .order_by(CampaignReport.published_at.desc(), CampaignReport.id.desc())))


def versions(session: Session, report: CampaignReport) -> list[CampaignReport]:
    return list(session.scalars(select(CampaignReport).options(*LIST_ONLY).where(
        CampaignReport.kind == report.kind, CampaignReport.period_start == report.period_start,
        CampaignReport.period_end == report.period_end).order_by(CampaignReport.version.desc())))
