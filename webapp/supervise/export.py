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

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from engine.store import Event

from ..models import Case
from .search import content_text, department_name, kind_label

# (header, XLSX column width)
COLUMNS = [("序号", 8), ("时间", 20), ("事件", 14), ("人员", 20), ("部门", 24), ("案件", 16), ("任务", 24),
           ("内容", 60), ("链序号", 10), ("前一哈希", 20), ("哈希", 20)]
HEADERS = [name for name, _ in COLUMNS]
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def rows(events: Iterable[tuple[Event, Case | None]], tz: str) -> Iterator[list]:
    """One list of cell values per event, in the column order of HEADERS (time as local naive datetime)."""
    zone = ZoneInfo(tz)
    for n, (event, case) in enumerate(events, start=1):
        yield [n, event.created_at.astimezone(zone).replace(tzinfo=None), kind_label(event.kind), event.actor,
               department_name(event.actor_department), case.number if case else (event.case_id or ""),
               event.title or "", content_text(event), event.chain_no, event.prev_hash, event.hash]


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
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("审计事件")
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(value, font=None):
        c = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value)
        if isinstance(value, str):
            c.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        elif isinstance(value, datetime):
            c.number_format = "yyyy-mm-dd hh:mm:ss"
        if font is not None:
            c.font = font
        return c

    sheet.append([cell(name, bold) for name in HEADERS])
    for row in values:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
