"""XLSX workbooks for downloads (openpyxl, write-only): bold frozen header, widths, safe cells.

A cell a spreadsheet would run as a formula (a name typed as "=…") is stored as text, and characters
XLSX cannot hold are replaced: an export is a record, not a program.
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Sheet = tuple[str, list[tuple[str, int]], Iterable[list]]  # (title, [(header, width)], rows)


def download(data: bytes, stem: str):
    """A workbook as a download named after the day in China (``cases-20260302.xlsx``), never cached:
    a copy of personal data stays in no proxy or browser cache."""
    from flask import current_app, send_file

    from engine.tables import utcnow

    day = utcnow().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%Y%m%d")
    response = send_file(io.BytesIO(data), as_attachment=True, download_name=f"{stem}-{day}.xlsx", max_age=0,
                         mimetype=XLSX)
    response.headers["Cache-Control"] = "no-store"
    return response


def workbook(sheets: list[Sheet]) -> bytes:
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title)
        for index, (_, width) in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([_cell(sheet, header, bold) for header, _ in columns])
        for row in rows:
            sheet.append([_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet, value, font=None):
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
    elif isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    if font is not None:
        cell.font = font
    return cell
