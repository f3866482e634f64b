"""The scheduled reminders: due within one working day, overdue, and each department head's daily digest.

Run by ``flask notify sweep`` (cron or a systemd timer every few minutes, beside ``flask timers run``).
Only on working days (``rules.calendar``) and from WELLS_NOTIFY_HOUR China time on: nobody gets an SMS at
night or on a holiday. Idempotent: each row's key is the person (or robot), the task, the kind and the
China day, so a second sweep that day writes nothing, and the next working day reminds again of what is
still overdue.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.tables import OpenTask
from rules import calendar, deadlines
from rules.timezone import CHINA

from ..models import Case, Department, User
from ..tasks.queries import department_users
from .messages import Reminder, send
from .wording import china_time, due_words, task_line

DIGEST_LIST = 10  # overdue tasks named in a digest; the rest are counted


@dataclass
class Result:
    day: date
    skipped: str = ""     # why nothing was looked at (not a working day, too early)
    due_soon: int = 0
    overdue: int = 0
    digests: int = 0

    @property
    def written(self) -> int:
        return self.due_soon + self.overdue + self.digests


def horizon(today: date) -> datetime:
    """The end of the next working day after ``today`` (24:00 China time): "due within one working day"."""
    following = deadlines.next_working_day(today + timedelta(days=1))
    return datetime.combine(following + timedelta(days=1), time(), CHINA)


def _people(session: Session, task: OpenTask) -> list[User]:
    if task.assignee:
        return list(session.scalars(select(User).where(User.username == task.assignee)))
    return department_users(session, task.department)


def run(session: Session, now: datetime, start_hour: int) -> Result:
    """Write the day's reminders in the caller's transaction (the caller commits)."""
    local = now.astimezone(CHINA)
    today = local.date()
    result = Result(today)
    if not calendar.is_working_day(today):
        result.skipped = "今天不是工作日，不发送提醒。"
        return result
    if local.hour < start_hour:
        result.skipped = f"{start_hour}点前不发送提醒。"
        return result
    day = today.isoformat()
    tasks = list(session.scalars(select(OpenTask).where(OpenTask.due_at.is_not(None),
                                                        OpenTask.due_at < horizon(today))
                                 .order_by(OpenTask.due_at)))
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_({t.case_id for t in tasks})))} \
        if tasks else {}
    for task in tasks:
        case = cases.get(task.case_id)
        if task.due_at <= now:
            reminder = Reminder(f"late:{task.task_guid}:{day}", f"任务已超期：{task.title}",
                                f"{task_line(task, case)}已超过办理期限（{china_time(task.due_at)}），请尽快办理。",
                                task.case_id)
            result.overdue += send(session, reminder, _people(session, task), task.department)
        else:
            reminder = Reminder(f"due:{task.task_guid}:{day}", f"任务即将到期：{task.title}",
                                f"{task_line(task, case)}将在一个工作日内到期。{due_words(task)}请按时办理。",
                                task.case_id)
            result.due_soon += send(session, reminder, _people(session, task), task.department)
    result.digests = _digests(session, now, today)
    return result


def _digests(session: Session, now: datetime, today: date) -> int:
    """One summary a day for each department head whose department has open tasks."""
    heads = defaultdict(list)
    for user in session.scalars(select(User).join(Department).where(User.role == "head", User.active.is_(True))):
        heads[user.department.code].append(user)
    if not heads:
        return 0
    soon = horizon(today)
    written = 0
    for code, people in sorted(heads.items()):
        tasks = list(session.scalars(select(OpenTask).where(OpenTask.department == code)
                                     .order_by(OpenTask.due_at.is_(None), OpenTask.due_at)))
        if not tasks:
            continue
        late = [t for t in tasks if t.due_at is not None and t.due_at <= now]
        due = [t for t in tasks if t.due_at is not None and now < t.due_at < soon]
        pool = sum(1 for t in tasks if not t.assignee)
        lines = [f"{people[0].department.name}待办 {len(tasks)} 项：未认领 {pool} 项，一个工作日内到期 {len(due)} 项，"
                 f"已超期 {len(late)} 项。"]
        for task in late[:DIGEST_LIST]:
            who = f"（{task.assignee}）" if task.assignee else "（未认领）"
            lines.append(f"超期：{task.title}，{task.party_name or task.well_no}，期限{china_time(task.due_at)}{who}")
        if len(late) > DIGEST_LIST:
            lines.append(f"另有 {len(late) - DIGEST_LIST} 项超期任务，请登录平台查看。")
        reminder = Reminder(f"digest:{code}:{today.isoformat()}", f"{today.month}月{today.day}日本部门待办汇总",
                            "\n".join(lines))
        written += send(session, reminder, people, code)
    return written
