"""The audit export as CSV (UTF-8 with BOM, so Excel on Chinese Windows reads it) and as XLSX.

Cells that a spreadsheet would run as a formula (a user name typed on the log-in page may start
with "="), and characters XLSX cannot hold, are neutralised: the file is evidence, not a program.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.tables import Event

from ..core import spreadsheets
from ..models import Case
from .search import content_text, department_name, kind_label

# (header, XLSX column width)
COLUMNS = [("序号", 8), ("时间", 20), ("事件", 14), ("人员", 20), ("部门", 24), ("案件", 16), ("任务", 24),
           ("内容", 60), ("审计链", 8), ("链序号", 10), ("前一哈希", 20), ("哈希", 20)]
HEADERS = [name for name, _ in COLUMNS]
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def rows(events: Iterable[tuple[Event, Case | None]], tz: str) -> Iterator[list]:
    """One list of cell values per event, in the column order of HEADERS (time as local naive datetime)."""
    zone = ZoneInfo(tz)
    for n, (event, case) in enumerate(events, start=1):
        yield [n, event.created_at.astimezone(zone).replace(tzinfo=None), kind_label(event.kind), event.actor,
               department_name(event.actor_department), case.number if case else (event.case_id or ""),
               event.title or "", content_text(event), event.chain, event.chain_no, event.prev_hash, event.hash]


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(values: Iterable[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in values:
        writer.writerow([v.strftime(TIME_FORMAT) if isinstance(v, datetime) else
                         _text(v) if isinstance(v, str) else v for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(values: Iterable[list]) -> bytes:
    return spreadsheets.workbook([("审计事件", COLUMNS, values)])
