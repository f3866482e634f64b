"""The words of the reminders: plain Chinese a clerk reads on a phone's lock screen."""
from __future__ import annotations

from datetime import datetime

from rules.timezone import CHINA

from ..models import Case


def china_time(moment: datetime) -> str:
    local = moment.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def task_line(task, case: Case | None) -> str:
    party = f"，{task.party_name}" if task.party_name else ""
    well = f"，井号{task.well_no}" if task.well_no else ""
    number = case.number if case is not None else ""
    return f"案件{number}{party}{well}的“{task.title}”"


def due_words(task) -> str:
    if task.due_at is None:
        return ""
    provisional = "（暂定）" if task.due_provisional else ""
    return f"办理期限：{china_time(task.due_at)}{provisional}。"
