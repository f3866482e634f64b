"""The error report: the uploaded sheet's rows with each wrong cell filled red and commented, and an
错误 column per row.

What is kept is not the upload but the rows the check already read (header, non-blank rows and their
row numbers, at most 2,000) and the problems, as JSON under ``UPLOAD_DIR``/ledger with a random name, for
the report download; it is never in the session cookie. The download writes a new workbook from them
(openpyxl write-only), so a file is parsed once, when it is checked, and the report costs what 2,000
rows cost whatever the upload was. Each user keeps at most ``KEEP_PER_USER`` reports (older ones are
dropped when a new one is kept) for at most ``KEEP_SECONDS``; ``flask files sweep`` removes expired ones.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
import time
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .checks import Problem
from .columns import normalize_header
from .template import SHEET

ERROR_HEADER = "错误"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_FONT = Font(color="9C0006")
KEEP_SECONDS = 24 * 3600
KEEP_PER_USER = 5
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def folder(upload_dir: str) -> Path:
    path = Path(upload_dir) / "ledger"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _owner_key(username: str) -> str:
    return hashlib.sha256(username.encode()).hexdigest()[:16]


def _path(upload_dir: str, username: str, token: str) -> Path:
    return folder(upload_dir) / f"{_owner_key(username)}-{token}.json"


def save(upload_dir: str, headers: list[str], body: list[tuple[int, list]], problems: list[Problem],
         username: str, filename: str) -> str:
    mine = sorted(folder(upload_dir).glob(f"{_owner_key(username)}-*.json"), key=lambda p: p.stat().st_mtime)
    for old in mine[:max(0, len(mine) - KEEP_PER_USER + 1)]:  # room for the new one: oldest dropped
        old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    _path(upload_dir, username, token).write_text(json.dumps({
        "user": username, "file": filename, "headers": headers, "rows": body,
        "problems": [[p.row, p.header, p.message] for p in problems]}, ensure_ascii=False), encoding="utf-8")
    return token


def load(upload_dir: str, token: str | None, username: str):
    """(headers, rows, file name, problems) of the user's kept report; None if gone, expired or not theirs."""
    if not token or not TOKEN.fullmatch(token):
        return None
    path = _path(upload_dir, username, token)
    try:
        if path.stat().st_mtime < time.time() - KEEP_SECONDS:
            return None
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user") != username:
        return None
    return (meta["headers"], [(number, values) for number, values in meta["rows"]], meta.get("file") or "台账.xlsx",
            [Problem(*p) for p in meta["problems"]])


def expired(upload_dir: str, now: float | None = None) -> list[Path]:
    """Kept reports (and anything else left in the folder) older than KEEP_SECONDS."""
    base = Path(upload_dir) / "ledger"
    if not base.is_dir():
        return []
    cutoff = (now or time.time()) - KEEP_SECONDS
    return [p for p in base.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]


def _cell(sheet, value, fill=None, font=None, comment=None):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # "=…" typed by a clerk stays text, never a formula
    if fill is not None:
        cell.fill = fill
    if font is not None:
        cell.font = font
    if comment:
        cell.comment = Comment(comment, "导入检查", width=260, height=80)
    return cell


def marked_workbook(headers: list[str], rows: list[tuple[int, list]], problems: list[Problem]) -> bytes:
    columns = {}
    for index, text in enumerate(headers, start=1):
        if text:
            columns.setdefault(normalize_header(text), index)
    error_column = columns.get(ERROR_HEADER) or len(headers) + 1
    width = max(len(headers), error_column)
    by_cell, by_row = defaultdict(list), defaultdict(list)
    for p in problems:
        by_row[p.row].append(f"{p.header}：{p.message}" if p.header else p.message)
        column = columns.get(normalize_header(p.header)) if p.header else None
        if column:
            by_cell[(p.row, column)].append(p.message)

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    for index, text in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(30, len(text or "") * 2 + 2))
    sheet.column_dimensions[get_column_letter(error_column)].width = 60
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    title = [_cell(sheet, text or None, font=bold) for text in headers] + [None] * (width - len(headers))
    title[error_column - 1] = _cell(sheet, ERROR_HEADER, font=Font(bold=True, color="9C0006"))
    sheet.append(title)
    next_row = 2
    for number, values in rows:
        while next_row < number:  # the blank rows between, so every row keeps its number in the messages
            sheet.append([])
            next_row += 1
        out = []
        for column in range(1, width + 1):
            if column == error_column:
                text = "；".join(by_row.get(number, [])) or None
                out.append(_cell(sheet, text, font=ERROR_FONT if text else None))
                continue
            value = values[column - 1] if column - 1 < len(values) else None
            messages = by_cell.get((number, column))
            out.append(_cell(sheet, value, fill=ERROR_FILL if messages else None,
                             comment="\n".join(messages) if messages else None))
        sheet.append(out)
        next_row += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
